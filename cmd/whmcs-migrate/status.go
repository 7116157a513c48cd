package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

func newStatusCmd(g *globals) *cobra.Command {
	var config string
	cmd := &cobra.Command{
		Use:   "status --config FILE",
		Short: "Show the checkpoint: tickets done, failed, pending, and every run",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := loadApp(g, config)
			if err != nil {
				return err
			}
			store, err := a.openCheckpoint()
			if err != nil {
				return err
			}
			defer store.Close()
			ctx := cmd.Context()
			c, err := store.Counts(ctx)
			if err != nil {
				return err
			}
			runs, err := store.Runs(ctx)
			if err != nil {
				return err
			}
			w := g.stdout
			fmt.Fprintf(w, "Checkpoint %s\n", store.Path())
			fmt.Fprintf(w, "  tickets  %d imported, %d failed, %d pending", c.Imported, c.Failed, c.Pending)
			if c.Unsettled > 0 {
				fmt.Fprintf(w, " (%d write(s) to reconcile on the next run)", c.Unsettled)
			}
			fmt.Fprintln(w)
			// What the runs learned of the target WHMCS.
			version, err := store.Meta(ctx, checkpoints.MetaWHMCSVersion)
			if err != nil {
				return err
			}
			prof, err := store.Meta(ctx, checkpoints.MetaTextProfile)
			if err != nil {
				return err
			}
			if version == "" {
				version = "unknown"
			}
			fmt.Fprintf(w, "  WHMCS    version %s; text: %s\n", version, whmcs.ParseTextProfile(prof).Describe())
			if len(runs) == 0 {
				fmt.Fprintln(w, "  no runs yet")
				return nil
			}
			last := runs[len(runs)-1]
			fmt.Fprintf(w, "  last run %d (%s): %s\n", last.ID, last.Kind, outcomeText(last.Outcome, last.Ended))
			fmt.Fprintf(w, "\n%-6s %-9s %-20s %-20s %-15s %s\n", "RUN", "KIND", "STARTED", "ENDED", "OUTCOME", "TICKETS CREATED")
			for _, r := range runs {
				ended := "-"
				if !r.Ended.IsZero() {
					ended = r.Ended.Local().Format("2006-01-02 15:04:05")
				}
				fmt.Fprintf(w, "%-6d %-9s %-20s %-20s %-15s %d\n", r.ID, r.Kind, r.Started.Local().Format("2006-01-02 15:04:05"),
					ended, outcomeText(r.Outcome, r.Ended), r.Created)
			}
			return nil
		},
	}
	configFlag(cmd, &config)
	return cmd
}

func outcomeText(o checkpoints.RunOutcome, ended time.Time) string {
	if ended.IsZero() {
		return "running or died"
	}
	return string(o)
}
