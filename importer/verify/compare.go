// compare.go holds the comparison of one ticket: the plan's expected
// ticket against GetTicket's answer, field by field and message by
// message (dates, authors, bodies, attachment names), and how the
// differences are described.

package verify

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// compare checks the ticket's fields and its thread against the plan.
func (v *verifier) compare(base report.Difference, p *mapping.Plan, wt *whmcs.Ticket) []report.Difference {
	var diffs []report.Difference
	add := func(field, entry, expected, actual string) {
		diffs = append(diffs, with(base, field, entry, expected, actual))
	}
	addText := func(field, expected, actual, raw string) {
		diffs = append(diffs, v.withText(base, field, "", expected, actual, raw))
	}
	open := p.Steps[0].Open
	if !v.text.Same(open.Subject, wt.Subject) {
		addText(report.FieldSubject, v.text.Stored(open.Subject), v.text.Decode(wt.Subject), wt.Subject)
	}
	if wt.DeptID != p.EndDeptID {
		add(report.FieldDepartment, "", fmt.Sprintf("deptid %d", p.EndDeptID), fmt.Sprintf("deptid %d (%s)", wt.DeptID, wt.DeptName))
	}
	if p.ClientID != 0 {
		if wt.UserID != p.ClientID {
			addText(report.FieldRequester, fmt.Sprintf("client %d", p.ClientID), requesterOf(wt, v.text.Decode), requesterOf(wt, nil))
		}
	} else if wt.UserID != 0 || !v.sameEmail(open.Email, wt.Email) || !v.text.Same(open.Name, wt.Name) {
		addText(report.FieldRequester, fmt.Sprintf("guest %s <%s>", v.text.Stored(open.Name), open.Email), requesterOf(wt, v.text.Decode), requesterOf(wt, nil))
	}
	if p.EndStatus != "" && wt.Status != p.EndStatus {
		add(report.FieldStatus, "", p.EndStatus, wt.Status)
	}
	if wt.Priority != p.EndPriority {
		add(report.FieldPriority, "", p.EndPriority, wt.Priority)
	}

	var wantReplies, wantNotes []message
	for i := range p.Steps {
		s := &p.Steps[i]
		switch s.Kind {
		case mapping.StepOpen:
			m := expected(s, "opening")
			if open.ClientID != 0 {
				m.author = author{clientID: open.ClientID, contactID: open.ContactID}
			} else {
				m.author = author{name: open.Name, email: open.Email}
			}
			wantReplies = append(wantReplies, m)
		case mapping.StepReply:
			m := expected(s, "reply")
			r := s.Reply
			m.author = author{admin: r.AdminUsername, clientID: r.ClientID, contactID: r.ContactID, name: r.Name, email: r.Email}
			wantReplies = append(wantReplies, m)
		case mapping.StepNote:
			m := expected(s, "note")
			m.noAuthor = true
			wantNotes = append(wantNotes, m)
		}
	}
	var gotReplies, gotNotes []message
	for _, r := range wt.Replies {
		m := message{kind: "reply", id: r.ReplyID, date: r.Date, body: r.Message, attachments: refNames(r.Attachments, r.Attachment), removed: r.AttachmentsRemoved}
		switch {
		case r.Admin != "":
			m.author = author{admin: r.Admin}
		case r.UserID != 0:
			m.author = author{clientID: r.UserID, contactID: r.ContactID}
		default:
			m.author = author{name: r.Name, email: r.Email}
		}
		gotReplies = append(gotReplies, m)
	}
	for _, n := range wt.Notes {
		gotNotes = append(gotNotes, message{kind: "note", id: n.NoteID, date: n.Date, body: n.Message, attachments: refNames(n.Attachments, n.Attachment), removed: n.AttachmentsRemoved, noAuthor: true})
	}
	diffs = append(diffs, v.thread(base, wantReplies, gotReplies)...)
	diffs = append(diffs, v.thread(base, wantNotes, gotNotes)...)
	return diffs
}

// requesterOf describes WHMCS's requester, its name through decode (nil:
// as stored).
func requesterOf(wt *whmcs.Ticket, decode func(string) string) string {
	name := wt.Name
	if decode != nil {
		name = decode(name)
	}
	if wt.UserID != 0 {
		return fmt.Sprintf("client %d (%s <%s>)", wt.UserID, name, wt.Email)
	}
	return fmt.Sprintf("guest %s <%s>", name, wt.Email)
}

// message is one reply or note, expected (from a plan step) or actual
// (from GetTicket).
type message struct {
	kind        string // "opening", "reply", "note"
	key         string // entry key (expected only)
	id          int64  // reply or note id (actual only)
	date        time.Time
	author      author
	noAuthor    bool // notes: WHMCS records the API admin, not the author
	body        string
	attachments []string
	removed     bool // WHMCS says the attachments were removed
}

// author is who wrote a reply: an admin (username expected, the name
// GetTicket shows actual), a client, or a guest.
type author struct {
	admin       string
	clientID    int64
	contactID   int64 // a client's contact; 0 = the client itself
	name, email string
}

func expected(s *mapping.Step, kind string) message {
	m := message{kind: kind, key: s.EntryKey, date: s.Created, body: s.Message}
	if s.Entry != nil {
		for _, a := range s.Entry.Attachments {
			m.attachments = append(m.attachments, a.Name)
		}
	}
	return m
}

// refNames lists the attachment names GetTicket gives, from the
// attachments list or, when absent, the raw "123456_name|..." field.
func refNames(refs []whmcs.AttachmentRef, raw string) []string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Filename)
	}
	if len(out) == 0 && raw != "" {
		for _, f := range strings.Split(raw, "|") {
			if i := strings.IndexByte(f, '_'); i > 0 && strings.Trim(f[:i], "0123456789") == "" {
				f = f[i+1:]
			}
			out = append(out, f)
		}
	}
	return out
}

func (v *verifier) authorMatches(want, got author) bool {
	switch {
	case want.admin != "":
		if got.admin == "" {
			return false
		}
		if v.admins == nil {
			return true
		}
		full, ok := v.admins[strings.ToLower(want.admin)]
		return strings.EqualFold(got.admin, want.admin) || (ok && strings.EqualFold(strings.TrimSpace(got.admin), full))
	case want.clientID != 0:
		return got.admin == "" && got.clientID == want.clientID && got.contactID == want.contactID
	}
	return got.admin == "" && got.clientID == 0 && v.sameEmail(want.email, got.email) && v.text.Same(want.name, got.name)
}

// sameEmail compares email addresses case-insensitively, in the form WHMCS
// holds them (a sanitiser stores o'brien@ as o&#039;brien@).
func (v *verifier) sameEmail(want, got string) bool {
	return v.text.Same(strings.ToLower(want), strings.ToLower(got))
}

// sameName compares attachment file names. WHMCS decodes them from the
// attachments parameter, out of the sanitiser's reach, but a 3-byte table
// still folds them: only that dimension of the profile applies.
func (v *verifier) sameName(want, got string) bool {
	return whmcs.TextProfile{Escapes: whmcs.ObservedNo, FoldsFourByte: v.text.FoldsFourByte}.Same(want, got)
}

func (v *verifier) describeAuthor(a author, expected bool) string {
	switch {
	case a.admin != "" && expected:
		if full := v.admins[strings.ToLower(a.admin)]; full != "" {
			return fmt.Sprintf("admin %s (%s)", a.admin, full)
		}
		return "admin " + a.admin
	case a.admin != "":
		return "admin " + a.admin
	case a.clientID != 0 && a.contactID != 0:
		return fmt.Sprintf("client %d contact %d", a.clientID, a.contactID)
	case a.clientID != 0:
		return fmt.Sprintf("client %d", a.clientID)
	}
	if expected {
		return fmt.Sprintf("guest %s <%s>", v.text.Stored(a.name), a.email)
	}
	return fmt.Sprintf("guest %s <%s>", v.text.Decode(a.name), v.text.Decode(a.email))
}

// fieldDiffs lists how an actual message differs from the expected one:
// each field, its expected and actual values in one form (decoded
// through the text profile), and the actual one as WHMCS stores it.
func (v *verifier) fieldDiffs(want, got *message) (fields []string, exp, act, raw []string) {
	if !whmcs.SameWallSecond(got.date, want.date) {
		fields, exp, act = append(fields, "date"), append(exp, v.date(want.date)), append(act, v.date(got.date))
		raw = append(raw, act[len(act)-1])
	}
	if !want.noAuthor && !v.authorMatches(want.author, got.author) {
		fields, exp, act = append(fields, "author"), append(exp, v.describeAuthor(want.author, true)), append(act, v.describeAuthor(got.author, false))
		raw = append(raw, act[len(act)-1])
	}
	if !v.text.Same(want.body, got.body) {
		e, a := excerpts(whmcs.NormalizeText(v.text.Stored(want.body)), whmcs.NormalizeText(v.text.Decode(got.body)))
		_, r := excerpts(whmcs.NormalizeText(want.body), whmcs.NormalizeText(got.body))
		fields, exp, act, raw = append(fields, "body"), append(exp, e), append(act, a), append(raw, r)
	}
	if got.removed || !slices.EqualFunc(want.attachments, got.attachments, v.sameName) {
		a := attachmentList(got.attachments)
		if got.removed {
			a += " (removed)"
		}
		fields, exp, act = append(fields, "attachments"), append(exp, attachmentList(want.attachments)), append(act, a)
		raw = append(raw, a)
	}
	return fields, exp, act, raw
}

func attachmentList(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return fmt.Sprintf("%d: %s", len(names), strings.Join(names, ", "))
}

// thread matches expected messages with WHMCS's and reports the
// differences. Matching goes in passes, each pairing every unmatched
// expected message with the first unmatched actual one that satisfies it,
// in order: identical; same body (a changed date, author or attachment);
// same date (a changed body). What is left is missing from WHMCS, or in
// WHMCS only. WHMCS's order is not checked beyond that: GetTicket lists by
// id, and a reply added by a later sync may be older than one before it.
func (v *verifier) thread(base report.Difference, want, got []message) []report.Difference {
	pair := make([]int, len(want)) // index into got, -1 = unmatched
	used := make([]bool, len(got))
	for i := range pair {
		pair[i] = -1
	}
	passes := []func(w, g *message) bool{
		func(w, g *message) bool { f, _, _, _ := v.fieldDiffs(w, g); return len(f) == 0 },
		func(w, g *message) bool { return v.text.Same(w.body, g.body) },
		func(w, g *message) bool { return whmcs.SameWallSecond(g.date, w.date) },
	}
	for _, match := range passes {
		for i := range want {
			if pair[i] >= 0 {
				continue
			}
			for j := range got {
				if !used[j] && match(&want[i], &got[j]) {
					pair[i], used[j] = j, true
					break
				}
			}
		}
	}
	var diffs []report.Difference
	for i := range want {
		w := &want[i]
		if pair[i] < 0 {
			diffs = append(diffs, with(base, w.kind, w.key, v.summary(w, true), "absent"))
			continue
		}
		fields, exp, act, raw := v.fieldDiffs(w, &got[pair[i]])
		for k, f := range fields {
			diffs = append(diffs, v.withText(base, w.kind+"."+f, w.key, exp[k], act[k], raw[k]))
		}
	}
	for j := range got {
		if !used[j] {
			g := &got[j]
			kind := g.kind
			if kind == "reply" && g.id == 0 {
				kind = "opening"
			}
			diffs = append(diffs, v.withText(base, kind, "", "absent", v.summary(g, false), v.summaryAs(g, false, nil)))
		}
	}
	return diffs
}

// summary describes a message in one line, its body in the form
// differences show (see report.Difference): an expected one as WHMCS
// would store it, one read from WHMCS decoded.
func (v *verifier) summary(m *message, expected bool) string {
	if expected {
		return v.summaryAs(m, true, v.text.Stored)
	}
	return v.summaryAs(m, false, v.text.Decode)
}

// summaryAs is summary with the body through form (nil: as it is).
func (v *verifier) summaryAs(m *message, expected bool, form func(string) string) string {
	var b strings.Builder
	b.WriteString(m.kind)
	if m.id != 0 {
		fmt.Fprintf(&b, " %d", m.id)
	}
	b.WriteString(" of " + v.date(m.date))
	if !m.noAuthor {
		b.WriteString(" by " + v.describeAuthor(m.author, expected))
	}
	text := m.body
	if form != nil {
		text = form(text)
	}
	body, _ := excerpts(whmcs.NormalizeText(text), whmcs.NormalizeText(text))
	fmt.Fprintf(&b, ": %q", body)
	return b.String()
}

// excerptLen is the most of a body a difference shows.
const excerptLen = 120

// excerpts returns where a and b start to differ, with a little context
// before, each cut to excerptLen runes.
func excerpts(a, b string) (string, string) {
	ra, rb := []rune(a), []rune(b)
	i := 0
	for i < len(ra) && i < len(rb) && ra[i] == rb[i] {
		i++
	}
	if i == len(ra) && i == len(rb) {
		i = 0 // equal: show the start
	}
	from := max(0, i-40)
	cut := func(r []rune) string {
		if from > len(r) {
			return ""
		}
		s := r[from:]
		pre, post := "", ""
		if from > 0 {
			pre = "…"
		}
		if len(s) > excerptLen {
			s, post = s[:excerptLen], "…"
		}
		return pre + string(s) + post
	}
	return cut(ra), cut(rb)
}
