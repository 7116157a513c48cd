package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// store is the sandbox's database. Every access holds Server.mu.
type store struct {
	seed     *Seed
	mask     string
	rng      *rand.Rand // tids, c and stored attachment prefixes
	tickets  map[int64]*ticket
	byTID    map[string]*ticket
	nextID   int64
	nextRep  int64
	nextNote int64
	emails   []Email
	calls    map[string]int
	writes   int
	refused  map[string]int // "Action: message" of refused writes
}

type ticket struct {
	id, userID, contactID, deptID, flag int64
	tid, c                              string
	name, email, cc                     string
	subject, message, status, priority  string
	admin                               string // name of the admin who opened it ("" for a client)
	service                             string
	markdown, preventClientClosure      bool
	date                                time.Time
	attachments                         []storedFile
	customFields                        map[int]string
	replies                             []*reply
	notes                               []*note
}

type reply struct {
	id, userID, contactID int64
	name, email           string // a guest's name and email
	adminUsername, admin  string // admin username and full name
	date                  time.Time
	message               string
	markdown              bool
	attachments           []storedFile
	customFields          map[int]string
}

type note struct {
	id                   int64
	adminUsername, admin string
	date                 time.Time
	message              string
	markdown             bool
	attachments          []storedFile
}

type storedFile struct {
	stored string // "<digits>_<name>" as WHMCS names the file on disk
	name   string
	data   []byte
}

func newStore(o Options) (*store, error) {
	return &store{
		seed:     storedSeed(o),
		mask:     o.TicketMask,
		rng:      rand.New(rand.NewPCG(uint64(o.Faults.Seed), 0x71d)),
		tickets:  map[int64]*ticket{},
		byTID:    map[string]*ticket{},
		nextID:   1,
		nextRep:  1,
		nextNote: 1,
		calls:    map[string]int{},
		refused:  map[string]int{},
	}, nil
}

func (st *store) client(id int64) *Client {
	for i := range st.seed.Clients {
		if st.seed.Clients[i].ID == id {
			return &st.seed.Clients[i]
		}
	}
	return nil
}

// owned returns the service or domain id of list, nil when there is none.
func owned(list []Owned, id int64) *Owned {
	for i := range list {
		if list[i].ID == id {
			return &list[i]
		}
	}
	return nil
}

// contact returns contact id of client clientID, nil when the client has
// no such contact.
func (st *store) contact(id, clientID int64) *Contact {
	for i := range st.seed.Contacts {
		if c := &st.seed.Contacts[i]; c.ID == id && c.ClientID == clientID {
			return c
		}
	}
	return nil
}

func (st *store) dept(id int64) *Department {
	for i := range st.seed.Departments {
		if st.seed.Departments[i].ID == id {
			return &st.seed.Departments[i]
		}
	}
	return nil
}

func (st *store) adminByUsername(u string) *Admin {
	for i := range st.seed.Admins {
		if strings.EqualFold(st.seed.Admins[i].Username, u) {
			return &st.seed.Admins[i]
		}
	}
	return nil
}

func (st *store) statusTitles() []string {
	t := make([]string, len(st.seed.Statuses))
	for i, s := range st.seed.Statuses {
		t[i] = s.Title
	}
	return t
}

func (st *store) status(title string) *Status {
	for i := range st.seed.Statuses {
		if st.seed.Statuses[i].Title == title {
			return &st.seed.Statuses[i]
		}
	}
	return nil
}

const alnum = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// newTID renders the mask for ticket id at now; ok is false when no
// unused number was found.
func (st *store) newTID(id int64, now time.Time) (string, bool) {
	for range 100 {
		var b strings.Builder
		firstDigit := true
		for i := 0; i < len(st.mask); i++ {
			if st.mask[i] != '%' || i+1 == len(st.mask) {
				b.WriteByte(st.mask[i])
				continue
			}
			i++
			switch st.mask[i] {
			case 'n':
				if firstDigit {
					b.WriteByte(byte('1' + st.rng.IntN(9)))
					firstDigit = false
				} else {
					b.WriteByte(byte('0' + st.rng.IntN(10)))
				}
			case 'A':
				b.WriteByte(byte('A' + st.rng.IntN(26)))
			case 'a':
				b.WriteByte(byte('a' + st.rng.IntN(26)))
			case 'y':
				b.WriteString(now.Format("2006"))
			case 'm':
				b.WriteString(now.Format("01"))
			case 'd':
				b.WriteString(now.Format("02"))
			case 'i':
				b.WriteString(strconv.FormatInt(id, 10))
			default:
				b.WriteByte('%')
				b.WriteByte(st.mask[i])
			}
		}
		if tid := b.String(); st.byTID[tid] == nil {
			return tid, true
		}
	}
	return "", false
}

func (st *store) newC() string {
	b := make([]byte, 8)
	for i := range b {
		b[i] = alnum[st.rng.IntN(len(alnum))]
	}
	return string(b)
}

// storeFiles stores decoded attachments; name is how a file name is
// stored (Options.StoredFileName).
func (st *store) storeFiles(in []whmcs.Attachment, name func(string) string) []storedFile {
	out := make([]storedFile, len(in))
	for i, a := range in {
		n := name(a.Name)
		out[i] = storedFile{
			stored: fmt.Sprintf("%06d_%s", st.rng.IntN(1000000), n),
			name:   n,
			data:   slices.Clone(a.Data),
		}
	}
	return out
}

// lastReply is the date of the latest message (the opening message or a
// reply, notes excluded); see the package doc.
func (t *ticket) lastReply() time.Time {
	last := t.date
	for _, r := range t.replies {
		if r.date.After(last) {
			last = r.date
		}
	}
	return last
}

// State is a deep copy of everything the sandbox holds, for assertions.
type State struct {
	// Storage is how the text below was stored: with it, StoredText says
	// what a sent value became.
	Storage    Storage        `json:"storage"`
	Tickets    []TicketState  `json:"tickets"` // by id ascending
	Emails     []Email        `json:"emails"`
	Calls      map[string]int `json:"calls"`
	WriteCalls int            `json:"write_calls"`
	// Refusals counts the write calls WHMCS refused, by "Action: message".
	Refusals map[string]int `json:"refusals"`
	// Queue is the worker pool's queueing delays (see Capacity).
	Queue QueueStats `json:"queue"`
}

// TicketState is one ticket. Dates are in the server's zone.
type TicketState struct {
	ID                   int64          `json:"id"`
	TID                  string         `json:"tid"`
	C                    string         `json:"c"`
	DeptID               int64          `json:"deptid"`
	Subject              string         `json:"subject"`
	Status               string         `json:"status"`
	Priority             string         `json:"priority"`
	UserID               int64          `json:"userid"`
	ContactID            int64          `json:"contactid"`
	Name                 string         `json:"name"`
	Email                string         `json:"email"`
	CC                   string         `json:"cc"`
	Admin                string         `json:"admin"`
	Date                 time.Time      `json:"date"`
	LastReply            time.Time      `json:"lastreply"`
	Flag                 int64          `json:"flag"`
	Service              string         `json:"service,omitempty"` // "S<id>" or "D<id>": the linked service or domain
	Message              string         `json:"message"`
	Markdown             bool           `json:"markdown"`
	PreventClientClosure bool           `json:"prevent_client_closure"`
	CustomFields         map[int]string `json:"customfields,omitempty"`
	Attachments          []FileState    `json:"attachments"`
	Replies              []ReplyState   `json:"replies"`
	Notes                []NoteState    `json:"notes"`
}

// ReplyState is one reply. Its author is an admin (AdminUsername), a
// client (ClientID), or a guest (Name and Email).
type ReplyState struct {
	ID            int64          `json:"id"`
	Date          time.Time      `json:"date"`
	AdminUsername string         `json:"admin_username,omitempty"`
	ClientID      int64          `json:"clientid,omitempty"`
	ContactID     int64          `json:"contactid,omitempty"`
	Name          string         `json:"name,omitempty"`
	Email         string         `json:"email,omitempty"`
	Message       string         `json:"message"`
	Markdown      bool           `json:"markdown"`
	CustomFields  map[int]string `json:"customfields,omitempty"`
	Attachments   []FileState    `json:"attachments"`
}

// NoteState is one staff note; Admin is the username it is attributed to.
type NoteState struct {
	ID          int64       `json:"id"`
	Date        time.Time   `json:"date"`
	Admin       string      `json:"admin"`
	Message     string      `json:"message"`
	Markdown    bool        `json:"markdown"`
	Attachments []FileState `json:"attachments"`
}

// FileState describes a stored attachment.
type FileState struct {
	Name   string `json:"name"`
	Stored string `json:"stored"` // "<digits>_<name>"
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

// Email is a client email WHMCS would have sent. Template is "Support
// Ticket Opened" or "Support Ticket Reply".
type Email struct {
	Template string    `json:"template"`
	To       string    `json:"to"`
	TicketID int64     `json:"ticketid"`
	TID      string    `json:"tid"`
	Subject  string    `json:"subject"`
	Sent     time.Time `json:"sent"`
}

func files(fs []storedFile) []FileState {
	out := make([]FileState, len(fs))
	for i, f := range fs {
		sum := sha256.Sum256(f.data)
		out[i] = FileState{Name: f.name, Stored: f.stored, Size: len(f.data), SHA256: hex.EncodeToString(sum[:])}
	}
	return out
}

func (st *store) snapshot() State {
	s := State{
		Tickets:    make([]TicketState, 0, len(st.tickets)),
		Emails:     slices.Clone(st.emails),
		Calls:      maps.Clone(st.calls),
		WriteCalls: st.writes,
		Refusals:   maps.Clone(st.refused),
	}
	if s.Emails == nil {
		s.Emails = []Email{}
	}
	ids := slices.Sorted(maps.Keys(st.tickets))
	for _, id := range ids {
		t := st.tickets[id]
		ts := TicketState{
			ID: t.id, TID: t.tid, C: t.c, DeptID: t.deptID, Subject: t.subject, Status: t.status,
			Priority: t.priority, UserID: t.userID, ContactID: t.contactID, Name: t.name, Email: t.email,
			CC: t.cc, Admin: t.admin, Date: t.date, LastReply: t.lastReply(), Flag: t.flag, Service: t.service,
			Message: t.message, Markdown: t.markdown, PreventClientClosure: t.preventClientClosure,
			CustomFields: maps.Clone(t.customFields), Attachments: files(t.attachments),
			Replies: make([]ReplyState, len(t.replies)), Notes: make([]NoteState, len(t.notes)),
		}
		for i, r := range t.replies {
			ts.Replies[i] = ReplyState{
				ID: r.id, Date: r.date, AdminUsername: r.adminUsername, ClientID: r.userID, ContactID: r.contactID,
				Name: r.name, Email: r.email, Message: r.message, Markdown: r.markdown,
				CustomFields: maps.Clone(r.customFields), Attachments: files(r.attachments),
			}
		}
		for i, n := range t.notes {
			ts.Notes[i] = NoteState{ID: n.id, Date: n.date, Admin: n.adminUsername, Message: n.message, Markdown: n.markdown, Attachments: files(n.attachments)}
		}
		s.Tickets = append(s.Tickets, ts)
	}
	return s
}

// State returns a deep copy of the sandbox's tickets, email log and call
// counts, with its storage mode.
func (s *Server) State() State {
	s.mu.Lock()
	st := s.st.snapshot()
	s.mu.Unlock()
	st.Storage = s.Storage()
	st.Queue = s.QueueStats()
	return st
}

// Emails returns the client emails WHMCS would have sent, oldest first.
func (s *Server) Emails() []Email {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.emails)
}

// Calls returns the number of successful calls by action name (as WHMCS
// spells it, e.g. "OpenTicket").
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.st.calls)
}

// WriteCalls returns the number of write calls (OpenTicket,
// AddTicketReply, AddTicketNote, UpdateTicket, DeleteTicket) that WHMCS
// carried out: answered success, or processed and then dropped by a fault.
// A write WHMCS refused (a validation error, such as the permission probes
// of a preflight) changed nothing and is counted in Refusals instead.
func (s *Server) WriteCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.writes
}
