package importer

import (
	"context"
	"fmt"
	"html"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// OnConflict is the side a cut-over conflict keeps (sync.on_conflict).
type OnConflict string

const (
	// KeepWHMCS (the default) leaves WHMCS's value: what people did in
	// WHMCS is never overwritten.
	KeepWHMCS OnConflict = "whmcs"
	// KeepSource writes the source's value over WHMCS's.
	KeepSource OnConflict = "source"
)

// ParseOnConflict reads sync.on_conflict: "whmcs", "source", or "" (the
// default, whmcs).
func ParseOnConflict(s string) (OnConflict, error) {
	switch OnConflict(s) {
	case "", KeepWHMCS:
		return KeepWHMCS, nil
	case KeepSource:
		return KeepSource, nil
	}
	return "", fmt.Errorf("on_conflict %q: want whmcs or source", s)
}

// The fields a conflict is about (checkpoints.Conflict.Field,
// report.Conflict.Field). Flag and CC use the planner's keys.
const (
	ConflictStatus     = "status"
	ConflictPriority   = "priority"
	ConflictDepartment = "department"
	ConflictFlag       = mapping.FieldFlag
	ConflictCC         = mapping.FieldCC
)

// Reasons of a conflict and of a ticket gone from WHMCS.
const (
	reasonChanged = "changed in WHMCS since the last sync"
	reasonDeleted = "deleted in WHMCS"
)

// withOpenConflicts returns prior with, for every field that has an open
// conflict, the source's value of that conflict in place of what the
// importer last wrote: the planner then plans only what the source changed
// since, and does not send again, on every run, the value that WHMCS's
// side kept. With on_conflict: source it is prior unchanged: the source's
// value is planned, and written.
func (r *runner) withOpenConflicts(prior *mapping.Prior, open []checkpoints.Conflict) *mapping.Prior {
	if prior == nil || len(open) == 0 || r.o.OnConflict == KeepSource {
		return prior
	}
	p := *prior
	p.Fields = make(map[string]string, len(prior.Fields))
	for k, v := range prior.Fields {
		p.Fields[k] = v
	}
	for _, c := range open {
		switch c.Field {
		case ConflictStatus:
			p.Status = c.Source
		case ConflictPriority:
			p.Priority = c.Source
		case ConflictDepartment:
			p.DeptID, _ = strconv.ParseInt(c.Source, 10, 64)
		case ConflictFlag, ConflictCC:
			if c.Source == "" {
				delete(p.Fields, c.Field)
			} else {
				p.Fields[c.Field] = c.Source
			}
		}
	}
	return &p
}

// guardResult is what reading a ticket before a sync writes to it found.
type guardResult struct {
	gone      string // why the ticket is no longer in WHMCS; "" when it is
	conflicts []report.Conflict
}

// guard reads an imported ticket before a sync writes to it (one
// GetTicket) and compares what WHMCS holds with what the checkpoint says
// the importer last wrote (st) and with what the plan would write.
//
// A field the plan writes is a conflict when WHMCS holds neither the
// source's value nor the one the importer last wrote (someone changed it
// in WHMCS), or still holds the WHMCS value of an open conflict. A status
// that would close or answer the ticket is a conflict too when WHMCS has
// replies or notes the import did not write (someone replied in WHMCS).
// With on_conflict: whmcs the plan is changed not to write those fields
// (a reply is sent with WHMCS's status, so that it leaves it as it is);
// new entries are sent either way. Custom fields are not compared:
// GetTicket does not return them.
//
// The conflicts found are recorded in the checkpoint (open ones), and
// returned when they are new or their values changed, so that each is
// reported once.
func (r *runner) guard(ctx context.Context, sourceID string, st *checkpoints.Ticket, open []checkpoints.Conflict, plan *mapping.Plan) (guardResult, error) {
	var g guardResult
	tk, gone, err := r.readBeforeSync(ctx, st.WHMCSID)
	if err != nil || gone != "" {
		g.gone = gone
		return g, err
	}
	openBy := make(map[string]checkpoints.Conflict, len(open))
	for _, c := range open {
		openBy[c.Field] = c
	}
	var keep []string // fields whose WHMCS value is kept
	var openRows []checkpoints.Conflict
	var closed []string
	now := time.Now()
	var same []string // fields WHMCS holds at the source's value already: not sent again
	for _, f := range plannedFields(plan, tk, st) {
		prev, isOpen := openBy[f.name]
		if f.name != ConflictCC && strings.EqualFold(f.whmcs, f.source) {
			same = append(same, f.name)
		}
		reason := r.conflictReason(ctx, f, prev, isOpen, st, tk)
		if reason == "" {
			if isOpen {
				closed = append(closed, f.name) // they agree now, or WHMCS's value is the importer's
			}
			continue
		}
		c := report.Conflict{Ticket: sourceID, WHMCSID: st.WHMCSID, Field: f.name, WHMCS: f.whmcs, Source: f.source, Kept: string(r.o.OnConflict), Reason: reason}
		fresh := !isOpen || prev.WHMCS != f.whmcs || prev.Source != f.source || r.o.OnConflict == KeepSource
		if fresh {
			g.conflicts = append(g.conflicts, c)
		}
		if r.o.OnConflict == KeepSource {
			if isOpen {
				closed = append(closed, f.name)
			}
			continue
		}
		keep = append(keep, f.name)
		if fresh {
			openRows = append(openRows, checkpoints.Conflict{SourceID: sourceID, WHMCSID: st.WHMCSID, Field: f.name,
				WHMCS: f.whmcs, Source: f.source, Reason: reason, RunID: r.runID, Found: now})
		}
	}
	if err := r.o.Store.SetConflicts(ctx, sourceID, openRows, closed); err != nil {
		return g, Fatal(err)
	}
	if len(keep) > 0 {
		keepWHMCS(plan, keep, tk.Status)
	}
	if len(same) > 0 {
		// Sending what WHMCS holds already would change nothing: the plan
		// leaves it out, and the checkpoint records it as the state the
		// import left, so that a later sync compares against it. (A second
		// checkpoint that finishes a ticket another one finished writes
		// nothing.)
		keepWHMCS(plan, same, tk.Status)
		if err := r.settle(ctx, sourceID, 0, heldState(r.runID, same, tk)); err != nil {
			return g, err
		}
	}
	return g, nil
}

// heldState is the outcome that records fields (the Conflict* names)
// at the values tk holds.
func heldState(runID int64, fields []string, tk *whmcs.Ticket) checkpoints.Outcome {
	o := checkpoints.Outcome{RunID: runID}
	for _, f := range fields {
		switch f {
		case ConflictStatus:
			o.Status = tk.Status
		case ConflictPriority:
			o.Priority = tk.Priority
		case ConflictDepartment:
			o.DeptID = tk.DeptID
		case ConflictFlag:
			o.Fields = map[string]string{mapping.FieldFlag: idString(tk.Flag)}
		}
	}
	return o
}

// readBeforeSync reads WHMCS ticket id before a sync writes to it: the
// ticket, or why it is gone (deleted, or merged into another).
func (r *runner) readBeforeSync(ctx context.Context, id int64) (*whmcs.Ticket, string, error) {
	tk, err := r.o.Client.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: id})
	if whmcs.IsTicketNotFound(err) {
		return nil, reasonDeleted, nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("read WHMCS ticket %d before writing to it: %w", id, err)
	}
	r.conflictReads.Add(1)
	if tk.TicketID != 0 && tk.TicketID != id {
		// A WHMCS that answers a merged-away id with the ticket it was
		// merged into.
		return nil, fmt.Sprintf("merged into WHMCS ticket %d", tk.TicketID), nil
	}
	return tk, "", nil
}

// plannedField is one field a sync's plan writes: WHMCS's value now, the
// source's, and what the importer last wrote; known says whether the
// checkpoint knows that (a status or priority of an older checkpoint may
// be unknown; an assignee or CC never set is known to be none).
type plannedField struct {
	name, whmcs, source, written string
	known                        bool
}

// plannedFields lists the fields plan writes, the status first.
func plannedFields(plan *mapping.Plan, tk *whmcs.Ticket, st *checkpoints.Ticket) []plannedField {
	var fields []plannedField
	writesStatus := false
	for i := range plan.Steps {
		s := &plan.Steps[i]
		if s.Reply != nil {
			writesStatus = true
		}
		u := s.Update
		if u == nil {
			continue
		}
		if u.Status != "" {
			writesStatus = true
		}
		if u.Priority != "" {
			fields = append(fields, plannedField{ConflictPriority, tk.Priority, u.Priority, st.Priority, st.Priority != ""})
		}
		if u.DeptID != 0 {
			fields = append(fields, plannedField{ConflictDepartment, idString(tk.DeptID), idString(u.DeptID), idString(st.DeptID), st.DeptID != 0})
		}
		if u.Flag != 0 || u.RemoveFlag {
			fields = append(fields, plannedField{ConflictFlag, idString(tk.Flag), idString(u.Flag), st.Fields[mapping.FieldFlag], true})
		}
		if u.CC != nil {
			fields = append(fields, plannedField{ConflictCC, ccList(html.UnescapeString(tk.CC)), ccList(strings.Join(u.CC, ",")), ccList(st.Fields[mapping.FieldCC]), true})
		}
	}
	if writesStatus {
		fields = append([]plannedField{{ConflictStatus, tk.Status, plan.EndStatus, st.Status, st.Status != ""}}, fields...)
	}
	return fields
}

// conflictReason says why writing f would overwrite what someone did in
// WHMCS, or "" when it would not: WHMCS holds neither the source's value
// nor the importer's last one, or still the value of an open conflict
// (prev), or the write would close or answer a ticket someone replied to
// in WHMCS.
func (r *runner) conflictReason(ctx context.Context, f plannedField, prev checkpoints.Conflict, isOpen bool, st *checkpoints.Ticket, tk *whmcs.Ticket) string {
	switch {
	case strings.EqualFold(f.whmcs, f.source):
		return ""
	case f.known && !strings.EqualFold(f.whmcs, f.written):
		return reasonChanged
	case isOpen && strings.EqualFold(prev.WHMCS, f.whmcs):
		return prev.Reason // still WHMCS's value, kept before
	case f.name == ConflictStatus && closesOrAnswers(f.source):
		if n := r.unknownEntries(ctx, st, tk); n > 0 {
			return fmt.Sprintf("replied in WHMCS (%s the import did not write)", report.Plural(n, "reply or note", "replies or notes"))
		}
	}
	return ""
}

// keepWHMCS changes plan not to write the fields in keep: replies carry
// WHMCS's status (so that they leave it), UpdateTicket drops the fields,
// and an UpdateTicket left with nothing to set is dropped.
func keepWHMCS(plan *mapping.Plan, keep []string, status string) {
	steps := plan.Steps[:0]
	for _, s := range plan.Steps {
		for _, f := range keep {
			switch {
			case s.Reply != nil && f == ConflictStatus:
				r := *s.Reply
				r.Status = status
				s.Reply = &r
			case s.Update != nil:
				u := *s.Update
				switch f {
				case ConflictStatus:
					u.Status = ""
				case ConflictPriority:
					u.Priority = ""
				case ConflictDepartment:
					u.DeptID = 0
				case ConflictFlag:
					u.Flag, u.RemoveFlag = 0, false
				case ConflictCC:
					u.CC = nil
				}
				s.Update = &u
				if _, ok := s.Fields[f]; ok {
					fs := make(map[string]string, len(s.Fields))
					for k, v := range s.Fields {
						if k != f {
							fs[k] = v
						}
					}
					s.Fields = fs
				}
			}
		}
		if s.Update != nil && emptyUpdate(s.Update) {
			continue
		}
		steps = append(steps, s)
	}
	plan.Steps = steps
}

// emptyUpdate reports whether u sets nothing.
func emptyUpdate(u *whmcs.UpdateTicketRequest) bool {
	return u.DeptID == 0 && u.Status == "" && u.Subject == "" && u.UserID == 0 && u.Name == "" && u.Email == "" &&
		u.CC == nil && u.Priority == "" && u.Created.IsZero() && u.Flag == 0 && !u.RemoveFlag && u.Message == "" &&
		len(u.CustomFields) == 0 && !u.PreventClientClosure
}

// closesOrAnswers reports whether a status tells the customer the ticket
// is done or answered: setting it over a reply made in WHMCS would hide
// that reply from the queue of tickets awaiting a reply.
func closesOrAnswers(status string) bool {
	return strings.EqualFold(status, mapping.StatusClosed) || strings.EqualFold(status, mapping.StatusAnswered)
}

// unknownEntries counts the replies and notes of WHMCS ticket tk that the
// checkpoint does not hold as written by the import: each is matched with
// an unused entry of its kind by its date to the second and its text (as
// this WHMCS stores text).
func (r *runner) unknownEntries(ctx context.Context, st *checkpoints.Ticket, tk *whmcs.Ticket) int {
	var replies, notes []checkpoints.Entry
	for _, e := range st.Entries {
		switch e.Kind {
		case "reply":
			replies = append(replies, e)
		case "note":
			notes = append(notes, e)
		}
	}
	// take removes from *pool the entry written as (date, msg), if any.
	take := func(pool *[]checkpoints.Entry, date time.Time, msg string) bool {
		for i, e := range *pool {
			if whmcs.SameWallSecond(date, e.Created) && r.text.matchDigest(ctx, whmcs.Digest(e.MessageHash), msg) {
				*pool = slices.Delete(*pool, i, i+1)
				return true
			}
		}
		return false
	}
	n := 0
	for _, rp := range tk.Replies {
		if rp.ReplyID != 0 && !take(&replies, rp.Date, rp.Message) {
			n++
		}
	}
	for _, nt := range tk.Notes {
		if !take(&notes, nt.Date, nt.Message) {
			n++
		}
	}
	return n
}

func idString(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// ccList is a CC list in one form for comparing: addresses trimmed, lower
// case, sorted, comma-separated.
func ccList(s string) string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}
