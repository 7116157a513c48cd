package main

import (
	"bytes"
	"context"
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
	config string
	report string
	html   string
	only   []string
	sample int
	target targetFlags
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

Report files hold customer data and are written 0600.

Exit status: 0 everything matches; 3 something differs or is not imported;
2 usage or config error; 1 fatal.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runVerify(cmd.Context(), g, f)
		},
	}
	configFlag(cmd, &f.config)
	fl := cmd.Flags()
	fl.StringVar(&f.report, "report", "", "write the differences as JSON to `FILE` (0600)")
	fl.StringVar(&f.html, "html", "", "write the differences as a self-contained HTML page to `FILE` (0600)")
	fl.StringSliceVar(&f.only, "only", nil, "only these source ticket ids (comma-separated)")
	fl.IntVar(&f.sample, "sample", 0, "check N imported tickets picked at random")
	f.target.add(fl, "", "tickets compared at once (default: target.concurrency)")
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
	ss, err := a.open(ctx, true, false)
	if err != nil {
		return err
	}
	defer ss.Close()
	client, store, src, planner := ss.client, ss.store, ss.src, ss.planner
	if _, err := a.preflight(ctx, client, append(slices.Clone(reconcileActions), whmcs.ActionGetAdminUsers), true, nil); err != nil {
		return err
	}

	rep, err := verify.Run(ctx, verify.Options{Source: src, Client: client, Planner: planner, Store: store,
		Concurrency: a.cfg.Target.Concurrency, Only: f.only, Sample: f.sample, Logger: a.log})
	if err != nil {
		if ctx.Err() != nil {
			return importer.ErrInterrupted
		}
		return a.redactErr(err)
	}
	if err := rep.WriteText(g.stdout); err != nil {
		return err
	}
	if f.report != "" {
		b, err := rep.JSON()
		if err != nil {
			return err
		}
		if err := report.WriteFile(f.report, b); err != nil {
			return err
		}
	}
	if f.html != "" {
		var b bytes.Buffer
		if err := rep.WriteHTML(&b); err != nil {
			return err
		}
		if err := report.WriteFile(f.html, b.Bytes()); err != nil {
			return err
		}
	}
	if !rep.OK() {
		return fmt.Errorf("%w: %d tickets differ, %d not imported", errIncomplete, rep.Differing, rep.Missing)
	}
	return nil
}
