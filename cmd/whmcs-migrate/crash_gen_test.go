package main

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The crash tests import a generated CSV export and compare WHMCS with
// what was generated, so the expected values below are the generator's,
// not the importer's.

// genTicket is one generated source ticket and what WHMCS must end with.
type genTicket struct {
	id, subject, department, status, priority string
	email, name                               string
	clientID                                  int64 // the seeded client the email matches, 0 = guest
	entries                                   []genEntry
	// wantStatus, wantPriority and wantDept are the final WHMCS values.
	wantStatus, wantPriority string
	wantDept                 int64
}

// genEntry is one message.
type genEntry struct {
	id      string
	note    bool
	staff   bool
	name    string // author's name
	email   string
	created time.Time
	body    string
	html    bool
	marker  string // a token unique to this entry, on its first line
	files   []genFile
	// wantAdmin is the WHMCS admin username of a staff reply.
	wantAdmin string
}

type genFile struct {
	path, name, sha256 string
}

// genSeed is the sandbox's seed: the admins of the staff mapping and the
// clients the generated requesters may match.
const genSeed = `departments:
  - {id: 1, name: Sales}
  - {id: 2, name: Technical Support}
statuses:
  - {title: Open, color: "#779500", active: true, awaiting: true}
  - {title: Answered, color: "#000000", active: true}
  - {title: Customer-Reply, color: "#ff6600", active: true, awaiting: true}
  - {title: Closed, color: "#888888"}
  - {title: On Hold, color: "#224488", active: true}
  - {title: In Progress, color: "#cc0000", active: true}
clients:
  - {id: 1, firstname: Cynthia, lastname: Reilly, email: cynthia@example.com, status: Active}
  - {id: 2, firstname: Bob, lastname: Martin, email: bob@example.org, status: Active}
admins:
  - {id: 1, username: admin, firstname: Demo, lastname: Admin, email: admin@example.com}
  - {id: 2, username: jane, firstname: Jane, lastname: Staff, email: jane@new.example}
  - {id: 3, username: mike, firstname: Mike, lastname: Staff, email: mike@new.example}
`

// genMapping is the config's mapping block (issue 3's example).
const genMapping = `mapping:
  departments: {Sales: 1, "Technical Support": 2}
  default_department: 2
  statuses: {resolved: Closed, pending: "On Hold"}
  priorities: {urgent: High, normal: Medium}
  staff: {"jane@old.example": jane, "Mike Staff": mike}
  default_staff: admin
  clients: match_email
`

// genCSV writes n tickets with their replies, notes and some attachments
// as a CSV export in dir (tickets.csv, messages.csv, files/), messages in
// shuffled order, and returns them.
func genCSV(t testing.TB, dir string, n int, seed uint64) []genTicket {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 42))
	if err := os.MkdirAll(filepath.Join(dir, "files"), 0o755); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2022, 11, 3, 9, 0, 0, 0, time.UTC)
	statuses := []string{"", "", "resolved", "pending", "Open", "Answered", "Closed", "In Progress"}
	priorities := []string{"", "urgent", "normal", "Low", "High"}
	type requester struct {
		name, email string
		client      int64
	}
	knownClients := []requester{
		{"Cynthia Reilly", "cynthia@example.com", 1},
		{"Bob Martin", "Bob@Example.org", 2}, // matched case-insensitively
	}
	staff := []struct{ name, email, admin string }{
		{"Jane Staff", "jane@old.example", "jane"},
		{"Mike Staff", "mike@old.example", "mike"},  // mapped by name
		{"Olga Other", "olga@old.example", "admin"}, // unmapped: default_staff
	}
	var out []genTicket
	for i := range n {
		tk := genTicket{
			id:         fmt.Sprintf("C%04d", i+1),
			subject:    fmt.Sprintf("Order %d: \"printer\" <b>on fire</b> & it's 🔥 — ümlaut", i+1),
			department: []string{"Sales", "Technical Support", ""}[rng.IntN(3)],
			status:     statuses[rng.IntN(len(statuses))],
			priority:   priorities[rng.IntN(len(priorities))],
		}
		req := requester{fmt.Sprintf("Guest %d", i+1), fmt.Sprintf("guest%d@example.net", i+1), 0}
		if rng.IntN(4) == 0 {
			req = knownClients[rng.IntN(len(knownClients))]
		}
		tk.name, tk.email, tk.clientID = req.name, req.email, req.client
		tk.wantDept = map[string]int64{"Sales": 1, "Technical Support": 2, "": 2}[tk.department]
		tk.wantPriority = map[string]string{"": "Medium", "urgent": "High", "normal": "Medium", "Low": "Low", "High": "High"}[tk.priority]

		at := base.Add(time.Duration(i)*5*time.Hour + time.Duration(rng.IntN(3600))*time.Second)
		ne := 1 + rng.IntN(7)
		for j := range ne {
			e := genEntry{id: strconv.Itoa(100 + j), created: at.Add(time.Duration(j)*41*time.Minute + time.Duration(rng.IntN(60))*time.Second)}
			e.marker = fmt.Sprintf("M%s-%d", tk.id, j)
			switch r := rng.IntN(10); {
			case j == 0:
				e.name, e.email = req.name, req.email
			case r < 3:
				e.note = true
				s := staff[rng.IntN(len(staff))]
				e.name, e.email = s.name, s.email
			case r < 6:
				e.staff = true
				s := staff[rng.IntN(len(staff))]
				e.name, e.email, e.wantAdmin = s.name, s.email, s.admin
			default:
				e.name, e.email = req.name, req.email
			}
			if j == 1 && rng.IntN(6) == 0 {
				// A note older than the first reply.
				e = genEntry{id: e.id, marker: e.marker, note: true, name: "Jane Staff", email: "jane@old.example",
					created: at.Add(-time.Duration(1+rng.IntN(90)) * time.Minute)}
			}
			if rng.IntN(5) == 0 && j > 0 {
				e.html = true
				e.body = fmt.Sprintf("<p>Hello <b>%s</b>, see below</p><ul><li>one, two</li><li>\"three\"</li></ul>", e.marker)
			} else {
				e.body = fmt.Sprintf("Line one %s, with a comma and \"quotes\", a < b & c > d, it's 🚀.\nSecond line of ticket %d.\r\n\nThird paragraph.", e.marker, i+1)
			}
			if rng.IntN(8) == 0 {
				for k := range 1 + rng.IntN(2) {
					name := fmt.Sprintf("%s-%d-%d.txt", tk.id, j, k)
					if k == 1 {
						name = fmt.Sprintf("%s-%d-%d 📎 & more.txt", tk.id, j, k)
					}
					data := make([]byte, 200+rng.IntN(6000))
					for b := range data {
						data[b] = byte('a' + rng.IntN(26))
					}
					if err := os.WriteFile(filepath.Join(dir, "files", name), data, 0o644); err != nil {
						t.Fatal(err)
					}
					sum := sha256.Sum256(data)
					e.files = append(e.files, genFile{path: "files/" + name, name: name, sha256: hex.EncodeToString(sum[:])})
				}
			}
			tk.entries = append(tk.entries, e)
		}
		tk.wantStatus = wantStatus(tk)
		out = append(out, tk)
	}
	writeGenCSV(t, dir, out, rng)
	return out
}

// sortedEntries returns t's replies (the first opens the ticket) and notes,
// each in created order.
func (tk genTicket) sortedEntries() (replies, notes []genEntry) {
	es := append([]genEntry(nil), tk.entries...)
	sort.SliceStable(es, func(i, j int) bool { return es[i].created.Before(es[j].created) })
	for _, e := range es {
		if e.note {
			notes = append(notes, e)
		} else {
			replies = append(replies, e)
		}
	}
	return replies, notes
}

// wantStatus is WHMCS's final status: the mapped source status, or what
// the replies leave (Open after the opening message alone, Answered after
// a staff reply, Customer-Reply after a customer's).
func wantStatus(tk genTicket) string {
	switch tk.status {
	case "resolved":
		return "Closed"
	case "pending":
		return "On Hold"
	case "":
		replies, _ := tk.sortedEntries()
		switch {
		case len(replies) == 1:
			return "Open"
		case replies[len(replies)-1].staff:
			return "Answered"
		default:
			return "Customer-Reply"
		}
	}
	return tk.status
}

func writeGenCSV(t testing.TB, dir string, tickets []genTicket, rng *rand.Rand) {
	t.Helper()
	tf := [][]string{{"id", "subject", "department", "status", "priority", "email", "name", "client_id", "cc", "created", "updated"}}
	var msgs [][]string
	const layout = "2006-01-02 15:04:05"
	for _, tk := range tickets {
		first, last := tk.entries[0].created, tk.entries[0].created
		for _, e := range tk.entries {
			if e.created.Before(first) {
				first = e.created
			}
			if e.created.After(last) {
				last = e.created
			}
		}
		tf = append(tf, []string{tk.id, tk.subject, tk.department, tk.status, tk.priority, tk.email, tk.name, "", "",
			first.Format(layout), last.Format(layout)})
		for _, e := range tk.entries {
			typ, author, format := "reply", "customer", "text"
			if e.note {
				typ, author = "note", "staff"
			} else if e.staff {
				author = "staff"
			}
			if e.html {
				format = "html"
			}
			var paths []string
			for _, f := range e.files {
				paths = append(paths, f.path)
			}
			msgs = append(msgs, []string{tk.id, e.id, typ, author, e.name, e.email, e.created.Format(layout), e.body, format, strings.Join(paths, ";")})
		}
	}
	rng.Shuffle(len(msgs), func(i, j int) { msgs[i], msgs[j] = msgs[j], msgs[i] })
	msgs = append([][]string{{"ticket_id", "id", "type", "author", "name", "email", "created", "body", "format", "attachments"}}, msgs...)
	for name, recs := range map[string][][]string{"tickets.csv": tf, "messages.csv": msgs} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		w := csv.NewWriter(f)
		w.WriteAll(recs)
		if err := w.Error(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
