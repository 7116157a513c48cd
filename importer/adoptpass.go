package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/policy"
)

// AdoptConfig configures Adopt.
type AdoptConfig struct {
	Source sources.Source
	// Client only reads (GetTickets, GetTicket, the planner's client
	// lookups): give it a client over whmcs.ReadOnly.
	Client  *whmcs.Client
	Planner *mapping.Planner
	Store   *checkpoints.Store
	// Apply records what is found in the checkpoint; false previews.
	Apply bool
	// Concurrency is the number of workers (default DefaultConcurrency).
	Concurrency int
	// Keep is how many found and ambiguous tickets the report lists
	// (default DefaultKeepFailures).
	Keep   int
	Logger *slog.Logger
}

// Adopt rebuilds what a lost checkpoint knew from WHMCS, without writing
// to WHMCS: every source ticket the checkpoint does not know is looked for
// as run looks for it before opening it (see Adopter), and with Apply what
// is found is recorded in the checkpoint. A ticket WHMCS holds whole is
// recorded as imported; one it holds in part stays pending, and run sends
// the rest.
func Adopt(ctx context.Context, o AdoptConfig) (*report.Adoption, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Keep <= 0 {
		o.Keep = DefaultKeepFailures
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	release, err := HoldLock(ctx, o.Store, o.Logger)
	if err != nil {
		return nil, err
	}
	defer release()
	newAdopter := NewPreviewAdopter
	if o.Apply {
		newAdopter = NewAdopter
	}
	adopter, err := newAdopter(ctx, o.Client, o.Store)
	if err != nil {
		return nil, err
	}
	stats := policy.StatsOf(o.Client.Caller())
	if stats == nil {
		stats = policy.NewStats() // a client without a counter: no counts
	}
	before := stats.Calls()
	rep := &report.Adoption{Applied: o.Apply, Calls: map[string]int64{}}
	if o.Apply {
		if rep.RunID, err = o.Store.BeginRun(ctx, checkpoints.KindAdopt); err != nil {
			return nil, err
		}
	}
	err = adoptPasses(ctx, o, adopter, rep)
	rep.ListPages, rep.Listed = adopter.Listed()
	for k, v := range stats.Calls() {
		if d := v - before[k]; d > 0 {
			rep.Calls[k] = d
		}
	}
	return rep, endAdopt(ctx, o, rep, err)
}

// adoptPasses reads the source twice. Pass 1 notes which WHMCS tickets
// each source ticket the checkpoint does not know matches by header (no
// call but the list's pages): a WHMCS ticket that two of them match alike
// is adopted by neither. Pass 2 looks each one up and adopts (or, in a
// preview, counts) what it finds.
func adoptPasses(ctx context.Context, o AdoptConfig, adopter *Adopter, rep *report.Adoption) error {
	var mu sync.Mutex
	add := func(f func()) {
		mu.Lock()
		defer mu.Unlock()
		f()
	}
	item := func(it report.AdoptItem) {
		if len(rep.Items) >= o.Keep {
			rep.ItemsOmitted++
			return
		}
		rep.Items = append(rep.Items, it)
	}
	produce := sourceTickets(o.Source)
	err := Pool(ctx, o.Concurrency, produce, func(ctx context.Context, t *sources.Ticket) error {
		return reserveOne(ctx, o, adopter, t)
	})
	if err != nil {
		return err
	}
	return Pool(ctx, o.Concurrency, produce, func(ctx context.Context, t *sources.Ticket) error {
		return adoptOne(ctx, o, adopter, rep, t, add, item)
	})
}

// sourceTickets is a Pool producer of every ticket of src.
func sourceTickets(src sources.Source) func(ctx context.Context, emit func(*sources.Ticket) error) error {
	return func(ctx context.Context, emit func(*sources.Ticket) error) error {
		for t, err := range src.Tickets(ctx, sources.ReadOptions{}) {
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return Fatal(fmt.Errorf("read source: %w", err))
			}
			if err := emit(t); err != nil {
				return err
			}
		}
		return nil
	}
}

// reserveOne is pass 1 for t: a ticket the checkpoint does not know, and
// whose plan holds, reserves the WHMCS tickets its header matches.
func reserveOne(ctx context.Context, o AdoptConfig, adopter *Adopter, t *sources.Ticket) error {
	if st, err := o.Store.Ticket(ctx, t.ID); err != nil {
		return Fatal(err)
	} else if st != nil && st.WHMCSID != 0 {
		return nil
	}
	p, err := o.Planner.Plan(ctx, t, nil)
	if err != nil || p.Failed() {
		if err != nil && (whmcs.IsAuth(err) || ctx.Err() != nil) {
			return Fatal(err)
		}
		return nil
	}
	if err := adopter.Reserve(ctx, t.ID, p); err != nil {
		return Fatal(fmt.Errorf("ticket %s: %w", t.ID, err))
	}
	return nil
}

// endAdopt records the end of an applied adoption as a run (its outcome
// and report); a preview records nothing. It returns the pass's error as
// EndOf classifies it.
func endAdopt(ctx context.Context, o AdoptConfig, rep *report.Adoption, err error) error {
	if !o.Apply {
		if err != nil {
			_, err = EndOf(ctx, err, 0)
		}
		return err
	}
	outcome, oerr := EndOf(ctx, err, rep.Ambiguous)
	summary, _ := json.Marshal(rep)
	if eerr := o.Store.EndRun(context.WithoutCancel(ctx), rep.RunID, outcome, string(summary)); eerr != nil && oerr == nil {
		oerr = eerr
	}
	return oerr
}

// adoptOne is Adopt's second pass over one source ticket: look for it,
// and with o.Apply record what was found.
func adoptOne(ctx context.Context, o AdoptConfig, adopter *Adopter, rep *report.Adoption, t *sources.Ticket, add func(func()), item func(report.AdoptItem)) error {
	st, err := o.Store.Ticket(ctx, t.ID)
	if err != nil {
		return Fatal(err)
	}
	if st != nil && st.WHMCSID != 0 {
		add(func() { rep.Total++; rep.Known++ })
		return nil
	}
	p, err := o.Planner.Plan(ctx, t, nil)
	if err != nil || p.Failed() {
		if err != nil && (whmcs.IsAuth(err) || ctx.Err() != nil) {
			return Fatal(err)
		}
		add(func() { rep.Total++; rep.Invalid++ })
		return nil
	}
	tk, err := adopter.Find(ctx, t.ID, p)
	var amb *AmbiguousError
	switch {
	case errors.As(err, &amb):
		add(func() {
			rep.Total++
			rep.Ambiguous++
			item(report.AdoptItem{Ticket: t.ID, Outcome: "ambiguous", WHMCS: amb.WHMCS, Message: amb.Error()})
		})
		return nil
	case err != nil:
		return Fatal(fmt.Errorf("ticket %s: %w", t.ID, err))
	case tk == nil:
		add(func() { rep.Total++; rep.NotFound++ })
		return nil
	}
	entries, missing := 0, 0
	if o.Apply {
		if entries, err = adopter.Record(ctx, rep.RunID, t.ID, p, tk, nil, true); err != nil {
			return err
		}
		st, err := o.Store.Ticket(ctx, t.ID)
		if err != nil {
			return Fatal(err)
		}
		again, err := o.Planner.Plan(ctx, t, priorOf(st))
		if err != nil {
			return Fatal(fmt.Errorf("ticket %s: plan again: %w", t.ID, err))
		}
		missing = len(again.Steps)
		if missing == 0 {
			if err := o.Store.Finish(ctx, t.ID, t.Updated); err != nil {
				return Fatal(err)
			}
		}
	} else {
		entries, missing = preview(ctx, adopter, p, tk)
	}
	add(func() {
		rep.Total++
		rep.Found++
		rep.Entries += entries
		if missing == 0 {
			rep.Complete++
		}
		item(report.AdoptItem{Ticket: t.ID, Outcome: "found", WHMCS: []int64{tk.TicketID}, TID: tk.TID, Entries: entries, Missing: missing})
	})
	return nil
}

// preview counts, without recording, the entries of p that tk holds, and
// the steps run would still send: as Record would (the open, its replies
// and notes matched by date and digest); a final UpdateTicket is not
// counted, whether it is needed depends on the state recorded.
func preview(ctx context.Context, a *Adopter, p *mapping.Plan, tk *whmcs.Ticket) (entries, missing int) {
	used := map[[2]int]bool{}
	for i := range p.Steps {
		s := &p.Steps[i]
		d := whmcs.DigestOf(s.Message)
		found := false
		switch s.Kind {
		case mapping.StepOpen:
			found = true
		case mapping.StepReply:
			for j, rp := range tk.Replies {
				if !used[[2]int{0, j}] && rp.ReplyID != 0 && whmcs.SameWallSecond(rp.Date, s.Created) && a.text.matchDigest(ctx, d, rp.Message) {
					used[[2]int{0, j}], found = true, true
					break
				}
			}
		case mapping.StepNote:
			for j, n := range tk.Notes {
				if !used[[2]int{1, j}] && whmcs.SameWallSecond(n.Date, s.Created) && a.text.matchDigest(ctx, d, n.Message) {
					used[[2]int{1, j}], found = true, true
					break
				}
			}
		default:
			continue
		}
		if found {
			entries++
		} else {
			missing++
		}
	}
	return entries, missing
}
