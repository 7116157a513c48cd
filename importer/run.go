package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/policy"
)

// IDSet is ids as a set, for an --only list; nil when ids is empty (no
// restriction).
func IDSet(ids []string) map[string]bool {
	if len(ids) == 0 {
		return nil
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set
}

// DefaultKeepFailures is how many failures and drift items a run's report
// holds: a run whose every ticket fails (a wrong time zone, a future
// date) must not hold a million error messages in memory.
const DefaultKeepFailures = 1000

// DefaultConcurrency is how many tickets a pass works on at once when its
// options (or, under a fixed rate, the config's target.concurrency) do not
// say.
const DefaultConcurrency = 4

// DefaultAutoConcurrency is the workers, and so the most calls at once,
// under rate: auto when the config does not say. It is an upper bound,
// not a load: auto (policy.Adapt) starts at one call at once and lets
// more in only while WHMCS answers as fast as unloaded, so the bound
// matters only to a WHMCS that serves that many calls without queueing
// them. BenchmarkRunCapacity's "defaults" row measures it against a pool
// of 8 PHP workers.
const DefaultAutoConcurrency = 32

// DefaultWorkers is the default concurrency of a command: under rate:
// auto (auto) DefaultAutoConcurrency, else DefaultConcurrency.
func DefaultWorkers(auto bool) int {
	if auto {
		return DefaultAutoConcurrency
	}
	return DefaultConcurrency
}

// Config configures Import.
type Config struct {
	Source sources.Source
	// Client is the WHMCS client with its policy layers; the report's call
	// counts are those of its policy.Counter, found by unwrapping.
	Client  *whmcs.Client
	Planner *mapping.Planner
	Store   *checkpoints.Store
	// Concurrency is the number of workers (default 4).
	Concurrency int
	// Limit stops after this many tickets that needed work (0 = all).
	Limit int
	// Only restricts the run to these source ticket ids.
	Only []string
	// Overlap re-reads tickets changed within this window before the
	// previous run's start even if their last-change time says unchanged.
	Overlap time.Duration
	// AllowUndated lets the run go on when the canary shows that WHMCS
	// does not keep the dates it is sent (before 8.0): every message is
	// then dated at the moment of the import. Default: the run stops.
	AllowUndated bool
	// OnTicket, when set, is called after each ticket (from the workers).
	OnTicket func(TicketResult)
	// KeepFailures is how many failures, and how many drift items, the
	// report holds (default DefaultKeepFailures); the others are counted
	// (report.Import.FailuresOmitted, DriftOmitted). OnTicket sees them all.
	KeepFailures int
	Logger       *slog.Logger
	// OnConflict is the side a cut-over conflict keeps (sync.on_conflict;
	// default KeepWHMCS): see conflict.go.
	OnConflict OnConflict
	// Reimport forgets the Only tickets that an earlier run found deleted
	// (or merged away) in WHMCS, so that this run creates them again. It
	// needs Only, and each of them must be so.
	Reimport bool
}

// Outcome of one ticket in a run.
type Outcome string

const (
	Imported  Outcome = "imported"  // new in WHMCS
	Updated   Outcome = "updated"   // already there; new entries or status sent
	Unchanged Outcome = "unchanged" // nothing to send
	// Adopted: already in WHMCS, created by a run the checkpoint does not
	// remember (a new, lost or stale checkpoint); recorded, and only what
	// WHMCS was missing sent (see Adopter).
	Adopted Outcome = "adopted"
	Failed  Outcome = "failed"  // see Err; tried again next run
	Stopped Outcome = "stopped" // interrupted mid-ticket; resumed next run
	// Deleted: the imported ticket is gone from WHMCS (deleted or merged
	// away), found by this run; see TicketResult.Gone. Nothing was written.
	Deleted Outcome = "deleted_in_whmcs"
	// Skipped: an earlier run found the ticket gone from WHMCS; it is not
	// read nor written until re-imported (Config.Reimport).
	Skipped Outcome = "skipped"
)

// TicketResult is what happened to one ticket.
type TicketResult struct {
	Ticket  string
	Outcome Outcome
	Step    string // the failing step, for Failed
	Err     error
	// Problem is the failure's first error, for Failed: its code, origin
	// (file:line or row) and field.
	Problem sources.Problem
	Drift   []sources.Problem
	// Conflicts are the cut-over conflicts found in this ticket, each
	// reported once (see conflict.go).
	Conflicts []report.Conflict
	// Gone says why the ticket is no longer in WHMCS, for Deleted; WHMCSID
	// is the WHMCS ticket it was.
	Gone    string
	WHMCSID int64
	// FourByte counts the plan's four_byte_text warnings: characters
	// above U+FFFF sent (or, with mapping.four_byte_text: name, sent as
	// their names), for the summary of what WHMCS changed.
	FourByte int
}

// Import imports every ticket of the source that is new or changed since the
// checkpoint last saw it. It returns the report, and an error only when
// the run could not finish (fatal error or interruption); failed tickets
// are in the report.
func Import(ctx context.Context, o Config) (*report.Import, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.KeepFailures <= 0 {
		o.KeepFailures = DefaultKeepFailures
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	var err error
	if o.OnConflict, err = ParseOnConflict(string(o.OnConflict)); err != nil {
		return nil, err
	}
	if o.Reimport && len(o.Only) == 0 {
		return nil, errors.New("re-import: name the tickets to create again (--only)")
	}
	release, err := HoldLock(ctx, o.Store, o.Logger)
	if err != nil {
		return nil, err
	}
	defer release()
	// A rollback killed part way: what the checkpoint says the runs
	// created is only partly in WHMCS, and a run would import again what
	// the rollback deleted. Finish the rollback first.
	if err := CheckRollbacks(ctx, o.Store); err != nil {
		return nil, err
	}
	if o.Reimport {
		if err := reimport(ctx, o.Store, o.Only); err != nil {
			return nil, err
		}
	}

	prev, err := o.Store.LastRun(ctx, checkpoints.KindImport)
	if err != nil {
		return nil, err
	}
	r := &runner{o: o, start: time.Now(), stats: policy.StatsOf(o.Client.Caller())}
	if r.stats == nil {
		r.stats = policy.NewStats() // a client without a counter: no counts
	}
	r.callsBefore = r.stats.Calls()
	r.failedBefore = r.stats.FailedCalls()
	if r.text, err = loadTextKnowledge(ctx, o.Store); err != nil {
		return nil, err
	}
	// Tickets the checkpoint does not know are looked for in WHMCS before
	// they are opened; WHMCS's list is read on the first such ticket only.
	r.adopter = newAdopter(o.Client, o.Store, r.text)
	if prev != nil {
		r.prevStart = prev.Started
	}
	r.only = IDSet(o.Only)
	if r.conflicted, err = o.Store.ConflictedTickets(ctx); err != nil {
		return nil, err
	}
	if err := r.loadVersions(ctx); err != nil {
		return nil, err
	}
	if r.runID, err = o.Store.BeginRun(ctx, checkpoints.KindImport); err != nil {
		return nil, err
	}
	runID := r.runID

	err = r.run(ctx)
	rep := r.summary()
	var outcome checkpoints.RunOutcome
	outcome, err = EndOf(ctx, err, rep.Tickets.Failed)
	rep.Interrupted = outcome == checkpoints.OutcomeInterrupted
	summary, _ := json.Marshal(rep)
	if eerr := o.Store.EndRun(context.WithoutCancel(ctx), runID, outcome, string(summary)); eerr != nil && err == nil {
		err = eerr
	}
	return rep, err
}

type runner struct {
	o           Config
	runID       int64
	start       time.Time
	prevStart   time.Time
	only        map[string]bool
	stats       *policy.Stats // the client's, for the report
	callsBefore map[string]int64
	// failedBefore are the failed calls before the run (the preflight's).
	failedBefore map[string]int64
	// versions is what the checkpoint holds (see loadVersions).
	versions *sources.Versions
	// conflicted are the tickets with an open conflict when the run
	// began: only they look their conflicts up (see withOpenConflicts).
	conflicted map[string]bool
	// conflictReads counts the GetTicket calls made before writing to an
	// imported ticket (see guard).
	conflictReads atomic.Int64

	reconciled, resent, probes atomic.Int64
	// canary holds the writes back until the first one is read back;
	// text is what is known of how WHMCS stores text.
	canary canary
	text   *textKnowledge
	// adopter finds what WHMCS holds of tickets the checkpoint does not
	// know.
	adopter *Adopter

	// The report's part that grows with the run: counts, and only the
	// failures and drift (a run of a million tickets keeps no list of
	// them).
	mu                            sync.Mutex
	counts                        report.TicketCounts
	failures                      []report.Failure
	drift                         []report.DriftItem
	failuresOmitted, driftOmitted int
	conflicts                     []report.Conflict
	conflictsOmitted              int
	deleted                       []report.DeletedTicket
}

func (r *runner) run(ctx context.Context) error {
	return Pool(ctx, r.o.Concurrency, r.produce, func(ctx context.Context, t *sources.Ticket) error {
		res, err := r.replay(ctx, t)
		if err != nil {
			return err
		}
		r.record(res)
		return nil
	})
}

// produce streams the source's tickets to the workers.
func (r *runner) produce(ctx context.Context, emit func(*sources.Ticket) error) error {
	sent := 0
	// What the source may leave unread is decided here, before the read,
	// as data: the source never calls back into the importer.
	opts := sources.ReadOptions{Threads: r.only}
	if !r.prevStart.IsZero() {
		opts.Held = &sources.Held{Versions: r.versions, Settled: r.prevStart.Add(-r.o.Overlap)}
	}
	for t, err := range r.o.Source.Tickets(ctx, opts) {
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return Fatal(fmt.Errorf("read source: %w", err))
		}
		if r.only != nil && !r.only[t.ID] {
			continue
		}
		if t.ThreadSkipped {
			r.record(TicketResult{Ticket: t.ID, Outcome: Unchanged})
			continue
		}
		if r.o.Limit > 0 && sent >= r.o.Limit {
			return nil
		}
		sent++
		if err := emit(t); err != nil {
			return err
		}
	}
	return nil
}

// loadVersions reads into r.versions the last-change time (Unix seconds)
// of the version the checkpoint holds of every imported ticket, or only of
// the --only ones: see sources.Held. It is read once, before the source:
// a query per source ticket costs ~35µs, 3.5 s of a no-op run over 100,000
// tickets. It is read row by row into a sources.Versions, about 20 bytes
// a ticket: it once held every ticket's checkpoint row, and a no-op sync
// over 100,000 MySQL tickets peaked at 105 MB, three times their import.
// Without a previous run nothing is skipped, and nothing is read.
//
// The checkpoint keeps last-change times to the second, and sources.Held
// compares them to the second: a source with sub-second times
// (DATETIME(6), RFC 3339 with fractions) would otherwise look changed on
// every run.
func (r *runner) loadVersions(ctx context.Context) error {
	if r.prevStart.IsZero() {
		return nil
	}
	var b sources.VersionsBuilder
	if r.only != nil {
		for id := range r.only {
			h, err := r.o.Store.Header(ctx, id)
			if err != nil {
				return err
			}
			if h != nil && h.State == checkpoints.StateImported && !h.SourceUpdated.IsZero() {
				b.Add(id, h.SourceUpdated.Unix())
			}
		}
		r.versions = b.Versions()
		return nil
	}
	err := r.o.Store.EachImported(ctx, func(id string, updated time.Time) error {
		b.Add(id, updated.Unix())
		return nil
	})
	if err != nil {
		return err
	}
	r.versions = b.Versions()
	return nil
}

func (r *runner) record(res TicketResult) {
	r.mu.Lock()
	r.tally(res)
	r.mu.Unlock()
	if r.o.OnTicket != nil {
		r.o.OnTicket(res)
	}
	switch res.Outcome {
	case Failed:
		r.o.Logger.Warn("ticket failed", "ticket", res.Ticket, "step", res.Step, "error", res.Err)
	case Imported, Updated, Adopted:
		r.o.Logger.Debug("ticket done", "ticket", res.Ticket, "outcome", res.Outcome)
	case Deleted:
		r.o.Logger.Warn("ticket gone from WHMCS", "ticket", res.Ticket, "whmcs_id", res.WHMCSID, "reason", res.Gone)
	}
	for _, c := range res.Conflicts {
		r.o.Logger.Warn("conflict", "ticket", c.Ticket, "whmcs_id", c.WHMCSID, "field", c.Field, "whmcs", c.WHMCS, "source", c.Source, "kept", c.Kept)
	}
}

func (r *runner) summary() *report.Import {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep := &report.Import{RunID: r.runID, Calls: map[string]int64{}, Tickets: r.counts,
		Failures: append([]report.Failure{}, r.failures...), Drift: append([]report.DriftItem{}, r.drift...),
		FailuresOmitted: r.failuresOmitted, DriftOmitted: r.driftOmitted,
		Conflicts: append([]report.Conflict{}, r.conflicts...), ConflictsOmitted: r.conflictsOmitted,
		DeletedInWHMCS: append([]report.DeletedTicket{}, r.deleted...)}
	sort.SliceStable(rep.Conflicts, func(i, j int) bool { return rep.Conflicts[i].Ticket < rep.Conflicts[j].Ticket })
	sort.Slice(rep.DeletedInWHMCS, func(i, j int) bool { return rep.DeletedInWHMCS[i].Ticket < rep.DeletedInWHMCS[j].Ticket })
	sort.Slice(rep.Failures, func(i, j int) bool { return rep.Failures[i].Ticket < rep.Failures[j].Ticket })
	sort.SliceStable(rep.Drift, func(i, j int) bool { return rep.Drift[i].Ticket < rep.Drift[j].Ticket })
	var total int64
	for k, v := range r.stats.Calls() {
		if d := v - r.callsBefore[k]; d > 0 {
			rep.Calls[k] = d
			total += d
		}
	}
	for k, v := range r.stats.FailedCalls() {
		if d := v - r.failedBefore[k]; d > 0 {
			if rep.FailedCalls == nil {
				rep.FailedCalls = map[string]int64{}
			}
			rep.FailedCalls[k] = d
		}
	}
	rep.Retries = r.stats.Retries.Load()
	rep.Throttled = r.stats.Throttled.Load()
	rep.Reconciled = r.reconciled.Load()
	rep.Resent = r.resent.Load()
	rep.ReadBacks = r.probes.Load()
	rep.ConflictReads = r.conflictReads.Load()
	rep.AdoptListPages, rep.AdoptListed = r.adopter.Listed()
	rep.TextProfile = r.text.get().Describe()
	pacing := policy.PacingOf(r.o.Client.Caller())
	rep.Pacing = pacing.String()
	if pacing.Auto {
		rep.ConcurrencyLimit = pacing.Adaptive.Limit
	}
	el := time.Since(r.start)
	rep.ElapsedSeconds = el.Seconds()
	if el > 0 {
		rep.CallsPerSecond = float64(total) / el.Seconds()
	}
	return rep
}

// tally counts res into the report's part; r.mu is held.
func (r *runner) tally(res TicketResult) {
	r.counts.Total++
	switch res.Outcome {
	case Imported:
		r.counts.Imported++
	case Updated:
		r.counts.Updated++
	case Unchanged:
		r.counts.Unchanged++
	case Adopted:
		r.counts.Adopted++
	case Failed:
		r.counts.Failed++
		if len(r.failures) >= r.o.KeepFailures {
			r.failuresOmitted++
			break
		}
		r.failures = append(r.failures, FailureOf(res))
	case Stopped:
		r.counts.Stopped++
	case Deleted:
		r.counts.DeletedInWHMCS++
		if len(r.deleted) < r.o.KeepFailures {
			r.deleted = append(r.deleted, report.DeletedTicket{Ticket: res.Ticket, WHMCSID: res.WHMCSID, Reason: res.Gone})
		}
	case Skipped:
		r.counts.Skipped++
	}
	r.counts.Conflicts += len(res.Conflicts)
	for _, c := range res.Conflicts {
		if len(r.conflicts) >= r.o.KeepFailures {
			r.conflictsOmitted++
			continue
		}
		r.conflicts = append(r.conflicts, c)
	}
	for _, d := range res.Drift {
		if len(r.drift) >= r.o.KeepFailures {
			r.driftOmitted++
			continue
		}
		r.drift = append(r.drift, report.DriftItem{Ticket: res.Ticket, Entry: d.Entry, Code: string(d.Code), Message: d.Message})
	}
}

// FailureOf is a failed ticket's line in the report and in run --failures.
func FailureOf(res TicketResult) report.Failure {
	msg := ""
	if res.Err != nil {
		msg = res.Err.Error()
	}
	return report.Failure{Ticket: res.Ticket, Step: res.Step, Code: string(res.Problem.Code),
		Origin: res.Problem.Origin, Field: res.Problem.Field, Error: msg}
}

// reimport forgets the tickets ids, each of which an earlier run found
// gone from WHMCS, so that the run creates them again.
func reimport(ctx context.Context, store *checkpoints.Store, ids []string) error {
	for _, id := range ids {
		h, err := store.Header(ctx, id)
		if err != nil {
			return err
		}
		if h == nil || h.State != checkpoints.StateDeleted {
			state := "not in the checkpoint"
			if h != nil {
				state = h.State
			}
			return fmt.Errorf("re-import %s: only a ticket deleted in WHMCS is imported again, and this one is %s", id, state)
		}
	}
	for _, id := range ids {
		if err := store.Forget(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// problemsError summarises a plan's error problems as the ticket's failure.
func problemsError(ps []sources.Problem) error {
	var msgs []string
	for _, p := range ps {
		if p.Severity == sources.Error {
			msgs = append(msgs, p.String())
		}
	}
	return errors.New(strings.Join(msgs, "; "))
}
