package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// adoptFlags are adopt's command-line options.
type adoptFlags struct {
	config string
	yes    bool
	report string // --report FILE.json
	show   int
	target targetFlags
	// retarget: see retargetFlag.
	retarget bool
}

func newAdoptCmd(g *globals) *cobra.Command {
	var f adoptFlags
	cmd := &cobra.Command{
		Use:   "adopt --config FILE [--yes] [--report FILE.json]",
		Short: "Rebuild a lost checkpoint from WHMCS, without writing to WHMCS",
		Long: `adopt looks in WHMCS for every source ticket the checkpoint does not know, as
run does before it opens one: the same requester (client id, or a guest's
email), the opening date to the second on the WHMCS server's clock, the same
subject and opening message. It reads WHMCS's ticket list once (GetTickets, in
pages of 1000) and each ticket found once (GetTicket); it never writes to
WHMCS (its client refuses every write before sending it).

Without --yes it previews: how many tickets are found (and how many of their
replies and notes), ambiguous (two WHMCS tickets match one source ticket, or
one matches two source tickets: never guessed, adopt_ambiguous; the source
is read twice, so that both twins are), and not found (run imports them). With --yes it records the tickets found in the
checkpoint; a ticket WHMCS holds whole is then imported, and run sends only
what the others are missing.

run does the same by itself for each ticket the checkpoint does not know;
adopt is for looking first, or rebuilding without a run.

Exit status: 0 done (or previewed); 3 some tickets ambiguous; 2 usage or
config error; 1 fatal; 130 interrupted.`,
		Example: `  whmcs-migrate adopt --config migrate.yaml          # preview
  whmcs-migrate adopt --config migrate.yaml --yes    # record what was found`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAdopt(cmd.Context(), g, f)
		},
	}
	configFlag(cmd, &f.config)
	fl := cmd.Flags()
	fl.BoolVar(&f.yes, "yes", false, "record what is found in the checkpoint; without it only the preview is printed")
	fl.StringVar(&f.report, "report", "", "write the result as JSON to `FILE` (0600: it names tickets)")
	fl.IntVar(&f.show, "show", 20, "how many tickets found or ambiguous (`N`) the summary lists")
	f.target.add(fl, "API calls per second, 0 = unlimited (default target.rate)", "tickets looked up at once (default target.concurrency)")
	retargetFlag(fl, &f.retarget)
	return cmd
}

func runAdopt(ctx context.Context, g *globals, f adoptFlags) error {
	a, err := loadApp(g, f.config, f.target)
	if err != nil {
		return err
	}
	// The lock first, as run takes it: adopting beside a run would record
	// what the run is writing.
	ss, err := a.open(ctx, openOptions{readOnly: true, lock: true, create: true})
	if err != nil {
		return err
	}
	defer a.warnClose("session", ss.Close)
	// A rollback left unfinished would have its tickets adopted again.
	if err := importer.CheckRollbacks(ctx, ss.store); err != nil {
		return finishRollback(err, f.config)
	}
	// The checkpoint belongs to one WHMCS: adopting another's tickets into
	// it is refused; --yes records the WHMCS of a new checkpoint.
	tgt, err := a.checkpointTarget(ctx, ss.store, f.retarget, f.yes)
	if err != nil {
		return err
	}
	acts := append([]string{}, reconcileActions...)
	if a.cfg.Mapping.Clients == mapping.ClientsMatchEmail {
		acts = append(acts, whmcs.ActionGetClients, whmcs.ActionGetContacts)
	}
	if len(a.cfg.Mapping.Staff) > 0 {
		acts = append(acts, whmcs.ActionGetAdminUsers)
	}
	slices.Sort(acts)
	pre, err := a.preflight(ctx, ss.client, slices.Compact(acts), true, nil, ss.lookups, tgt.option())
	if err != nil {
		return tgt.refusal(err)
	}
	if err := tgt.keep(ctx, pre.Identity); err != nil {
		return err
	}
	rep, err := importer.Adopt(ctx, importer.AdoptConfig{Source: ss.src, Client: ss.client, Planner: ss.planner, Store: ss.store,
		Apply: f.yes, Concurrency: a.cfg.Target.Concurrency, Logger: a.log})
	if rep != nil {
		show := f.show
		if show <= 0 {
			show = 20
		}
		rep.WriteText(g.stdout, show)
		if f.report != "" {
			b, jerr := json.MarshalIndent(rep, "", "  ")
			if jerr == nil {
				jerr = report.WriteFile(f.report, append(b, '\n'))
			}
			if jerr != nil && err == nil {
				err = jerr
			}
		}
	}
	switch {
	case err != nil && errors.Is(err, importer.ErrInterrupted):
		return fmt.Errorf("%w: run the same command again", importer.ErrInterrupted)
	case err != nil:
		return a.redactErr(err)
	case rep.Ambiguous > 0:
		return fmt.Errorf("%w: %s ambiguous (adopt_ambiguous), not adopted", errIncomplete, report.Plural(rep.Ambiguous, "ticket", "tickets"))
	}
	return nil
}
