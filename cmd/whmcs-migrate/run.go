package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/policy"
)

// runFlags are run's command-line options.
type runFlags struct {
	config     string
	report     string
	failures   string
	metrics    string
	target     targetFlags
	limit      int
	only       []string
	dryRun     bool
	offline    bool
	html       string
	applyDept  bool
	noProgress bool
	// allowUndated lets a run go on against a WHMCS that does not keep
	// `created` (before 8.0).
	allowUndated bool
	// retarget lets the checkpoint be used with another WHMCS than the
	// one it recorded (a WHMCS that moved), and records it.
	retarget bool
	// reimport creates again the --only tickets found deleted in WHMCS.
	reimport bool
}

func newRunCmd(g *globals) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run --config FILE",
		Short: "Import (or sync) every new or changed ticket into WHMCS",
		Long: `Import every ticket of the source into WHMCS, or, on a checkpoint that already
holds an import, bring over only what changed: new tickets, new replies and
notes, status and priority changes. Every write is journaled in the checkpoint
first, so a run can be interrupted or killed at any moment and run again
without duplicating or losing anything.

Before its first write it checks the mapping against WHMCS (departments,
statuses, admin usernames), as validate does: a ticket that needs something
WHMCS lacks fails before any of its calls, and a mapping of which not one
department exists in WHMCS stops the run, listing every missing name.

The checkpoint belongs to the WHMCS it was first used with (its URL's site and
System URL): another one is refused before any write, unless --retarget says
that WHMCS moved. While a rollback on the checkpoint is unfinished, run
refuses before any call, naming it and the command that finishes it.

Before writing to a ticket it imported earlier, a sync reads it in WHMCS:
what people changed there since is kept (sync.on_conflict: whmcs, the
default) or overwritten (source), and each conflict is reported once. A ticket
deleted in WHMCS is reported once and skipped by later runs;
--only ID --reimport creates it again.

Exit status: 0 every ticket imported, updated or unchanged; 3 some tickets
failed (the next run retries them); 2 usage or config error (a mapping of which
no department exists in WHMCS included), or the checkpoint belongs to another
WHMCS; 1 fatal (authentication, checkpoint I/O, source unreadable, checkpoint
in use by another run, a rollback unfinished); 130 interrupted (in-flight calls
finished, the journal is flushed: run again to resume).`,
		Example: `  whmcs-migrate run --config migrate.yaml
  whmcs-migrate run --config migrate.yaml --report run.json --failures failed.jsonl
  whmcs-migrate run --config migrate.yaml --limit 20          # a first taste
  whmcs-migrate run --config migrate.yaml --only HD-1001,HD-1002
  whmcs-migrate run --config migrate.yaml --only HD-1001 --reimport  # deleted in WHMCS: create it again
  whmcs-migrate run --config migrate.yaml --dry-run --offline  # same as validate --offline`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.dryRun {
				return runValidateFromRun(cmd.Context(), g, f)
			}
			return runImport(cmd.Context(), g, f)
		},
	}
	configFlag(cmd, &f.config)
	fl := cmd.Flags()
	fl.StringVar(&f.report, "report", "", "write the run's report as JSON to `FILE` (0600)")
	fl.StringVar(&f.failures, "failures", "", "write one JSON line per failed ticket to `FILE` (0600)")
	fl.StringVar(&f.metrics, "metrics-file", "", "write Prometheus text metrics to `FILE` (for node_exporter's textfile collector)")
	f.target.add(fl, "API calls per second, 0 = unlimited, or auto: as many at once as WHMCS serves without queueing, up to --concurrency (default target.rate)", "workers (default target.concurrency)")
	fl.IntVar(&f.limit, "limit", 0, "stop after `N` tickets that need work (0: all)")
	fl.StringSliceVar(&f.only, "only", nil, "only these source ticket `IDS` (comma-separated)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "validate only: same as the validate command, no write is possible")
	fl.BoolVar(&f.offline, "offline", false, "with --dry-run: do not contact WHMCS at all")
	fl.StringVar(&f.html, "html", "", "write the run's report as a self-contained HTML page, with charts of its calls, to `FILE` (0600; with --dry-run: the validation report)")
	fl.BoolVar(&f.applyDept, "apply-department-changes", false, "move tickets whose source department now maps elsewhere (UpdateTicket deptid)")
	fl.BoolVar(&f.noProgress, "no-progress", false, "no progress bar, even on a terminal")
	retargetFlag(fl, &f.retarget)
	fl.BoolVar(&f.allowUndated, "allow-undated", false, "import into a WHMCS older than 8.0, which dates every message at the moment of the import")
	fl.BoolVar(&f.reimport, "reimport", false, "with --only: create again the tickets that an earlier run found deleted (or merged away) in WHMCS")
	return cmd
}

func runImport(ctx context.Context, g *globals, f runFlags) (err error) {
	sum := &runSummary{}
	if g.json() {
		// The run's final event, also for a run that fails before its
		// report; after the session is closed (deferred before it).
		defer func() { sum.emit(ctx, g.logger(), err) }()
	}
	if f.reimport && len(f.only) == 0 {
		return usageError{errors.New("--reimport needs --only: name the tickets deleted in WHMCS to create again")}
	}
	a, err := loadApp(g, f.config, f.target)
	if err != nil {
		return err
	}
	ss, err := a.open(ctx, openOptions{applyDept: f.applyDept, lock: true, checkMapping: true, create: true})
	if err != nil {
		return err
	}
	defer a.warnClose("session", ss.Close)
	client, store, src := ss.client, ss.store, ss.src
	if err := a.beforeFirstWrite(ctx, ss, f); err != nil {
		return err
	}
	planner := ss.planner
	// The planner refuses dates after the WHMCS server's clock (WHMCS
	// would: "Ticket creation date cannot be in the future"): the
	// preflight's answers told it, before the first ticket is planned.

	total := -1
	if c, ok := src.(sources.Counter); ok && len(f.only) == 0 {
		if n, err := c.Count(ctx); err == nil {
			total = n
		}
	}
	// The bar and its ETA count this run's work only: not the tickets a
	// resumed or synced checkpoint already holds (they are skipped in no
	// time), and no more than --limit.
	before, err := store.Counts(ctx)
	if err != nil {
		return err
	}
	prog := newProgress(g.stderr, workTotal(total, before.Imported, f.limit), client.Caller(), a, f.noProgress)
	defer prog.finish()
	var tl *timeline
	if f.html != "" {
		tl = newTimeline(prog.stats)
		defer tl.stop()
	}

	var failures *failureLog
	if f.failures != "" {
		if failures, err = openFailureLog(f.failures); err != nil {
			return err
		}
		defer failures.abort()
	}
	start := time.Now()
	rep, err := importer.Import(ctx, importer.Config{
		Source: src, Client: client, Planner: planner, Store: store,
		Concurrency: a.cfg.Target.Concurrency, Limit: f.limit, Only: f.only, Overlap: time.Duration(*a.cfg.Sync.Overlap),
		AllowUndated: f.allowUndated, Logger: a.log,
		OnConflict: importer.OnConflict(a.cfg.Sync.OnConflict), Reimport: f.reimport,
		OnTicket: func(res importer.TicketResult) {
			prog.ticket(res)
			tl.sample(false)
			failures.add(res)
			sum.ticket(res)
		},
	})
	prog.finish()
	tl.stop()
	if rep != nil && err != nil && !errors.Is(err, importer.ErrInterrupted) {
		rep.Stopped = stopReason(a.redactErr(err))
	}
	if rep != nil {
		sum.rep = rep
		sum.learn(ctx, store, a.cfg.Mapping.FourByteText)
		if f.limit > 0 && total >= 0 && err == nil {
			if after, cerr := store.Counts(ctx); cerr == nil && total > after.Imported {
				sum.remaining = fmt.Sprintf("%d of the source's %d tickets are not imported yet (--limit %d); run again to go on",
					total-after.Imported, total, f.limit)
			}
		}
		if werr := writeRunOutputs(f, rep, failures, tl, sum, err != nil, start); err == nil {
			err = werr
		}
		if !g.json() {
			// With --log-format json the summary is the final event (emit).
			rep.WriteText(g.stdout)
			if sum.remaining != "" {
				fmt.Fprintf(g.stdout, "  remaining  %s\n", sum.remaining)
			}
			sum.writeText(g.stdout)
		}
	}
	return a.runExit(g, f, rep, err)
}

// beforeFirstWrite makes a run's checks, in the order that lets a run
// that cannot proceed stop before any write: a rollback left unfinished
// (importer.Import checks again under the lock); the preflight (every run,
// --only and no-op runs too: a revoked secret or a denied action fails
// here), which also refuses a WHMCS other than the checkpoint's and lets
// the first run record it; the zone, against WHMCS's own clock; then the
// mapping, against what the preflight read of WHMCS (it builds the
// planner). The preflight's answers also tell the WHMCS server's clock, so
// that the planner refuses dates in its future ("Ticket creation date
// cannot be in the future") before the first ticket is planned.
func (a *app) beforeFirstWrite(ctx context.Context, ss *session, f runFlags) error {
	if err := importer.CheckRollbacks(ctx, ss.store); err != nil {
		return finishRollback(err, f.config)
	}
	tgt, err := a.checkpointTarget(ctx, ss.store, f.retarget, true)
	if err != nil {
		return err
	}
	pre, err := a.preflight(ctx, ss.client, a.runActions(), f.allowUndated, ss.store, ss.lookups, tgt.option())
	if err != nil {
		return tgt.refusal(err)
	}
	if err := tgt.keep(ctx, pre.Identity); err != nil {
		return err
	}
	if err := a.checkZone(ctx, ss.client); err != nil {
		return err
	}
	return a.checkMapping(ctx, ss, f.applyDept)
}

// writeRunOutputs writes the files run was asked for (--failures,
// --report, --html, --metrics-file), noting each one written in sum. It
// returns the first write error. failed says whether the run failed (for
// the metrics).
func writeRunOutputs(f runFlags, rep *report.Import, failures *failureLog, tl *timeline, sum *runSummary, failed bool, start time.Time) error {
	var first error
	note := func(werr error, flag, path string) {
		switch {
		case werr != nil && first == nil:
			first = werr
		case werr == nil:
			sum.wrote(flag, path)
		}
	}
	note(failures.commit(), "--failures", f.failures)
	note(writeRunFiles(f, rep), "--report", f.report)
	if f.html != "" {
		var b bytes.Buffer
		werr := rep.WriteHTML(&b, tl.samples())
		if werr == nil {
			werr = report.WriteFile(f.html, b.Bytes())
		}
		note(werr, "--html", f.html)
	}
	if f.metrics != "" {
		note(report.WriteMetrics(f.metrics, rep, failed || first != nil, start), "--metrics-file", f.metrics)
	}
	return first
}

// runExit is run's error for its exit status: an interruption says how to
// resume; a fatal error is named (with the rollback to finish, when that
// is what stopped it); failed tickets are exit 3.
func (a *app) runExit(g *globals, f runFlags, rep *report.Import, err error) error {
	switch {
	case err != nil && errors.Is(err, importer.ErrInterrupted):
		return fmt.Errorf("%w: in-flight calls finished and the journal is flushed; run the same command again to resume", importer.ErrInterrupted)
	case err != nil:
		return finishRollback(a.redactErr(err), f.config)
	case rep.Tickets.Failed > 0:
		fmt.Fprintf(g.stderr, "%s failed; they are retried on the next run\n", report.Plural(rep.Tickets.Failed, "ticket", "tickets"))
		return errIncomplete
	}
	return nil
}

// stopReason says why a run stopped with the fatal err, in words first.
func stopReason(err error) string {
	switch {
	case checkpoints.IsDiskWrite(err):
		return "the disk refused a write (full, a file size limit or an I/O error: " + err.Error() + "); free space and run again to resume"
	case whmcs.IsAuth(err):
		return "WHMCS refused a call for its credentials or permissions (" + err.Error() + "); fix them and run again to resume"
	case errors.Is(err, importer.ErrCanary):
		return err.Error()
	}
	return err.Error() + "; run again to resume once the cause is fixed"
}

func writeRunFiles(f runFlags, rep *report.Import) error {
	if f.report != "" {
		data, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := report.WriteFile(f.report, append(data, '\n')); err != nil {
			return err
		}
	}
	return nil
}

// failureLog is run --failures: one JSON line per failed ticket, in the
// order they failed, written as they fail into a temporary file beside
// the destination and renamed into place at the end (atomic, as the other
// report files), so that a run whose every ticket fails holds none of
// them in memory (the report keeps the first ones). Its methods do
// nothing on a nil *failureLog.
type failureLog struct {
	path string
	mu   sync.Mutex
	f    *os.File
	w    *bufio.Writer
	enc  *json.Encoder
	err  error
}

func openFailureLog(path string) (*failureLog, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*") // 0600
	if err != nil {
		return nil, fmt.Errorf("write failures %s: %w", path, err)
	}
	l := &failureLog{path: path, f: f, w: bufio.NewWriter(f)}
	l.enc = json.NewEncoder(l.w)
	return l, nil
}

// add writes res when it failed.
func (l *failureLog) add(res importer.TicketResult) {
	if l == nil || res.Outcome != importer.Failed {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil && l.f != nil {
		l.err = l.enc.Encode(importer.FailureOf(res))
	}
}

// commit puts the file in place.
func (l *failureLog) commit() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return l.err
	}
	f, tmp := l.f, l.f.Name()
	l.f = nil
	err := l.err
	if err == nil {
		err = l.w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, l.path)
	}
	if err != nil {
		_ = os.Remove(tmp) // not the failures file; err says why
		l.err = fmt.Errorf("write failures %s: %w", l.path, err)
	}
	return l.err
}

// abort removes the file unless commit put it in place.
func (l *failureLog) abort() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		// An aborted failures file is thrown away: its errors say nothing.
		_ = l.f.Close()
		_ = os.Remove(l.f.Name())
		l.f = nil
	}
}

// progress shows a bar on a terminal, log lines otherwise, with the
// calls per second and the current limit (rate: auto's calls at once, or
// the fixed rate as throttling lowered it).
type progress struct {
	bar    *progressbar.ProgressBar
	caller whmcs.Caller // the client's stack: its counter and pacing layers
	stats  *policy.Stats
	a      *app
	done   atomic.Int64
	total  int
	last   atomic.Int64
	start  time.Time
	closed atomic.Bool
	mu     sync.Mutex    // guards total's changes
	every  time.Duration // between log lines (10s)
}

// setTotal sets the total, when the pass learns it after starting or it
// grows.
func (p *progress) setTotal(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n == p.total {
		return
	}
	p.total = n
	if p.bar != nil {
		p.bar.ChangeMax(n)
	}
}

func newProgress(w io.Writer, total int, caller whmcs.Caller, a *app, off bool) *progress {
	p := &progress{caller: caller, stats: policy.StatsOf(caller), a: a, total: total, start: time.Now(), every: 10 * time.Second}
	if p.stats == nil {
		p.stats = policy.NewStats()
	}
	p.last.Store(p.start.UnixNano())
	for {
		u, ok := w.(interface{ Unwrap() io.Writer })
		if !ok {
			break
		}
		w = u.Unwrap() // the bar draws on the terminal itself: it needs it raw (termsafe, jsonLines)
	}
	// With --log-format json, progress is logged, never drawn.
	off = off || a.g.json()
	if f, ok := w.(*os.File); ok && !off && term.IsTerminal(int(f.Fd())) {
		p.bar = newBar(w, total)
	}
	return p
}

// perSecond is a rate for log lines, to one decimal (not 15 digits).
func perSecond(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return math.Round(float64(n)/d.Seconds()*10) / 10
}

// workTotal is how many tickets a run is expected to work on: the
// source's total (-1: unknown) less those the checkpoint already holds as
// imported, at most limit (0: none).
func workTotal(total, imported, limit int) int {
	work := total
	if total >= 0 {
		work = max(0, total-imported)
	}
	if limit > 0 && (work < 0 || work > limit) {
		work = limit
	}
	return work
}

// ticket counts a ticket of this run's work: an unchanged one, skipped in
// no time, is not counted (it would make the rate and ETA a lie).
func (p *progress) ticket(res importer.TicketResult) {
	if res.Outcome == importer.Unchanged {
		return
	}
	n := p.done.Add(1)
	p.mu.Lock()
	grow := p.total >= 0 && int(n) > p.total
	p.mu.Unlock()
	if grow {
		p.setTotal(int(n)) // more changed tickets than foreseen
	}
	if p.bar != nil {
		p.bar.Add(1)
		p.bar.Describe(barDescription(time.Since(p.start), n, p.stats.TotalCalls(), p.limitShort()))
		return
	}
	now := time.Now().UnixNano()
	if last := p.last.Load(); now-last > int64(p.every) && p.last.CompareAndSwap(last, now) {
		p.mu.Lock()
		total := p.total
		p.mu.Unlock()
		p.a.log.Info("progress", "tickets_done", n, "tickets_total", total,
			"calls", p.stats.TotalCalls(), "calls_per_second", perSecond(p.stats.TotalCalls(), time.Since(p.start)),
			"limit", p.limit())
	}
}

// limit is the current limit, shortly: "limit 9 at once (auto)" or
// "limit 10 calls/s".
func (p *progress) limit() string {
	pc := policy.PacingOf(p.caller)
	switch {
	case pc.Auto:
		return fmt.Sprintf("limit %d at once (auto)", pc.Adaptive.Limit)
	case pc.Rate > 0:
		return fmt.Sprintf("limit %.3g calls/s", pc.Rate)
	}
	return "no limit"
}

// limitShort is the current limit in a few characters, for the bar:
// "9 at once" (auto), "10/s" or "".
func (p *progress) limitShort() string {
	pc := policy.PacingOf(p.caller)
	switch {
	case pc.Auto:
		return fmt.Sprintf("%d at once", pc.Adaptive.Limit)
	case pc.Rate > 0:
		return fmt.Sprintf("max %.3g/s", pc.Rate)
	}
	return ""
}

func (p *progress) finish() {
	if p.bar != nil && p.closed.CompareAndSwap(false, true) {
		p.bar.Finish()
	}
}

// timeline samples a run's call counters while it runs, for the HTML
// report's charts: every second, and after a ticket when 200 ms passed.
type timeline struct {
	stats *policy.Stats
	start time.Time
	done  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
	mu    sync.Mutex
	list  []report.Sample
}

func newTimeline(stats *policy.Stats) *timeline {
	tl := &timeline{stats: stats, start: time.Now(), done: make(chan struct{})}
	tl.sample(true)
	tl.wg.Add(1)
	go func() {
		defer tl.wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-tl.done:
				return
			case <-t.C:
				tl.sample(true)
			}
		}
	}()
	return tl
}

// sample records the counters now; unless always, only when 200 ms passed
// since the last sample. A nil timeline does nothing.
func (tl *timeline) sample(always bool) {
	if tl == nil || tl.stats == nil {
		return
	}
	now := time.Since(tl.start).Seconds()
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if n := len(tl.list); !always && n > 0 && now-tl.list[n-1].Seconds < 0.2 {
		return
	}
	calls := tl.stats.TotalCalls()
	tl.list = append(tl.list, report.Sample{Seconds: now, Calls: calls, Attempts: calls + tl.stats.Failed.Load(),
		Throttled: tl.stats.Throttled.Load(), Latency: tl.stats.Latency.Load()})
}

// stop takes the last sample and stops the ticker; safe twice and on nil.
func (tl *timeline) stop() {
	if tl == nil {
		return
	}
	tl.once.Do(func() {
		close(tl.done)
		tl.wg.Wait()
		tl.sample(true)
	})
}

func (tl *timeline) samples() []report.Sample {
	if tl == nil {
		return nil
	}
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return slices.Clone(tl.list)
}
