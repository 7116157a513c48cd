package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// osTicket thread entry flags (include/class.thread.php).
const (
	ostFlagEdited = 0x2
	ostFlagHidden = 0x4
	ostFlagSystem = 0x80
)

type osticket struct {
	s        *Source
	pf       string
	depts    map[int64]string // full names ("Support / Billing")
	statuses map[int64]string
	prios    map[int64]string
	hasPID   bool
	// hasCollab: the thread_collaborator table (a ticket's CC) exists.
	hasCollab bool
}

func (o *osticket) t(name string) string { return "`" + o.pf + name + "`" }

func (o *osticket) init(ctx context.Context) error {
	s := o.s
	tabs := []string{"ticket", "thread", "thread_entry", "user", "user_email", "staff", "department",
		"ticket_status", "ticket_priority", "attachment", "file", "file_chunk", "form", "form_entry",
		"form_entry_values", "form_field", "config", "ticket_thread"}
	names := make([]string, len(tabs))
	for i, t := range tabs {
		names[i] = o.pf + t
	}
	have, err := s.schema(ctx, append(names, o.pf+"thread_collaborator")...)
	if err != nil {
		return err
	}
	if have.tabs[o.pf+"thread_entry"] == nil && have.table(o.pf+"ticket_thread") {
		return fmt.Errorf("this is osTicket 1.9 or older (%sticket_thread); upgrade it to 1.10 or later first", o.pf)
	}
	if err := have.require(names[:len(names)-1]...); err != nil {
		return err
	}
	// Read when present: a hidden one fails here, never read as absent.
	o.hasPID = have.has(o.pf+"ticket", "ticket_pid")
	o.hasCollab = have.table(o.pf + "thread_collaborator")
	if err := have.err(); err != nil {
		return err
	}
	if len(s.fields) > 0 {
		// Every mapped custom field must be a form field: by name or label.
		var known []string
		rows, err := s.db.QueryContext(ctx, "SELECT COALESCE(name, ''), COALESCE(label, '') FROM "+o.t("form_field"))
		if err != nil {
			return fmt.Errorf("read form fields: %w", err)
		}
		for rows.Next() {
			var n, l string
			if err := rows.Scan(&n, &l); err != nil {
				rows.Close()
				return err
			}
			known = append(known, n, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read form fields: %w", err)
		}
		if err := s.checkFields("osTicket form field", known); err != nil {
			return err
		}
	}

	// The zone osTicket wrote its DATETIMEs in.
	var tz string
	err = s.db.QueryRowContext(ctx, "SELECT value FROM "+o.t("config")+" WHERE namespace = 'core' AND `key` = 'db_timezone'").Scan(&tz)
	switch {
	case err == sql.ErrNoRows || (err == nil && strings.TrimSpace(tz) == ""):
		if !s.zoneSet {
			return configError{errors.New(noZoneMessage[PresetOsTicket])}
		}
		s.log.Info("osTicket has no db_timezone; reading dates in the configured source zone", "zone", s.loc.String())
	case err != nil:
		return fmt.Errorf("read db_timezone: %w", err)
	default:
		loc, lerr := time.LoadLocation(strings.TrimSpace(tz))
		if lerr != nil && !s.zoneSet {
			return configError{fmt.Errorf("%s (db_timezone %q is not a known zone)", noZoneMessage[PresetOsTicket], tz)}
		}
		if lerr != nil {
			s.log.Warn("osTicket db_timezone is not a known zone; reading dates in the configured source zone",
				"db_timezone", tz, "zone", s.loc.String())
		} else {
			s.loc = loc
			s.log.Info("reading osTicket dates in its db_timezone", "zone", loc.String())
		}
	}

	// Departments with their full path names.
	type dept struct {
		name, path string
	}
	ds := map[int64]dept{}
	rows, err := s.db.QueryContext(ctx, "SELECT id, name, path FROM "+o.t("department"))
	if err != nil {
		return fmt.Errorf("read departments: %w", err)
	}
	for rows.Next() {
		var id int64
		var d dept
		if err := rows.Scan(&id, &d.name, &d.path); err != nil {
			rows.Close()
			return err
		}
		ds[id] = d
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read departments: %w", err)
	}
	o.depts = map[int64]string{}
	for id, d := range ds {
		var parts []string
		for _, p := range strings.Split(strings.Trim(d.path, "/"), "/") {
			pid, err := strconv.ParseInt(p, 10, 64)
			if pd, ok := ds[pid]; err == nil && ok {
				parts = append(parts, pd.name)
			}
		}
		if len(parts) == 0 || parts[len(parts)-1] != d.name {
			parts = []string{d.name}
		}
		o.depts[id] = strings.Join(parts, " / ")
	}
	if o.statuses, err = lookup[int64, string](ctx, s, "read statuses", "SELECT id, name FROM "+o.t("ticket_status")); err != nil {
		return err
	}
	o.prios, err = lookup[int64, string](ctx, s, "read priorities", "SELECT priority_id, priority_desc FROM "+o.t("ticket_priority"))
	return err
}

func (o *osticket) from() string {
	return " FROM " + o.t("ticket") + " t LEFT JOIN " + o.t("ticket_status") + " s ON s.id = t.status_id" +
		" WHERE (s.state IS NULL OR s.state <> 'deleted')"
}

func (o *osticket) count(ctx context.Context) (int, error) {
	return o.s.countRows(ctx, "SELECT COUNT(*)"+o.from())
}

func (o *osticket) page(ctx context.Context, after any, n int) ([]header, error) {
	s := o.s
	pid := "NULL"
	if o.hasPID {
		pid = "t.ticket_pid"
	}
	q := "SELECT t.ticket_id, COALESCE(t.number, ''), t.user_id, t.status_id, t.dept_id, t.created, t.updated, t.lastupdate, " + pid + "," +
		" u.id IS NOT NULL, COALESCE(u.name, ''), COALESCE(ue.address, '')," +
		" COALESCE(sa.email, ''), COALESCE(TRIM(CONCAT_WS(' ', sa.firstname, sa.lastname)), '')" +
		" FROM " + o.t("ticket") + " t LEFT JOIN " + o.t("ticket_status") + " s ON s.id = t.status_id" +
		" LEFT JOIN " + o.t("staff") + " sa ON t.staff_id > 0 AND sa.staff_id = t.staff_id" +
		" LEFT JOIN " + o.t("user") + " u ON u.id = t.user_id" +
		" LEFT JOIN " + o.t("user_email") + " ue ON ue.id = IF(t.user_email_id > 0, t.user_email_id, u.default_email_id)" +
		" WHERE (s.state IS NULL OR s.state <> 'deleted') AND t.ticket_id > ? ORDER BY t.ticket_id LIMIT ?"
	rows, err := s.db.QueryContext(ctx, q, keyAfter(after), n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hs []header
	byID := map[int64]*sources.Ticket{}
	for rows.Next() {
		var id, userID, statusID, deptID int64
		var number, uname, uemail, aemail, aname string
		var created, updated, lastupdate sql.NullString
		var parent sql.NullInt64
		var userFound bool
		if err := rows.Scan(&id, &number, &userID, &statusID, &deptID, &created, &updated, &lastupdate, &parent,
			&userFound, &uname, &uemail, &aemail, &aname); err != nil {
			return nil, err
		}
		t := &sources.Ticket{
			ID:         strconv.FormatInt(id, 10),
			Origin:     fmt.Sprintf("%sticket id=%d number=%s", o.pf, id, number),
			Department: o.depts[deptID],
			Status:     o.statuses[statusID],
			Requester:  sources.Person{Name: uname, Email: uemail},
			Number:     number,
			Assignee:   sources.Person{Name: aname, Email: aemail}, // staff_id; zero when unassigned
		}
		if t.Department == "" && deptID != 0 {
			t.Department = strconv.FormatInt(deptID, 10)
		}
		t.Created = s.timeField(t, created, "", t.Origin, "created", true)
		t.Updated = later(s.timeField(t, updated, "", t.Origin, "updated", false),
			s.timeField(t, lastupdate, "", t.Origin, "lastupdate", false))
		if !userFound {
			t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Origin: t.Origin, Field: "requester",
				Message: fmt.Sprintf("the ticket's user (id %d) no longer exists", userID)})
		} else if uemail == "" {
			t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Origin: t.Origin, Field: "requester_email",
				Message: fmt.Sprintf("user %d has no email address", userID)})
		}
		if parent.Valid && parent.Int64 != 0 && parent.Int64 != id {
			t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMergedTicket, Origin: t.Origin,
				Message: fmt.Sprintf("merged into ticket id %d; its entries may appear there too", parent.Int64)})
		}
		byID[id] = t
		hs = append(hs, header{key: id, t: t})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if len(hs) == 0 {
		return nil, nil
	}
	// Subject and priority live in the ticket details form; the custom
	// fields the mapping reads in it or in the help topics' forms.
	fieldCond := " AND f.type = 'T' AND ff.name IN ('subject', 'priority')"
	if len(s.fields) > 0 {
		fieldCond = ""
	}
	frows, err := s.db.QueryContext(ctx, "SELECT fe.object_id, f.type, COALESCE(ff.name, ''), COALESCE(ff.label, ''), COALESCE(fv.value, ''), fv.value_id"+
		" FROM "+o.t("form_entry")+" fe JOIN "+o.t("form")+" f ON f.id = fe.form_id"+
		" JOIN "+o.t("form_entry_values")+" fv ON fv.entry_id = fe.id"+
		" JOIN "+o.t("form_field")+" ff ON ff.id = fv.field_id"+
		" WHERE fe.object_type = 'T' AND fe.object_id BETWEEN ? AND ?"+fieldCond+" ORDER BY fe.object_id, fe.id",
		hs[0].key, hs[len(hs)-1].key)
	if err != nil {
		return nil, fmt.Errorf("read ticket form data: %w", err)
	}
	defer frows.Close()
	for frows.Next() {
		var id int64
		var ftype, name, label, value string
		var valueID sql.NullInt64
		if err := frows.Scan(&id, &ftype, &name, &label, &value, &valueID); err != nil {
			return nil, err
		}
		t := byID[id]
		if t == nil {
			continue
		}
		if ftype != "T" || (name != "subject" && name != "priority") {
			if key, ok := s.field(name, label); ok {
				setField(t, key, ostFieldValue(value))
			}
			continue
		}
		switch name {
		case "subject":
			if t.Subject == "" {
				t.Subject = value
			}
		case "priority":
			if t.Priority == "" {
				if p, ok := o.prios[valueID.Int64]; ok && valueID.Valid {
					t.Priority = p
				} else {
					t.Priority = value
				}
			}
		}
	}
	if err := frows.Err(); err != nil {
		return nil, err
	}
	if o.hasCollab {
		if err := o.collaborators(ctx, hs, byID); err != nil {
			return nil, err
		}
	}
	for _, h := range hs {
		if h.t.Subject == "" {
			h.t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Origin: h.t.Origin, Field: "subject",
				Message: "no subject in the ticket details form"})
		}
	}
	return hs, nil
}

// ostFieldValue is a form value as text: a choice field's JSON
// ({"2":"Business"}) becomes its labels, comma-separated.
func ostFieldValue(v string) string {
	var m map[string]string
	if strings.HasPrefix(strings.TrimSpace(v), "{") && json.Unmarshal([]byte(v), &m) == nil {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		labels := make([]string, len(keys))
		for i, k := range keys {
			labels[i] = m[k]
		}
		return strings.Join(labels, ", ")
	}
	return v
}

// collaborators reads the active collaborators of the page's tickets as
// their CC, by each user's default email, in the order they were added.
func (o *osticket) collaborators(ctx context.Context, hs []header, byID map[int64]*sources.Ticket) error {
	rows, err := o.s.db.QueryContext(ctx, "SELECT th.object_id, ue.address"+
		" FROM "+o.t("thread")+" th JOIN "+o.t("thread_collaborator")+" c ON c.thread_id = th.id"+
		" JOIN "+o.t("user")+" u ON u.id = c.user_id JOIN "+o.t("user_email")+" ue ON ue.id = u.default_email_id"+
		" WHERE th.object_type = 'T' AND th.object_id BETWEEN ? AND ? AND (c.flags & 1) = 1 ORDER BY th.object_id, c.id",
		hs[0].key, hs[len(hs)-1].key)
	if err != nil {
		return fmt.Errorf("read collaborators: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var email string
		if err := rows.Scan(&id, &email); err != nil {
			return err
		}
		if t := byID[id]; t != nil && strings.TrimSpace(email) != "" {
			t.CC = append(t.CC, strings.TrimSpace(email))
		}
	}
	return rows.Err()
}

type ostAttachment struct {
	name         string
	size         int64
	backend, key string
	fileID       int64
}

// ostEntry is one thread entry row, before it becomes a sources.Entry.
type ostEntry struct {
	eid, flags                                                                   int64
	typ, poster, title, body, format, staffName, staffEmail, userName, userEmail string
	created                                                                      sql.NullString
	staffFound, userFound                                                        bool
}

func (r ostEntry) order() (sql.NullString, int64) { return r.created, r.eid }

func (o *osticket) thread(ctx context.Context, h header) error {
	return o.threads(ctx, []header{h})
}

// threads reads the threads of the tickets in hs (one keyset page at most)
// with one query for their entries and one for their attachments, instead
// of two per ticket; the entries are sorted by sortThreads.
func (o *osticket) threads(ctx context.Context, hs []header) error {
	s := o.s
	ids := inList(hs)
	threads := " FROM " + o.t("thread") + " th JOIN " + o.t("thread_entry") + " e ON e.thread_id = th.id"
	where := " WHERE th.object_type = 'T' AND th.object_id IN (" + ids + ") AND (e.flags & 4) = 0"

	entries, err := group(ctx, s, "read thread entries", "SELECT th.object_id, e.id, e.type, e.flags, e.poster, COALESCE(e.title, ''), e.body, e.format, e.created,"+
		" st.staff_id IS NOT NULL, TRIM(CONCAT_WS(' ', st.firstname, st.lastname)), COALESCE(st.email, ''),"+
		" u.id IS NOT NULL, COALESCE(u.name, ''), COALESCE(ue.address, '')"+
		threads+
		" LEFT JOIN "+o.t("staff")+" st ON e.staff_id > 0 AND st.staff_id = e.staff_id"+
		" LEFT JOIN "+o.t("user")+" u ON e.user_id > 0 AND u.id = e.user_id"+
		" LEFT JOIN "+o.t("user_email")+" ue ON ue.id = u.default_email_id"+
		where, nil, func(rows *sql.Rows) (int64, ostEntry, error) {
		var tid int64
		var r ostEntry
		err := rows.Scan(&tid, &r.eid, &r.typ, &r.flags, &r.poster, &r.title, &r.body, &r.format, &r.created,
			&r.staffFound, &r.staffName, &r.staffEmail, &r.userFound, &r.userName, &r.userEmail)
		return tid, r, err
	})
	if err != nil {
		return err
	}
	// Attachments by entry id, through the attachment table's
	// (object_id, ...) key, some hundreds at a time.
	atts, err := groupBatched(ctx, s, "read attachments", sortThreads(entries), func(list string) string {
		return "SELECT a.object_id, COALESCE(NULLIF(a.name, ''), f.name), f.size, f.bk, f.`key`, f.id" +
			" FROM " + o.t("attachment") + " a JOIN " + o.t("file") + " f ON f.id = a.file_id" +
			" WHERE a.object_id IN (" + list + ") AND a.type = 'H' ORDER BY a.object_id, a.id"
	}, func(rows *sql.Rows) (int64, ostAttachment, error) {
		var eid int64
		var a ostAttachment
		err := rows.Scan(&eid, &a.name, &a.size, &a.backend, &a.key, &a.fileID)
		return eid, a, err
	})
	if err != nil {
		return err
	}
	for _, h := range hs {
		es := entries[h.key.(int64)]
		for i := range es {
			o.entry(h.t, &es[i], atts[es[i].eid])
		}
	}
	return nil
}

// entry adds r to t's entries, or a problem when it cannot be imported.
func (o *osticket) entry(t *sources.Ticket, r *ostEntry, atts []ostAttachment) {
	s := o.s
	if r.flags&ostFlagSystem != 0 && s.opts.SkipSystemNotes {
		return
	}
	e := sources.Entry{
		ID:     strconv.FormatInt(r.eid, 10),
		Origin: fmt.Sprintf("%sthread_entry id=%d", o.pf, r.eid),
		Body:   r.body,
		Format: sources.Text,
	}
	if strings.EqualFold(r.format, "html") {
		e.Format = sources.HTML
	}
	e.Created = s.timeField(t, r.created, e.ID, e.Origin, "created", true)
	staff := sources.Person{Name: r.poster}
	if r.staffFound {
		staff = sources.Person{Name: r.staffName, Email: r.staffEmail}
		if staff.Name == "" {
			staff.Name = r.poster
		}
	}
	switch r.typ {
	case "M":
		e.Kind = sources.CustomerReply
		if r.userFound {
			e.Author = sources.Person{Name: r.userName, Email: r.userEmail}
		} else {
			e.Author = sources.Person{Name: r.poster}
			t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Entry: e.ID, Origin: e.Origin,
				Field: "author", Message: fmt.Sprintf("the message's user no longer exists; kept as %q without email", r.poster)})
		}
	case "R":
		e.Kind = sources.StaffReply
		e.Author = staff
	case "N":
		e.Kind = sources.Note
		e.Author = staff
		if r.title != "" {
			if e.Format == sources.HTML {
				e.Body = "<p><strong>" + html.EscapeString(r.title) + "</strong></p>" + r.body
			} else {
				e.Body = r.title + "\n\n" + r.body
			}
		}
	default:
		t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeUnknownEntryType, Entry: e.ID, Origin: e.Origin,
			Field: "type", Message: fmt.Sprintf("thread entry type %q is not M, R or N; skipped", r.typ)})
		return
	}
	for _, a := range atts {
		if att, ok := o.attachment(t, e, a); ok {
			e.Attachments = append(e.Attachments, att)
		}
	}
	t.Entries = append(t.Entries, e)
}

func (o *osticket) attachment(t *sources.Ticket, e sources.Entry, a ostAttachment) (sources.Attachment, bool) {
	s := o.s
	switch a.backend {
	case "D", "":
		q := "SELECT chunk_id, filedata FROM " + o.t("file_chunk") + " WHERE file_id = ? AND chunk_id > ? ORDER BY chunk_id LIMIT 1"
		fileID := a.fileID
		return sources.Attachment{Name: a.name, Size: a.size, ContentID: a.key, Open: func() (io.ReadCloser, error) {
			return &chunkReader{s: s, query: q, file: fileID, prev: -1}, nil
		}}, true
	case "F":
		if a.key == "" {
			break
		}
		att, ok := s.fileAttachment(t, e.ID, e.Origin, a.key[:1]+"/"+a.key, a.name)
		att.ContentID = a.key
		return att, ok
	}
	t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeAttachmentMissing, Entry: e.ID, Origin: e.Origin,
		Field: "attachment", Message: fmt.Sprintf("attachment %q is in storage backend %q, which cannot be read", a.name, a.backend)})
	return sources.Attachment{}, false
}
