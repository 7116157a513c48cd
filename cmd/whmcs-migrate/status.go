package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/internal/proc"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

func newStatusCmd(g *globals) *cobra.Command {
	var config string
	cmd := &cobra.Command{
		Use:   "status --config FILE",
		Short: "Show the checkpoint: tickets done, failed, not yet imported, and every run",
		Long: `status reads the checkpoint (and counts the source, when the source can count)
and shows where the migration stands. It writes nothing; a checkpoint that
does not exist is an error, never a new empty file.

  tickets   the source's total, then the checkpoint's imported and failed
            tickets, and how many of the source's are not yet imported
            (and those a stopped run opened in WHMCS but did not finish)
  WHMCS     the version and text handling the runs learned of the target
  belongs   the WHMCS the checkpoint belongs to: its API URL's site and
            System URL (run, verify and rollback refuse another)
  last run  the latest run and how it ended
  UNFINISHED  a rollback that did not finish (killed, interrupted, or some
            deletions failed or have an unknown outcome), with the command
            that resumes it; run refuses to write until it is finished

Then one line per run, oldest first:
  RUN       the run's id (rollback --run takes it)
  KIND      run (an import or sync) or rollback
  STARTED, ENDED  local times; ENDED is - while running or if the process died
  OUTCOME   ok, failed-tickets, interrupted, fatal; died (no end, and a
            later run started or its process is gone); "running or died"
            when status cannot tell (the last run, from another host)
  TICKETS   run: the WHMCS tickets it created (opened, or adopted), as the
            checkpoint recorded each, whether the run ended or was killed
            (and how many of them a later rollback deleted); rollback: the
            tickets it deleted

With --log-format json, the same as one JSON document.

Exit status: 0 shown; 1 the checkpoint does not exist or cannot be read;
2 usage or config error.`,
		Example: `  whmcs-migrate status --config migrate.yaml
  whmcs-migrate status --config migrate.yaml --log-format json | jq .tickets`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := loadApp(g, config)
			if err != nil {
				return err
			}
			return runStatus(cmd.Context(), g, a)
		},
	}
	configFlag(cmd, &config)
	return cmd
}

// statusJSON is status's document under --log-format json.
type statusJSON struct {
	Checkpoint string `json:"checkpoint"`
	Tickets    struct {
		Source      *int `json:"source"` // null when the source cannot count
		Imported    int  `json:"imported"`
		Failed      int  `json:"failed"`
		NotImported *int `json:"not_yet_imported"` // null when the source cannot count
		Pending     int  `json:"pending"`          // in the checkpoint, neither imported nor failed
		Unsettled   int  `json:"unsettled"`        // writes to reconcile on the next run
		Deleted     int  `json:"deleted_in_whmcs"` // found deleted or merged away in WHMCS
		// Adopted were found already in WHMCS (a new, lost or stale
		// checkpoint) and adopted, not imported again.
		Adopted int `json:"adopted"`
		// InWHMCS are the tickets the checkpoint maps to a WHMCS ticket:
		// the imported ones and those a stopped run opened but did not
		// finish (Opened), to be finished by the next run.
		InWHMCS int `json:"in_whmcs"`
		Opened  int `json:"opened_unfinished"`
	} `json:"tickets"`
	cutover
	SourceError  string `json:"source_error,omitempty"`
	WHMCSVersion string `json:"whmcs_version"`
	Text         string `json:"text"`
	// TargetSite and TargetSystemURL are the WHMCS the checkpoint belongs
	// to ("" until a command that writes records it).
	TargetSite      string      `json:"target_site"`
	TargetSystemURL string      `json:"target_system_url"`
	Runs            []statusRun `json:"runs"`
	// UnfinishedRollbacks are the rollbacks to finish before a run may
	// write (see checkpoints.Store.UnfinishedRollbacks).
	UnfinishedRollbacks []statusRollback `json:"unfinished_rollbacks"`
}

// statusRollback is an unfinished rollback as status shows it.
type statusRollback struct {
	Run     int64  `json:"run"`
	Started string `json:"started"`
	// Target is the run whose tickets it deletes, 0 with All; both are
	// unknown (null, false) for an earlier version's rollback.
	Target    *int64 `json:"target_run"`
	All       bool   `json:"all"`
	Outcome   string `json:"outcome"`
	Planned   *int   `json:"planned"`
	Deleted   *int   `json:"deleted"`
	Left      int    `json:"left"`
	Unsettled int    `json:"unsettled_deletions"`
	Finish    string `json:"finish"` // the command that resumes it
	Text      string `json:"text"`
}

type statusRun struct {
	ID        int64  `json:"id"`
	Kind      string `json:"kind"`
	Started   string `json:"started"`
	Ended     string `json:"ended,omitempty"`
	Outcome   string `json:"outcome"`
	Created   *int   `json:"created,omitempty"`      // run: created, as recorded at its end
	StillHeld *int   `json:"still_mapped,omitempty"` // run: of those, still in the checkpoint
	Adopted   *int   `json:"adopted,omitempty"`      // run, adopt: of those, adopted (already in WHMCS)
	Deleted   *int   `json:"deleted,omitempty"`      // rollback
}

func runStatus(ctx context.Context, g *globals, a *app) error {
	store, err := a.openCheckpoint()
	if err != nil {
		return err
	}
	defer a.warnClose("checkpoint", store.Close)
	var st statusJSON
	st.Checkpoint = store.Path()
	c, err := store.Counts(ctx)
	if err != nil {
		return err
	}
	st.Tickets.Imported, st.Tickets.Failed, st.Tickets.Pending, st.Tickets.Unsettled = c.Imported, c.Failed, c.Pending, c.Unsettled
	st.Tickets.Deleted = c.Deleted
	if st.Tickets.InWHMCS, err = store.InWHMCS(ctx); err != nil {
		return err
	}
	st.Tickets.Opened = max(0, st.Tickets.InWHMCS-c.Imported)
	if st.Tickets.Adopted, err = store.Adopted(ctx, 0); err != nil {
		return err
	}
	if st.cutover, err = loadCutover(ctx, store); err != nil {
		return err
	}
	if n, err := a.countSource(ctx); err != nil {
		st.SourceError = err.Error()
	} else if n >= 0 {
		left := max(0, n-c.Imported-c.Failed-c.Deleted)
		st.Tickets.Source, st.Tickets.NotImported = &n, &left
	}
	if st.WHMCSVersion, err = store.Meta(ctx, checkpoints.MetaWHMCSVersion); err != nil {
		return err
	}
	prof, err := store.Meta(ctx, checkpoints.MetaTextProfile)
	if err != nil {
		return err
	}
	st.Text = whmcs.ParseTextProfile(prof).Describe()
	if st.TargetSite, st.TargetSystemURL, err = store.Target(ctx); err != nil {
		return err
	}
	runs, err := store.Runs(ctx)
	if err != nil {
		return err
	}
	rbs, err := store.Rollbacks(ctx)
	if err != nil {
		return err
	}
	deleted := map[int64]int{} // by rollback run, as its deletions settled
	for _, rb := range rbs {
		if rb.Known {
			deleted[rb.Run.ID] = rb.Deleted
		}
	}
	createdBy, err := store.CreatedByRun(ctx)
	if err != nil {
		return err
	}
	st.Runs = []statusRun{}
	for i, r := range runs {
		sr := statusRunOf(r, createdBy[r.ID], runDied(r, i < len(runs)-1))
		if n, ok := deleted[r.ID]; ok && sr.Deleted != nil && r.Summary == "" {
			sr.Deleted = &n // it died: what it deleted before
		}
		st.Runs = append(st.Runs, sr)
	}
	unfinished, err := store.UnfinishedRollbacks(ctx)
	if err != nil {
		return err
	}
	st.UnfinishedRollbacks = []statusRollback{}
	for _, rb := range unfinished {
		st.UnfinishedRollbacks = append(st.UnfinishedRollbacks, statusRollbackOf(rb, a.cfg.File))
	}
	if g.logFormat == "json" {
		// One line: with --log-format json every line is one JSON object.
		return json.NewEncoder(g.stdout).Encode(st)
	}
	writeStatus(g.stdout, &st)
	return nil
}

// countSource counts the source's tickets: -1 when it cannot count.
func (a *app) countSource(ctx context.Context) (int, error) {
	src, err := a.openSource(ctx)
	if err != nil {
		return -1, err
	}
	defer a.warnClose("source", src.Close)
	c, ok := src.(sources.Counter)
	if !ok {
		return -1, nil
	}
	n, err := c.Count(ctx)
	if err != nil {
		return -1, a.redactErr(err)
	}
	return n, nil
}

// runDied reports whether r, which has no end, died: a later run has
// started (it took the lock r held), or r's process no longer runs on
// this host.
func runDied(r checkpoints.Run, later bool) bool {
	if !r.Ended.IsZero() {
		return false
	}
	if later {
		return true
	}
	host, _ := os.Hostname()
	return r.PID > 0 && r.Host == host && !proc.Alive(r.PID)
}

// statusRunOf is one run as status shows it. A run's "created" is the
// WHMCS tickets it opened (or adopted), counted by the checkpoint as each
// was recorded (created, checkpoints.Store.CreatedByRun): a later
// rollback (a line of its own) does not rewrite it, a killed run has it
// too, and an interrupted run counts the tickets it opened but did not
// finish, which its summary's "imported" leaves out. still_mapped is how
// many of them the checkpoint maps now. died: the run has no end and
// will not have one (runDied).
func statusRunOf(r checkpoints.Run, created int, died bool) statusRun {
	s := statusRun{ID: r.ID, Kind: string(r.Kind), Started: r.Started.Local().Format(time.DateTime), Outcome: outcomeText(r.Outcome, r.Ended)}
	if died {
		s.Outcome = "died"
	}
	if !r.Ended.IsZero() {
		s.Ended = r.Ended.Local().Format(time.DateTime)
	}
	switch r.Kind {
	case checkpoints.KindRollback:
		var rb report.Rollback
		n := 0
		if json.Unmarshal([]byte(r.Summary), &rb) == nil {
			n = rb.Deleted + rb.AlreadyGone
		}
		s.Deleted = &n
	case checkpoints.KindAdopt:
		// Adopted tickets count as the adopting run's: rollback of it
		// deletes them.
		found, held := r.Created, r.Created
		var ad report.Adoption
		if r.Summary != "" && json.Unmarshal([]byte(r.Summary), &ad) == nil {
			found = ad.Found
		}
		s.Created, s.StillHeld, s.Adopted = &found, &held, &found
	default:
		// created counts what the checkpoint recorded; a checkpoint of an
		// earlier version started its count at the tickets still mapped,
		// so a summary that says more (a rollback before the upgrade)
		// is taken too.
		held := r.Created
		created = max(created, held)
		var run report.Import
		if r.Summary != "" && json.Unmarshal([]byte(r.Summary), &run) == nil {
			created = max(created, run.Tickets.Imported+run.Tickets.Adopted)
			if run.Tickets.Adopted > 0 {
				s.Adopted = &run.Tickets.Adopted
			}
		}
		s.Created, s.StillHeld = &created, &held
	}
	return s
}

func statusRollbackOf(rb checkpoints.Rollback, config string) statusRollback {
	s := statusRollback{Run: rb.Run.ID, Started: rb.Run.Started.Local().Format(time.DateTime), All: rb.All,
		Outcome: outcomeText(rb.Run.Outcome, rb.Run.Ended), Left: rb.Left, Unsettled: rb.Unsettled,
		Finish: finishCommand(rb, config), Text: importer.DescribeRollback(rb)}
	if rb.Known {
		target, planned, deleted := rb.Target, rb.Planned, rb.Deleted
		s.Target, s.Planned, s.Deleted = &target, &planned, &deleted
	}
	return s
}

func writeStatus(w io.Writer, st *statusJSON) {
	fmt.Fprintf(w, "Checkpoint %s\n", st.Checkpoint)
	t := st.Tickets
	if t.Source != nil {
		fmt.Fprintf(w, "  tickets  %d in the source: %d imported, %d failed, %d not yet imported", *t.Source, t.Imported, t.Failed, *t.NotImported)
	} else {
		fmt.Fprintf(w, "  tickets  %d imported, %d failed, %d pending", t.Imported, t.Failed, t.Pending)
	}
	if t.Opened > 0 {
		fmt.Fprintf(w, " (%s opened in WHMCS but not finished: the next run finishes %s)",
			report.Plural(t.Opened, "ticket", "tickets"), map[bool]string{true: "it", false: "them"}[t.Opened == 1])
	}
	if t.Deleted > 0 {
		fmt.Fprintf(w, ", %d deleted in WHMCS", t.Deleted)
	}
	if t.Unsettled > 0 {
		fmt.Fprintf(w, " (%s to reconcile on the next run)", report.Plural(t.Unsettled, "write", "writes"))
	}
	fmt.Fprintln(w)
	if t.Adopted > 0 {
		fmt.Fprintf(w, "  adopted  %d of them found already in WHMCS (created by a run this checkpoint did not remember) and adopted, not imported again\n", t.Adopted)
	}
	st.cutover.write(w, "  ")
	if st.SourceError != "" {
		fmt.Fprintf(w, "  source   cannot be counted: %s\n", st.SourceError)
	}
	version := st.WHMCSVersion
	if version == "" {
		version = "unknown"
	}
	fmt.Fprintf(w, "  WHMCS    version %s; text: %s\n", version, st.Text)
	if st.TargetSite != "" {
		fmt.Fprintf(w, "  belongs  to the WHMCS at %s\n", whmcs.Identity{Site: st.TargetSite, SystemURL: st.TargetSystemURL})
	}
	for _, rb := range st.UnfinishedRollbacks {
		fmt.Fprintf(w, "  UNFINISHED %s.\n             run refuses to write until it is finished: %s\n", rb.Text, rb.Finish)
	}
	if len(st.Runs) == 0 {
		fmt.Fprintln(w, "  no runs yet")
		return
	}
	last := st.Runs[len(st.Runs)-1]
	fmt.Fprintf(w, "  last run %d (%s): %s\n", last.ID, last.Kind, last.Outcome)
	fmt.Fprintf(w, "\n%-6s %-9s %-20s %-20s %-15s %s\n", "RUN", "KIND", "STARTED", "ENDED", "OUTCOME", "TICKETS")
	for _, r := range st.Runs {
		ended := r.Ended
		if ended == "" {
			ended = "-"
		}
		var tickets string
		switch {
		case r.Deleted != nil:
			tickets = fmt.Sprintf("%d deleted", *r.Deleted)
		case r.Created != nil:
			tickets = fmt.Sprintf("%d created", *r.Created)
			if r.Adopted != nil {
				tickets = fmt.Sprintf("%d created (%d of them adopted)", *r.Created, *r.Adopted)
			}
			if *r.StillHeld != *r.Created {
				tickets += fmt.Sprintf(" (%d since rolled back)", max(0, *r.Created-*r.StillHeld))
			}
		}
		fmt.Fprintf(w, "%-6d %-9s %-20s %-20s %-15s %s\n", r.ID, r.Kind, r.Started, ended, r.Outcome, tickets)
	}
}

func outcomeText(o checkpoints.RunOutcome, ended time.Time) string {
	if ended.IsZero() {
		return "running or died"
	}
	return string(o)
}
