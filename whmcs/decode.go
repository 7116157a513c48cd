package whmcs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// WHMCS's JSON is loosely typed: the same field may be "1" or 1, a flag
// true, 1 or "1", a list [], {}, a single object or an object keyed "0",
// "1"... The types here read all of those, and nothing else: a value that
// fits none of the shapes is an error, never a silent zero.

// Int is an integer that WHMCS may send as a JSON number or a string.
// "" and null read as 0.
type Int int64

// UnmarshalJSON implements json.Unmarshaler.
func (n *Int) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = bytes.TrimSpace([]byte(s))
	}
	if len(b) == 0 || string(b) == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		// A float with no fraction ("12.0", 1e3) is still an integer.
		f, ferr := strconv.ParseFloat(string(b), 64)
		if ferr != nil || f != float64(int64(f)) {
			return fmt.Errorf("whmcs: %s is not an integer", b)
		}
		v = int64(f)
	}
	*n = Int(v)
	return nil
}

// Bool is a flag that WHMCS may send as true/false, 1/0, "1"/"0",
// "true"/"false" or "" (false). null reads as false.
type Bool bool

// UnmarshalJSON implements json.Unmarshaler.
func (f *Bool) UnmarshalJSON(b []byte) error {
	switch string(bytes.TrimSpace(b)) {
	case "true", "1", `"1"`, `"true"`:
		*f = true
	case "false", "0", `"0"`, `"false"`, `""`, "null":
		*f = false
	default:
		return fmt.Errorf("whmcs: %s is not a flag", b)
	}
	return nil
}

// Text is a string that WHMCS may send as a JSON string or a number (a
// ticket number "516757" or 516757). null reads as "".
type Text string

// UnmarshalJSON implements json.Unmarshaler.
func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Text(s)
	case string(b) == "null":
		*t = ""
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		*t = Text(b)
	default:
		return fmt.Errorf("whmcs: %s is not text", b)
	}
	return nil
}

// list is a JSON list of T in any of WHMCS's shapes: an array, a single
// object, an object keyed by indexes ("0", "1", ...; read in index order),
// {} or [] or null or "" (empty). Empty arrays and nulls inside the list
// are skipped: GetTicket writes "no attachments" as [[]].
type list[T any] []T

func (l *list[T]) UnmarshalJSON(b []byte) error {
	items, err := listItems(b)
	if err != nil {
		return err
	}
	out := make([]T, 0, len(items))
	for _, it := range items {
		var v T
		if err := json.Unmarshal(it, &v); err != nil {
			return err
		}
		out = append(out, v)
	}
	*l = out
	return nil
}

// wrapped is a list wrapped in an object under one key, as in
// replies.reply[]: the key names the wrapper ("reply"). The wrapper itself
// may be {}, [], null, "", absent, or (tolerated) the bare list.
type wrapped[T any, K wrapperKey] struct{ Items list[T] }

// wrapperKey names a wrapper's inner key.
type wrapperKey interface{ key() string }

type (
	replyKey      struct{}
	noteKey       struct{}
	ticketKey     struct{}
	departmentKey struct{}
	statusKey     struct{}
	clientKey     struct{}
	contactKey    struct{}
	productKey    struct{}
	domainKey     struct{}
)

func (replyKey) key() string      { return "reply" }
func (noteKey) key() string       { return "note" }
func (ticketKey) key() string     { return "ticket" }
func (departmentKey) key() string { return "department" }
func (statusKey) key() string     { return "status" }
func (clientKey) key() string     { return "client" }
func (contactKey) key() string    { return "contact" }
func (productKey) key() string    { return "product" }
func (domainKey) key() string     { return "domain" }

func (w *wrapped[T, K]) UnmarshalJSON(b []byte) error {
	var k K
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		if inner, ok := m[k.key()]; ok {
			return w.Items.UnmarshalJSON(inner)
		}
		if len(m) > 0 && !numericKeys(m) {
			return fmt.Errorf("whmcs: wrapped list without its %q key", k.key())
		}
	}
	return w.Items.UnmarshalJSON(b)
}

// listItems splits b, a list in any of WHMCS's shapes, into its items.
func listItems(b []byte) ([]json.RawMessage, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" || string(b) == `""` || string(b) == "false" {
		return nil, nil
	}
	var raw []json.RawMessage
	switch b[0] {
	case '[':
		if err := json.Unmarshal(b, &raw); err != nil {
			return nil, err
		}
	case '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		if len(m) == 0 {
			return nil, nil
		}
		if !numericKeys(m) {
			return []json.RawMessage{b}, nil // a single object
		}
		keys := make([]int, 0, len(m))
		byKey := make(map[int]json.RawMessage, len(m))
		for k, v := range m {
			n, _ := strconv.Atoi(k)
			keys = append(keys, n)
			byKey[n] = v
		}
		slices.Sort(keys)
		for _, k := range keys {
			raw = append(raw, byKey[k])
		}
	default:
		return nil, fmt.Errorf("whmcs: %.40s is not a list", b)
	}
	out := raw[:0]
	for _, it := range raw {
		t := bytes.TrimSpace(it)
		if string(t) == "null" || emptyJSONArray(t) {
			continue
		}
		out = append(out, it)
	}
	return out, nil
}

func emptyJSONArray(b []byte) bool {
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return false
	}
	return len(bytes.TrimSpace(b[1:len(b)-1])) == 0
}

func numericKeys(m map[string]json.RawMessage) bool {
	for k := range m {
		if n, err := strconv.Atoi(k); err != nil || n < 0 || strconv.Itoa(n) != k {
			return false
		}
	}
	return len(m) > 0
}

// ParseDate reads a WHMCS "Y-m-d H:i:s" date as an instant in loc (UTC
// when nil). "" and WHMCS's zero date "0000-00-00 00:00:00" (or
// "0000-00-00") read as the zero time. A bare "Y-m-d" is midnight; an
// RFC 3339 value keeps its own offset.
func ParseDate(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	switch s {
	case "", "0000-00-00 00:00:00", "0000-00-00":
		return time.Time{}, nil
	}
	for _, layout := range []string{DateLayout, "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("whmcs: date %q is not Y-m-d H:i:s", s)
}

// dates parses several WHMCS dates, stopping at the first bad one.
type dates struct {
	loc *time.Location
	err error
}

func (d *dates) parse(field, s string) time.Time {
	if d.err != nil {
		return time.Time{}
	}
	t, err := ParseDate(s, d.loc)
	if err != nil {
		d.err = fmt.Errorf("%s: %w", field, err)
	}
	return t
}

// Wire shapes of the answers. They hold WHMCS's loose types; the Client
// converts them to the exported result types with its Location.

type openTicketWire struct {
	Result Text `json:"result"`
	ID     Int  `json:"id"`
	TID    Text `json:"tid"`
	C      Text `json:"c"`
}

type attachmentWire struct {
	Filename Text `json:"filename"`
	Index    Int  `json:"index"`
}

type replyWire struct {
	ReplyID            Int                  `json:"replyid"`
	UserID             Int                  `json:"userid"`
	ContactID          Int                  `json:"contactid"`
	Name               Text                 `json:"name"`
	Email              Text                 `json:"email"`
	RequestorName      Text                 `json:"requestor_name"`
	RequestorEmail     Text                 `json:"requestor_email"`
	RequestorType      Text                 `json:"requestor_type"`
	Date               Text                 `json:"date"`
	Message            Text                 `json:"message"`
	Attachment         Text                 `json:"attachment"`
	Attachments        list[attachmentWire] `json:"attachments"`
	AttachmentsRemoved Bool                 `json:"attachments_removed"`
	Admin              Text                 `json:"admin"`
}

type noteWire struct {
	NoteID             Int                  `json:"noteid"`
	ID                 Int                  `json:"id"` // GetTicketNotes' name for it
	Date               Text                 `json:"date"`
	Message            Text                 `json:"message"`
	Attachment         Text                 `json:"attachment"`
	Attachments        list[attachmentWire] `json:"attachments"`
	AttachmentsRemoved Bool                 `json:"attachments_removed"`
	Admin              Text                 `json:"admin"`
}

type ticketWire struct {
	TicketID       Int                          `json:"ticketid"`
	TID            Text                         `json:"tid"`
	C              Text                         `json:"c"`
	DeptID         Int                          `json:"deptid"`
	DeptName       Text                         `json:"deptname"`
	UserID         Int                          `json:"userid"`
	ContactID      Int                          `json:"contactid"`
	Name           Text                         `json:"name"`
	Email          Text                         `json:"email"`
	RequestorName  Text                         `json:"requestor_name"`
	RequestorType  Text                         `json:"requestor_type"`
	RequestorEmail Text                         `json:"requestor_email"`
	CC             Text                         `json:"cc"`
	Date           Text                         `json:"date"`
	Subject        Text                         `json:"subject"`
	Status         Text                         `json:"status"`
	Priority       Text                         `json:"priority"`
	Admin          Text                         `json:"admin"`
	LastReply      Text                         `json:"lastreply"`
	Flag           Int                          `json:"flag"`
	Service        Text                         `json:"service"`
	Replies        wrapped[replyWire, replyKey] `json:"replies"`
	Notes          wrapped[noteWire, noteKey]   `json:"notes"`
}

func attachmentRefs(in list[attachmentWire]) []AttachmentRef {
	if len(in) == 0 {
		return nil
	}
	out := make([]AttachmentRef, len(in))
	for i, a := range in {
		out[i] = AttachmentRef{Filename: string(a.Filename), Index: int(a.Index)}
	}
	return out
}

func (w *ticketWire) ticket(loc *time.Location) (*Ticket, error) {
	d := dates{loc: loc}
	t := &Ticket{
		TicketID:       int64(w.TicketID),
		TID:            string(w.TID),
		C:              string(w.C),
		DeptID:         int64(w.DeptID),
		DeptName:       string(w.DeptName),
		UserID:         int64(w.UserID),
		ContactID:      int64(w.ContactID),
		Name:           string(w.Name),
		Email:          string(w.Email),
		RequestorName:  string(w.RequestorName),
		RequestorType:  string(w.RequestorType),
		RequestorEmail: string(w.RequestorEmail),
		CC:             string(w.CC),
		Date:           d.parse("date", string(w.Date)),
		Subject:        string(w.Subject),
		Status:         string(w.Status),
		Priority:       string(w.Priority),
		Admin:          string(w.Admin),
		LastReply:      d.parse("lastreply", string(w.LastReply)),
		Flag:           int64(w.Flag),
		Service:        string(w.Service),
	}
	if n := len(w.Replies.Items); n > 0 {
		t.Replies = make([]Reply, n)
	}
	for i, r := range w.Replies.Items {
		t.Replies[i] = Reply{
			ReplyID:            int64(r.ReplyID),
			UserID:             int64(r.UserID),
			ContactID:          int64(r.ContactID),
			Name:               string(r.Name),
			Email:              string(r.Email),
			RequestorName:      string(r.RequestorName),
			RequestorEmail:     string(r.RequestorEmail),
			RequestorType:      string(r.RequestorType),
			Date:               d.parse(fmt.Sprintf("reply %d date", r.ReplyID), string(r.Date)),
			Message:            string(r.Message),
			Attachment:         string(r.Attachment),
			Attachments:        attachmentRefs(r.Attachments),
			AttachmentsRemoved: bool(r.AttachmentsRemoved),
			Admin:              string(r.Admin),
		}
	}
	if n := len(w.Notes.Items); n > 0 {
		t.Notes = make([]Note, n)
	}
	for i, n := range w.Notes.Items {
		id := n.NoteID
		if id == 0 {
			id = n.ID
		}
		t.Notes[i] = Note{
			NoteID:             int64(id),
			Date:               d.parse(fmt.Sprintf("note %d date", id), string(n.Date)),
			Message:            string(n.Message),
			Attachment:         string(n.Attachment),
			Attachments:        attachmentRefs(n.Attachments),
			AttachmentsRemoved: bool(n.AttachmentsRemoved),
			Admin:              string(n.Admin),
		}
	}
	return t, d.err
}

type ticketSummaryWire struct {
	ID        Int  `json:"id"`
	TID       Text `json:"tid"`
	DeptID    Int  `json:"deptid"`
	UserID    Int  `json:"userid"`
	Name      Text `json:"name"`
	Email     Text `json:"email"`
	CC        Text `json:"cc"`
	C         Text `json:"c"`
	Date      Text `json:"date"`
	Subject   Text `json:"subject"`
	Status    Text `json:"status"`
	Priority  Text `json:"priority"`
	Admin     Text `json:"admin"`
	LastReply Text `json:"lastreply"`
	Flag      Int  `json:"flag"`
}

type ticketListWire struct {
	TotalResults Int                                   `json:"totalresults"`
	StartNumber  Int                                   `json:"startnumber"`
	NumReturned  Int                                   `json:"numreturned"`
	Tickets      wrapped[ticketSummaryWire, ticketKey] `json:"tickets"`
}

func (w *ticketListWire) list(loc *time.Location) (*TicketList, error) {
	d := dates{loc: loc}
	l := &TicketList{
		TotalResults: int(w.TotalResults),
		StartNumber:  int(w.StartNumber),
		NumReturned:  int(w.NumReturned),
		Tickets:      make([]TicketSummary, len(w.Tickets.Items)),
	}
	for i, t := range w.Tickets.Items {
		l.Tickets[i] = TicketSummary{
			ID:        int64(t.ID),
			TID:       string(t.TID),
			DeptID:    int64(t.DeptID),
			UserID:    int64(t.UserID),
			Name:      string(t.Name),
			Email:     string(t.Email),
			CC:        string(t.CC),
			C:         string(t.C),
			Date:      d.parse(fmt.Sprintf("ticket %d date", t.ID), string(t.Date)),
			Subject:   string(t.Subject),
			Status:    string(t.Status),
			Priority:  string(t.Priority),
			Admin:     string(t.Admin),
			LastReply: d.parse(fmt.Sprintf("ticket %d lastreply", t.ID), string(t.LastReply)),
			Flag:      int64(t.Flag),
		}
	}
	return l, d.err
}

type departmentWire struct {
	ID   Int  `json:"id"`
	Name Text `json:"name"`
}

type departmentsWire struct {
	Departments wrapped[departmentWire, departmentKey] `json:"departments"`
}

type statusWire struct {
	Title Text `json:"title"`
	Count Int  `json:"count"`
	Color Text `json:"color"`
}

type statusesWire struct {
	Statuses wrapped[statusWire, statusKey] `json:"statuses"`
}

type clientWire struct {
	ID          Int  `json:"id"`
	FirstName   Text `json:"firstname"`
	LastName    Text `json:"lastname"`
	CompanyName Text `json:"companyname"`
	Email       Text `json:"email"`
	Status      Text `json:"status"`
}

type clientListWire struct {
	TotalResults Int                            `json:"totalresults"`
	StartNumber  Int                            `json:"startnumber"`
	NumReturned  Int                            `json:"numreturned"`
	Clients      wrapped[clientWire, clientKey] `json:"clients"`
}

type contactWire struct {
	ID        Int  `json:"id"`
	UserID    Int  `json:"userid"`
	FirstName Text `json:"firstname"`
	LastName  Text `json:"lastname"`
	Email     Text `json:"email"`
}

type contactListWire struct {
	TotalResults Int                              `json:"totalresults"`
	StartNumber  Int                              `json:"startnumber"`
	NumReturned  Int                              `json:"numreturned"`
	Contacts     wrapped[contactWire, contactKey] `json:"contacts"`
}

// ownedWire is a service (clientid) or a domain (userid).
type ownedWire struct {
	ID       Int `json:"id"`
	ClientID Int `json:"clientid"`
	UserID   Int `json:"userid"`
}

type productListWire struct {
	TotalResults Int                            `json:"totalresults"`
	Products     wrapped[ownedWire, productKey] `json:"products"`
}

type domainListWire struct {
	TotalResults Int                           `json:"totalresults"`
	Domains      wrapped[ownedWire, domainKey] `json:"domains"`
}

func owned(total Int, items []ownedWire) *OwnedList {
	l := &OwnedList{TotalResults: int(total), Items: make([]Owned, len(items))}
	for i, it := range items {
		l.Items[i] = Owned{ID: int64(it.ID), ClientID: int64(max(it.ClientID, it.UserID))}
	}
	return l
}

type adminUserWire struct {
	ID         Int  `json:"id"`
	Username   Text `json:"username"`
	FirstName  Text `json:"firstname"`
	LastName   Text `json:"lastname"`
	Email      Text `json:"email"`
	IsDisabled Bool `json:"isDisabled"`
}

type adminUsersWire struct {
	Count      Int                 `json:"count"`
	AdminUsers list[adminUserWire] `json:"admin_users"`
}

type detailsWire struct {
	WHMCS struct {
		Version          Text `json:"version"`
		CanonicalVersion Text `json:"canonicalversion"`
	} `json:"whmcs"`
}
