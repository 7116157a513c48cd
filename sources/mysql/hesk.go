package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// heskStatuses are HESK's built-in statuses (inc/statuses.inc.php).
var heskStatuses = map[int64]string{0: "New", 1: "Waiting reply", 2: "Replied", 3: "Resolved", 4: "In progress", 5: "On hold"}

// heskPriorities maps the priority ENUM's values (compared as strings,
// never as numbers: MySQL would give the 1-based index).
var heskPriorities = map[string]string{"0": "Critical", "1": "High", "2": "Medium", "3": "Low"}

type hesk struct {
	s        *Source
	pf       string
	sch      *schema
	cats     map[int64]string
	statuses map[int64]string
	staff    map[int64]sources.Person
	// 3.5+: customer accounts in hesk_customers / hesk_ticket_to_customer.
	customers bool
	// custom maps the custom fields the mapping reads (Ticket.Fields keys)
	// to their hesk_tickets columns, custom<id>.
	custom map[string]string
}

func (k *hesk) t(name string) string { return "`" + k.pf + name + "`" }

func (k *hesk) has(table, col string) bool { return k.sch.has(k.pf+table, col) }

func (k *hesk) init(ctx context.Context) error {
	s := k.s
	names := []string{k.pf + "tickets", k.pf + "replies", k.pf + "notes", k.pf + "attachments", k.pf + "categories",
		k.pf + "users", k.pf + "customers", k.pf + "ticket_to_customer", k.pf + "custom_statuses", k.pf + "custom_fields"}
	var err error
	if k.sch, err = s.schema(ctx, names...); err != nil {
		return err
	}
	if err := k.sch.require(names[:6]...); err != nil {
		return err
	}
	// The session runs with time_zone +00:00, so TIMESTAMPs arrive in UTC
	// whatever the configured source zone.
	s.loc = time.UTC
	k.customers = k.sch.table(k.pf+"customers") && k.sch.table(k.pf+"ticket_to_customer")
	// The columns read when present (some HESK versions lack them): a
	// hidden one fails here, never read as absent.
	// (name is read only where u_name is not.)
	noName := !k.has("tickets", "u_name") && !k.has("tickets", "name")
	k.sch.check(k.pf+"tickets", "owner", "message_html")
	k.sch.check(k.pf+"replies", "name", "message_html")
	if k.customers {
		k.sch.check(k.pf+"replies", "customer_id")
	}
	k.sch.table(k.pf + "custom_statuses")
	if err := k.sch.err(); err != nil {
		return err
	}
	if noName {
		return fmt.Errorf("%stickets has neither u_name nor name", k.pf)
	}
	if k.cats, err = lookup[int64, string](ctx, s, "read categories", "SELECT id, name FROM "+k.t("categories")); err != nil {
		return err
	}
	k.statuses = map[int64]string{}
	for id, n := range heskStatuses {
		k.statuses[id] = n
	}
	if k.sch.table(k.pf + "custom_statuses") {
		custom, err := lookup[int64, string](ctx, s, "read custom statuses", "SELECT id, name FROM "+k.t("custom_statuses"))
		if err != nil {
			return err
		}
		for id, n := range custom {
			k.statuses[id] = heskLabel(n)
		}
	}
	if err := k.customFields(ctx); err != nil {
		return err
	}
	rows, err := s.db.QueryContext(ctx, "SELECT id, COALESCE(name, ''), COALESCE(email, '') FROM "+k.t("users"))
	if err != nil {
		return fmt.Errorf("read staff: %w", err)
	}
	defer rows.Close()
	k.staff = map[int64]sources.Person{}
	for rows.Next() {
		var id int64
		var p sources.Person
		if err := rows.Scan(&id, &p.Name, &p.Email); err != nil {
			return err
		}
		k.staff[id] = p
	}
	return rows.Err()
}

// customFields finds the custom<id> columns of the fields the mapping
// reads, by their titles (hesk_custom_fields.name, any language), among
// the fields in use.
func (k *hesk) customFields(ctx context.Context) error {
	s := k.s
	if len(s.fields) == 0 {
		return nil
	}
	k.custom = map[string]string{}
	var known []string
	if k.sch.table(k.pf + "custom_fields") {
		rows, err := s.db.QueryContext(ctx, "SELECT id, COALESCE(name, '') FROM "+k.t("custom_fields")+" WHERE `use` IN ('1', '2')")
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
			col := "custom" + strconv.FormatInt(id, 10)
			if !k.has("tickets", col) {
				continue
			}
			titles := []string{heskLabel(name)}
			var byLang map[string]string
			if json.Unmarshal([]byte(name), &byLang) == nil {
				for _, v := range byLang {
					titles = append(titles, v)
				}
			}
			known = append(known, titles...)
			if key, ok := s.field(titles...); ok {
				k.custom[key] = col
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read custom fields: %w", err)
		}
	}
	if err := k.sch.err(); err != nil {
		return err
	}
	return s.checkFields("HESK custom field in use", known)
}

// heskLabel reads a name stored as JSON by language ({"English":"On hold"}),
// preferring English.
func heskLabel(s string) string {
	var m map[string]string
	if json.Unmarshal([]byte(s), &m) != nil || len(m) == 0 {
		return s
	}
	if v, ok := m["English"]; ok {
		return v
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return m[keys[0]]
}

func (k *hesk) count(ctx context.Context) (int, error) {
	return k.s.countRows(ctx, "SELECT COUNT(*) FROM "+k.t("tickets"))
}

// heskCustomKeys are the Ticket.Fields keys of k.custom, in a fixed order.
func (k *hesk) customKeys() []string {
	keys := make([]string, 0, len(k.custom))
	for key := range k.custom {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}

type heskAux struct {
	trackid     string
	openedBy    int64
	requester   sources.Person
	attachments string
}

func (k *hesk) page(ctx context.Context, after any, n int) ([]header, error) {
	s := k.s
	name, email := "t.name", "t.email"
	if k.has("tickets", "u_name") {
		name, email = "t.u_name", "t.u_email"
	}
	reqName, reqEmail, join := "COALESCE("+name+", '')", "COALESCE("+email+", '')", ""
	if k.customers {
		join = " LEFT JOIN " + k.t("customers") + " cu ON cu.id = (SELECT MIN(ttc.customer_id) FROM " + k.t("ticket_to_customer") +
			" ttc WHERE ttc.ticket_id = t.id AND ttc.customer_type = 'REQUESTER')"
		reqName = "COALESCE(NULLIF(cu.name, ''), " + name + ", '')"
		reqEmail = "COALESCE(NULLIF(cu.email, ''), " + email + ", '')"
	}
	owner := "0"
	if k.has("tickets", "owner") {
		owner = "t.owner"
	}
	keys := k.customKeys()
	custom := ""
	for _, key := range keys {
		custom += ", COALESCE(t.`" + k.custom[key] + "`, '')"
	}
	q := "SELECT t.id, t.trackid, COALESCE(t.subject, ''), t.category, t.status, CAST(t.priority AS CHAR), " +
		reqName + ", " + reqEmail + ", t.openedby, t.dt, t.lastchange, COALESCE(t.attachments, ''), " + owner + custom +
		" FROM " + k.t("tickets") + " t" + join + " WHERE t.id > ? ORDER BY t.id LIMIT ?"
	rows, err := s.db.QueryContext(ctx, q, keyAfter(after), n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hs []header
	byID := map[int64]*sources.Ticket{}
	for rows.Next() {
		var id, cat, status, openedBy, ownerID int64
		var trackid, subject, prio, rname, remail, atts string
		var dt, lastchange sql.NullString
		values := make([]string, len(keys))
		dest := []any{&id, &trackid, &subject, &cat, &status, &prio, &rname, &remail, &openedBy, &dt, &lastchange, &atts, &ownerID}
		for i := range values {
			dest = append(dest, &values[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		emails := splitList(remail, ",") // before 3.5 the email column may hold a list
		t := &sources.Ticket{
			ID:         strconv.FormatInt(id, 10),
			Origin:     fmt.Sprintf("%stickets id=%d trackid=%s", k.pf, id, trackid),
			Subject:    heskUnescape(subject),
			Department: k.cats[cat],
			Status:     k.statuses[status],
			Priority:   heskPriorities[prio],
			Requester:  sources.Person{Name: heskUnescape(rname)},
			Number:     trackid,
			Assignee:   k.staff[ownerID], // owner; zero when unassigned
		}
		for i, key := range keys {
			setField(t, key, heskUnescape(values[i]))
		}
		if len(emails) > 0 {
			t.Requester.Email = emails[0]
			if len(emails) > 1 {
				t.CC = emails[1:]
			}
		}
		if t.Department == "" {
			t.Department = strconv.FormatInt(cat, 10)
		}
		if t.Status == "" {
			t.Status = strconv.FormatInt(status, 10)
		}
		t.Created = s.timeField(t, dt, "", t.Origin, "dt", true)
		t.Updated = later(t.Created, s.timeField(t, lastchange, "", t.Origin, "lastchange", false))
		byID[id] = t
		hs = append(hs, header{key: id, t: t, aux: &heskAux{trackid: trackid, openedBy: openedBy, requester: t.Requester, attachments: atts}})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if k.customers && len(hs) > 0 {
		frows, err := s.db.QueryContext(ctx, "SELECT ttc.ticket_id, cu.email FROM "+k.t("ticket_to_customer")+" ttc JOIN "+
			k.t("customers")+" cu ON cu.id = ttc.customer_id WHERE ttc.customer_type = 'FOLLOWER' AND ttc.ticket_id BETWEEN ? AND ?"+
			" ORDER BY ttc.ticket_id, cu.id", hs[0].key, hs[len(hs)-1].key)
		if err != nil {
			return nil, fmt.Errorf("read followers: %w", err)
		}
		defer frows.Close()
		for frows.Next() {
			var id int64
			var email sql.NullString
			if err := frows.Scan(&id, &email); err != nil {
				return nil, err
			}
			if t := byID[id]; t != nil && email.String != "" {
				t.CC = append(t.CC, email.String)
			}
		}
		if err := frows.Err(); err != nil {
			return nil, err
		}
	}
	return hs, nil
}

type heskFile struct {
	saved, real string
}

func (k *hesk) thread(ctx context.Context, h header) error {
	s, t := k.s, h.t
	aux := h.aux.(*heskAux)
	id := h.key.(int64)

	files := map[int64]heskFile{}
	arows, err := s.db.QueryContext(ctx, "SELECT att_id, saved_name, real_name FROM "+k.t("attachments")+" WHERE ticket_id = ?", aux.trackid)
	if err != nil {
		return fmt.Errorf("read attachments: %w", err)
	}
	for arows.Next() {
		var aid int64
		var f heskFile
		if err := arows.Scan(&aid, &f.saved, &f.real); err != nil {
			arows.Close()
			return err
		}
		files[aid] = f
	}
	arows.Close()
	if err := arows.Err(); err != nil {
		return err
	}

	html := func(table, alias string) string {
		if k.has(table, "message_html") {
			return "COALESCE(NULLIF(" + alias + ".message_html, ''), " + alias + ".message, '')"
		}
		return "COALESCE(" + alias + ".message, '')"
	}
	replyName, replyCust, replyJoin := "''", "0", ""
	if k.has("replies", "name") {
		replyName = "COALESCE(r.name, '')"
	}
	if k.customers && k.has("replies", "customer_id") {
		replyCust = "COALESCE(r.customer_id, 0)"
		replyJoin = " LEFT JOIN " + k.t("customers") + " cu ON cu.id = r.customer_id"
		replyName = "COALESCE(cu.name, " + replyName + ")"
	}
	replyEmail := "''"
	if replyJoin != "" {
		replyEmail = "COALESCE(cu.email, '')"
	}
	q := "SELECT * FROM (" +
		"SELECT 0 AS src_rank, t.id AS src_id, 0 AS staff, '' AS name, '' AS email, 0 AS cust, t.dt AS created, " +
		html("tickets", "t") + " AS body, COALESCE(t.attachments, '') AS atts FROM " + k.t("tickets") + " t WHERE t.id = ?" +
		" UNION ALL SELECT 1, r.id, r.staffid, " + replyName + ", " + replyEmail + ", " + replyCust + ", r.dt, " + html("replies", "r") +
		", COALESCE(r.attachments, '') FROM " + k.t("replies") + " r" + replyJoin + " WHERE r.replyto = ?" +
		" UNION ALL SELECT 2, n.id, n.who, '', '', 0, n.dt, COALESCE(n.message, ''), COALESCE(n.attachments, '') FROM " +
		k.t("notes") + " n WHERE n.ticket = ?" +
		") x ORDER BY x.created, x.src_rank, x.src_id"
	rows, err := s.db.QueryContext(ctx, q, id, id, id)
	if err != nil {
		return fmt.Errorf("read messages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rank, srcID, staff, cust int64
		var name, email, body, atts string
		var created sql.NullString
		if err := rows.Scan(&rank, &srcID, &staff, &name, &email, &cust, &created, &body, &atts); err != nil {
			return err
		}
		e := sources.Entry{Body: body, Format: sources.HTML}
		switch rank {
		case 0:
			e.ID, e.Origin = "ticket", fmt.Sprintf("%stickets id=%d", k.pf, srcID)
			if aux.openedBy > 0 {
				e.Kind, e.Author = sources.StaffReply, k.staffPerson(aux.openedBy)
			} else {
				e.Kind, e.Author = sources.CustomerReply, aux.requester
			}
		case 1:
			e.ID, e.Origin = "r"+strconv.FormatInt(srcID, 10), fmt.Sprintf("%sreplies id=%d", k.pf, srcID)
			if staff > 0 {
				e.Kind, e.Author = sources.StaffReply, k.staffPerson(staff)
			} else {
				e.Kind = sources.CustomerReply
				e.Author = sources.Person{Name: heskUnescape(name), Email: email}
				if cust == 0 || e.Author.Email == "" {
					// Before 3.5 (or a guest): the requester's address.
					if e.Author.Name == "" || e.Author.Name == aux.requester.Name {
						e.Author = aux.requester
					}
				}
			}
		default:
			e.ID, e.Origin = "n"+strconv.FormatInt(srcID, 10), fmt.Sprintf("%snotes id=%d", k.pf, srcID)
			e.Kind, e.Author = sources.Note, k.staffPerson(staff)
		}
		e.Created = s.timeField(t, created, e.ID, e.Origin, "dt", true)
		for _, item := range splitList(atts, ",") {
			aidText, real, _ := strings.Cut(item, "#")
			aid, err := strconv.ParseInt(aidText, 10, 64)
			f, ok := files[aid]
			if err != nil || !ok {
				t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeAttachmentMissing, Entry: e.ID, Origin: e.Origin,
					Field: "attachments", Message: fmt.Sprintf("attachment %q has no row in %sattachments", item, k.pf)})
				continue
			}
			if f.real != "" {
				real = f.real
			}
			if a, ok := s.fileAttachment(t, e.ID, e.Origin, f.saved, real); ok {
				e.Attachments = append(e.Attachments, a)
			}
		}
		t.Entries = append(t.Entries, e)
	}
	return rows.Err()
}

func (k *hesk) staffPerson(id int64) sources.Person {
	if p, ok := k.staff[id]; ok {
		return p
	}
	return sources.Person{Name: "staff #" + strconv.FormatInt(id, 10)}
}

// heskUnescape undoes HESK's HTML escaping of names and subjects.
func heskUnescape(s string) string {
	return htmlUnescape(s)
}
