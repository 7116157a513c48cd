package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// BlestaSystemAuthor is the author name of Blesta's system replies
// (support_replies.staff_id 0, type reply: auto-close messages, merge
// notices). They are migrated as staff replies, since the customer received
// them; mapping.staff can name an admin for this name, else they go to
// mapping.default_staff.
const BlestaSystemAuthor = "Blesta system"

// blesta reads Blesta 5's Support Manager plugin (3.x; 2.x works where the
// columns exist) (shared/research/source-schemas-2.md §2): support_tickets
// of one company (by department), support_replies as entries, Markdown
// bodies, DATETIMEs in UTC, attachments by the absolute path Blesta stored,
// re-rooted under attachments_dir.
type blesta struct {
	s          *Source
	company    int64
	uploads    string // Blesta's uploads_dir, as recorded
	hasUpdated bool   // support_tickets.date_updated (2.14.0)
	hasContact bool   // support_replies.contact_id (2.5.0)
	hasRecips  bool   // support_ticket_recipients (2.35.0)
	hasAI      bool   // support_ai_response_analyses (3.2.0)
	depts      map[int64]string
	deptList   string // the company's department ids, as a SQL list
	// cfs are the department fields (custom fields) the mapping reads, by
	// id, as their Ticket.Fields keys.
	cfs map[int64]string
}

func (b *blesta) init(ctx context.Context) error {
	s := b.s
	have, err := s.schema(ctx, "support_tickets", "support_replies", "support_attachments", "support_departments", "staff",
		"contacts", "support_ticket_recipients", "support_ai_response_analyses", "settings", "company_settings")
	if err != nil {
		return err
	}
	if err := have.require("support_tickets", "support_replies", "support_attachments", "support_departments", "staff", "contacts"); err != nil {
		return err
	}
	// Read when present: a hidden one fails here, never read as absent.
	b.hasUpdated = have.has("support_tickets", "date_updated")
	b.hasContact = have.has("support_replies", "contact_id")
	b.hasRecips = have.table("support_ticket_recipients")
	b.hasAI = have.table("support_ai_response_analyses")
	settings := map[string]bool{"settings": have.table("settings"), "company_settings": have.table("company_settings")}
	if err := have.err(); err != nil {
		return err
	}
	// The company's departments: few, read once, so that the ticket pages
	// are a range of the primary key filtered by department, not a join
	// that MariaDB would drive from the departments, sorting every ticket
	// of the company for each page.
	rows, err := s.db.QueryContext(ctx, "SELECT id, name FROM support_departments WHERE company_id = ? ORDER BY id", b.company)
	if err != nil {
		return fmt.Errorf("read departments: %w", err)
	}
	b.depts = map[int64]string{}
	var ids []string
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return err
		}
		b.depts[id] = name
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read departments: %w", err)
	}
	if len(ids) == 0 {
		s.log.Warn("Blesta company has no support departments: no ticket to read", "company_id", b.company)
		ids = []string{"NULL"}
	}
	b.deptList = strings.Join(ids, ",")
	if len(s.fields) > 0 {
		if err := b.initFields(ctx); err != nil {
			return err
		}
	}
	// Blesta stores UTC whatever its display zone: the configured source
	// zone is not used.
	s.loc = time.UTC
	s.log.Info("reading Blesta dates as UTC", "company_id", b.company)

	// The uploads directory the stored attachment paths start with: the
	// company's setting, else the system's.
	for _, q := range []struct {
		table, sql string
		args       []any
	}{
		{"company_settings", "SELECT value FROM company_settings WHERE `key` = 'uploads_dir' AND company_id = ?", []any{b.company}},
		{"settings", "SELECT value FROM settings WHERE `key` = 'uploads_dir'", nil},
	} {
		if !settings[q.table] {
			continue
		}
		var v sql.NullString
		err := s.db.QueryRowContext(ctx, q.sql, q.args...).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && strings.TrimSpace(v.String) == "") {
			continue
		}
		if err != nil {
			return fmt.Errorf("read uploads_dir from %s: %w", q.table, err)
		}
		b.uploads = strings.TrimSpace(v.String)
		break
	}
	if b.uploads == "" {
		s.log.Warn("Blesta has no uploads_dir setting; attachments are found by their <company>/support_manager_files/<file> tail")
	}
	return nil
}

// initFields finds the custom fields (department fields, 2.28.0) the
// mapping reads, by label, among the company's departments'.
func (b *blesta) initFields(ctx context.Context) error {
	s := b.s
	more, err := s.schema(ctx, "support_department_fields", "support_ticket_fields")
	if err != nil {
		return err
	}
	tables := more.table("support_department_fields") && more.table("support_ticket_fields")
	if err := more.err(); err != nil {
		return err
	}
	if !tables {
		return s.checkFields("Blesta department field (no custom-field tables: Support Manager before 2.28)", nil)
	}
	rows, err := s.db.QueryContext(ctx, "SELECT id, COALESCE(label, '') FROM support_department_fields WHERE department_id IN ("+b.deptList+")")
	if err != nil {
		return fmt.Errorf("read department fields: %w", err)
	}
	defer rows.Close()
	var known []string
	b.cfs = map[int64]string{}
	for rows.Next() {
		var id int64
		var label string
		if err := rows.Scan(&id, &label); err != nil {
			return err
		}
		known = append(known, label)
		if key, ok := s.field(label); ok {
			b.cfs[id] = key
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read department fields: %w", err)
	}
	return s.checkFields("Blesta department field", known)
}

// pageFields reads the mapped custom fields of a page's tickets. An
// encrypted value cannot be read without the install's key: a warning.
func (b *blesta) pageFields(ctx context.Context, hs []header) error {
	byID := byKey(hs)
	rows, err := b.s.db.QueryContext(ctx, "SELECT ticket_id, field_id, COALESCE(value, ''), encrypted FROM support_ticket_fields"+
		" WHERE ticket_id IN ("+inList(hs)+") ORDER BY ticket_id, field_id")
	if err != nil {
		return fmt.Errorf("read ticket fields: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var tid, fid int64
		var v string
		var encrypted bool
		if err := rows.Scan(&tid, &fid, &v, &encrypted); err != nil {
			return err
		}
		key, ok := b.cfs[fid]
		t := byID[tid]
		if !ok || t == nil {
			continue
		}
		if encrypted {
			t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeBadValue, Origin: t.Origin, Field: key,
				Message: fmt.Sprintf("custom field %q is encrypted with the Blesta install's key; not carried", key)})
			continue
		}
		setField(t, key, v)
	}
	return rows.Err()
}

// where selects the tickets read (alias t): the company's (by
// department), not trashed.
func (b *blesta) where() string {
	return " WHERE t.department_id IN (" + b.deptList + ") AND t.status <> 'trash'"
}

func (b *blesta) count(ctx context.Context) (int, error) {
	return b.s.countRows(ctx, "SELECT COUNT(*) FROM support_tickets t"+b.where())
}

func (b *blesta) page(ctx context.Context, after any, n int) ([]header, error) {
	s := b.s
	updated := "NULL"
	if b.hasUpdated {
		updated = "t.date_updated"
	}
	// One primary contact per client (the lowest id), so that a client
	// with two primaries cannot repeat a ticket.
	q := "SELECT t.id, CAST(t.code AS CHAR), t.summary, t.department_id, t.status, t.priority, t.client_id, pc.id IS NOT NULL," +
		" COALESCE(sa.email, ''), COALESCE(TRIM(CONCAT_WS(' ', sa.first_name, sa.last_name)), '')," +
		" COALESCE(TRIM(CONCAT_WS(' ', pc.first_name, pc.last_name)), ''), COALESCE(pc.email, t.email, '')," +
		" t.date_added, " + updated + ", t.date_closed," +
		" (SELECT MAX(r.date_added) FROM support_replies r WHERE r.ticket_id = t.id)" +
		" FROM support_tickets t FORCE INDEX (PRIMARY)" +
		" LEFT JOIN contacts pc ON pc.id = (SELECT MIN(p.id) FROM contacts p WHERE p.client_id = t.client_id AND p.contact_type = 'primary')" +
		" LEFT JOIN staff sa ON sa.id = t.staff_id" +
		b.where() + " AND t.id > ? ORDER BY t.id LIMIT ?"
	hs, err := s.keyset(ctx, q, after, n, func(rows *sql.Rows) (header, error) {
		var id, dept int64
		var code, summary, status, prio, aemail, aname, name, email string
		var client sql.NullInt64
		var contact bool
		var added, upd, closed, lastReply sql.NullString
		if err := rows.Scan(&id, &code, &summary, &dept, &status, &prio, &client, &contact, &aemail, &aname, &name, &email,
			&added, &upd, &closed, &lastReply); err != nil {
			return header{}, err
		}
		t := &sources.Ticket{
			ID:         strconv.FormatInt(id, 10),
			Origin:     fmt.Sprintf("support_tickets id=%d code=%s", id, code),
			Subject:    summary,
			Department: b.depts[dept],
			Status:     status,
			Priority:   prio,
			Requester:  sources.Person{Name: name, Email: email},
			Number:     code,                                       // random 7 digits, not unique
			Assignee:   sources.Person{Name: aname, Email: aemail}, // staff_id
		}
		t.Created = s.timeField(t, added, "", t.Origin, "date_added", true)
		t.Updated = later(later(s.timeField(t, upd, "", t.Origin, "date_updated", false),
			s.timeField(t, closed, "", t.Origin, "date_closed", false)),
			s.timeField(t, lastReply, "", t.Origin, "support_replies.date_added", false))
		switch {
		case client.Valid && !contact:
			t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Origin: t.Origin, Field: "client_id",
				Message: fmt.Sprintf("client %d has no primary contact (its email)", client.Int64)})
		case email == "":
			t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Origin: t.Origin, Field: "email",
				Message: "a guest ticket without an email address"})
		}
		if summary == "" {
			t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Origin: t.Origin, Field: "summary",
				Message: "the ticket has no summary (subject)"})
		}
		return header{key: id, t: t}, nil
	})
	if err != nil {
		return nil, err
	}
	if len(hs) > 0 && len(b.cfs) > 0 {
		if err := b.pageFields(ctx, hs); err != nil {
			return nil, err
		}
	}
	if len(hs) == 0 || !b.hasRecips {
		return hs, nil
	}
	// Recipients (CC), for the page at once.
	byID := byKey(hs)
	rrows, err := s.db.QueryContext(ctx, "SELECT r.ticket_id, COALESCE(NULLIF(r.email, ''), c.email, '')"+
		" FROM support_ticket_recipients r LEFT JOIN contacts c ON c.id = r.contact_id"+
		" WHERE r.ticket_id IN ("+inList(hs)+") ORDER BY r.ticket_id, r.id")
	if err != nil {
		return nil, fmt.Errorf("read recipients: %w", err)
	}
	defer rrows.Close()
	for rrows.Next() {
		var id int64
		var addr string
		if err := rrows.Scan(&id, &addr); err != nil {
			return nil, err
		}
		if t := byID[id]; t != nil && addr != "" && !slices.Contains(t.CC, addr) {
			t.CC = append(t.CC, addr)
		}
	}
	return hs, rrows.Err()
}

// blReply is one support_replies row, before it becomes a sources.Entry.
type blReply struct {
	id                                 int64
	typ                                string
	created                            sql.NullString
	details                            string
	staffID                            sql.NullInt64
	staffFound, contactFound           bool
	staffEmail, staffName, cEmail, cNm string
}

func (r blReply) order() (sql.NullString, int64) { return r.created, r.id }

type blAttachment struct {
	id         int64
	name, path string
}

func (b *blesta) thread(ctx context.Context, h header) error {
	return b.threads(ctx, []header{h})
}

// threads reads the replies and notes (not the log rows) of the tickets in
// hs with one query, and their attachments by reply id in batches; each
// thread is sorted by date_added then id (sortThreads). Both queries start from the
// ids (STRAIGHT_JOIN), so that the rows are found through their ticket_id
// and reply_id indexes even when the statistics are stale.
func (b *blesta) threads(ctx context.Context, hs []header) error {
	s := b.s
	contact := "FALSE"
	if b.hasContact {
		contact = "cc.id = r.contact_id"
	}
	replies, err := group(ctx, s, "read replies", "SELECT r.ticket_id, r.id, r.type, r.date_added, r.details, r.staff_id,"+
		" st.id IS NOT NULL, COALESCE(st.email, ''), COALESCE(TRIM(CONCAT_WS(' ', st.first_name, st.last_name)), ''),"+
		" cc.id IS NOT NULL, COALESCE(cc.email, ''), COALESCE(TRIM(CONCAT_WS(' ', cc.first_name, cc.last_name)), '')"+
		" FROM support_tickets t STRAIGHT_JOIN support_replies r ON r.ticket_id = t.id"+
		" LEFT JOIN staff st ON r.staff_id > 0 AND st.id = r.staff_id"+
		" LEFT JOIN contacts cc ON "+contact+
		" WHERE t.id IN ("+inList(hs)+") AND r.type IN ('reply', 'note')", nil, func(rows *sql.Rows) (int64, blReply, error) {
		var tid int64
		var r blReply
		err := rows.Scan(&tid, &r.id, &r.typ, &r.created, &r.details, &r.staffID, &r.staffFound, &r.staffEmail, &r.staffName,
			&r.contactFound, &r.cEmail, &r.cNm)
		return tid, r, err
	})
	if err != nil {
		return err
	}
	atts, err := groupBatched(ctx, s, "read attachments", sortThreads(replies), func(list string) string {
		return "SELECT a.reply_id, a.id, a.name, a.file_name" +
			" FROM support_replies r STRAIGHT_JOIN support_attachments a ON a.reply_id = r.id" +
			" WHERE r.id IN (" + list + ") ORDER BY a.reply_id, a.id"
	}, func(rows *sql.Rows) (int64, blAttachment, error) {
		var rid int64
		var a blAttachment
		err := rows.Scan(&rid, &a.id, &a.name, &a.path)
		return rid, a, err
	})
	if err != nil {
		return err
	}
	for _, h := range hs {
		rs := replies[h.key.(int64)]
		for i := range rs {
			b.entry(h.t, &rs[i], atts[rs[i].id])
		}
	}
	return nil
}

// blestaInline is a 3.x inline image's target in a Markdown body.
var blestaInline = regexp.MustCompile(`blesta-attachment://([0-9]+)`)

func (b *blesta) entry(t *sources.Ticket, r *blReply, atts []blAttachment) {
	s := b.s
	e := sources.Entry{
		ID:     strconv.FormatInt(r.id, 10),
		Origin: fmt.Sprintf("support_replies id=%d", r.id),
		Body:   blestaInline.ReplaceAllString(r.details, "cid:$1"),
		Format: sources.Markdown,
	}
	e.Created = s.timeField(t, r.created, e.ID, e.Origin, "date_added", true)
	staff := sources.Person{Name: r.staffName, Email: r.staffEmail}
	switch {
	case !r.staffID.Valid:
		// The contact who wrote it, else the ticket's requester: the
		// client's primary contact, or the guest's address.
		e.Author = t.Requester
		if r.contactFound {
			e.Author = sources.Person{Name: r.cNm, Email: r.cEmail}
		}
		e.Kind = sources.CustomerReply
	case r.staffID.Int64 == 0:
		// A system reply: the customer received it, so it stays a
		// reply, from staff (see BlestaSystemAuthor).
		e.Author = sources.Person{Name: BlestaSystemAuthor}
		e.Kind = sources.StaffReply
	default:
		e.Author = staff
		e.Kind = sources.StaffReply
		if !r.staffFound {
			t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Entry: e.ID, Origin: e.Origin,
				Field: "staff_id", Message: fmt.Sprintf("staff %d no longer exists; the entry goes to mapping.default_staff", r.staffID.Int64)})
		}
	}
	if r.typ == "note" {
		e.Kind = sources.Note
	}
	for _, a := range atts {
		rel, ok := b.relPath(a.path)
		if !ok {
			t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeAttachmentPath, Entry: e.ID, Origin: e.Origin,
				Field: "attachment", Message: fmt.Sprintf("attachment %q: stored path %q is neither under uploads_dir %q nor .../<company>/support_manager_files/<file>; left out",
					a.name, a.path, b.uploads)})
			continue
		}
		att, ok := s.fileAttachment(t, e.ID, e.Origin, rel, a.name)
		if !ok {
			continue
		}
		att.ContentID = strconv.FormatInt(a.id, 10)
		e.Attachments = append(e.Attachments, att)
	}
	if strings.TrimSpace(e.Body) == "" && len(e.Attachments) == 0 {
		// Blesta saves a staff reply that only repeated the signature
		// with empty details.
		t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Entry: e.ID, Origin: e.Origin,
			Field: "details", Message: "empty reply (Blesta empties a reply that was only the signature); left out"})
		return
	}
	t.Entries = append(t.Entries, e)
}

// blestaTail is the part of a stored path below uploads_dir, found when the
// recorded prefix does not match (the directory moved).
var blestaTail = regexp.MustCompile(`(?:^|/)([0-9]+/support_manager_files/[^/]+)$`)

// relPath maps an absolute path Blesta stored to one relative to a copy of
// its uploads directory.
func (b *blesta) relPath(stored string) (string, bool) {
	p := strings.ReplaceAll(stored, `\`, "/")
	if u := strings.ReplaceAll(b.uploads, `\`, "/"); u != "" {
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		if rest, ok := strings.CutPrefix(p, u); ok && rest != "" {
			return rest, true
		}
	}
	if m := blestaTail.FindStringSubmatch(p); m != nil {
		return m[1], true
	}
	return "", false
}

// omitted counts what the preset leaves out: the company's trashed tickets
// and the log rows of the others, other companies' tickets, attachments of
// no saved reply, AI-suggested drafts.
func (b *blesta) omitted(ctx context.Context) ([]sources.Omission, error) {
	s := b.s
	var trash, other, logs, orphans, ai int
	err := s.db.QueryRowContext(ctx, "SELECT COALESCE(SUM(d.company_id = ? AND t.status = 'trash'), 0), COALESCE(SUM(d.company_id <> ?), 0)"+
		" FROM support_tickets t JOIN support_departments d ON d.id = t.department_id", b.company, b.company).Scan(&trash, &other)
	if err != nil {
		return nil, err
	}
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM support_replies r JOIN support_tickets t ON t.id = r.ticket_id"+
		" JOIN support_departments d ON d.id = t.department_id AND d.company_id = ?"+
		" WHERE r.type = 'log' AND t.status <> 'trash'", b.company).Scan(&logs); err != nil {
		return nil, err
	}
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM support_attachments a LEFT JOIN support_replies r ON r.id = a.reply_id"+
		" WHERE r.id IS NULL").Scan(&orphans); err != nil {
		return nil, err
	}
	if b.hasAI {
		if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM support_ai_response_analyses").Scan(&ai); err != nil {
			return nil, err
		}
	}
	var out []sources.Omission
	out = omission(out, trash, sources.CodeLeftOutDeleted, "support_tickets", "%d tickets in the trash (status trash)")
	out = omission(out, logs, sources.CodeLeftOutLineItem, "support_replies", "%d log rows: status, priority, department and assignment changes (type log)")
	out = omission(out, orphans, sources.CodeLeftOutOrphanAttachment, "support_attachments", "%d attachments of no saved reply (reply_id 0 or gone), all companies")
	out = omission(out, ai, sources.CodeLeftOutAIDraft, "support_ai_response_analyses", "%d AI-suggested replies, drafts never sent")
	out = omission(out, other, sources.CodeLeftOutOtherCompany, "support_tickets", fmt.Sprintf("%%d tickets of other companies than company_id %d", b.company))
	return out, nil
}
