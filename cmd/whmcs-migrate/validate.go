package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/importer/validate"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// validateFlags are validate's options; run --dry-run passes its own.
type validateFlags struct {
	report    string      // --report FILE.json
	html      string      // --html FILE.html
	offline   bool        // no WHMCS call at all
	target    targetFlags // --rate and --concurrency for the estimate
	applyDept bool
	// maxProblems is how many problems the terminal summary lists
	// (default 20).
	maxProblems int
}

func newValidateCmd(g *globals) *cobra.Command {
	var (
		cfgPath string
		f       validateFlags
	)
	cmd := &cobra.Command{
		Use:   "validate --config FILE [--report FILE.json] [--html FILE.html] [--offline]",
		Short: "Dry run: report every problem and the plan, without one write",
		Long: `validate reads the whole source through the same mapping and planner as run and
reports, per ticket and entry, every error (the ticket would fail) and warning
(something is changed or lost), then the plan: tickets, entries, attachments,
API calls by action and the estimated duration. Online it checks the mapping
against the live WHMCS with read calls only (departments, statuses, admin
users, client lookups); the client refuses every write before sending it.
--offline makes no call at all. Same as run --dry-run.

Report files hold customer data and are written 0600.

Exit status: 0 no errors; 3 some tickets invalid; 2 usage or config error;
1 fatal; 130 interrupted.`,
		Example: `  whmcs-migrate validate --config migrate.yaml
  whmcs-migrate validate --config migrate.yaml --html validate.html --report validate.json
  whmcs-migrate validate --config migrate.yaml --offline     # no WHMCS call, no credentials needed`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runValidate(cmd.Context(), g, cfgPath, f)
		},
	}
	configFlag(cmd, &cfgPath)
	fl := cmd.Flags()
	fl.StringVar(&f.report, "report", "", "write the report as JSON to `FILE` (0600)")
	fl.StringVar(&f.html, "html", "", "write the report as a self-contained HTML page to `FILE` (0600)")
	fl.BoolVar(&f.offline, "offline", false, "do not contact WHMCS at all (mapping checked against WHMCS defaults)")
	f.target.add(fl, "calls per second for the estimate (default target.rate)", "workers for the estimate (default target.concurrency)")
	fl.BoolVar(&f.applyDept, "apply-department-changes", false, "plan moves of imported tickets whose department mapping changed")
	fl.IntVar(&f.maxProblems, "show", 20, "how many problems (`N`) the summary lists")
	return cmd
}

// runValidate is validate, and run --dry-run: it loads the config at
// cfgPath, validates the source (online through a read-only client unless
// f.offline), prints the summary to g.stdout and writes the report files.
// It returns a *ConfigError (exit 2) for a bad config, an error wrapping
// errIncomplete (exit 3) when some ticket is invalid, any other error
// (exit 1) when validation could not finish.
func runValidate(ctx context.Context, g *globals, cfgPath string, f validateFlags) error {
	a, err := loadApp(g, cfgPath, f.target)
	if err != nil {
		return err
	}
	cfg := a.cfg
	o := validate.Config{
		Rate:              cfg.Target.Rate.PerSecond, // auto: bounded by the workers alone
		Concurrency:       cfg.Target.Concurrency,
		AllowedExtensions: cfg.Validate.AllowedExtensions,
		Logger:            a.log,
	}
	if s := cfg.Validate.MaxAttachmentSize; s != "" {
		if o.MaxAttachmentSize, err = report.ParseSize(s); err != nil {
			return configErrorf("%s: validate.max_attachment_size: %v", cfg.File, err)
		}
		if o.MaxAttachmentSize == 0 {
			o.MaxAttachmentSize = -1 // "0": no limit
		}
	}

	var client *whmcs.Client // nil offline
	var lk lookups
	if !f.offline {
		if client, err = a.client(true); err != nil {
			return err
		}
		lk = a.lookups(client)
		// The same checks as run's, less the writes a read-only client
		// never sends; then what the mapping is checked against.
		if _, err := a.preflight(ctx, client, a.runActions(), true, nil, lk); err != nil {
			return err
		}
		if err := a.checkZone(ctx, client); err != nil {
			return err
		}
		// Read by the preflight already: no call of its own.
		if o.Target, err = lk.target.Target(ctx); err != nil {
			return err
		}
		o.LooksUpClients = cfg.Mapping.Clients == mapping.ClientsMatchEmail
		o.Links = validate.NewLinkChecker(client)
	}
	// The clock is read once, after WHMCS answered: it is the WHMCS
	// server's, from those answers' Date header (offline, this machine's).
	o.Clock = serverNow(client)()
	o.Planner, err = a.planner(client, lk, f.applyDept, func(po *mapping.Options) {
		po.Now = func() time.Time { return o.Clock }
		if o.Target != nil {
			o.Target.Apply(po)
		}
	})
	if err != nil {
		return err
	}
	if _, err := os.Stat(cfg.Checkpoint); err == nil {
		store, err := a.openCheckpoint()
		if err != nil {
			return err
		}
		defer a.warnClose("checkpoint", store.Close)
		o.Store = store
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("checkpoint %s: %w", cfg.Checkpoint, err)
	}
	src, err := a.openSource(ctx)
	if err != nil {
		return err
	}
	defer a.warnClose("source", src.Close)
	o.Source = src
	if client != nil {
		// Online, tickets the checkpoint does not know are looked for in
		// WHMCS, as run does: those found would be adopted.
		var store *checkpoints.Store
		if st, ok := o.Store.(*checkpoints.Store); ok {
			store = st
		}
		if o.Adopter, err = importer.NewPreviewAdopter(ctx, client, store); err != nil {
			return err
		}
	}

	rep, err := validate.Tickets(ctx, o)
	if err != nil {
		if ctx.Err() != nil {
			return importer.ErrInterrupted
		}
		return a.redactErr(err)
	}
	if st := statsOf(client); st != nil {
		rep.Reads = st.Calls()
	}
	rep.ClockSource = clockSource(client)
	if f.report != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := report.WriteFile(f.report, append(b, '\n')); err != nil {
			return err
		}
	}
	if f.html != "" {
		var buf bytes.Buffer
		if err := rep.WriteHTML(&buf); err != nil {
			return err
		}
		if err := report.WriteFile(f.html, buf.Bytes()); err != nil {
			return err
		}
	}
	n := f.maxProblems
	if n == 0 {
		n = 20
	}
	printValidation(g.stdout, rep, n, f)
	if g.json() {
		// The counts as one event, beside the summary's lines.
		a.log.Info("validate summary", "event", "summary", "tickets", rep.Tickets, "summary", rep.Summary, "invalid", rep.Invalid())
	}
	if rep.Invalid() {
		return fmt.Errorf("%d of %d tickets invalid: %w", rep.Tickets.Invalid, rep.Tickets.Total, errIncomplete)
	}
	return nil
}

// printValidation writes the terminal summary: counts, problems by code,
// the plan and the first max problems.
func printValidation(w io.Writer, r *report.Validation, max int, f validateFlags) {
	mode := "online: mapping checked against WHMCS with read calls only"
	if r.Offline {
		mode = "offline: WHMCS not contacted"
	}
	fmt.Fprintf(w, "Validated %s (%s; nothing written)\n", report.Plural(r.Tickets.Total, "ticket", "tickets"), mode)
	fmt.Fprintf(w, "  valid %d, invalid %d, already imported %d, with warnings %d\n",
		r.Tickets.Valid, r.Tickets.Invalid, r.Tickets.AlreadyImported, r.Tickets.WithWarnings)
	if !r.Offline {
		fmt.Fprintf(w, "  already in WHMCS: %d, would adopt (the checkpoint does not know them; run sends only what WHMCS is missing)\n", r.Tickets.AlreadyInWHMCS)
	}
	fmt.Fprintf(w, "  %s, %s\n", report.Plural(r.Summary.Errors, "error", "errors"), report.Plural(r.Summary.Warnings, "warning", "warnings"))
	if r.Summary.LeftOut > 0 {
		fmt.Fprintf(w, "  %s left out by design (info), by kind:\n", report.Plural(r.Summary.LeftOut, "row", "rows"))
		for _, pr := range r.Problems {
			if pr.Severity == string(sources.Info) && pr.Ticket == "" {
				fmt.Fprintf(w, "    %s\n", pr.String())
			}
		}
	}
	clock := "this machine's clock"
	if r.ClockSource == clockWHMCS {
		clock = "the WHMCS server's clock (its Date header)"
	}
	fmt.Fprintf(w, "  dates judged against %s: %s\n", clock, r.Clock.UTC().Format("2006-01-02 15:04:05 MST"))

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(r.Summary.ByCode) > 0 {
		fmt.Fprintln(w, "\nProblems by code:")
		for _, c := range r.Summary.ByCode {
			fmt.Fprintf(tw, "  %s\t%s\t%d\t(%s)\n", c.Severity, c.Code, c.Count, report.Plural(c.Tickets, "ticket", "tickets"))
		}
		tw.Flush()
	}

	p := r.Plan
	fmt.Fprintln(w, "\nPlan (valid tickets that need work):")
	fmt.Fprintf(tw, "  tickets\t%d\n", p.Tickets)
	fmt.Fprintf(tw, "  entries\t%d\n", p.Entries)
	fmt.Fprintf(tw, "  attachments\t%d\t(%s; %s in requests)\n", p.Attachments,
		report.FormatSize(p.AttachmentBytes), report.FormatSize(p.AttachmentRequestBytes))
	actions := make([]string, 0, len(p.Calls))
	for a := range p.Calls {
		actions = append(actions, a)
	}
	sort.Strings(actions)
	for _, a := range actions {
		fmt.Fprintf(tw, "  %s\t%d\n", a, p.Calls[a])
	}
	fmt.Fprintf(tw, "  total calls\t%d\n", p.TotalCalls)
	tw.Flush()
	rate := "unlimited rate"
	if p.Rate > 0 {
		rate = fmt.Sprintf("%g calls/s", p.Rate)
	}
	fmt.Fprintf(w, "  estimated duration: %s (%s, %d workers, %.2g s per call assumed)\n",
		report.FormatDuration(p.EstimatedSeconds), rate, p.Concurrency, p.AssumedLatencySeconds)
	if len(r.Reads) > 0 {
		var rs []string
		for a, n := range r.Reads {
			rs = append(rs, fmt.Sprintf("%s %d", a, n))
		}
		sort.Strings(rs)
		fmt.Fprintf(w, "  read calls made: %s\n", strings.Join(rs, ", "))
	}

	if len(r.Problems) > 0 {
		shown := min(max, len(r.Problems))
		fmt.Fprintf(w, "\nFirst %d of %d problems:\n", shown, len(r.Problems))
		for _, pr := range r.Problems[:shown] {
			fmt.Fprintf(w, "  %-7s %s\n", pr.Severity, pr.String())
		}
		if shown < len(r.Problems) {
			var where []string
			if f.report != "" {
				where = append(where, f.report)
			}
			if f.html != "" {
				where = append(where, f.html)
			}
			if len(where) > 0 {
				fmt.Fprintf(w, "  ... all of them in %s\n", strings.Join(where, " and "))
			} else {
				fmt.Fprintln(w, "  ... use --report or --html for all of them")
			}
		}
	}
	for _, path := range []string{f.report, f.html} {
		if path != "" {
			fmt.Fprintf(w, "Report written to %s (0600: it holds customer data)\n", path)
		}
	}
}
