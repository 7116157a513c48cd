package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

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

` + exitHelp,
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
	f.target.add(fl, "API calls per second, 0 = unlimited, or auto: as many at once as WHMCS serves without queueing, up to --concurrency (default: target.rate)", "workers (default: target.concurrency)")
	fl.IntVar(&f.limit, "limit", 0, "stop after N tickets that need work")
	fl.StringSliceVar(&f.only, "only", nil, "only these source ticket ids (comma-separated)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "validate only: same as the validate command, no write is possible")
	fl.BoolVar(&f.offline, "offline", false, "with --dry-run: do not contact WHMCS at all")
	fl.StringVar(&f.html, "html", "", "with --dry-run: write the validation report as HTML to `FILE`")
	fl.BoolVar(&f.applyDept, "apply-department-changes", false, "move tickets whose source department now maps elsewhere (UpdateTicket deptid)")
	fl.BoolVar(&f.noProgress, "no-progress", false, "no progress bar, even on a terminal")
	fl.BoolVar(&f.allowUndated, "allow-undated", false, "import into a WHMCS older than 8.0, which dates every message at the moment of the import")
	return cmd
}

func runImport(ctx context.Context, g *globals, f runFlags) error {
	a, err := loadApp(g, f.config, f.target)
	if err != nil {
		return err
	}
	ss, err := a.open(ctx, false, f.applyDept)
	if err != nil {
		return err
	}
	defer ss.Close()
	client, store, src, planner := ss.client, ss.store, ss.src, ss.planner
	// Every run, --only and no-op runs too, checks WHMCS before anything
	// else: a revoked secret or a denied action fails here, with nothing
	// written.
	if _, err := a.preflight(ctx, client, a.runActions(), f.allowUndated, store); err != nil {
		return err
	}
	// The planner refuses dates after the WHMCS server's clock (WHMCS
	// would: "Ticket creation date cannot be in the future"): the
	// preflight's answers told it, before the first ticket is planned.

	total := -1
	if c, ok := src.(sources.Counter); ok && len(f.only) == 0 {
		if n, err := c.Count(ctx); err == nil {
			total = n
		}
	}
	prog := newProgress(g.stderr, total, client.Caller(), a, f.noProgress)
	defer prog.finish()

	var failures *failureLog
	if f.failures != "" {
		if failures, err = openFailureLog(f.failures); err != nil {
			return err
		}
		defer failures.abort()
	}
	start := time.Now()
	rep, err := importer.Run(ctx, importer.Options{
		Source: src, Client: client, Planner: planner, Store: store,
		Concurrency: a.cfg.Target.Concurrency, Limit: f.limit, Only: f.only, Overlap: time.Duration(*a.cfg.Sync.Overlap),
		AllowUndated: f.allowUndated, Logger: a.log,
		OnTicket: func(res importer.TicketResult) { prog.ticket(res); failures.add(res) },
	})
	prog.finish()
	if rep != nil {
		rep.WriteText(g.stdout)
		if werr := failures.commit(); werr != nil && err == nil {
			err = werr
		}
		if werr := writeRunFiles(f, rep); werr != nil && err == nil {
			err = werr
		}
		if f.metrics != "" {
			if werr := report.WriteMetrics(f.metrics, rep, err != nil, start); werr != nil && err == nil {
				err = werr
			}
		}
	}
	switch {
	case err != nil && errors.Is(err, importer.ErrInterrupted):
		return fmt.Errorf("%w: in-flight calls finished and the journal is flushed; run the same command again to resume", importer.ErrInterrupted)
	case err != nil:
		return a.redactErr(err)
	case rep.Tickets.Failed > 0:
		fmt.Fprintf(g.stderr, "%d ticket(s) failed; they are retried on the next run\n", rep.Tickets.Failed)
		return errIncomplete
	}
	return nil
}

func writeRunFiles(f runFlags, rep *report.Run) error {
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
		os.Remove(tmp)
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
		l.f.Close()
		os.Remove(l.f.Name())
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
}

func newProgress(w io.Writer, total int, caller whmcs.Caller, a *app, off bool) *progress {
	p := &progress{caller: caller, stats: policy.StatsOf(caller), a: a, total: total, start: time.Now()}
	if p.stats == nil {
		p.stats = policy.NewStats()
	}
	p.last.Store(p.start.UnixNano())
	if f, ok := w.(*os.File); ok && !off && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("tickets"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("tickets"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

func (p *progress) ticket(importer.TicketResult) {
	n := p.done.Add(1)
	if p.bar != nil {
		p.bar.Add(1)
		calls := p.stats.TotalCalls()
		p.bar.Describe(fmt.Sprintf("tickets (%.1f calls/s, %s)", float64(calls)/time.Since(p.start).Seconds(), p.limit()))
		return
	}
	now := time.Now().UnixNano()
	if last := p.last.Load(); now-last > int64(10*time.Second) && p.last.CompareAndSwap(last, now) {
		p.a.log.Info("progress", "tickets_done", n, "tickets_total", p.total,
			"calls", p.stats.TotalCalls(), "calls_per_second", float64(p.stats.TotalCalls())/time.Since(p.start).Seconds(),
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

func (p *progress) finish() {
	if p.bar != nil && p.closed.CompareAndSwap(false, true) {
		p.bar.Finish()
	}
}
