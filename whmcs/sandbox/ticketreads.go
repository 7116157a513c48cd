// ticketreads.go holds the sandbox's ticket reads: GetTicket and
// GetTickets, with their filters and paging.

package sandbox

import (
	"slices"
	"strconv"
	"strings"
)

// attachmentsJSON renders attachment and attachments as GetTicket does,
// with the [[]] quirk for none.
func attachmentsJSON(fs []storedFile) (string, any) {
	if len(fs) == 0 {
		return "", []any{[]any{}}
	}
	names := make([]string, len(fs))
	list := make([]any, len(fs))
	for i, f := range fs {
		names[i] = f.stored
		list[i] = obj{{"filename", f.name}, {"index", i}}
	}
	return strings.Join(names, "|"), list
}

// requestor returns the opener's requestor_name, _email, _type.
func (c *call) requestor(t *ticket) (string, string, string) {
	switch {
	case t.admin != "":
		return t.admin, "", "Operator"
	case t.contactID != 0:
		if ct := c.st.contact(t.contactID, t.userID); ct != nil {
			return contactName(ct), ct.Email, "Contact"
		}
	case t.userID != 0:
		return t.name, t.email, "Owner"
	}
	return t.name, t.email, "Guest"
}

func (c *call) getTicket() (any, *apiError) {
	t := c.ticketByIDOrNum()
	if t == nil {
		return nil, bizErr("Ticket ID Not Found")
	}
	loc := c.s.loc
	rn, re, rt := c.requestor(t)
	att, atts := attachmentsJSON(t.attachments)
	opening := obj{
		{"replyid", "0"}, {"userid", itoa(t.userID)}, {"contactid", itoa(t.contactID)},
		{"name", t.name}, {"email", t.email},
		{"requestor_name", rn}, {"requestor_email", re}, {"requestor_type", rt},
		{"date", fmtDate(t.date, loc)}, {"message", t.message},
		{"attachment", att}, {"attachments", atts}, {"attachments_removed", false}, {"admin", t.admin},
	}
	replies := []any{opening}
	for _, r := range t.replies {
		a, as := attachmentsJSON(r.attachments)
		var rn, re, rt string
		uid := r.userID
		switch {
		case r.adminUsername != "":
			rn, rt, uid = r.admin, "Operator", t.userID
		case r.contactID != 0 && c.st.contact(r.contactID, r.userID) != nil:
			ct := c.st.contact(r.contactID, r.userID)
			rn, re, rt = contactName(ct), ct.Email, "Contact"
		case r.userID != 0:
			rn, rt = t.name, "Owner"
			if cl := c.st.client(r.userID); cl != nil {
				rn, re = fullName(cl), cl.Email
			}
		default:
			rn, re, rt = r.name, r.email, "Guest"
		}
		replies = append(replies, obj{
			{"replyid", itoa(r.id)}, {"userid", itoa(uid)}, {"contactid", itoa(r.contactID)},
			{"name", r.name}, {"email", r.email},
			{"requestor_name", rn}, {"requestor_email", re}, {"requestor_type", rt},
			{"date", fmtDate(r.date, loc)}, {"message", r.message},
			{"attachment", a}, {"attachments", as}, {"attachments_removed", false},
			{"admin", r.admin}, {"rating", "0"},
		})
	}
	if strings.EqualFold(c.str("repliessort"), "DESC") {
		slices.Reverse(replies)
	}
	notes := []any{}
	for _, n := range t.notes {
		a, as := attachmentsJSON(n.attachments)
		notes = append(notes, obj{
			{"noteid", itoa(n.id)}, {"date", fmtDate(n.date, loc)}, {"message", n.message},
			{"attachment", a}, {"attachments", as}, {"attachments_removed", false}, {"admin", n.admin},
		})
	}
	deptName := ""
	if d := c.st.dept(t.deptID); d != nil {
		deptName = d.Name
	}
	return obj{
		{"result", "success"}, {"ticketid", itoa(t.id)}, {"tid", t.tid}, {"c", t.c},
		{"deptid", itoa(t.deptID)}, {"deptname", deptName}, {"userid", itoa(t.userID)},
		{"contactid", itoa(t.contactID)}, {"name", t.name}, {"email", t.email},
		{"requestor_name", rn}, {"requestor_email", re}, {"requestor_type", rt},
		{"cc", t.cc}, {"date", fmtDate(t.date, loc)}, {"subject", t.subject},
		{"status", t.status}, {"priority", t.priority}, {"admin", t.admin},
		{"lastreply", fmtDate(t.lastReply(), loc)}, {"flag", itoa(t.flag)}, {"service", t.service},
		{"replies", obj{{"reply", replies}}},
		{"notes", obj{{"note", notes}}},
	}, nil
}

// inScope reports whether the calling admin sees department id (admins
// with no departments listed see all; see Admin).
func (c *call) inScope(dept int64) bool {
	if c.bool("ignore_dept_assignments") || len(c.admin.Departments) == 0 {
		return true
	}
	return slices.Contains(c.admin.Departments, dept)
}

func (c *call) matchStatus(t *ticket, want string) bool {
	switch want {
	case "":
		return true
	case "Awaiting Reply":
		s := c.st.status(t.status)
		return s != nil && s.Awaiting
	case "All Active Tickets":
		s := c.st.status(t.status)
		return s != nil && s.Active
	case "My Flagged Tickets":
		s := c.st.status(t.status)
		return t.flag == c.admin.ID && s != nil && s.Active
	}
	return t.status == want
}

func paging(c *call) (start, num int) {
	start, num = int(c.int("limitstart")), int(c.int("limitnum"))
	if start < 0 {
		start = 0
	}
	if num <= 0 {
		num = 25
	}
	return start, num
}

func (c *call) getTickets() (any, *apiError) {
	var match []*ticket
	subject := strings.ToLower(c.str("subject"))
	for _, t := range c.st.tickets {
		switch {
		case !c.inScope(t.deptID),
			c.has("deptid") && t.deptID != c.int("deptid"),
			c.has("clientid") && t.userID != c.int("clientid"),
			c.has("email") && !strings.EqualFold(t.email, c.str("email")),
			!c.matchStatus(t, c.str("status")),
			subject != "" && !strings.Contains(strings.ToLower(t.subject), subject):
			continue
		}
		match = append(match, t)
	}
	slices.SortFunc(match, func(a, b *ticket) int { return int(b.id - a.id) })
	start, num := paging(c)
	page := match[min(start, len(match)):min(start+num, len(match))]
	loc := c.s.loc
	list := make([]any, len(page))
	for i, t := range page {
		rn, re, rt := c.requestor(t)
		owner := ""
		if cl := c.st.client(t.userID); cl != nil {
			owner = fullName(cl)
		}
		a, as := attachmentsJSON(t.attachments)
		list[i] = obj{
			{"id", t.id}, {"tid", t.tid}, {"deptid", t.deptID}, {"userid", t.userID},
			{"name", t.name}, {"owner_name", owner}, {"email", t.email},
			{"requestor_name", rn}, {"requestor_email", re}, {"requestor_type", rt},
			{"cc", t.cc}, {"c", t.c}, {"date", fmtDate(t.date, loc)}, {"subject", t.subject},
			{"status", t.status}, {"priority", t.priority}, {"admin", t.admin},
			{"attachment", a}, {"attachments", as}, {"attachments_removed", false},
			{"lastreply", fmtDate(t.lastReply(), loc)}, {"flag", t.flag}, {"service", t.service},
		}
	}
	res := obj{{"result", "success"}, {"totalresults", strconv.Itoa(len(match))}, {"startnumber", start}, {"numreturned", len(page)}}
	if len(list) > 0 {
		res = append(res, kv{"tickets", obj{{"ticket", list}}})
	}
	return res, nil
}
