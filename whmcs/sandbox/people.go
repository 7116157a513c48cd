package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Change is something a person does in WHMCS while a migration runs: a
// customer replying in the client area, an admin replying, adding a note,
// setting a ticket's status, department, priority or assignee in the admin
// area, deleting a ticket, or merging tickets. None goes through the
// external API, so none is counted as a call; each has the effect it has in
// WHMCS (a reply is dated now, a customer reply sets Customer-Reply, an
// admin reply Answered; text is stored as WHMCS stores what is typed into
// it, see Options.StoredText).
//
// The same changes are served over HTTP at POST /_sandbox/change, with the
// form fields named by the json tags, so that a test (or a person
// rehearsing a cut-over) can drive them during a run of the real binary.
type Change struct {
	// Action is one of ChangeCustomerReply, ChangeAdminReply, ChangeNote,
	// ChangeStatus, ChangeDepartment, ChangePriority, ChangeFlag, ChangeCC,
	// ChangeDelete, ChangeMerge.
	Action   string `json:"action"`
	TicketID int64  `json:"ticketid"`
	// Message is the reply's or note's text.
	Message string `json:"message"`
	// Admin is the admin username of an admin reply or note; default the
	// API admin.
	Admin string `json:"admin"`
	// Status, Priority, DeptID, Flag, CC are the new values (Flag 0
	// unassigns; CC is comma-separated, "" clears it).
	CC       string `json:"cc"`
	Status   string `json:"status"`
	Priority string `json:"priority"`
	DeptID   int64  `json:"deptid"`
	Flag     int64  `json:"flag"`
	// Into is the ticket that TicketID is merged into (ChangeMerge).
	Into int64 `json:"into"`
}

// Change actions.
const (
	ChangeCustomerReply = "customer-reply"
	ChangeAdminReply    = "admin-reply"
	ChangeNote          = "note"
	ChangeStatus        = "status"
	ChangeDepartment    = "department"
	ChangePriority      = "priority"
	ChangeFlag          = "flag"
	ChangeCC            = "cc"
	ChangeDelete        = "delete"
	ChangeMerge         = "merge"
)

// Apply makes ch as a person in WHMCS would. An unknown ticket, status,
// department, priority or admin is an error and changes nothing.
func (s *Server) Apply(ch Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().In(s.loc).Truncate(time.Second)
	st := s.st
	t := st.tickets[ch.TicketID]
	if t == nil {
		return fmt.Errorf("sandbox: %s: no ticket %d", ch.Action, ch.TicketID)
	}
	admin := func() (*Admin, error) {
		if ch.Admin == "" {
			return s.apiAdmin(), nil
		}
		if a := st.adminByUsername(s.opts.StoredText(ch.Admin)); a != nil {
			return a, nil
		}
		return nil, fmt.Errorf("sandbox: %s: no admin %q", ch.Action, ch.Admin)
	}
	msg := s.opts.StoredText(ch.Message)
	switch ch.Action {
	case ChangeCustomerReply:
		if msg == "" {
			return fmt.Errorf("sandbox: %s: no message", ch.Action)
		}
		r := &reply{id: st.nextRep, date: now, message: msg, userID: t.userID, contactID: t.contactID}
		if t.userID == 0 {
			r.name, r.email = t.name, t.email
		}
		st.nextRep++
		t.replies = append(t.replies, r)
		t.status = "Customer-Reply"
	case ChangeAdminReply:
		a, err := admin()
		if err != nil {
			return err
		}
		if msg == "" {
			return fmt.Errorf("sandbox: %s: no message", ch.Action)
		}
		t.replies = append(t.replies, &reply{id: st.nextRep, date: now, message: msg, adminUsername: a.Username, admin: a.FullName()})
		st.nextRep++
		t.status = "Answered"
		st.emails = append(st.emails, Email{Template: "Support Ticket Reply", To: t.email, TicketID: t.id, TID: t.tid, Subject: t.subject, Sent: now})
	case ChangeNote:
		a, err := admin()
		if err != nil {
			return err
		}
		if msg == "" {
			return fmt.Errorf("sandbox: %s: no message", ch.Action)
		}
		t.notes = append(t.notes, &note{id: st.nextNote, adminUsername: a.Username, admin: a.FullName(), date: now, message: msg})
		st.nextNote++
	case ChangeStatus:
		if st.status(ch.Status) == nil {
			return fmt.Errorf("sandbox: %s: no status %q", ch.Action, ch.Status)
		}
		t.status = ch.Status
	case ChangePriority:
		if !slices.Contains(priorities, ch.Priority) {
			return fmt.Errorf("sandbox: %s: no priority %q", ch.Action, ch.Priority)
		}
		t.priority = ch.Priority
	case ChangeDepartment:
		if st.dept(ch.DeptID) == nil {
			return fmt.Errorf("sandbox: %s: no department %d", ch.Action, ch.DeptID)
		}
		t.deptID = ch.DeptID
	case ChangeFlag:
		t.flag = ch.Flag
	case ChangeCC:
		t.cc = s.opts.StoredText(ch.CC)
	case ChangeDelete:
		delete(st.tickets, t.id)
		delete(st.byTID, t.tid)
	case ChangeMerge:
		into := st.tickets[ch.Into]
		if into == nil || into == t {
			return fmt.Errorf("sandbox: %s: no other ticket %d to merge into", ch.Action, ch.Into)
		}
		st.merge(into, t)
	default:
		return fmt.Errorf("sandbox: unknown change %q", ch.Action)
	}
	return nil
}

// merge moves ticket from into into: its opening message becomes a reply
// (a new reply id), its replies and notes move over, and the thread is
// ordered by date (ties by id). from is gone: GetTicket answers "Ticket ID
// Not Found" for it, GetTickets no longer lists it. What WHMCS answers for
// a merged-away id is not documented; this is the sandbox's choice.
func (st *store) merge(into, from *ticket) {
	open := &reply{id: st.nextRep, date: from.date, message: from.message, markdown: from.markdown,
		attachments: from.attachments, userID: from.userID, contactID: from.contactID}
	st.nextRep++
	if from.userID == 0 {
		open.name, open.email = from.name, from.email
	}
	into.replies = append(into.replies, open)
	into.replies = append(into.replies, from.replies...)
	sort.SliceStable(into.replies, func(i, j int) bool {
		a, b := into.replies[i], into.replies[j]
		if !a.date.Equal(b.date) {
			return a.date.Before(b.date)
		}
		return a.id < b.id
	})
	into.notes = append(into.notes, from.notes...)
	sort.SliceStable(into.notes, func(i, j int) bool { return into.notes[i].date.Before(into.notes[j].date) })
	delete(st.tickets, from.id)
	delete(st.byTID, from.tid)
}

// mergeTicket is the MergeTicket action (WHMCS 7.10+): ticketid,
// mergeticketids (comma separated), optional newsubject. The error texts
// are the documented ones; each merged ticket is moved as merge says.
func (c *call) mergeTicket() (any, *apiError) {
	if !c.has("ticketid") {
		return nil, bizErr("Ticket ID Required")
	}
	into := c.st.tickets[c.int("ticketid")]
	if into == nil {
		return nil, bizErr("Ticket ID Invalid")
	}
	if strings.TrimSpace(c.str("mergeticketids")) == "" {
		return nil, bizErr("Merge Ticket IDs Required")
	}
	var from []*ticket
	var bad []string
	for _, f := range strings.Split(c.str("mergeticketids"), ",") {
		f = strings.TrimSpace(f)
		t := c.st.tickets[phpInt(f)]
		if t == nil || t == into {
			bad = append(bad, f)
			continue
		}
		from = append(from, t)
	}
	if len(bad) > 0 {
		return nil, bizErr("Invalid Merge Ticket IDs: " + strings.Join(bad, ", "))
	}
	for _, t := range from {
		c.st.merge(into, t)
	}
	if c.has("newsubject") {
		into.subject = c.str("newsubject")
	}
	return obj{{"result", "success"}, {"ticketid", itoa(into.id)}}, nil
}

// serveChange is POST /_sandbox/change: the form's fields are a Change's
// (action, ticketid, message, admin, status, priority, deptid, flag, cc,
// into). It answers {"result":"success"}, or 400 with the reason.
func (s *Server) serveChange(w http.ResponseWriter, r *http.Request) {
	num := func(k string) int64 { n, _ := strconv.ParseInt(r.FormValue(k), 10, 64); return n }
	ch := Change{Action: r.FormValue("action"), TicketID: num("ticketid"), Message: r.FormValue("message"),
		Admin: r.FormValue("admin"), Status: r.FormValue("status"), CC: r.FormValue("cc"), Priority: r.FormValue("priority"),
		DeptID: num("deptid"), Flag: num("flag"), Into: num("into")}
	w.Header().Set("Content-Type", "application/json")
	if err := s.Apply(ch); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"result": "error", "message": err.Error()})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]string{"result": "success"})
}
