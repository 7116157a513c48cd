package whmcstest

import (
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

const dateLayout = "2006-01-02 15:04:05"

var isoRE = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$`)

// parseCreated reads `created`: "YYYY-MM-DD HH:MM:SS" or ISO 8601. A time
// without an offset is server-local; one with an offset is converted to
// the server's zone. Seconds are kept, fractions dropped (WHMCS stores
// DATETIME).
func parseCreated(v string, loc *time.Location) (time.Time, bool) {
	m := isoRE.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return time.Time{}, false
	}
	n := func(s string) int { i, _ := strconv.Atoi(s); return i }
	y, mo, d, h, mi, s := n(m[1]), n(m[2]), n(m[3]), n(m[4]), n(m[5]), n(m[6])
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 {
		return time.Time{}, false
	}
	zone := loc
	if off := m[8]; off == "Z" {
		zone = time.UTC
	} else if off != "" {
		off = strings.ReplaceAll(off, ":", "")
		oh, om := n(off[1:3]), 0
		if len(off) == 5 {
			om = n(off[3:5])
		}
		if oh > 14 || om > 59 {
			return time.Time{}, false
		}
		secs := oh*3600 + om*60
		if off[0] == '-' {
			secs = -secs
		}
		zone = time.FixedZone("", secs)
	}
	t := time.Date(y, time.Month(mo), d, h, mi, s, 0, zone)
	if t.Day() != d { // 2024-02-30 normalised into March
		return time.Time{}, false
	}
	return t.In(loc), true
}

// created returns the call's created date, or now when absent. future is
// the call's own "cannot be in the future" message.
func (c *call) created(future string) (time.Time, *apiError) {
	v := c.str("created")
	if v == "" {
		return c.now, nil
	}
	t, ok := parseCreated(v, c.s.loc)
	if !ok {
		return time.Time{}, bizErr("Invalid Date Format")
	}
	if t.After(c.now) {
		return time.Time{}, bizErr(future)
	}
	return t, nil
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

func (c *call) files() ([]storedFile, *apiError) {
	if !c.has("attachments") {
		return nil, nil
	}
	in, err := decodeAttachments(c.str("attachments"))
	if err != nil {
		return nil, bizErr("Unable to decode attachments")
	}
	return c.st.storeFiles(in, c.s.opts.StoredFileName), nil
}

func (c *call) customFields() (map[int]string, *apiError) {
	if !c.has("customfields") {
		return nil, nil
	}
	m, err := decodeCustomFields(c.str("customfields"))
	if err != nil {
		return nil, bizErr("Unable to decode custom fields")
	}
	return m, nil
}

var priorities = []string{"Low", "Medium", "High"}

func (c *call) openTicket() (any, *apiError) {
	var cl *Client
	if id := c.int("clientid"); id != 0 {
		if cl = c.st.client(id); cl == nil {
			return nil, bizErr("Client ID Not Found")
		}
	}
	if id := c.int("userid"); id != 0 {
		u := c.st.client(id)
		if u == nil {
			return nil, bizErr("The system cannot find the provided user ID.")
		}
		if cl == nil {
			cl = u
		}
	}
	var ct *Contact
	if id := c.int("contactid"); id != 0 {
		if cl == nil {
			return nil, bizErr("Contact ID Not Found")
		}
		if ct = c.st.contact(id, cl.ID); ct == nil {
			return nil, bizErr("Contact ID Not Found")
		}
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
	service := ""
	if id := c.int("serviceid"); id != 0 {
		if owned(c.st.seed.Services, id) == nil {
			return nil, bizErr("Service ID Not Found")
		}
		service = "S" + itoa(id)
	} else if id := c.int("domainid"); id != 0 {
		if owned(c.st.seed.Domains, id) == nil {
			return nil, bizErr("Domain ID Not Found")
		}
		service = "D" + itoa(id)
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

func fullName(cl *Client) string { return strings.TrimSpace(cl.FirstName + " " + cl.LastName) }

func (c *call) addTicketReply() (any, *apiError) {
	t := c.st.tickets[c.int("ticketid")]
	if t == nil {
		return nil, bizErr("Ticket ID not found")
	}
	var cl *Client
	if id := c.int("clientid"); id != 0 {
		if cl = c.st.client(id); cl == nil {
			return nil, bizErr("Client ID Not Found")
		}
	}
	var ct *Contact
	if id := c.int("contactid"); id != 0 {
		if cl == nil {
			return nil, bizErr("Contact ID Not Found")
		}
		if ct = c.st.contact(id, cl.ID); ct == nil {
			return nil, bizErr("Contact ID Not Found")
		}
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
	status := "Customer-Reply"
	if adm != nil {
		status = "Answered"
	}
	if c.has("status") {
		if c.st.status(c.str("status")) == nil {
			return nil, bizErr("Invalid Ticket Status")
		}
		status = c.str("status")
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
	return obj{{"result", "success"}, {"ticketid", strconv.FormatInt(t.id, 10)}}, nil
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

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

func fmtDate(t time.Time, loc *time.Location) string { return t.In(loc).Format(dateLayout) }

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

func (c *call) getSupportDepartments() (any, *apiError) {
	var list []any
	for _, d := range c.st.seed.Departments {
		if !c.inScope(d.ID) {
			continue
		}
		awaiting, open := 0, 0
		for _, t := range c.st.tickets {
			if t.deptID != d.ID {
				continue
			}
			if s := c.st.status(t.status); s != nil {
				if s.Awaiting {
					awaiting++
				}
				if s.Active {
					open++
				}
			}
		}
		list = append(list, obj{{"id", d.ID}, {"name", d.Name}, {"awaitingreply", awaiting}, {"opentickets", open}})
	}
	res := obj{{"result", "success"}, {"totalresults", len(list)}}
	if len(list) > 0 {
		res = append(res, kv{"departments", obj{{"department", list}}})
	}
	return res, nil
}

func (c *call) getSupportStatuses() (any, *apiError) {
	list := make([]any, 0, len(c.st.seed.Statuses))
	for _, s := range c.st.seed.Statuses {
		n := 0
		for _, t := range c.st.tickets {
			if t.status == s.Title && (!c.has("deptid") || t.deptID == c.int("deptid")) {
				n++
			}
		}
		list = append(list, obj{{"title", s.Title}, {"count", n}, {"color", s.Color}})
	}
	return obj{{"result", "success"}, {"totalresults", len(list)}, {"statuses", obj{{"status", list}}}}, nil
}

func (c *call) getClients() (any, *apiError) {
	q := strings.ToLower(c.str("search"))
	var match []Client
	for _, cl := range c.st.seed.Clients {
		status := cl.Status
		if status == "" {
			status = "Active"
		}
		if c.has("status") && !strings.EqualFold(status, c.str("status")) {
			continue
		}
		if q != "" {
			hit := false
			for _, f := range []string{cl.Email, cl.FirstName, cl.LastName, fullName(&cl), cl.CompanyName} {
				hit = hit || strings.HasPrefix(strings.ToLower(f), q)
			}
			if !hit {
				continue
			}
		}
		cl.Status = status
		match = append(match, cl)
	}
	slices.SortFunc(match, func(a, b Client) int { return int(a.ID - b.ID) })
	if strings.EqualFold(c.str("sorting"), "DESC") {
		slices.Reverse(match)
	}
	start, num := paging(c)
	page := match[min(start, len(match)):min(start+num, len(match))]
	list := make([]any, len(page))
	for i, cl := range page {
		list[i] = obj{
			{"id", cl.ID}, {"firstname", cl.FirstName}, {"lastname", cl.LastName},
			{"companyname", cl.CompanyName}, {"email", cl.Email},
			{"datecreated", "2020-01-01"}, {"groupid", 0}, {"status", cl.Status},
		}
	}
	res := obj{{"result", "success"}, {"totalresults", len(match)}, {"startnumber", start}, {"numreturned", len(page)}}
	if len(list) > 0 {
		res = append(res, kv{"clients", obj{{"client", list}}})
	}
	return res, nil
}

// getContacts lists contacts, filtered by userid and email (exact,
// case-insensitive), by id, paged like GetClients.
func (c *call) getContacts() (any, *apiError) {
	var match []Contact
	for _, ct := range c.st.seed.Contacts {
		if c.has("userid") && ct.ClientID != c.int("userid") {
			continue
		}
		if c.has("email") && !strings.EqualFold(ct.Email, c.str("email")) {
			continue
		}
		match = append(match, ct)
	}
	slices.SortFunc(match, func(a, b Contact) int { return int(a.ID - b.ID) })
	start, num := paging(c)
	page := match[min(start, len(match)):min(start+num, len(match))]
	list := make([]any, len(page))
	for i, ct := range page {
		list[i] = obj{{"id", ct.ID}, {"userid", ct.ClientID}, {"firstname", ct.FirstName}, {"lastname", ct.LastName}, {"email", ct.Email}}
	}
	res := obj{{"result", "success"}, {"totalresults", len(match)}, {"startnumber", start}, {"numreturned", len(page)}}
	if len(list) > 0 {
		res = append(res, kv{"contacts", obj{{"contact", list}}})
	}
	return res, nil
}

// getOwned lists the seed's services or domains filtered by clientid and
// the id parameter, paged like GetClients, under wrapper.item; a domain's
// owner is "userid", a service's "clientid", as WHMCS names them.
func (c *call) getOwned(list []Owned, idParam, wrapper, item, owner, name string) (any, *apiError) {
	var match []Owned
	for _, o := range list {
		if c.has("clientid") && o.ClientID != c.int("clientid") {
			continue
		}
		if c.has(idParam) && o.ID != c.int(idParam) {
			continue
		}
		match = append(match, o)
	}
	slices.SortFunc(match, func(a, b Owned) int { return int(a.ID - b.ID) })
	start, num := paging(c)
	page := match[min(start, len(match)):min(start+num, len(match))]
	items := make([]any, len(page))
	for i, o := range page {
		items[i] = obj{{"id", o.ID}, {owner, o.ClientID}, {name, o.Name}}
	}
	res := obj{{"result", "success"}, {"clientid", c.str("clientid")}, {"totalresults", len(match)}, {"startnumber", start}, {"numreturned", len(page)}}
	if len(items) > 0 {
		res = append(res, kv{wrapper, obj{{item, items}}})
	}
	return res, nil
}

func (c *call) getClientsProducts() (any, *apiError) {
	return c.getOwned(c.st.seed.Services, "serviceid", "products", "product", "clientid", "name")
}

func (c *call) getClientsDomains() (any, *apiError) {
	return c.getOwned(c.st.seed.Domains, "domainid", "domains", "domain", "userid", "domainname")
}

func (c *call) getAdminUsers() (any, *apiError) {
	list := []any{}
	email := strings.ToLower(c.str("email"))
	for _, a := range c.st.seed.Admins {
		if a.Disabled && !c.bool("include_disabled") {
			continue
		}
		if email != "" && !strings.Contains(strings.ToLower(a.Email), email) {
			continue
		}
		depts := a.Departments
		if len(depts) == 0 {
			for _, d := range c.st.seed.Departments {
				depts = append(depts, d.ID)
			}
		}
		list = append(list, obj{
			{"id", a.ID}, {"username", a.Username}, {"firstname", a.FirstName}, {"lastname", a.LastName},
			{"email", a.Email}, {"isDisabled", a.Disabled}, {"supportDepartmentIds", depts},
		})
	}
	// The reference example has no "result" key.
	return obj{{"count", len(list)}, {"admin_users", list}}, nil
}
