// planincremental.go holds the incremental plan: what is new or edited
// since an earlier run (Prior), and the ticket fields that changed.

package mapping

import (
	"strconv"
	"strings"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// planIncremental plans what is new in a ticket imported before.
func (s *planning) planIncremental(entries []keyed) error {
	pr, p := s.prior, s.p
	present := make(map[string]bool, len(entries))
	for i := range entries {
		k := &entries[i]
		present[k.key] = true
		h, done := pr.Entries[k.key]
		if !done {
			if err := s.entryStep(k); err != nil {
				return err
			}
			continue
		}
		if h != k.hash {
			s.edited(k)
		}
	}
	for _, key := range sortedKeys(pr.Entries) {
		if !present[key] {
			s.drift(sources.CodeDriftDeleted, key, "", "entry %s was deleted at the source after it was imported; WHMCS keeps it", key)
		}
	}
	if p.DeptID != 0 && p.DeptID != pr.DeptID {
		p.DeptChanged = true
		what := "WHMCS keeps deptid %d (use --apply-department-changes to move it)"
		if s.pl.applyDept {
			what = "moved from deptid %d by UpdateTicket"
		}
		s.drift(sources.CodeDriftDepartment, "", s.t.Origin, "the ticket's department now maps to deptid %d; "+what, p.DeptID, pr.DeptID)
	}
	return nil
}

// edited plans an entry edited at the source after it was imported. With
// Options.ApplyEdits a reply becomes an UpdateTicketReply step and the
// opening message rides on the final UpdateTicket (message, created);
// otherwise, and for notes (WHMCS has no call to change one), the edit is
// drift and WHMCS keeps the imported version.
func (s *planning) edited(k *keyed) {
	const keeps = "entry %s was edited at the source after it was imported; WHMCS keeps the imported version"
	switch {
	case !s.pl.applyEdits:
		s.drift(sources.CodeDriftEdited, k.key, k.e.Origin, keeps, k.key)
	case k.e.Kind == sources.Note:
		s.drift(sources.CodeDriftEdited, k.key, k.e.Origin, keeps+" (WHMCS has no call to change a note)", k.key)
	case s.prior.Opening == "":
		s.drift(sources.CodeDriftEdited, k.key, k.e.Origin, keeps+" (the checkpoint does not say which entry opened the ticket)", k.key)
	case k.key == s.prior.Opening:
		s.checkEntry(k)
		s.opening = k
	default:
		s.checkEntry(k)
		msg, md := s.body(k)
		s.p.Steps = append(s.p.Steps, Step{Kind: StepEdit, Key: "edit:" + k.key, EntryKey: k.key, Hash: k.hash, Entry: k.e,
			Created: k.e.Created, Message: msg, Edit: &whmcs.UpdateTicketReplyRequest{Message: msg, Markdown: md, Created: k.e.Created}})
	}
}

// changedFields returns the ticket-level values that differ from what
// WHMCS holds: for a new ticket, what OpenTicket did not set (the
// assignee); for an imported one, what changed since Prior.Fields. A
// value to clear is "".
func (s *planning) changedFields() map[string]string {
	held := map[string]string{}
	if s.prior != nil {
		held = s.prior.Fields
	} else if len(s.p.Steps) > 0 && s.p.Steps[0].Kind == StepOpen {
		held = s.p.Steps[0].Fields
	}
	changed := map[string]string{}
	for k, v := range s.fields {
		if held[k] != v {
			changed[k] = v
		}
	}
	for k, v := range held {
		if _, ok := s.fields[k]; !ok && v != "" {
			changed[k] = ""
		}
	}
	if len(changed) == 0 {
		return nil
	}
	return changed
}

// updateFields puts changed values on UpdateTicket: custom fields (a
// cleared one as ""), flag or removeFlag, the whole CC list.
func (s *planning) updateFields(u *whmcs.UpdateTicketRequest, changed map[string]string) {
	for k, v := range changed {
		switch id, ok := customKey(k); {
		case ok:
			if u.CustomFields == nil {
				u.CustomFields = map[int]string{}
			}
			u.CustomFields[id] = v
		case k == FieldFlag:
			if s.flag != 0 {
				u.Flag = s.flag
			} else {
				u.RemoveFlag = true
			}
		case k == FieldCC:
			u.CC = append([]string{}, s.cc...) // not nil: an empty list clears
		}
	}
}

// customKey reads a FieldCustom key.
func customKey(k string) (int, bool) {
	rest, ok := strings.CutPrefix(k, "cf:")
	if !ok {
		return 0, false
	}
	id, err := strconv.Atoi(rest)
	return id, err == nil
}
