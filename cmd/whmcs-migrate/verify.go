package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/importer/verify"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// verifyFlags are verify's command-line options.
type verifyFlags struct {
	config     string
	report     string
	html       string
	only       []string
	sample     int
	noProgress bool
	target     targetFlags
	retarget   bool
}

func newVerifyCmd(g *globals) *cobra.Command {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:   "verify --config FILE [--report FILE.json] [--html FILE.html] [--only ID,ID] [--sample N]",
		Short: "Prove an import: compare every imported WHMCS ticket with its source",
		Long: `verify reads back every ticket the checkpoint says was imported (or --only those,
or a random --sample of N) with GetTicket and compares it with the source ticket
as run would send it today: subject, department, requester, final status,
priority, and every message and note in order (date to the second in the
WHMCS server's zone, author, body after the same conversion and note prefix,
attachment names and count). It also looks for a second copy of each ticket
(same requester, subject and opening date, not in the checkpoint), and lists
the source tickets that are not imported. It only reads WHMCS, rate-limited
and in parallel like run.

The terminal shows a progress bar (log lines when stderr is not a terminal)
and a summary that fits a screen: the counts, the tickets not imported on one
line, and at most 20 differences; --report and --html hold them all. Ctrl-C
writes what was checked so far. Report files hold customer data and are
written 0600.

It reads only the WHMCS the checkpoint belongs to: another one is refused
(exit 2) unless --retarget says that WHMCS moved.

Exit status: 0 everything matches; 3 something differs or is not imported;
2 usage or config error, or the checkpoint belongs to another WHMCS; 1 fatal;
130 interrupted.`,
		Example: `  whmcs-migrate verify --config migrate.yaml
  whmcs-migrate verify --config migrate.yaml --report verify.json --html verify.html
  whmcs-migrate verify --config migrate.yaml --sample 200     # a quick check of 200 tickets
  whmcs-migrate verify --config migrate.yaml --only HD-1001`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runVerify(cmd.Context(), g, f)
		},
	}
	configFlag(cmd, &f.config)
	fl := cmd.Flags()
	fl.StringVar(&f.report, "report", "", "write the differences as JSON to `FILE` (0600)")
	fl.StringVar(&f.html, "html", "", "write the differences as a self-contained HTML page to `FILE` (0600)")
	fl.StringSliceVar(&f.only, "only", nil, "only these source ticket `IDS` (comma-separated)")
	fl.IntVar(&f.sample, "sample", 0, "check `N` imported tickets picked at random (0: all)")
	fl.BoolVar(&f.noProgress, "no-progress", false, "no progress bar (log lines are written instead when stderr is not a terminal)")
	f.target.add(fl, "", "tickets compared at once (default target.concurrency)")
	retargetFlag(fl, &f.retarget)
	return cmd
}

// runVerify loads the config, verifies, prints the summary and writes the
// report files. It returns an error wrapping errIncomplete (exit 3) when
// anything differs or is not imported.
func runVerify(ctx context.Context, g *globals, f verifyFlags) error {
	if f.sample < 0 {
		return configErrorf("--sample must not be negative")
	}
	if f.sample > 0 && len(f.only) > 0 {
		return configErrorf("--sample and --only exclude each other")
	}
	a, err := loadApp(g, f.config, f.target)
	if err != nil {
		return err
	}
	// Verify only reads: the read-only layer makes sure of it. The planner
	// is run's, so that what is expected is what run sends.
	ss, err := a.open(ctx, openOptions{readOnly: true})
	if err != nil {
		return err
	}
	defer a.warnClose("session", ss.Close)
	client, store, src, planner := ss.client, ss.store, ss.src, ss.planner
	// The checkpoint's tickets are looked for in the WHMCS it belongs to
	// only (verify records nothing, but --retarget).
	tgt, err := a.checkpointTarget(ctx, store, f.retarget, false)
	if err != nil {
		return err
	}
	pre, err := a.preflight(ctx, client, append(slices.Clone(reconcileActions), whmcs.ActionGetAdminUsers), true, nil, ss.lookups, tgt.option())
	if err != nil {
		return tgt.refusal(err)
	}
	if err := tgt.keep(ctx, pre.Identity); err != nil {
		return err
	}
	// A rollback killed part way: the tickets it deleted show as missing
	// until it is finished.
	var unfinished *importer.RollbackUnfinishedError
	if err := importer.CheckRollbacks(ctx, store); errors.As(err, &unfinished) {
		a.log.Warn("a rollback is unfinished: what it deleted reads as missing until it is run again to its end", "rollback", finishRollback(err, f.config).Error())
	} else if err != nil {
		return err
	}
	if err := a.checkZone(ctx, client); err != nil {
		return err
	}

	prog := newProgress(g.stderr, -1, client.Caller(), a, f.noProgress)
	rep, err := verify.Tickets(ctx, verify.Config{Source: src, Client: client, Planner: planner, Store: store,
		Concurrency: a.cfg.Target.Concurrency, Only: f.only, Sample: f.sample, Logger: a.log,
		Progress: func(_, total int) { prog.setTotal(total); prog.ticket(importer.TicketResult{}) }})
	prog.finish()
	if rep != nil {
		rep.AdminURL = a.cfg.Target.AdminArea()
	}
	if err != nil && (rep == nil || !errors.Is(err, importer.ErrInterrupted)) {
		if ctx.Err() != nil {
			return importer.ErrInterrupted
		}
		return a.redactErr(err)
	}
	// Interrupted or not, what was checked is shown and written.
	if werr := rep.WriteText(g.stdout); werr != nil {
		return werr
	}
	if werr := writeVerifyFiles(g, f, rep); werr != nil {
		return werr
	}
	if err != nil {
		return fmt.Errorf("%w: the report holds the %d tickets checked so far; run verify again to check them all", importer.ErrInterrupted, rep.Checked)
	}
	if !rep.OK() {
		return fmt.Errorf("%w: %d tickets differ, %d not imported", errIncomplete, rep.Differing, rep.Missing)
	}
	return nil
}

// writeVerifyFiles writes --report and --html, and says where; without
// them, it says how to get what the summary left out.
func writeVerifyFiles(g *globals, f verifyFlags, rep *report.Verify) error {
	if f.report != "" {
		b, err := rep.JSON()
		if err != nil {
			return err
		}
		if err := report.WriteFile(f.report, b); err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "Report (JSON): %s\n", f.report)
	}
	if f.html != "" {
		var b bytes.Buffer
		if err := rep.WriteHTML(&b); err != nil {
			return err
		}
		if err := report.WriteFile(f.html, b.Bytes()); err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "Report (HTML): %s\n", f.html)
	}
	if f.report == "" && f.html == "" && len(rep.Differences) > report.TextDifferences {
		fmt.Fprintln(g.stdout, "Write them all with --report FILE.json or --html FILE.html.")
	}
	return nil
}
