// plannew.go holds the new-ticket plan: the opening OpenTicket, then one
// reply or note step per entry, with each entry's checks (dates, authors,
// bodies) and the staff author's admin.

package mapping

import (
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// planNew plans a ticket not imported yet.
func (s *planning) planNew(entries []keyed) error {
	t, p := s.t, s.p
	if strings.TrimSpace(t.Subject) == "" {
		s.errorf(sources.CodeMissingSubject, nil, "subject", "no subject")
	}
	if err := s.requester(); err != nil {
		return err
	}
	opener := slices.IndexFunc(entries, func(k keyed) bool { return k.e.Kind != sources.Note })
	if opener < 0 {
		if !s.droppedEntry() { // else the unreadable message row is the root cause
			s.errorf(sources.CodeNoMessage, nil, "entries", "no reply to open the ticket with (%d notes)", len(entries))
		}
		return nil
	}
	o := &entries[opener]
	s.checkEntry(o)
	msg, md := s.body(o)
	if o.e.Kind == sources.StaffReply {
		s.warnf(sources.CodeStaffOpened, o, "kind", "the first reply is by staff (%s); the ticket is opened as its requester", authorName(o.e))
	}
	open := &whmcs.OpenTicketRequest{
		DeptID:   p.DeptID,
		Subject:  strings.TrimSpace(t.Subject),
		Message:  msg,
		Priority: p.Priority,
		Created:  o.e.Created,
		CC:       s.cc,
		NoEmail:  true,
		Markdown: md,
	}
	opened := map[string]string{}
	for k, v := range s.fields {
		if id, ok := customKey(k); ok {
			if open.CustomFields == nil {
				open.CustomFields = map[int]string{}
			}
			open.CustomFields[id] = v
			opened[k] = v
		}
	}
	if v, ok := s.fields[FieldCC]; ok {
		opened[FieldCC] = v
	}
	if p.ClientID != 0 && p.ClientID == t.ClientID {
		// The service or domain is the source's client's: sent only with
		// that client (validate checks WHMCS has it for them).
		open.ServiceID, open.DomainID = t.ServiceID, t.DomainID
	}
	if p.ClientID != 0 {
		open.ClientID, open.ContactID = p.ClientID, p.ContactID
	} else {
		open.Name, open.Email = s.reqName, s.reqEmail
	}
	p.Steps = append(p.Steps, Step{Kind: StepOpen, Key: "open", EntryKey: o.key, Hash: o.hash, Entry: o.e, Created: o.e.Created, Message: msg, Open: open, Fields: opened})
	for i := range entries {
		if i == opener {
			continue
		}
		if err := s.entryStep(&entries[i]); err != nil {
			return err
		}
	}
	return nil
}

// droppedEntry reports whether the source dropped an entry of the ticket
// whose row it could not read or decode.
func (s *planning) droppedEntry() bool {
	for _, p := range s.t.Problems {
		if p.Severity == sources.Error && (p.Code == sources.CodeCSVParse || p.Code == sources.CodeInvalidUTF8) {
			return true
		}
	}
	return false
}

// checkEntry reports an entry's date and author problems.
func (s *planning) checkEntry(k *keyed) {
	e := k.e
	switch {
	case e.Created.IsZero():
		if !s.t.Reported(e.Origin, "created", sources.CodeBadDate, sources.CodeDSTGap) {
			s.errorf(sources.CodeBadDate, k, "created", "no created date")
		}
	case e.Created.After(s.now):
		s.errorf(sources.CodeFutureDate, k, "created", "created %s is after the WHMCS server's clock (%s)",
			e.Created.Format(time.RFC3339), s.now.Format(time.RFC3339))
	}
	if s.pl.target != nil && !e.Created.IsZero() && RepeatedWallClock(e.Created, s.pl.target) {
		s.warnf(sources.CodeTargetTimeAmbiguous, k, "created", "created %s falls in the hour %s repeats when clocks go back: WHMCS stores wall-clock times and will show %s, read back as the earlier of the two instants",
			e.Created.Format(time.RFC3339), s.pl.target, e.Created.In(s.pl.target).Format("2006-01-02 15:04:05 MST"))
	}
	if a := strings.TrimSpace(e.Author.Email); a != "" {
		if _, err := mail.ParseAddress(a); err != nil {
			s.errorf(sources.CodeInvalidEmail, k, "author_email", "author email %q is not an email address", a)
		}
	}
}

// body converts an entry's body, reporting conversion and emptiness.
func (s *planning) body(k *keyed) (string, bool) {
	msg, md, lost, err := convertBody(k.e)
	if err != nil {
		s.errorf(sources.CodeBadHTML, k, "body", "%v", err)
		return "", false
	}
	if lost > 0 {
		s.warnf(sources.CodeInlineImageMissing, k, "body", "%d inline image(s) (cid:) not among the entry's attachments: shown as a marker, the image is lost", lost)
	}
	if k.e.Format == sources.HTML {
		s.warnf(sources.CodeHTMLConverted, k, "body", "HTML body converted to Markdown")
	}
	if strings.TrimSpace(msg) == "" {
		s.errorf(sources.CodeEmptyBody, k, "body", "empty body")
	}
	return msg, md
}

// entryStep appends the reply or note step of one entry after the opening.
func (s *planning) entryStep(k *keyed) error {
	e := k.e
	s.checkEntry(k)
	msg, md := s.body(k)
	st := Step{Key: "entry:" + k.key, EntryKey: k.key, Hash: k.hash, Entry: e, Created: e.Created}
	switch e.Kind {
	case sources.Note:
		if name := authorName(e); name != "" && s.pl.notePrefix {
			if md {
				msg = "**" + escapeMarkdown(name) + ":**\n\n" + msg
			} else {
				msg = name + ":\n\n" + msg
			}
			s.warnf(sources.CodeNoteAuthorPrefixed, k, "author", "WHMCS notes have no author: the note is prefixed with %q", name)
		}
		st.Kind = StepNote
		st.Note = &whmcs.AddTicketNoteRequest{Message: msg, Markdown: md, Created: e.Created}
	case sources.StaffReply:
		st.Kind = StepReply
		st.Reply = &whmcs.AddTicketReplyRequest{Message: msg, Markdown: md, AdminUsername: s.staff(k), NoEmail: true, Created: e.Created}
	default:
		st.Kind = StepReply
		r := &whmcs.AddTicketReplyRequest{Message: msg, Markdown: md, NoEmail: true, Created: e.Created}
		if err := s.customer(k, r); err != nil {
			return err
		}
		st.Reply = r
	}
	st.Message = msg
	s.p.Steps = append(s.p.Steps, st)
	return nil
}

// staff maps a staff author to an admin username: by email, then name,
// then the default.
func (s *planning) staff(k *keyed) string {
	a := k.e.Author
	u, ok := s.pl.staff[norm(a.Email)]
	if !ok || norm(a.Email) == "" {
		u, ok = s.pl.staff[norm(a.Name)]
		ok = ok && norm(a.Name) != ""
	}
	if !ok {
		u = s.pl.defaultStaff
	}
	if u == "" {
		s.errorf(sources.CodeUnmappedStaff, k, "author", "staff %s is not in mapping.staff and there is no mapping.default_staff", authorName(k.e))
		return ""
	}
	u = strings.TrimSpace(u)
	if s.pl.knownStaff != nil {
		canon, known := s.pl.knownStaff[norm(u)]
		if !known {
			s.errorf(sources.CodeUnmappedStaff, k, "author", "staff %s maps to admin %q, which is not a WHMCS admin user", authorName(k.e), u)
			return u
		}
		u = canon
	}
	return u
}

// authorName names an entry's author for messages and note prefixes.
func authorName(e *sources.Entry) string {
	if n := strings.TrimSpace(e.Author.Name); n != "" {
		return n
	}
	return strings.TrimSpace(e.Author.Email)
}

// escapeMarkdown escapes the characters that would change a name's
// meaning inside **...**.
func escapeMarkdown(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>#", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// RepeatedWallClock reports whether t's wall clock in loc is shown twice
// (the hour repeated when clocks go back), so that a naive date-time in loc
// cannot tell t from the other instant.
func RepeatedWallClock(t time.Time, loc *time.Location) bool {
	const layout = "2006-01-02 15:04:05"
	w := t.In(loc).Format(layout)
	for _, d := range []time.Duration{-time.Hour, time.Hour, -30 * time.Minute, 30 * time.Minute} {
		if t.Add(d).In(loc).Format(layout) == w {
			return true
		}
	}
	return false
}
