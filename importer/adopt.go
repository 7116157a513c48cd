package importer

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// AdoptPage is how many tickets one GetTickets call asks for when an
// Adopter reads WHMCS's ticket list. WHMCS documents no upper bound for
// limitnum (its default is 25); the list is paged by what each answer
// holds, so a WHMCS that serves less per page is read whole all the same.
const AdoptPage = 1000

// ErrAmbiguous is wrapped by the error of a ticket that more than one WHMCS
// ticket matches, or whose WHMCS ticket matches another source ticket too
// (identical twins): an AmbiguousError says which. Nothing is guessed; the
// ticket fails with sources.CodeAdoptAmbiguous.
var ErrAmbiguous = errors.New("adopt_ambiguous")

// AmbiguousError is the failure of a ticket adoption could not decide.
type AmbiguousError struct {
	Source string  // the source ticket
	WHMCS  []int64 // the WHMCS tickets that match it
	// Twins are the other source tickets the WHMCS ticket matches.
	Twins []string
}

func (e *AmbiguousError) Error() string {
	ids := make([]string, len(e.WHMCS))
	for i, id := range e.WHMCS {
		ids[i] = strconv.FormatInt(id, 10)
	}
	if len(e.Twins) > 0 {
		return fmt.Sprintf("WHMCS ticket %s matches source tickets %s and %s alike (same requester, opening date, subject and message): not guessing which one it is",
			strings.Join(ids, ", "), e.Source, strings.Join(e.Twins, ", "))
	}
	return fmt.Sprintf("WHMCS tickets %s all match source ticket %s (same requester, opening date, subject and message): not guessing which one it is",
		strings.Join(ids, ", "), e.Source)
}

func (e *AmbiguousError) Is(target error) bool { return target == ErrAmbiguous }

// Adopter finds in WHMCS the tickets that an earlier run created and the
// checkpoint does not know (a new, lost or stale checkpoint, a second
// machine), the way reconcile finds a lost OpenTicket: the requester
// (client id, or a guest's email), the opening date to the second on the
// server's wall clock, the subject in any form the target may store it
// (the learned whmcs.TextProfile, every form while it is unknown), and the
// opening message's digest.
//
// It reads WHMCS's ticket list once, on the first Find, in pages of
// AdoptPage, into a compact index (about 32 bytes a ticket, no text); then
// each Find costs a GetTicket per candidate, usually one. An Adopter that
// is never asked reads nothing. It is safe for concurrent use: the
// workers share one read of the list.
type Adopter struct {
	client *whmcs.Client
	store  *checkpoints.Store
	text   *textKnowledge

	mu     sync.Mutex
	built  bool
	idx    []indexed        // sorted by wall, then id
	claims map[int64]string // WHMCS ticket → the source ticket that took it, in this Adopter's life
	// reserved: WHMCS ticket → the first source ticket that matches it by
	// header (Reserve); contested: the second, when there is one.
	reserved, contested map[int64]string
	pages               atomic.Int64
	listed              atomic.Int64
}

// indexed is what the index keeps of one WHMCS ticket.
type indexed struct {
	wall    int64  // opening date's wall clock, as the Unix seconds of that wall clock in UTC
	id      int64  // WHMCS ticket id
	who     uint64 // requester: client id, or a guest's email (whoOf)
	subject uint64 // whmcs.TextKey of the subject as stored
}

// NewAdopter returns an Adopter reading WHMCS through c (reads only:
// GetTickets, GetTicket) and the checkpoint store (what it maps, and what
// it knows of how WHMCS stores text; what a match teaches of that is
// written down).
func NewAdopter(ctx context.Context, c *whmcs.Client, store *checkpoints.Store) (*Adopter, error) {
	text, err := loadTextKnowledge(ctx, store)
	if err != nil {
		return nil, err
	}
	return newAdopter(c, store, text), nil
}

// NewPreviewAdopter is NewAdopter for a pass that writes nothing (validate,
// adopt's preview): it keeps what it learns to itself, and store may be nil
// (no checkpoint: it maps nothing). Record must not be called.
func NewPreviewAdopter(ctx context.Context, c *whmcs.Client, store *checkpoints.Store) (*Adopter, error) {
	text := &textKnowledge{}
	if store != nil {
		v, err := store.Meta(ctx, checkpoints.MetaTextProfile)
		if err != nil {
			return nil, err
		}
		text.p = whmcs.ParseTextProfile(v)
	}
	return newAdopter(c, store, text), nil
}

func newAdopter(c *whmcs.Client, store *checkpoints.Store, text *textKnowledge) *Adopter {
	return &Adopter{client: c, store: store, text: text, claims: map[int64]string{}, reserved: map[int64]string{}, contested: map[int64]string{}}
}

// Listed reports how many GetTickets pages the Adopter read, and how many
// tickets they held (0, 0 when it never needed the list).
func (a *Adopter) Listed() (pages, tickets int64) { return a.pages.Load(), a.listed.Load() }

// wallKey is t's wall clock in loc, as the Unix seconds of that wall clock
// in UTC: two instants WHMCS shows alike (whmcs.SameWallSecond) have one
// key.
func wallKey(t time.Time, loc *time.Location) int64 {
	t = t.In(loc)
	y, m, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, m, d, h, mi, s, 0, time.UTC).Unix()
}

// whoOf keys a requester: the client id, or for a guest (0) the email,
// case-folded and hashed, with the top bit set.
func whoOf(clientID int64, email string) uint64 {
	if clientID != 0 {
		return uint64(clientID)
	}
	return whmcs.TextKey(strings.ToLower(strings.TrimSpace(email))) | 1<<63
}

// index reads WHMCS's ticket list into the index, once.
func (a *Adopter) index(ctx context.Context) ([]indexed, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.built {
		return a.idx, nil
	}
	var idx []indexed
	req := &whmcs.GetTicketsRequest{IgnoreDeptAssignments: true, LimitNum: AdoptPage}
	for {
		list, err := a.client.GetTickets(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("read WHMCS's ticket list (from %d): %w", req.LimitStart, err)
		}
		a.pages.Add(1)
		if idx == nil {
			// One allocation of the whole index, not a doubling slice's
			// copies (at 1M tickets: 32 MB, not 96).
			idx = make([]indexed, 0, max(list.TotalResults, len(list.Tickets)))
		}
		for _, s := range list.Tickets {
			who := whoOf(s.UserID, s.Email)
			idx = append(idx, indexed{wall: wallKey(s.Date, s.Date.Location()), id: s.ID, who: who, subject: whmcs.TextKey(s.Subject)})
		}
		req.LimitStart += len(list.Tickets)
		if len(list.Tickets) == 0 || req.LimitStart >= list.TotalResults {
			break
		}
	}
	// A ticket created while the list was read shifts the pages: one may
	// be read twice.
	slices.SortFunc(idx, func(x, y indexed) int { return cmpInt(x.id, y.id) })
	idx = slices.CompactFunc(idx, func(x, y indexed) bool { return x.id == y.id })
	slices.SortFunc(idx, func(x, y indexed) int {
		if c := cmpInt(x.wall, y.wall); c != 0 {
			return c
		}
		return cmpInt(x.id, y.id)
	})
	a.idx, a.built = slices.Clip(idx), true
	a.listed.Store(int64(len(idx)))
	return a.idx, nil
}

func cmpInt(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// Find looks in WHMCS for the ticket that p's OpenTicket (p planned as new,
// its first step StepOpen) would create, made by an earlier run: nil when
// there is none. A WHMCS ticket the checkpoint maps to another source
// ticket that opened it is not a candidate. The error wraps ErrAmbiguous
// (an *AmbiguousError) when more than one WHMCS ticket matches, or when
// the one that matches was adopted by another source ticket (now, or by an
// earlier run): identical twins, one of which may be this one.
//
// The ticket found is read whole (GetTicket): Record settles p's entries
// against it.
func (a *Adopter) Find(ctx context.Context, sourceID string, p *mapping.Plan) (*whmcs.Ticket, error) {
	if len(p.Steps) == 0 || p.Steps[0].Kind != mapping.StepOpen {
		return nil, nil
	}
	open := &p.Steps[0]
	cands, twins, err := a.candidates(ctx, sourceID, p)
	if err != nil {
		return nil, err
	}
	digest := whmcs.DigestOf(open.Message)
	var found []*whmcs.Ticket
	for _, id := range cands {
		tk, err := a.client.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: id})
		if err != nil {
			return nil, fmt.Errorf("read WHMCS ticket %d: %w", id, err)
		}
		if len(tk.Replies) == 0 || tk.Replies[0].ReplyID != 0 || !a.text.matchDigest(ctx, digest, tk.Replies[0].Message) {
			continue
		}
		found = append(found, tk)
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
	default:
		ids := make([]int64, len(found))
		for i, tk := range found {
			ids[i] = tk.TicketID
		}
		return nil, &AmbiguousError{Source: sourceID, WHMCS: ids}
	}
	tk := found[0]
	if other := twins[tk.TicketID]; other != "" {
		return nil, &AmbiguousError{Source: sourceID, WHMCS: []int64{tk.TicketID}, Twins: []string{other}}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if other, ok := a.claims[tk.TicketID]; ok && other != sourceID {
		return nil, &AmbiguousError{Source: sourceID, WHMCS: []int64{tk.TicketID}, Twins: []string{other}}
	}
	a.claims[tk.TicketID] = sourceID
	return tk, nil
}

// candidates returns the WHMCS tickets that match p's OpenTicket by
// requester, opening second and subject (the index alone, no call), and
// of them, those another source ticket took (adopted, or reserved alike):
// twins.
func (a *Adopter) candidates(ctx context.Context, sourceID string, p *mapping.Plan) (cands []int64, twins map[int64]string, err error) {
	open := &p.Steps[0]
	idx, err := a.index(ctx)
	if err != nil {
		return nil, nil, err
	}
	wall := wallKey(open.Created, a.client.Location())
	who := whoOf(open.Open.ClientID, open.Open.Email)
	// A requester who became a client since the earlier run opened the
	// ticket as a guest is found by email too.
	guest := who
	if p.Ticket != nil && p.Ticket.Requester.Email != "" {
		guest = whoOf(0, p.Ticket.Requester.Email)
	}
	prof := a.text.get()
	twins = map[int64]string{} // candidates another source ticket adopted
	for i := sort.Search(len(idx), func(i int) bool { return idx[i].wall >= wall }); i < len(idx) && idx[i].wall == wall; i++ {
		e := idx[i]
		if e.who != who && e.who != guest || !prof.MatchKey(open.Open.Subject, e.subject) {
			continue
		}
		a.mu.Lock()
		claimed := a.claims[e.id]
		if claimed == "" || claimed == sourceID {
			claimed = a.reservedOther(e.id, sourceID)
		}
		a.mu.Unlock()
		if claimed != "" {
			twins[e.id] = claimed
			cands = append(cands, e.id)
			continue
		}
		if a.store == nil {
			cands = append(cands, e.id)
			continue
		}
		other, err := a.store.SourceIDByWHMCS(ctx, e.id)
		if err != nil {
			return nil, nil, Fatal(err)
		}
		if other != "" && other != sourceID {
			// A ticket another source ticket opened is not a candidate;
			// one it adopted alike may have been this one's.
			by, err := a.store.AdoptedBy(ctx, e.id)
			if err != nil {
				return nil, nil, Fatal(err)
			}
			if by == "" {
				continue
			}
			twins[e.id] = by
		}
		cands = append(cands, e.id)
	}
	return cands, twins, nil
}

// Reserve notes that source ticket sourceID (p planned as new) matches
// the WHMCS tickets it matches by requester, opening second and subject,
// without reading them. A pass that calls Reserve for every source ticket
// before its first Find (Adopt) never adopts a WHMCS ticket that two
// source tickets match alike: Find then fails both twins, where a run,
// which meets the second only after it adopted for the first, fails the
// second only.
func (a *Adopter) Reserve(ctx context.Context, sourceID string, p *mapping.Plan) error {
	if len(p.Steps) == 0 || p.Steps[0].Kind != mapping.StepOpen {
		return nil
	}
	cands, _, err := a.candidates(ctx, sourceID, p)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, id := range cands {
		switch first, ok := a.reserved[id]; {
		case !ok:
			a.reserved[id] = sourceID
		case first != sourceID:
			a.contested[id] = sourceID
		}
	}
	return nil
}

// reservedOther returns a source ticket other than sourceID that Reserve
// noted for WHMCS ticket id, "" when none; a.mu is held.
func (a *Adopter) reservedOther(id int64, sourceID string) string {
	if r := a.reserved[id]; r != "" && r != sourceID {
		return r
	}
	if r := a.contested[id]; r != "" && r != sourceID {
		return r
	}
	return ""
}

// Record settles, against tk (the ticket read from WHMCS), the entries of
// p that the checkpoint does not know (known is its state of the ticket,
// nil for none), as reconcile settles a write whose answer was lost: a
// reply or note by its date to the second and its text's digest, each
// WHMCS entry accounting for one source entry only (identical entries are
// counted, not merged). adopted says tk was found by Find, and p's
// OpenTicket is recorded as having created it.
//
// What it found is recorded in one transaction (checkpoints.Store.Found),
// with the ticket's status, priority and department as WHMCS shows them;
// it returns how many entries that is. Planned again with the ticket's new
// state, p then holds only what WHMCS is missing.
func (a *Adopter) Record(ctx context.Context, runID int64, sourceID string, p *mapping.Plan, tk *whmcs.Ticket, known *checkpoints.Ticket, adopted bool) (int, error) {
	usedReply := make([]bool, len(tk.Replies))
	usedNote := make([]bool, len(tk.Notes))
	matchReply := func(created time.Time, d whmcs.Digest, opening bool) bool {
		for i, rp := range tk.Replies {
			if usedReply[i] || (rp.ReplyID == 0) != opening {
				continue
			}
			if whmcs.SameWallSecond(rp.Date, created) && a.text.matchDigest(ctx, d, rp.Message) {
				usedReply[i] = true
				return true
			}
		}
		return false
	}
	matchNote := func(created time.Time, d whmcs.Digest) bool {
		for i, n := range tk.Notes {
			if !usedNote[i] && whmcs.SameWallSecond(n.Date, created) && a.text.matchDigest(ctx, d, n.Message) {
				usedNote[i] = true
				return true
			}
		}
		return false
	}
	if known != nil {
		// What the checkpoint knows accounts for as many WHMCS entries.
		for _, k := range slices.Sorted(maps.Keys(known.Entries)) {
			e := known.Entries[k]
			switch e.Kind {
			case "open":
				matchReply(e.Created, whmcs.Digest(e.MessageHash), true)
			case "reply":
				matchReply(e.Created, whmcs.Digest(e.MessageHash), false)
			case "note":
				matchNote(e.Created, whmcs.Digest(e.MessageHash))
			}
		}
	}
	var outs []checkpoints.Outcome
	for i := range p.Steps {
		s := &p.Steps[i]
		d := whmcs.DigestOf(s.Message)
		o := checkpoints.Outcome{RunID: runID, EntryKey: s.EntryKey, EntryHash: s.Hash, Kind: entryKind(s.Kind), Created: s.Created, MessageHash: string(d)}
		switch s.Kind {
		case mapping.StepOpen:
			if !adopted {
				continue
			}
			usedReply[0] = true // Find matched it
			o.WHMCSID, o.TID, o.C = tk.TicketID, tk.TID, tk.C
			o.Fields = maps.Clone(s.Fields)
			if o.Fields == nil {
				o.Fields = map[string]string{}
			}
			if tk.Flag != 0 {
				o.Fields[mapping.FieldFlag] = strconv.FormatInt(tk.Flag, 10)
			}
		case mapping.StepReply:
			if !matchReply(s.Created, d, false) {
				continue
			}
		case mapping.StepNote:
			if !matchNote(s.Created, d) {
				continue
			}
		default:
			continue
		}
		outs = append(outs, o)
	}
	if len(outs) == 0 {
		return 0, nil
	}
	// The ticket is in the state WHMCS shows.
	outs[0].Status, outs[0].Priority, outs[0].DeptID = tk.Status, tk.Priority, tk.DeptID
	if err := a.store.Found(ctx, sourceID, runID, adopted, outs); err != nil {
		return 0, Fatal(err)
	}
	return len(outs), nil
}

// adopt looks for t in WHMCS before its OpenTicket (p is its plan as a new
// ticket) and records what it finds. found says t was adopted: the caller
// plans it again with the checkpoint's new state.
func (r *runner) adopt(ctx context.Context, t *sources.Ticket, p *mapping.Plan) (found bool, err error) {
	tk, err := r.adopter.Find(ctx, t.ID, p)
	if err != nil || tk == nil {
		return false, err
	}
	if _, err := r.adopter.Record(ctx, r.runID, t.ID, p, tk, nil, true); err != nil {
		return false, err
	}
	r.o.Logger.Info("ticket adopted: already in WHMCS", "ticket", t.ID, "whmcs_id", tk.TicketID, "tid", tk.TID)
	return true, nil
}

// refresh settles, before a half-built ticket is resumed, what WHMCS holds
// of its planned entries that the checkpoint does not know: a stale copy
// of the checkpoint, from before some of them were written. It costs one
// GetTicket, for tickets not finished only. found says some were.
func (r *runner) refresh(ctx context.Context, t *sources.Ticket, st *checkpoints.Ticket, p *mapping.Plan) (found bool, err error) {
	entries := false
	for i := range p.Steps {
		entries = entries || p.Steps[i].Kind == mapping.StepReply || p.Steps[i].Kind == mapping.StepNote
	}
	if !entries {
		return false, nil
	}
	tk, err := r.o.Client.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: st.WHMCSID})
	if err != nil {
		return false, fmt.Errorf("read WHMCS ticket %d: %w", st.WHMCSID, err)
	}
	n, err := r.adopter.Record(ctx, r.runID, t.ID, p, tk, st, false)
	return n > 0, err
}
