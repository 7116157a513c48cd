// ticketwrites.go holds the sandbox's ticket writes: OpenTicket,
// AddTicketReply, AddTicketNote, UpdateTicket, UpdateTicketReply and
// DeleteTicket.

package sandbox

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

func (c *call) openTicket() (any, *apiError) {
	cl, ct, e := c.openRequester()
	if e != nil {
		return nil, e
	}
	if cl == nil && (!c.has("name") || !c.has("email")) {
		return nil, bizErr("Name and email address are required if not a client")
	}
	dept := c.st.dept(c.int("deptid"))
	if dept == nil {
		return nil, bizErr("Department ID not found")
	}
	if !c.has("subject") {
		return nil, bizErr("Subject is required")
	}
	if !c.has("message") {
		return nil, bizErr("Message is required")
	}
	service, e := c.openService()
	if e != nil {
		return nil, e
	}
	if cl == nil && !validEmail(c.str("email")) {
		return nil, bizErr("Email Address Invalid")
	}
	date, e := c.created("Ticket creation date cannot be in the future")
	if e != nil {
		return nil, e
	}
	att, e := c.files()
	if e != nil {
		return nil, e
	}
	cf, e := c.customFields()
	if e != nil {
		return nil, e
	}
	prio := c.str("priority")
	if !slices.Contains(priorities, prio) {
		prio = "Medium"
	}
	id := c.st.nextID
	tid, ok := c.st.newTID(id, c.now)
	if !ok {
		return nil, bizErr("Unable to generate ticket number")
	}
	c.st.nextID++
	t := &ticket{
		id: id, tid: tid, c: c.st.newC(), deptID: dept.ID,
		cc: c.str("cc"), subject: c.str("subject"), message: c.str("message"),
		status: "Open", priority: prio, date: date,
		markdown: c.bool("markdown"), preventClientClosure: c.bool("preventClientClosure"),
		attachments: att, customFields: cf, service: service,
	}
	if cl != nil {
		t.userID, t.name, t.email = cl.ID, fullName(cl), cl.Email
		if ct != nil {
			t.contactID = ct.ID
		}
	} else {
		t.name, t.email = c.str("name"), c.str("email")
	}
	if c.bool("admin") {
		t.admin = c.admin.FullName()
	}
	c.st.tickets[id] = t
	c.st.byTID[tid] = t
	if !c.bool("noemail") {
		c.st.emails = append(c.st.emails, Email{Template: "Support Ticket Opened", To: t.email, TicketID: id, TID: tid, Subject: t.subject, Sent: c.now})
	}
	return obj{{"result", "success"}, {"id", strconv.FormatInt(id, 10)}, {"tid", tid}, {"c", t.c}}, nil
}

// openRequester reads OpenTicket's clientid, userid and contactid: the
// client (nil for a guest) and its contact (nil when none).
func (c *call) openRequester() (*Client, *Contact, *apiError) {
	var cl *Client
	if id := c.int("clientid"); id != 0 {
		if cl = c.st.client(id); cl == nil {
			return nil, nil, bizErr("Client ID Not Found")
		}
	}
	if id := c.int("userid"); id != 0 {
		u := c.st.client(id)
		if u == nil {
			return nil, nil, bizErr("The system cannot find the provided user ID.")
		}
		if cl == nil {
			cl = u
		}
	}
	var ct *Contact
	if id := c.int("contactid"); id != 0 {
		if cl == nil {
			return nil, nil, bizErr("Contact ID Not Found")
		}
		if ct = c.st.contact(id, cl.ID); ct == nil {
			return nil, nil, bizErr("Contact ID Not Found")
		}
	}
	return cl, ct, nil
}

// openService reads OpenTicket's serviceid or domainid: "S<id>", "D<id>"
// or "".
func (c *call) openService() (string, *apiError) {
	if id := c.int("serviceid"); id != 0 {
		if owned(c.st.seed.Services, id) == nil {
			return "", bizErr("Service ID Not Found")
		}
		return "S" + itoa(id), nil
	} else if id := c.int("domainid"); id != 0 {
		if owned(c.st.seed.Domains, id) == nil {
			return "", bizErr("Domain ID Not Found")
		}
		return "D" + itoa(id), nil
	}
	return "", nil
}

func fullName(cl *Client) string { return strings.TrimSpace(cl.FirstName + " " + cl.LastName) }

func (c *call) addTicketReply() (any, *apiError) {
	t := c.st.tickets[c.int("ticketid")]
	if t == nil {
		return nil, bizErr("Ticket ID not found")
	}
	cl, ct, e := c.replyClient()
	if e != nil {
		return nil, e
	}
	adminUser := c.str("adminusername")
	guest := cl == nil && adminUser == ""
	if guest && (!c.has("name") || !c.has("email")) {
		return nil, bizErr("Name and email address are required if not a client")
	}
	if !c.has("message") {
		return nil, bizErr("Message is required")
	}
	if guest && !validEmail(c.str("email")) {
		return nil, bizErr("Email Address Invalid")
	}
	var adm *Admin
	if adminUser != "" {
		if adm = c.st.adminByUsername(adminUser); adm == nil {
			return nil, bizErr("Admin Username Not Found")
		}
	}
	status, e := c.replyStatus(adm)
	if e != nil {
		return nil, e
	}
	date, e := c.created("Reply creation date cannot be in the future")
	if e != nil {
		return nil, e
	}
	att, e := c.files()
	if e != nil {
		return nil, e
	}
	cf, e := c.customFields()
	if e != nil {
		return nil, e
	}
	r := &reply{id: c.st.nextRep, date: date, message: c.str("message"), markdown: c.bool("markdown"), attachments: att, customFields: cf}
	c.st.nextRep++
	switch {
	case adm != nil:
		r.adminUsername, r.admin = adm.Username, adm.FullName()
	case cl != nil:
		r.userID = cl.ID
		if ct != nil {
			r.contactID = ct.ID
		}
	default:
		r.name, r.email = c.str("name"), c.str("email")
	}
	t.replies = append(t.replies, r)
	t.status = status
	if adm != nil && !c.bool("noemail") {
		c.st.emails = append(c.st.emails, Email{Template: "Support Ticket Reply", To: t.email, TicketID: t.id, TID: t.tid, Subject: t.subject, Sent: c.now})
	}
	return obj{{"result", "success"}}, nil
}

// replyClient reads AddTicketReply's clientid and contactid: the client
// (nil when none) and its contact (nil when none).
func (c *call) replyClient() (*Client, *Contact, *apiError) {
	var cl *Client
	if id := c.int("clientid"); id != 0 {
		if cl = c.st.client(id); cl == nil {
			return nil, nil, bizErr("Client ID Not Found")
		}
	}
	var ct *Contact
	if id := c.int("contactid"); id != 0 {
		if cl == nil {
			return nil, nil, bizErr("Contact ID Not Found")
		}
		if ct = c.st.contact(id, cl.ID); ct == nil {
			return nil, nil, bizErr("Contact ID Not Found")
		}
	}
	return cl, ct, nil
}

// replyStatus is the status a reply leaves its ticket in: its status
// parameter, else Answered for an admin's reply (adm), else
// Customer-Reply.
func (c *call) replyStatus(adm *Admin) (string, *apiError) {
	status := "Customer-Reply"
	if adm != nil {
		status = "Answered"
	}
	if c.has("status") {
		if c.st.status(c.str("status")) == nil {
			return "", bizErr("Invalid Ticket Status")
		}
		status = c.str("status")
	}
	return status, nil
}

// ticketByIDOrNum finds the ticket named by ticketid or else ticketnum.
func (c *call) ticketByIDOrNum() *ticket {
	if c.has("ticketid") {
		return c.st.tickets[c.int("ticketid")]
	}
	return c.st.byTID[c.str("ticketnum")]
}

func (c *call) addTicketNote() (any, *apiError) {
	t := c.ticketByIDOrNum()
	if t == nil {
		return nil, bizErr("Ticket ID not found")
	}
	if !c.has("message") {
		return nil, bizErr("Message is required")
	}
	date, e := c.created("Ticket creation date cannot be in the future")
	if e != nil {
		return nil, e
	}
	att, e := c.files()
	if e != nil {
		return nil, e
	}
	t.notes = append(t.notes, &note{
		id: c.st.nextNote, adminUsername: c.admin.Username, admin: c.admin.FullName(),
		date: date, message: c.str("message"), markdown: c.bool("markdown"), attachments: att,
	})
	c.st.nextNote++
	return obj{{"result", "success"}}, nil
}

func (c *call) updateTicket() (any, *apiError) {
	t := c.st.tickets[c.int("ticketid")]
	if t == nil {
		return nil, bizErr("Ticket ID Not Found")
	}
	var dept *Department
	if c.has("deptid") {
		if dept = c.st.dept(c.int("deptid")); dept == nil {
			return nil, bizErr("Department ID Not Found")
		}
	}
	if c.has("priority") && !slices.Contains(priorities, c.str("priority")) {
		return nil, bizErr("Invalid Ticket Priority. Valid priorities are: " + strings.Join(priorities, ","))
	}
	if c.has("status") && c.st.status(c.str("status")) == nil {
		return nil, bizErr("Invalid Ticket Status. Valid statuses are: " + strings.Join(c.st.statusTitles(), ","))
	}
	var date time.Time
	if c.has("created") {
		d, e := c.created("Ticket creation date cannot be in the future")
		if e != nil {
			return nil, e
		}
		date = d
	}
	cf, e := c.customFields()
	if e != nil {
		return nil, e
	}
	c.applyUpdate(t, dept, date, cf)
	return obj{{"result", "success"}, {"ticketid", strconv.FormatInt(t.id, 10)}}, nil
}

// applyUpdate sets the values an UpdateTicket call sends on t, after
// they were checked: dept (nil = unchanged), date (zero = unchanged) and
// the custom fields cf (nil = unchanged).
func (c *call) applyUpdate(t *ticket, dept *Department, date time.Time, cf map[int]string) {
	if dept != nil {
		t.deptID = dept.ID
	}
	if c.has("status") {
		t.status = c.str("status")
	}
	if c.has("priority") {
		t.priority = c.str("priority")
	}
	if c.has("subject") {
		t.subject = c.str("subject")
	}
	uid := c.int("userid")
	if uid == 0 {
		uid = c.int("clientid") // the reference page's example sends clientid
	}
	if cl := c.st.client(uid); cl != nil {
		t.userID, t.name, t.email = cl.ID, fullName(cl), cl.Email
	}
	if c.has("name") {
		t.name = c.str("name")
	}
	if c.has("email") {
		t.email = c.str("email")
	}
	if _, ok := c.p["cc"]; ok {
		t.cc = c.str("cc")
	}
	if !date.IsZero() {
		t.date = date
	}
	if c.has("flag") {
		t.flag = c.int("flag")
	}
	if c.bool("removeFlag") {
		t.flag = 0
	}
	if c.has("message") {
		t.message = c.str("message")
		t.markdown = c.bool("markdown")
	}
	if c.has("preventClientClosure") {
		t.preventClientClosure = c.bool("preventClientClosure")
	}
	if cf != nil {
		if t.customFields == nil {
			t.customFields = map[int]string{}
		}
		for k, v := range cf {
			t.customFields[k] = v
		}
	}
}

func contactName(ct *Contact) string { return strings.TrimSpace(ct.FirstName + " " + ct.LastName) }

// updateTicketReply changes a reply's message, markdown and date, as
// documented: replyid and message are required; it sends no email. The
// error texts are not documented; these are the sandbox's.
func (c *call) updateTicketReply() (any, *apiError) {
	id := c.int("replyid")
	if id == 0 {
		return nil, bizErr("Reply ID Required")
	}
	if !c.has("message") {
		return nil, bizErr("Message is Required")
	}
	var r *reply
	for _, t := range c.st.tickets {
		for _, rp := range t.replies {
			if rp.id == id {
				r = rp
			}
		}
	}
	if r == nil {
		return nil, bizErr("Reply ID Not Found")
	}
	var date time.Time
	if c.has("created") {
		d, e := c.created("Reply creation date cannot be in the future")
		if e != nil {
			return nil, e
		}
		date = d
	}
	r.message = c.str("message")
	if _, ok := c.p["markdown"]; ok {
		r.markdown = c.bool("markdown")
	}
	if !date.IsZero() {
		r.date = date
	}
	return obj{{"result", "success"}, {"replyid", itoa(id)}}, nil
}

func (c *call) deleteTicket() (any, *apiError) {
	t := c.st.tickets[c.int("ticketid")]
	if t == nil {
		return nil, bizErr("Ticket ID not found")
	}
	delete(c.st.tickets, t.id)
	delete(c.st.byTID, t.tid)
	return obj{{"result", "success"}}, nil
}
