package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// ClientExecSystemAuthor is the author name of ClientExec messages written
// by no user (troubleticket_log.userid 0: imported or system text). They
// are migrated as staff replies; mapping.staff can name an admin for this
// name, else they go to mapping.default_staff.
const ClientExecSystemAuthor = "ClientExec system"

// clientexecEntities is when ClientExec 5.0 stopped storing messages with
// HTML entities: its staff view decodes the logs dated before it
// (shared/research/source-schemas-3.md §2.5).
var clientexecEntities = time.Date(2014, 4, 4, 5, 0, 0, 0, time.UTC)

// clientexecStatuses are ClientExec's system ticket statuses, by their
// code, named as its statusalias seed rows name them: the names yielded
// when the install has no statusalias row for a code.
var clientexecStatuses = map[int64]string{0: "Unassigned", 1: "Open", 2: "In Progress", 3: "Waiting on Customer", -1: "Closed"}

// clientexecPriorities are troubleticket.priority's codes.
var clientexecPriorities = map[int64]string{1: "High", 2: "Medium", 3: "Low"}

// clientexec reads ClientExec 5.x-6.x (shared/research/source-schemas-3.md
// §2): troubleticket as tickets, troubleticket_log's messages (logtype 0;
// private = 1 a note) as entries, authors told apart by their group's
// isadmin, DATETIMEs in the System Timezone wall clock, plain-text bodies
// (HTML entities decoded before 2014-04-04), troubleticket_files under
// attachments_dir (its uploads/support).
type clientexec struct {
	s          *Source
	hasPrivate bool // troubleticket_log.private (3.1.0)
	depts      map[int64]string
	statuses   map[int64]string // statusalias type 2, by statusid
}

func (c *clientexec) init(ctx context.Context) error {
	s := c.s
	have, err := s.schema(ctx, "troubleticket", "troubleticket_log", "troubleticket_files", "users", "groups", "departments",
		"statusalias", "setting")
	if err != nil {
		return err
	}
	if err := have.require("troubleticket", "troubleticket_log", "troubleticket_files", "users", "groups", "departments"); err != nil {
		return err
	}
	c.hasPrivate = have.has("troubleticket_log", "private")
	aliases := have.table("statusalias")
	// The System Timezone setting is read only when source.timezone is
	// not given: a user who may not read setting then needs no grant.
	settings := !s.zoneSet && have.table("setting")
	if err := have.err(); err != nil {
		return err
	}
	if err := c.zone(ctx, settings); err != nil {
		return err
	}
	if c.depts, err = lookup[int64, string](ctx, s, "read departments", "SELECT id, name FROM departments"); err != nil {
		return err
	}
	c.statuses = map[int64]string{}
	if aliases {
		// The system row of a code first, then the oldest alias.
		err := s.each(ctx, "read statusalias", "SELECT statusid, name FROM statusalias WHERE type = 2 ORDER BY `system` DESC, id",
			nil, func(rows *sql.Rows) error {
				var id int64
				var name string
				if err := rows.Scan(&id, &name); err != nil {
					return err
				}
				if _, ok := c.statuses[id]; !ok && strings.TrimSpace(name) != "" {
					c.statuses[id] = strings.TrimSpace(name)
				}
				return nil
			})
		if err != nil {
			return err
		}
	}
	if len(s.fields) > 0 {
		// Where ClientExec keeps ticket custom-field values is inferred,
		// not confirmed (source-schemas-3.md §2.8): none is read.
		return s.checkFields("ClientExec field this preset reads (ticket custom-field values are not read: their table is unconfirmed)", nil)
	}
	return nil
}

// zone sets the zone the DATETIMEs are read in: source.timezone when
// given, else ClientExec's own "System Timezone" setting; without either
// the preset refuses to open.
func (c *clientexec) zone(ctx context.Context, settings bool) error {
	s := c.s
	s.wallDST = true
	if s.zoneSet {
		s.log.Info("reading ClientExec dates in source.timezone", "zone", s.loc.String())
		return nil
	}
	var name sql.NullString
	if settings {
		err := s.db.QueryRowContext(ctx, "SELECT value FROM setting WHERE name = 'System Timezone' ORDER BY company_id LIMIT 1").Scan(&name)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read the System Timezone setting: %w", err)
		}
	}
	v := strings.TrimSpace(name.String)
	if v == "" {
		return configError{errors.New("mysql source: preset clientexec needs source.timezone: this ClientExec has no 'System Timezone' " +
			"row in its setting table, and its DATETIMEs are that zone's wall clock; read it in ClientExec's admin area " +
			"(Settings > Localization > System Timezone), e.g. timezone: Europe/Berlin")}
	}
	loc, err := time.LoadLocation(v)
	if err != nil {
		return configError{fmt.Errorf("mysql source: ClientExec's System Timezone setting %q is not a zone this tool knows (%v); "+
			"set source.timezone to its IANA name, e.g. timezone: Europe/Berlin", v, err)}
	}
	s.loc = loc
	s.log.Info("reading ClientExec dates in its System Timezone setting", "zone", v)
	return nil
}

func (c *clientexec) count(ctx context.Context) (int, error) {
	return c.s.countRows(ctx, "SELECT COUNT(*) FROM troubleticket")
}

func (c *clientexec) page(ctx context.Context, after any, n int) ([]header, error) {
	s := c.s
	q := "SELECT t.id, COALESCE(t.subject, ''), t.assignedtodeptid, t.status, t.priority, t.assignedtoid," +
		" a.id IS NOT NULL, COALESCE(a.email, ''), COALESCE(TRIM(CONCAT_WS(' ', a.firstname, a.lastname)), '')," +
		" COALESCE(u.email, ''), COALESCE(TRIM(CONCAT_WS(' ', u.firstname, u.lastname)), '')," +
		" t.datesubmitted, t.lastlog_datetime," +
		" (SELECT MAX(l.mydatetime) FROM troubleticket_log l WHERE l.troubleticketid = t.id)" +
		" FROM troubleticket t" +
		" LEFT JOIN users a ON t.assignedtoid <> 0 AND a.id = t.assignedtoid" +
		" LEFT JOIN users u ON u.id = t.userid" +
		" WHERE t.id > ? ORDER BY t.id LIMIT ?"
	return s.keyset(ctx, q, after, n, func(rows *sql.Rows) (header, error) {
		var id, dept, status, prio, assignee int64
		var subject, aemail, aname, email, name string
		var aFound bool
		var submitted, lastlog, lastRow sql.NullString
		if err := rows.Scan(&id, &subject, &dept, &status, &prio, &assignee, &aFound, &aemail, &aname, &email, &name,
			&submitted, &lastlog, &lastRow); err != nil {
			return header{}, err
		}
		t := &sources.Ticket{
			ID:         strconv.FormatInt(id, 10),
			Origin:     fmt.Sprintf("troubleticket id=%d", id),
			Department: c.depts[dept],
			Status:     c.status(status),
			Priority:   clientexecPriorities[prio],
			Requester:  sources.Person{Name: name, Email: email},
			Number:     strconv.FormatInt(id, 10),
		}
		if aFound {
			t.Assignee = sources.Person{Name: aname, Email: aemail}
		}
		t.Created = s.timeField(t, submitted, "", t.Origin, "datesubmitted", true)
		t.Updated = later(later(t.Created, s.timeField(t, lastlog, "", t.Origin, "lastlog_datetime", false)),
			s.timeField(t, lastRow, "", t.Origin, "troubleticket_log.mydatetime", false))
		t.Subject = subject
		if !t.Created.IsZero() && t.Created.Before(clientexecEntities) {
			// Pre-5.0 subjects may hold entities as the messages do; the
			// research does not know, and decoding text without any is
			// a no-op.
			t.Subject = htmlUnescape(subject)
		}
		if t.Department == "" {
			t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Origin: t.Origin, Field: "assignedtodeptid",
				Message: fmt.Sprintf("department %d does not exist", dept)})
		}
		if t.Priority == "" {
			t.Priority = strconv.FormatInt(prio, 10)
		}
		if email == "" {
			t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Origin: t.Origin, Field: "userid",
				Message: "the requester has no users row or no email address"})
		}
		return header{key: id, t: t}, nil
	})
}

// status names a status code: its statusalias name, ClientExec's own name
// for a system code, else the number.
func (c *clientexec) status(code int64) string {
	if n, ok := c.statuses[code]; ok {
		return n
	}
	if n, ok := clientexecStatuses[code]; ok {
		return n
	}
	return strconv.FormatInt(code, 10)
}

// ceLog is one troubleticket_log message row, before it becomes a
// sources.Entry.
type ceLog struct {
	id                  int64
	created             sql.NullString
	private             bool
	userID              int64
	sentFrom, message   string
	isAdmin, userFound  bool
	userEmail, userName string
	groupID             int64
}

func (r ceLog) order() (sql.NullString, int64) { return r.created, r.id }

type ceFile struct {
	id        int64
	name, key string
}

func (c *clientexec) thread(ctx context.Context, h header) error {
	return c.threads(ctx, []header{h})
}

// threads reads the messages (logtype 0) of the tickets in hs with one
// query, sorted by mydatetime then id (sortThreads), and their files by log
// id in batches.
func (c *clientexec) threads(ctx context.Context, hs []header) error {
	s := c.s
	private := "0"
	if c.hasPrivate {
		private = "COALESCE(l.private, 0)"
	}
	logs, err := group(ctx, s, "read troubleticket_log", "SELECT l.troubleticketid, l.id, l.mydatetime, "+private+" = 1, l.userid,"+
		" COALESCE(l.email, ''), COALESCE(l.message, ''), COALESCE(g.isadmin, 0) = 1, u.id IS NOT NULL,"+
		" COALESCE(u.email, ''), COALESCE(TRIM(CONCAT_WS(' ', u.firstname, u.lastname)), ''), COALESCE(u.groupid, 0)"+
		" FROM troubleticket_log l"+
		" LEFT JOIN users u ON l.userid <> 0 AND u.id = l.userid"+
		" LEFT JOIN `groups` g ON g.id = u.groupid"+
		" WHERE l.troubleticketid IN ("+inList(hs)+") AND l.logtype = 0", nil, func(rows *sql.Rows) (int64, ceLog, error) {
		var tid int64
		var r ceLog
		err := rows.Scan(&tid, &r.id, &r.created, &r.private, &r.userID, &r.sentFrom, &r.message, &r.isAdmin, &r.userFound,
			&r.userEmail, &r.userName, &r.groupID)
		return tid, r, err
	})
	if err != nil {
		return err
	}
	files, err := groupBatched(ctx, s, "read troubleticket_files", sortThreads(logs), func(list string) string {
		return "SELECT f.troubleticket_log_id, f.id, COALESCE(f.filename, ''), f.filekey FROM troubleticket_files f" +
			" WHERE f.troubleticket_log_id IN (" + list + ") ORDER BY f.troubleticket_log_id, f.id"
	}, func(rows *sql.Rows) (int64, ceFile, error) {
		var lid int64
		var f ceFile
		err := rows.Scan(&lid, &f.id, &f.name, &f.key)
		return lid, f, err
	})
	if err != nil {
		return err
	}
	for _, h := range hs {
		rs := logs[h.key.(int64)]
		for i := range rs {
			c.entry(h.t, &rs[i], files[rs[i].id])
		}
	}
	return nil
}

func (c *clientexec) entry(t *sources.Ticket, r *ceLog, files []ceFile) {
	s := c.s
	e := sources.Entry{
		ID:     strconv.FormatInt(r.id, 10),
		Origin: fmt.Sprintf("troubleticket_log id=%d", r.id),
		Body:   r.message,
		Format: sources.Text,
	}
	e.Created = s.timeField(t, r.created, e.ID, e.Origin, "mydatetime", true)
	if !e.Created.IsZero() && e.Created.Before(clientexecEntities) {
		// Before 5.0 ClientExec stored messages with HTML entities.
		e.Body = htmlUnescape(e.Body)
	}
	user := sources.Person{Name: r.userName, Email: r.userEmail}
	switch {
	case r.userID == 0:
		e.Kind = sources.StaffReply
		e.Author = sources.Person{Name: ClientExecSystemAuthor}
	case r.isAdmin:
		e.Kind = sources.StaffReply
		e.Author = user
	default:
		// A customer, or a guest (groupid -1: ClientExec made a users row
		// for an unknown sender): the address the message came from when
		// it came by email.
		e.Kind = sources.CustomerReply
		e.Author = user
		if r.sentFrom != "" {
			e.Author.Email = r.sentFrom
		}
		if !r.userFound && e.Author.Email == "" {
			e.Author = t.Requester
			t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Entry: e.ID, Origin: e.Origin,
				Field: "userid", Message: fmt.Sprintf("user %d no longer exists; credited to the requester", r.userID)})
		}
	}
	if r.private {
		e.Kind = sources.Note
	}
	for _, f := range files {
		name := f.name
		if name == "" {
			name = f.key
		}
		att, ok := s.fileAttachment(t, e.ID, e.Origin, f.key, name)
		if !ok {
			continue
		}
		e.Attachments = append(e.Attachments, att)
	}
	if strings.TrimSpace(e.Body) == "" && len(e.Attachments) == 0 {
		t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Entry: e.ID, Origin: e.Origin,
			Field: "message", Message: "empty message; left out"})
		return
	}
	t.Entries = append(t.Entries, e)
}

// omitted counts what the preset leaves out: the state lines of the
// tickets by kind (logtype <> 0), log rows of no ticket, files of no
// message.
func (c *clientexec) omitted(ctx context.Context) ([]sources.Omission, error) {
	s := c.s
	var status, assignee, typ, pkg, prio, attAdded, attDeleted, other, dirty, orphans int
	err := s.db.QueryRowContext(ctx, "SELECT COALESCE(SUM(l.logtype IN (-1, 1)), 0), COALESCE(SUM(l.logtype = 2), 0),"+
		" COALESCE(SUM(l.logtype = 3), 0), COALESCE(SUM(l.logtype = 4), 0), COALESCE(SUM(l.logtype = 5), 0),"+
		" COALESCE(SUM(l.logtype = 6), 0), COALESCE(SUM(l.logtype = 7), 0), COALESCE(SUM(l.logtype NOT IN (-1, 0, 1, 2, 3, 4, 5, 6, 7)), 0),"+
		" COALESCE(SUM(t.id IS NULL), 0)"+
		" FROM troubleticket_log l LEFT JOIN troubleticket t ON t.id = l.troubleticketid"+
		" WHERE l.logtype <> 0 OR t.id IS NULL").Scan(&status, &assignee, &typ, &pkg, &prio, &attAdded, &attDeleted, &other, &dirty)
	if err != nil {
		return nil, err
	}
	// A state line of no ticket is counted once, as a row of no ticket.
	if dirty > 0 {
		var dirtyState [8]int
		if err := s.db.QueryRowContext(ctx, "SELECT COALESCE(SUM(l.logtype IN (-1, 1)), 0), COALESCE(SUM(l.logtype = 2), 0),"+
			" COALESCE(SUM(l.logtype = 3), 0), COALESCE(SUM(l.logtype = 4), 0), COALESCE(SUM(l.logtype = 5), 0),"+
			" COALESCE(SUM(l.logtype = 6), 0), COALESCE(SUM(l.logtype = 7), 0), COALESCE(SUM(l.logtype NOT IN (-1, 0, 1, 2, 3, 4, 5, 6, 7)), 0)"+
			" FROM troubleticket_log l LEFT JOIN troubleticket t ON t.id = l.troubleticketid WHERE t.id IS NULL").Scan(
			&dirtyState[0], &dirtyState[1], &dirtyState[2], &dirtyState[3], &dirtyState[4], &dirtyState[5], &dirtyState[6], &dirtyState[7]); err != nil {
			return nil, err
		}
		for i, p := range []*int{&status, &assignee, &typ, &pkg, &prio, &attAdded, &attDeleted, &other} {
			*p -= dirtyState[i]
		}
	}
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM troubleticket_files f"+
		" LEFT JOIN troubleticket_log l ON l.id = f.troubleticket_log_id AND l.logtype = 0 AND l.troubleticketid = f.ticketid"+
		" WHERE l.id IS NULL").Scan(&orphans); err != nil {
		return nil, err
	}
	var out []sources.Omission
	li := sources.CodeLeftOutLineItem
	out = omission(out, status, li, "troubleticket_log", "%d status lines (logtype -1, 1)")
	out = omission(out, assignee, li, "troubleticket_log", "%d assignee lines (logtype 2)")
	out = omission(out, typ, li, "troubleticket_log", "%d ticket type lines (logtype 3)")
	out = omission(out, pkg, li, "troubleticket_log", "%d package lines (logtype 4)")
	out = omission(out, prio, li, "troubleticket_log", "%d priority lines (logtype 5)")
	out = omission(out, attAdded, li, "troubleticket_log", "%d attachment-added lines (logtype 6; the files go with their message)")
	out = omission(out, attDeleted, li, "troubleticket_log", "%d attachment-deleted lines (logtype 7)")
	out = omission(out, other, li, "troubleticket_log", "%d state lines of other logtypes")
	out = omission(out, dirty, li, "troubleticket_log", "%d log rows of no ticket (troubleticketid 0 or gone)")
	out = omission(out, orphans, sources.CodeLeftOutOrphanAttachment, "troubleticket_files",
		"%d files of no message of their ticket (troubleticket_log_id 0, a state line, or gone)")
	return out, nil
}
