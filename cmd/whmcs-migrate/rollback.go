package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/importer/rollback"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// rollbackFlags are rollback's command-line options.
type rollbackFlags struct {
	config string
	run    int64
	all    bool
	yes    bool
	target targetFlags
	// retarget: see run's.
	retarget bool
	// show bounds the preview's list; list is the file of all of it.
	show int
	list string
}

func newRollbackCmd(g *globals) *cobra.Command {
	var f rollbackFlags
	cmd := &cobra.Command{
		Use:   "rollback --config FILE (--run RUN_ID | --all) [--yes]",
		Short: "Delete from WHMCS the tickets a run (or every run) created",
		Long: `rollback deletes (DeleteTicket) the WHMCS tickets that one run created, or that
every run on this checkpoint created with --all, newest first, and makes the
checkpoint forget each one, so that a later run imports it again. It never
touches a ticket the checkpoint did not create: tickets that were already in
WHMCS, or that were opened by hand, stay. The status command lists the runs
and how many tickets each created.

Without --yes it only prints what it would delete. Each deletion is journaled
like the import's writes: recorded in the checkpoint before DeleteTicket is
sent, settled after it (the ticket forgotten). A rollback that was
interrupted, killed, or lost an answer resumes when the same command is run
again: it first reads back (GetTicket) each deletion whose outcome is
unknown, then deletes what is left; a ticket already gone from WHMCS is
simply forgotten. Until the rollback is finished, run refuses to write and
names it, and status shows it.

With --yes it deletes only in the WHMCS the checkpoint belongs to: another one
is refused (exit 2) unless --retarget says that WHMCS moved.

Exit status: 0 done (or previewed); 3 some deletions failed (run it again);
2 usage or config error, or the checkpoint belongs to another WHMCS; 1 fatal;
130 interrupted.`,
		Example: `  whmcs-migrate rollback --config migrate.yaml --run 3       # preview (status lists the runs)
  whmcs-migrate rollback --config migrate.yaml --run 3 --yes
  whmcs-migrate rollback --config migrate.yaml --all --yes`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRollback(cmd.Context(), g, f)
		},
	}
	configFlag(cmd, &f.config)
	fl := cmd.Flags()
	fl.Int64Var(&f.run, "run", 0, "roll back the run with this `RUN_ID` (see status)")
	fl.BoolVar(&f.all, "all", false, "roll back every run on this checkpoint")
	fl.BoolVar(&f.yes, "yes", false, "delete; without it only the preview is printed")
	f.target.add(fl, "API calls per second, 0 = unlimited (default target.rate)", "deletions at once; 1 deletes strictly newest first (default 1)")
	retargetFlag(fl, &f.retarget)
	fl.IntVar(&f.show, "show", 20, "how many tickets (`N`) the preview lists")
	fl.StringVar(&f.list, "list", "", "write every ticket the rollback would delete (or deletes) to `FILE`, tab-separated (0600)")
	return cmd
}

func runRollback(ctx context.Context, g *globals, f rollbackFlags) error {
	switch {
	case f.run < 0:
		return configErrorf("--run: must be a run id (see status)")
	case (f.run > 0) == f.all:
		return configErrorf("give either --run RUN_ID or --all")
	}
	conc := max(f.target.concurrency, 1)
	a, err := loadApp(g, f.config, f.target)
	if err != nil {
		return err
	}
	client, err := a.client(false)
	if err != nil {
		return err
	}
	store, err := a.openCheckpoint()
	if err != nil {
		return err
	}
	defer a.warnClose("checkpoint", store.Close)
	if f.yes {
		// The lock first: a rollback that cannot proceed makes no call.
		release, err := store.Lock(ctx)
		if err != nil {
			return err
		}
		defer a.warnClose("checkpoint lock", release)
		// Deletions go to the WHMCS the checkpoint belongs to only.
		tgt, err := a.checkpointTarget(ctx, store, f.retarget, true)
		if err != nil {
			return err
		}
		pre, err := a.preflight(ctx, client, []string{whmcs.ActionDeleteTicket, whmcs.ActionGetTicket}, true, store, lookups{}, tgt.option())
		if err != nil {
			return tgt.refusal(err)
		}
		if err := tgt.keep(ctx, pre.Identity); err != nil {
			return err
		}
	}
	rep, err := rollback.Tickets(ctx, rollback.Config{Client: client, Store: store, RunID: f.run, All: f.all,
		Yes: f.yes, Logger: a.log, Out: g.stdout, Concurrency: conc, PreviewLines: f.show, ListFile: f.list})
	if rep != nil && f.list != "" {
		var b bytes.Buffer
		werr := rep.WriteList(&b)
		if werr == nil {
			werr = report.WriteFile(f.list, b.Bytes())
		}
		if werr != nil && err == nil {
			err = werr
		}
	}
	switch {
	case err != nil && errors.Is(err, rollback.ErrNoSuchRun):
		return &ConfigError{err}
	case err != nil && errors.Is(err, importer.ErrInterrupted):
		fmt.Fprintln(g.stderr, "interrupted: run the same command again to finish the rollback (run refuses to write until then)")
		return importer.ErrInterrupted
	case err != nil:
		return err
	case len(rep.Failures) > 0:
		for _, fl := range rep.Failures {
			fmt.Fprintf(g.stderr, "ticket %s: WHMCS ticket %d: %s\n", fl.SourceID, fl.WHMCSID, fl.Error)
		}
		return fmt.Errorf("%w: %d deletions failed; run the same command again", errIncomplete, len(rep.Failures))
	}
	return nil
}
