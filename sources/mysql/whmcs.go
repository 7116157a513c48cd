package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"html"
	"strconv"
	"strings"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

type whmcs struct {
	s      *Source
	pf     string
	depts  map[int64]string
	admins map[string]string // full name -> email ("" when ambiguous)
	sch    *schema
	// byID are the admins by id, for a ticket's flag (its assignee).
	byID map[int64]sources.Person
	// custom maps the support custom fields the mapping reads
	// (tblcustomfields.id) to their Ticket.Fields keys.
	custom map[int64]string
}

func (w *whmcs) t(name string) string { return "`" + w.pf + name + "`" }

func (w *whmcs) has(table, col string) bool { return w.sch.has(w.pf+table, col) }

// col returns "alias.col" when the column exists, def otherwise.
func (w *whmcs) col(table, alias, col, def string) string {
	if w.has(table, col) {
		return alias + "." + col
	}
	return def
}

func (w *whmcs) init(ctx context.Context) error {
	s := w.s
	names := []string{w.pf + "tickets", w.pf + "ticketreplies", w.pf + "ticketnotes", w.pf + "ticketdepartments",
		w.pf + "clients", w.pf + "admins", w.pf + "contacts", w.pf + "customfields", w.pf + "customfieldsvalues"}
	var err error
	if w.sch, err = s.schema(ctx, names...); err != nil {
		return err
	}
	if err := w.sch.require(names[:6]...); err != nil {
		return err
	}
	// The columns read when present (some WHMCS versions lack them): a
	// hidden one fails here, never read as absent.
	w.sch.check(w.pf+"tickets", "merged_ticket_id", "flag", "service", "updated_at", "editor", "attachments_removed", "contactid")
	w.sch.check(w.pf+"ticketreplies", "editor", "attachments_removed", "contactid")
	w.sch.check(w.pf+"ticketnotes", "attachments", "editor", "attachments_removed")
	w.sch.check(w.pf+"contacts", "id")
	if err := w.sch.err(); err != nil {
		return err
	}
	if w.depts, err = lookup[int64, string](ctx, s, "read departments", "SELECT id, name FROM "+w.t("ticketdepartments")); err != nil {
		return err
	}
	if err := w.customFields(ctx); err != nil {
		return err
	}
	rows, err := s.db.QueryContext(ctx, "SELECT id, TRIM(CONCAT_WS(' ', firstname, lastname)), COALESCE(email, '') FROM "+w.t("admins"))
	if err != nil {
		return fmt.Errorf("read admins: %w", err)
	}
	defer rows.Close()
	w.admins = map[string]string{}
	w.byID = map[int64]sources.Person{}
	for rows.Next() {
		var id int64
		var name, email string
		if err := rows.Scan(&id, &name, &email); err != nil {
			return err
		}
		w.byID[id] = sources.Person{Name: name, Email: email}
		if _, dup := w.admins[name]; dup {
			w.admins[name] = "" // two admins with one name: no email
			continue
		}
		w.admins[name] = email
	}
	return rows.Err()
}

// customFields finds the support custom fields the mapping reads, by
// fieldname: the whole of it or either side of a "name|display name".
func (w *whmcs) customFields(ctx context.Context) error {
	s := w.s
	if len(s.fields) == 0 {
		return nil
	}
	w.custom = map[int64]string{}
	var known []string
	if w.sch.table(w.pf+"customfields") && w.sch.table(w.pf+"customfieldsvalues") {
		rows, err := s.db.QueryContext(ctx, "SELECT id, COALESCE(fieldname, '') FROM "+w.t("customfields")+" WHERE type = 'support'")
		if err != nil {
			return fmt.Errorf("read custom fields: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				return err
			}
			names := append([]string{name}, strings.Split(name, "|")...)
			known = append(known, names...)
			if key, ok := s.field(names...); ok {
				w.custom[id] = key
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read custom fields: %w", err)
		}
	}
	if err := w.sch.err(); err != nil {
		return err
	}
	return s.checkFields("WHMCS support custom field", known)
}

// customValues reads the mapped custom fields of the page's tickets.
func (w *whmcs) customValues(ctx context.Context, hs []header, byID map[int64]*sources.Ticket) error {
	if len(w.custom) == 0 || len(hs) == 0 {
		return nil
	}
	var ids []string
	for id := range w.custom {
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	rows, err := w.s.db.QueryContext(ctx, "SELECT relid, fieldid, COALESCE(value, '') FROM "+w.t("customfieldsvalues")+
		" WHERE fieldid IN ("+strings.Join(ids, ",")+") AND relid BETWEEN ? AND ?", hs[0].key, hs[len(hs)-1].key)
	if err != nil {
		return fmt.Errorf("read custom field values: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var relid, fieldid int64
		var value string
		if err := rows.Scan(&relid, &fieldid, &value); err != nil {
			return err
		}
		if t := byID[relid]; t != nil {
			setField(t, w.custom[fieldid], html.UnescapeString(value))
		}
	}
	return rows.Err()
}

func (w *whmcs) where() string {
	if w.has("tickets", "merged_ticket_id") {
		// Merged tickets' replies were moved into the ticket they were merged into.
		return " WHERE t.merged_ticket_id = 0"
	}
	return " WHERE 1 = 1"
}

func (w *whmcs) count(ctx context.Context) (int, error) {
	return w.s.countRows(ctx, "SELECT COUNT(*) FROM "+w.t("tickets")+" t"+w.where())
}

// requester returns SQL for the name and email of a message's customer
// author: contact, else client, else the guest name and email on the row.
func (w *whmcs) requester(table, alias string) (name, email, joins string) {
	joins = " LEFT JOIN " + w.t("clients") + " cl ON " + alias + ".userid > 0 AND cl.id = " + alias + ".userid"
	name = "CASE WHEN " + alias + ".userid > 0 AND cl.id IS NOT NULL THEN TRIM(CONCAT_WS(' ', cl.firstname, cl.lastname)) ELSE " + alias + ".name END"
	email = "CASE WHEN " + alias + ".userid > 0 AND cl.id IS NOT NULL THEN cl.email ELSE " + alias + ".email END"
	if w.has("contacts", "id") && w.has(table, "contactid") {
		joins += " LEFT JOIN " + w.t("contacts") + " ct ON " + alias + ".contactid > 0 AND ct.id = " + alias + ".contactid"
		name = "CASE WHEN ct.id IS NOT NULL THEN TRIM(CONCAT_WS(' ', ct.firstname, ct.lastname)) ELSE " + name + " END"
		email = "CASE WHEN ct.id IS NOT NULL THEN ct.email ELSE " + email + " END"
	}
	return "COALESCE(" + name + ", '')", "COALESCE(" + email + ", '')", joins
}

func (w *whmcs) page(ctx context.Context, after any, n int) ([]header, error) {
	s := w.s
	rname, remail, joins := w.requester("tickets", "t")
	q := "SELECT t.id, COALESCE(t.tid, ''), COALESCE(t.title, ''), t.did, COALESCE(t.status, ''), COALESCE(t.urgency, ''), t.userid, " +
		rname + ", " + remail + ", COALESCE(t.cc, ''), t.date, t.lastreply, " + w.col("tickets", "t", "flag", "0") +
		", COALESCE(" + w.col("tickets", "t", "service", "''") + ", '')" +
		" FROM " + w.t("tickets") + " t" + joins + w.where() + " AND t.id > ? ORDER BY t.id LIMIT ?"
	rows, err := s.db.QueryContext(ctx, q, keyAfter(after), n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hs []header
	paged := map[int64]*sources.Ticket{}
	for rows.Next() {
		var id, did, userid, flag int64
		var tid, subject, status, urgency, name, email, cc, service string
		var date, lastreply sql.NullString
		if err := rows.Scan(&id, &tid, &subject, &did, &status, &urgency, &userid, &name, &email, &cc, &date, &lastreply, &flag, &service); err != nil {
			return nil, err
		}
		t := &sources.Ticket{
			ID:         strconv.FormatInt(id, 10),
			Origin:     fmt.Sprintf("%stickets id=%d tid=%s", w.pf, id, tid),
			Subject:    html.UnescapeString(subject),
			Department: w.depts[did],
			Status:     status,
			Priority:   urgency,
			Requester:  sources.Person{Name: html.UnescapeString(name), Email: email},
			CC:         splitList(cc, ","),
			Number:     tid,
			Assignee:   w.byID[flag], // flag; zero when unassigned
		}
		paged[id] = t
		if s.opts.KeepClientIDs {
			// The old install's client ids mean nothing in the new one
			// unless its clients were copied with them; nor do service and
			// domain ids.
			t.ClientID = userid
			linkService(t, service)
		}
		if t.Department == "" && did != 0 {
			t.Department = strconv.FormatInt(did, 10)
		}
		t.Created = s.timeField(t, date, "", t.Origin, "date", true)
		t.Updated = later(t.Created, s.timeField(t, lastreply, "", t.Origin, "lastreply", false))
		hs = append(hs, header{key: id, t: t})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if err := w.customValues(ctx, hs, paged); err != nil {
		return nil, err
	}
	if w.has("tickets", "updated_at") && len(hs) > 0 {
		// updated_at is a TIMESTAMP, an instant: read it as unix seconds so
		// that the session zone does not matter.
		urows, err := s.db.QueryContext(ctx, "SELECT id, UNIX_TIMESTAMP(updated_at) FROM "+w.t("tickets")+
			" WHERE id BETWEEN ? AND ? AND updated_at IS NOT NULL", hs[0].key, hs[len(hs)-1].key)
		if err != nil {
			return nil, err
		}
		defer urows.Close()
		byID := byKey(hs)
		for urows.Next() {
			var id int64
			var ts sql.NullFloat64
			if err := urows.Scan(&id, &ts); err != nil {
				return nil, err
			}
			if t := byID[id]; t != nil && ts.Valid && ts.Float64 > 0 {
				t.Updated = later(t.Updated, unixTime(ts.Float64))
			}
		}
		if err := urows.Err(); err != nil {
			return nil, err
		}
	}
	return hs, nil
}

func (w *whmcs) thread(ctx context.Context, h header) error {
	s, t := w.s, h.t
	id := h.key.(int64)
	tname, temail, tjoins := w.requester("tickets", "t")
	rname, remail, rjoins := w.requester("ticketreplies", "r")
	editor := func(table, alias string) string { return w.col(table, alias, "editor", "'plain'") }
	removed := func(table, alias string) string { return w.col(table, alias, "attachments_removed", "0") }
	noteAtt := w.col("ticketnotes", "n", "attachments", "''")
	q := "SELECT * FROM (" +
		"SELECT 0 AS src_rank, t.id AS src_id, COALESCE(t.admin, '') AS admin, " + tname + " AS name, " + temail + " AS email," +
		" t.date AS created, COALESCE(t.message, '') AS message, COALESCE(" + editor("tickets", "t") + ", 'plain') AS editor," +
		" COALESCE(t.attachment, '') AS attachments, " + removed("tickets", "t") + " AS removed" +
		" FROM " + w.t("tickets") + " t" + tjoins + " WHERE t.id = ?" +
		" UNION ALL SELECT 1, r.id, COALESCE(r.admin, ''), " + rname + ", " + remail + ", r.date, COALESCE(r.message, ''), COALESCE(" + editor("ticketreplies", "r") + ", 'plain')," +
		" COALESCE(r.attachment, ''), " + removed("ticketreplies", "r") +
		" FROM " + w.t("ticketreplies") + " r" + rjoins + " WHERE r.tid = ?" +
		" UNION ALL SELECT 2, n.id, COALESCE(n.admin, ''), '', '', n.date, COALESCE(n.message, ''), COALESCE(" + editor("ticketnotes", "n") + ", 'plain')," +
		" COALESCE(" + noteAtt + ", ''), " + removed("ticketnotes", "n") +
		" FROM " + w.t("ticketnotes") + " n WHERE n.ticketid = ?" +
		") x ORDER BY x.created, x.src_rank, x.src_id"
	rows, err := s.db.QueryContext(ctx, q, id, id, id)
	if err != nil {
		return fmt.Errorf("read messages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rank, srcID int64
		var admin, name, email, message, editor, attachments string
		var removed int64
		var created sql.NullString
		if err := rows.Scan(&rank, &srcID, &admin, &name, &email, &created, &message, &editor, &attachments, &removed); err != nil {
			return err
		}
		e := sources.Entry{Body: html.UnescapeString(message), Format: sources.Text}
		switch rank {
		case 0:
			e.ID, e.Origin = "ticket", fmt.Sprintf("%stickets id=%d", w.pf, srcID)
		case 1:
			e.ID, e.Origin = "r"+strconv.FormatInt(srcID, 10), fmt.Sprintf("%sticketreplies id=%d", w.pf, srcID)
		default:
			e.ID, e.Origin = "n"+strconv.FormatInt(srcID, 10), fmt.Sprintf("%sticketnotes id=%d", w.pf, srcID)
		}
		if strings.EqualFold(editor, "markdown") {
			e.Format = sources.Markdown
		}
		e.Created = s.timeField(t, created, e.ID, e.Origin, "date", true)
		switch {
		case rank == 2:
			e.Kind = sources.Note
			e.Author = w.admin(admin)
		case admin != "":
			e.Kind = sources.StaffReply
			e.Author = w.admin(admin)
		default:
			e.Kind = sources.CustomerReply
			e.Author = sources.Person{Name: html.UnescapeString(name), Email: email}
		}
		if attachments != "" {
			if removed != 0 {
				t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeAttachmentMissing, Entry: e.ID, Origin: e.Origin,
					Field: "attachment", Message: fmt.Sprintf("attachments %q were removed in WHMCS (attachments_removed=1)", attachments)})
			} else {
				for _, stored := range splitList(attachments, "|") {
					if a, ok := s.fileAttachment(t, e.ID, e.Origin, stored, whmcsName(stored)); ok {
						e.Attachments = append(e.Attachments, a)
					}
				}
			}
		}
		t.Entries = append(t.Entries, e)
	}
	return rows.Err()
}

// admin returns the staff author for an admin's full name, with the
// admin's email when exactly one admin has that name.
func (w *whmcs) admin(name string) sources.Person {
	return sources.Person{Name: name, Email: w.admins[name]}
}

// whmcsName strips WHMCS's "<digits>_" prefix from a stored file name.
func whmcsName(stored string) string {
	base := stored
	if i := strings.LastIndexAny(base, "/\\"); i >= 0 {
		base = base[i+1:]
	}
	if i := strings.IndexByte(base, '_'); i > 0 && i < len(base)-1 {
		if _, err := strconv.ParseUint(base[:i], 10, 64); err == nil {
			return base[i+1:]
		}
	}
	return base
}

// linkService reads tbltickets.service, "S<id>" (a service) or "D<id>" (a
// domain) into t; anything else is a warning, and dropped.
func linkService(t *sources.Ticket, service string) {
	service = strings.TrimSpace(service)
	if service == "" {
		return
	}
	id, err := strconv.ParseInt(service[1:], 10, 64)
	switch {
	case err == nil && id > 0 && (service[0] == 'S' || service[0] == 's'):
		t.ServiceID = id
	case err == nil && id > 0 && (service[0] == 'D' || service[0] == 'd'):
		t.DomainID = id
	default:
		t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeBadValue, Origin: t.Origin, Field: "service",
			Message: fmt.Sprintf("service %q is neither S<id> nor D<id>; the ticket is imported without a linked service", service)})
	}
}
