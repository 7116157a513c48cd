// finish.go holds the status and the finish: the status the source wants,
// the one a fresh import reaches by itself, and the final step that
// brings WHMCS to the wanted status and priority.

package mapping

import (
	"strings"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// status maps the ticket's status to a WHMCS title; "" = leave.
func (s *planning) status() string {
	src := strings.TrimSpace(s.t.Status)
	if src == "" {
		return ""
	}
	if target, ok := s.pl.statuses[norm(src)]; ok {
		if title, ok := s.pl.known[norm(target)]; ok {
			return title
		}
		if !s.pl.trustTargets {
			s.errorf(sources.CodeUnmappedStatus, nil, "status", "status %q maps to %q, which is not a WHMCS status", src, target)
		}
		return strings.TrimSpace(target)
	}
	if title, ok := s.pl.known[norm(src)]; ok {
		return title
	}
	s.errorf(sources.CodeUnmappedStatus, nil, "status", "status %q is not in mapping.statuses nor a WHMCS status", src)
	return ""
}

// finish decides the final status and priority: nothing when WHMCS arrives
// at them by itself, the status folded into the last reply when that is
// enough, else one UpdateTicket at the end.
func (s *planning) finish() {
	p := s.p
	natural := StatusOpen
	prevPriority := p.Priority // OpenTicket sets it
	p.EndDeptID = p.DeptID
	applyDept := false
	if s.prior != nil {
		natural = s.prior.Status
		prevPriority = s.prior.Priority
		if p.DeptChanged && !s.pl.applyDept {
			p.EndDeptID = s.prior.DeptID
		}
		applyDept = p.DeptChanged && s.pl.applyDept
	} else if len(p.Steps) == 0 {
		// Nothing can be opened (no_message): no state to reason about.
		p.EndStatus, p.EndPriority = "", p.Priority
		return
	}
	lastReply, natural := s.lastReply(natural)
	// The status to end in: the source's, or when it has none ("leave
	// what WHMCS arrives at"), where a fresh import of the whole thread
	// arrives, which a sync must reach too (the source's status may have
	// been cleared since the ticket was imported).
	want := p.Status
	if want == "" && s.prior != nil {
		want = s.freshStatus()
	}
	needStatus := want != "" && !strings.EqualFold(want, natural)
	needPriority := !strings.EqualFold(p.Priority, prevPriority)
	changed := s.changedFields()
	// Only UpdateTicket sets the assignee and changes custom fields or
	// CC; whatever else the ticket needs rides on that same call.
	needUpdate := needPriority || applyDept || len(changed) > 0 || s.opening != nil
	switch {
	case !needStatus && !needUpdate:
	case !needUpdate && lastReply >= 0:
		p.Steps[lastReply].Reply.Status = want
	default:
		u := &whmcs.UpdateTicketRequest{}
		if needStatus {
			u.Status = want
		}
		if needPriority {
			u.Priority = p.Priority
		}
		if applyDept {
			u.DeptID = p.DeptID
		}
		p.Steps = append(p.Steps, s.updateStep(u, changed))
	}
	p.EndFields = s.fields
	p.EndStatus, p.EndPriority = natural, p.Priority
	if want != "" {
		p.EndStatus = want
	}
	if len(p.Steps) > 0 && (p.EndStatus == StatusAnswered || p.EndStatus == StatusCustomerReply) {
		s.warnf(sources.CodeAutocloseStatus, nil, "status", "the ticket ends %s, which WHMCS's inactive-ticket auto-close may close", p.EndStatus)
	}
}

// lastReply returns the index of the plan's last reply step (-1 when
// none) and the status WHMCS arrives at by itself after the steps, from
// natural before them.
func (s *planning) lastReply(natural string) (int, string) {
	p := s.p
	lastReply := -1
	for i := range p.Steps {
		if r := p.Steps[i].Reply; r != nil {
			lastReply = i
			if p.Steps[i].Entry.Kind == sources.StaffReply {
				natural = StatusAnswered
			} else {
				natural = StatusCustomerReply
			}
		}
	}
	return lastReply, natural
}

// updateStep is the final UpdateTicket step: u with the changed fields,
// and the edited opening message when there is one.
func (s *planning) updateStep(u *whmcs.UpdateTicketRequest, changed map[string]string) Step {
	s.updateFields(u, changed)
	st := Step{Kind: StepUpdate, Key: "update", Update: u, Fields: changed}
	if k := s.opening; k != nil {
		// The edited opening message: UpdateTicket sets it (and its
		// date) absolutely.
		msg, md := s.body(k)
		u.Message, u.Markdown, u.Created = msg, md, k.e.Created
		st.EntryKey, st.Hash, st.Created, st.Message = k.key, k.hash, k.e.Created, msg
	}
	return st
}

// freshStatus is the status a fresh import of the whole thread leaves
// WHMCS in by itself: Open after OpenTicket, then each later reply's
// (Answered for staff, Customer-Reply for the customer); notes change
// nothing.
func (s *planning) freshStatus() string {
	status, opened := "", false
	for _, k := range s.entries {
		switch {
		case k.e.Kind == sources.Note:
		case !opened:
			status, opened = StatusOpen, true
		case k.e.Kind == sources.StaffReply:
			status = StatusAnswered
		default:
			status = StatusCustomerReply
		}
	}
	return status
}
