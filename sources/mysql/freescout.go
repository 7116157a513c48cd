package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// freescout reads FreeScout 1.8 (shared/research/source-schemas-2.md §1):
// conversations are the tickets, mailboxes the departments, threads the
// entries. Its TIMESTAMPs are read in the server's default session zone,
// which gives back the APP_TIMEZONE wall clock FreeScout wrote, and placed
// in the configured source zone (required: APP_TIMEZONE is in its .env).
type freescout struct {
	s       *Source
	pf      string
	hasMeta bool // threads.meta (2019): forward links
	hasOrig bool // threads.body_original: edited threads
	// cfs are the custom fields (the paid module's custom_fields) the
	// mapping reads, by id.
	cfs map[int64]fsField
}

// fsField is a custom field of FreeScout's Custom Fields module.
type fsField struct {
	key     string            // Ticket.Fields key
	options map[string]string // a dropdown's (type 1) option labels by key
}

func (f *freescout) t(name string) string { return "`" + f.pf + name + "`" }

func (f *freescout) init(ctx context.Context) error {
	s := f.s
	tabs := []string{"conversations", "threads", "customers", "emails", "users", "mailboxes", "attachments"}
	names := make([]string, len(tabs))
	for i, t := range tabs {
		names[i] = f.pf + t
	}
	have, err := s.schema(ctx, names...)
	if err != nil {
		return err
	}
	if err := have.require(names...); err != nil {
		return err
	}
	// Read when present: a hidden one fails here, never read as absent.
	f.hasMeta = have.has(f.pf+"threads", "meta")
	f.hasOrig = have.has(f.pf+"threads", "body_original")
	if err := have.err(); err != nil {
		return err
	}
	if len(s.fields) > 0 {
		if err := f.initFields(ctx); err != nil {
			return err
		}
	}
	s.wallDST = true
	s.log.Info("reading FreeScout dates as its APP_TIMEZONE wall clock", "zone", s.loc.String())
	return nil
}

// initFields finds the custom fields the mapping reads among the Custom
// Fields module's, by name (several mailboxes may each have one of a name).
func (f *freescout) initFields(ctx context.Context) error {
	s := f.s
	have, err := s.schema(ctx, f.pf+"custom_fields", f.pf+"conversation_custom_field")
	if err != nil {
		return err
	}
	tables := have.table(f.pf+"custom_fields") && have.table(f.pf+"conversation_custom_field")
	if err := have.err(); err != nil {
		return err
	}
	if !tables {
		return s.checkFields("FreeScout custom field (no Custom Fields module tables)", nil)
	}
	rows, err := s.db.QueryContext(ctx, "SELECT id, COALESCE(name, ''), type, COALESCE(options, '') FROM "+f.t("custom_fields"))
	if err != nil {
		return fmt.Errorf("read custom fields: %w", err)
	}
	defer rows.Close()
	var known []string
	f.cfs = map[int64]fsField{}
	for rows.Next() {
		var id, typ int64
		var name, options string
		if err := rows.Scan(&id, &name, &typ, &options); err != nil {
			return err
		}
		known = append(known, name)
		key, ok := s.field(name)
		if !ok {
			continue
		}
		cf := fsField{key: key}
		if typ == 1 && options != "" {
			// A dropdown stores the option's key; its label is
			// options[key] (a JSON object, or a list indexed by key).
			if err := json.Unmarshal([]byte(options), &cf.options); err != nil {
				var list []string
				if json.Unmarshal([]byte(options), &list) == nil {
					cf.options = map[string]string{}
					for i, l := range list {
						cf.options[strconv.Itoa(i)] = l
					}
				}
			}
		}
		f.cfs[id] = cf
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read custom fields: %w", err)
	}
	return s.checkFields("FreeScout custom field", known)
}

// pageFields reads the mapped custom fields of a page's conversations.
func (f *freescout) pageFields(ctx context.Context, hs []header) error {
	byID := byKey(hs)
	rows, err := f.s.db.QueryContext(ctx, "SELECT conversation_id, custom_field_id, COALESCE(value, '') FROM "+f.t("conversation_custom_field")+
		" WHERE conversation_id IN ("+inList(hs)+") ORDER BY conversation_id, custom_field_id")
	if err != nil {
		return fmt.Errorf("read custom field values: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cid, fid int64
		var v string
		if err := rows.Scan(&cid, &fid, &v); err != nil {
			return err
		}
		cf, ok := f.cfs[fid]
		t := byID[cid]
		if !ok || t == nil {
			continue
		}
		if l, ok := cf.options[v]; ok {
			v = l
		}
		setField(t, cf.key, v)
	}
	return rows.Err()
}

// migrated is the condition on threads (alias a) that are migrated:
// published customer messages, agent replies and notes, not the copies a
// forward made in the child conversation (meta fw_pci, or the older
// forward_parent_conversation_id).
func (f *freescout) migrated(a string) string {
	c := a + ".state = 2 AND " + a + ".type IN (1, 2, 3)"
	if f.hasMeta {
		c += " AND COALESCE(" + a + `.meta, '') NOT LIKE '%"fw\_pci"%'` +
			" AND COALESCE(" + a + `.meta, '') NOT LIKE '%"forward\_parent\_conversation\_id"%'`
	}
	return c
}

// where selects the conversations read: published, not spam, with at least
// one migrated thread (a bare forwarded copy has none). The thread test is
// a scalar subquery, not EXISTS: MariaDB turns an EXISTS into a semi-join
// that materialises every thread for each keyset page.
func (f *freescout) where() string {
	return " WHERE c.state = 2 AND c.status <> 4 AND (SELECT 1 FROM " + f.t("threads") + " x" +
		" WHERE x.conversation_id = c.id AND " + f.migrated("x") + " LIMIT 1) IS NOT NULL"
}

func (f *freescout) count(ctx context.Context) (int, error) {
	return f.s.countRows(ctx, "SELECT COUNT(*) FROM "+f.t("conversations")+" c"+f.where())
}

var freescoutStatuses = map[int64]string{1: "active", 2: "pending", 3: "closed"}

func (f *freescout) page(ctx context.Context, after any, n int) ([]header, error) {
	s := f.s
	q := "SELECT c.id, c.number, COALESCE(c.subject, ''), c.mailbox_id, COALESCE(m.name, ''), c.status," +
		" COALESCE(ua.email, ''), COALESCE(TRIM(CONCAT_WS(' ', ua.first_name, ua.last_name)), '')," +
		" c.customer_id, cu.id IS NOT NULL, COALESCE(TRIM(CONCAT_WS(' ', cu.first_name, cu.last_name)), '')," +
		" COALESCE(NULLIF(c.customer_email, ''), (SELECT e.email FROM " + f.t("emails") + " e WHERE e.customer_id = c.customer_id ORDER BY e.id LIMIT 1), '')," +
		" c.cc, c.created_at, c.updated_at," +
		" (SELECT MAX(x.updated_at) FROM " + f.t("threads") + " x WHERE x.conversation_id = c.id)" +
		" FROM " + f.t("conversations") + " c" +
		" LEFT JOIN " + f.t("mailboxes") + " m ON m.id = c.mailbox_id" +
		" LEFT JOIN " + f.t("customers") + " cu ON cu.id = c.customer_id" +
		" LEFT JOIN " + f.t("users") + " ua ON ua.id = c.user_id" +
		f.where() + " AND c.id > ? ORDER BY c.id LIMIT ?"
	hs, err := s.keyset(ctx, q, after, n, func(rows *sql.Rows) (header, error) {
		var id, number, mailboxID, status int64
		var customerID sql.NullInt64
		var found bool
		var subject, mailbox, aemail, aname, cname, cemail string
		var cc, created, updated, threadsUpdated sql.NullString
		if err := rows.Scan(&id, &number, &subject, &mailboxID, &mailbox, &status, &aemail, &aname, &customerID, &found, &cname, &cemail,
			&cc, &created, &updated, &threadsUpdated); err != nil {
			return header{}, err
		}
		t := &sources.Ticket{
			ID:         strconv.FormatInt(id, 10),
			Origin:     fmt.Sprintf("%sconversations id=%d number=%d", f.pf, id, number),
			Subject:    subject,
			Department: mailbox,
			Status:     freescoutStatuses[status],
			Requester:  sources.Person{Name: cname, Email: cemail},
			Number:     strconv.FormatInt(number, 10),
			// conversations.user_id; threads.user_id is only its history.
			Assignee: sources.Person{Name: aname, Email: deletedSuffix.ReplaceAllString(aemail, "")},
		}
		if t.Department == "" {
			t.Department = strconv.FormatInt(mailboxID, 10)
		}
		if t.Status == "" {
			t.Status = strconv.FormatInt(status, 10)
		}
		t.CC = jsonAddresses(t, cc, "", t.Origin, "cc")
		t.Created = s.timeField(t, created, "", t.Origin, "created_at", true)
		t.Updated = later(s.timeField(t, updated, "", t.Origin, "updated_at", false),
			s.timeField(t, threadsUpdated, "", t.Origin, "threads.updated_at", false))
		switch {
		case !customerID.Valid:
			t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Origin: t.Origin, Field: "customer_id",
				Message: "the conversation has no customer"})
		case !found:
			t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Origin: t.Origin, Field: "customer_id",
				Message: fmt.Sprintf("the conversation's customer (id %d) no longer exists", customerID.Int64)})
		case cemail == "":
			t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Origin: t.Origin, Field: "customer_email",
				Message: fmt.Sprintf("customer %d has no email address", customerID.Int64)})
		}
		if subject == "" {
			t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Origin: t.Origin, Field: "subject",
				Message: "the conversation has no subject"})
		}
		return header{key: id, t: t}, nil
	})
	if err != nil {
		return nil, err
	}
	if len(hs) > 0 && len(f.cfs) > 0 {
		if err := f.pageFields(ctx, hs); err != nil {
			return nil, err
		}
	}
	return hs, nil
}

// jsonAddresses reads a JSON array of addresses (FreeScout's cc), adding a
// problem to t when it is not one.
func jsonAddresses(t *sources.Ticket, v sql.NullString, entry, origin, field string) []string {
	raw := strings.TrimSpace(v.String)
	if !v.Valid || raw == "" || raw == "null" {
		return nil
	}
	var list []string
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeBadValue, Entry: entry, Origin: origin, Field: field,
			Message: fmt.Sprintf("cannot read %q as a JSON list of addresses; left out", raw)})
		return nil
	}
	var out []string
	for _, a := range list {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// fsThread is one thread row, before it becomes a sources.Entry.
type fsThread struct {
	id, typ                                       int64
	created                                       sql.NullString
	body                                          sql.NullString
	userID, customerID                            sql.NullInt64
	userFound, customerFound                      bool
	userEmail, userName, customerName, customerEm string
}

func (r fsThread) order() (sql.NullString, int64) { return r.created, r.id }

type fsAttachment struct {
	id, size      int64
	name, relPath string
}

func (f *freescout) thread(ctx context.Context, h header) error {
	return f.threads(ctx, []header{h})
}

// threads reads the threads of the conversations in hs with one query,
// and their attachments by thread id in batches, each thread sorted by
// created_at then id (sortThreads), as FreeScout shows it. Both
// queries start from the ids (STRAIGHT_JOIN), so that the threads are
// found through their conversation_id index even when the table's
// statistics are stale: an IN list alone let MariaDB scan the whole table
// for every page.
func (f *freescout) threads(ctx context.Context, hs []header) error {
	s := f.s
	threads, err := group(ctx, s, "read threads", "SELECT t.conversation_id, t.id, t.type, t.created_at, t.body,"+
		" t.created_by_user_id, u.id IS NOT NULL, COALESCE(u.email, ''), COALESCE(TRIM(CONCAT_WS(' ', u.first_name, u.last_name)), ''),"+
		" t.created_by_customer_id, cu.id IS NOT NULL, COALESCE(TRIM(CONCAT_WS(' ', cu.first_name, cu.last_name)), ''),"+
		" COALESCE(NULLIF(t.`from`, ''), (SELECT e.email FROM "+f.t("emails")+" e WHERE e.customer_id = t.created_by_customer_id ORDER BY e.id LIMIT 1), '')"+
		" FROM "+f.t("conversations")+" c STRAIGHT_JOIN "+f.t("threads")+" t ON t.conversation_id = c.id"+
		" LEFT JOIN "+f.t("users")+" u ON u.id = t.created_by_user_id"+
		" LEFT JOIN "+f.t("customers")+" cu ON cu.id = t.created_by_customer_id"+
		" WHERE c.id IN ("+inList(hs)+") AND "+f.migrated("t"), nil, func(rows *sql.Rows) (int64, fsThread, error) {
		var cid int64
		var r fsThread
		err := rows.Scan(&cid, &r.id, &r.typ, &r.created, &r.body, &r.userID, &r.userFound, &r.userEmail, &r.userName,
			&r.customerID, &r.customerFound, &r.customerName, &r.customerEm)
		return cid, r, err
	})
	if err != nil {
		return err
	}
	atts, err := groupBatched(ctx, s, "read attachments", sortThreads(threads), func(list string) string {
		return "SELECT a.thread_id, a.id, a.file_name, COALESCE(a.size, -1)," +
			` CONCAT(REPLACE(COALESCE(a.file_dir, ''), '\\', '/'), a.file_name)` +
			" FROM " + f.t("threads") + " t STRAIGHT_JOIN " + f.t("attachments") + " a ON a.thread_id = t.id" +
			" WHERE t.id IN (" + list + ") ORDER BY a.thread_id, a.id"
	}, func(rows *sql.Rows) (int64, fsAttachment, error) {
		var tid int64
		var a fsAttachment
		err := rows.Scan(&tid, &a.id, &a.name, &a.size, &a.relPath)
		return tid, a, err
	})
	if err != nil {
		return err
	}
	for _, h := range hs {
		ts := threads[h.key.(int64)]
		for i := range ts {
			f.entry(h.t, &ts[i], atts[ts[i].id])
		}
	}
	return nil
}

// deletedSuffix is what FreeScout appends to a deleted agent's email.
var deletedSuffix = regexp.MustCompile(`_deleted[0-9]*$`)

// fsInlineImage is an inline image's src as FreeScout stores it:
// <APP_URL>/storage/attachment/<file_dir><file_name>?id=<attachment id>&token=...
var fsInlineImage = regexp.MustCompile(`(<img\b[^>]*?\bsrc=["'])[^"']*/storage/attachment/[^"'?]*\?(?:[^"']*?(?:&amp;|&))?id=([0-9]+)[^"']*(["'])`)

func (f *freescout) entry(t *sources.Ticket, r *fsThread, atts []fsAttachment) {
	s := f.s
	e := sources.Entry{
		ID:     strconv.FormatInt(r.id, 10),
		Origin: fmt.Sprintf("%sthreads id=%d", f.pf, r.id),
		Body:   r.body.String,
		Format: sources.HTML,
	}
	e.Created = s.timeField(t, r.created, e.ID, e.Origin, "created_at", true)
	// Inline images point at FreeScout's download URL; the planner's
	// inline-image marker wants cid:<the attachment's ContentID>.
	e.Body = fsInlineImage.ReplaceAllString(e.Body, "${1}cid:${2}${3}")
	missing := func(field, msg string) {
		t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Entry: e.ID, Origin: e.Origin,
			Field: field, Message: msg})
	}
	switch r.typ {
	case 1:
		e.Kind = sources.CustomerReply
		e.Author = sources.Person{Name: r.customerName, Email: r.customerEm}
		if r.customerID.Valid && !r.customerFound {
			missing("created_by_customer_id", fmt.Sprintf("the message's customer (id %d) no longer exists", r.customerID.Int64))
		}
	default:
		e.Kind = sources.StaffReply
		if r.typ == 3 {
			e.Kind = sources.Note
		}
		e.Author = sources.Person{Name: r.userName, Email: deletedSuffix.ReplaceAllString(r.userEmail, "")}
		switch {
		case !r.userID.Valid:
			missing("created_by_user_id", "the thread has no agent; it goes to mapping.default_staff")
		case !r.userFound:
			missing("created_by_user_id", fmt.Sprintf("the thread's agent (user %d) no longer exists; it goes to mapping.default_staff", r.userID.Int64))
		}
	}
	for _, a := range atts {
		att, ok := s.fileAttachment(t, e.ID, e.Origin, a.relPath, a.name)
		if !ok {
			continue
		}
		att.ContentID = strconv.FormatInt(a.id, 10)
		e.Attachments = append(e.Attachments, att)
	}
	t.Entries = append(t.Entries, e)
}

// omitted counts what the preset leaves out: draft, deleted and spam
// conversations, conversations with nothing but forwarded copies or line
// items; in the others, draft, line-item, hidden and copy threads, and the
// original bodies of edited threads.
func (f *freescout) omitted(ctx context.Context) ([]sources.Omission, error) {
	s := f.s
	var drafts, deleted, spam, empty int
	err := s.db.QueryRowContext(ctx, "SELECT COALESCE(SUM(c.state = 1), 0), COALESCE(SUM(c.state = 3), 0),"+
		" COALESCE(SUM(c.state = 2 AND c.status = 4), 0),"+
		" COALESCE(SUM(c.state = 2 AND c.status <> 4 AND NOT EXISTS (SELECT 1 FROM "+f.t("threads")+" x"+
		" WHERE x.conversation_id = c.id AND "+f.migrated("x")+")), 0)"+
		" FROM "+f.t("conversations")+" c").Scan(&drafts, &deleted, &spam, &empty)
	if err != nil {
		return nil, err
	}
	copies, orig := "0", "0"
	if f.hasMeta {
		copies = "t.state = 2 AND t.type IN (1, 2, 3) AND NOT (" + f.migrated("t") + ")"
	}
	if f.hasOrig {
		orig = "(" + f.migrated("t") + ") AND COALESCE(t.body_original, '') <> ''"
	}
	var tDrafts, tLines, tHidden, tCopies, tOrig int
	err = s.db.QueryRowContext(ctx, "SELECT COALESCE(SUM(t.state = 1), 0), COALESCE(SUM(t.state <> 1 AND t.type = 4), 0),"+
		" COALESCE(SUM(t.state <> 1 AND t.type <> 4 AND (t.state <> 2 OR t.type NOT IN (1, 2, 3))), 0),"+
		" COALESCE(SUM("+copies+"), 0), COALESCE(SUM("+orig+"), 0)"+
		" FROM "+f.t("threads")+" t JOIN "+f.t("conversations")+" c ON c.id = t.conversation_id"+
		" WHERE c.state = 2 AND c.status <> 4").Scan(&tDrafts, &tLines, &tHidden, &tCopies, &tOrig)
	if err != nil {
		return nil, err
	}
	conv, th := f.pf+"conversations", f.pf+"threads"
	var out []sources.Omission
	out = omission(out, drafts, sources.CodeLeftOutDraft, conv, "%d draft conversations, never sent (state 1)")
	out = omission(out, deleted, sources.CodeLeftOutDeleted, conv, "%d deleted conversations, the husks of merges among them (state 3)")
	out = omission(out, spam, sources.CodeLeftOutSpam, conv, "%d spam conversations (status 4)")
	out = omission(out, empty, sources.CodeLeftOutForwardCopy, conv, "%d conversations holding only forwarded copies or line items")
	out = omission(out, tDrafts, sources.CodeLeftOutDraft, th, "%d draft replies and notes, never sent (state 1)")
	out = omission(out, tLines, sources.CodeLeftOutLineItem, th, "%d line items: status, assignee, mailbox and customer changes, merges (type 4)")
	out = omission(out, tHidden, sources.CodeLeftOutHidden, th, "%d hidden, in-review or chat threads (state 3 or 4, type 8)")
	out = omission(out, tCopies, sources.CodeLeftOutForwardCopy, th, "%d forwarded copies of notes (meta fw_pci); the notes are migrated")
	out = omission(out, tOrig, sources.CodeLeftOutEditedOriginal, th, "%d original bodies of edited threads (body_original); the edited text is migrated")
	return out, nil
}
