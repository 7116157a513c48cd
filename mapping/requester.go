// requester.go holds the requester and contacts: who opens the ticket, and
// the author of each customer reply.

package mapping

import (
	"fmt"
	"net/mail"
	"strings"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// requester validates and resolves the requester once: the client id, or
// the name and email of a guest.
func (s *planning) requester() error {
	if s.reqDone {
		return s.reqErr
	}
	s.reqDone = true
	t, p := s.t, s.p
	email := strings.TrimSpace(t.Requester.Email)
	valid := false
	if email != "" {
		if a, err := mail.ParseAddress(email); err != nil {
			s.errorf(sources.CodeInvalidEmail, nil, "requester_email", "requester email %q is not an email address", email)
		} else {
			email, valid = a.Address, true
		}
	}
	s.reqEmail = email
	s.reqName = strings.TrimSpace(t.Requester.Name)
	if s.reqName == "" {
		s.reqName = sources.LocalPart(email)
	}
	switch {
	case t.ClientID > 0:
		p.ClientID = t.ClientID
	case email == "" && s.pl.fallback != nil:
		// A guest, never looked up: the fallback stands for someone who
		// is gone, not for a client.
		f := s.pl.fallback
		who := "the ticket names no requester"
		if s.reqName != "" {
			who = fmt.Sprintf("the requester %q has no email", s.reqName)
		}
		s.reqEmail = f.Email
		if f.Name != "" {
			s.reqName = f.Name
		} else if s.reqName == "" {
			s.reqName = sources.LocalPart(s.reqEmail)
		}
		s.warnf(sources.CodeFallbackRequester, nil, "requester", "%s and no client id: ticket %s is opened as a guest from mapping.fallback_requester, %s <%s>",
			who, t.ID, s.reqName, s.reqEmail)
	case email == "":
		s.errorf(sources.CodeMissingRequester, nil, "requester", "no requester email and no client id (set mapping.fallback_requester to import such tickets as a guest's)")
	case valid && s.pl.matchEmail && s.pl.clients != nil:
		id, found, err := s.pl.clients.ClientByEmail(s.ctx, email)
		if err != nil {
			s.reqErr = fmt.Errorf("look up requester: %w", err)
			return s.reqErr
		}
		if !found && s.pl.contacts != nil {
			ct, ok, err := s.pl.contacts.ContactByEmail(s.ctx, email)
			if err != nil {
				s.reqErr = fmt.Errorf("look up requester: %w", err)
				return s.reqErr
			}
			if ok {
				id, found = ct.ClientID, true
				p.ContactID = ct.ID
			}
		}
		if found {
			p.ClientID = id
		} else {
			s.warnf(sources.CodeGuestRequester, nil, "requester_email", "no WHMCS client has email %s; the ticket is a guest's", email)
		}
	}
	return nil
}

// customer fills the author of a customer reply: the requester's client id
// when the author is the requester and a client, otherwise the author's
// name and email, each falling back to the requester's.
func (s *planning) customer(k *keyed, r *whmcs.AddTicketReplyRequest) error {
	if err := s.requester(); err != nil {
		return err
	}
	a := k.e.Author
	email := strings.TrimSpace(a.Email)
	if addr, err := mail.ParseAddress(email); err == nil {
		email = addr.Address
	}
	isRequester := email == "" || (s.reqEmail != "" && strings.EqualFold(email, s.reqEmail))
	if isRequester && s.p.ClientID != 0 {
		r.ClientID, r.ContactID = s.p.ClientID, s.p.ContactID
		return nil
	}
	if s.p.ClientID != 0 && s.pl.contacts != nil {
		if _, err := mail.ParseAddress(email); err == nil {
			ct, found, err := s.pl.contacts.ContactByEmail(s.ctx, email)
			if err != nil {
				return fmt.Errorf("look up reply author: %w", err)
			}
			if found && ct.ClientID == s.p.ClientID {
				// A contact of the ticket's client: shown as that contact.
				r.ClientID, r.ContactID = ct.ClientID, ct.ID
				return nil
			}
		}
	}
	name := strings.TrimSpace(a.Name)
	if email == "" {
		email = s.reqEmail
		if name == "" {
			name = s.reqName
		}
	}
	if name == "" {
		name = sources.LocalPart(email)
	}
	// With no email here either, the requester has none: the ticket's
	// missing_requester says so.
	r.Name, r.Email = name, email
	return nil
}
