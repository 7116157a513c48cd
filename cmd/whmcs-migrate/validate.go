package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
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
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/policy"
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
		Rate:              cfg.Target.Rate.PerSecond,
		Concurrency:       cfg.Target.Concurrency,
		Auto:              cfg.Target.Rate.Auto,
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

	// The source opens first: its options and headers (a missing column,
	// a bad date_format) are config errors, found before any call.
	src, err := a.openSource(ctx)
	if err != nil {
		return err
	}
	defer a.warnClose("source", src.Close)

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
	if cfg.Target.Rate.Auto {
		o.Rate = cfg.Target.MaxRate // auto: bounded by the workers and max_rate
	}
	// The estimate uses the latency of the calls made so far (the
	// preflight's and the lists'), not a guess.
	if lat, ok := measuredLatency(client); ok {
		o.AssumedLatency, o.LatencyMeasured = lat, true
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
	if rep.TicketNumbers, err = a.ticketNumbers(ctx, client, rep); err != nil {
		return err
	}
	if st := statsOf(client); st != nil {
		rep.Reads = st.Calls()
	}
	rep.ClockSource = clockSource(client)
	rep.Departments = o.Planner.Resolved()
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
	if len(r.Departments) > 0 {
		fmt.Fprintf(w, "  department names resolved with WHMCS:\n    %s\n", strings.Join(r.Departments, "\n    "))
	}
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
	fmt.Fprintf(w, "  %s\n", estimateLine(p))
	if len(r.Reads) > 0 {
		var rs []string
		for a, n := range r.Reads {
			rs = append(rs, fmt.Sprintf("%s %d", a, n))
		}
		sort.Strings(rs)
		fmt.Fprintf(w, "  read calls made: %s\n", strings.Join(rs, ", "))
	}

	if tn := r.TicketNumbers; tn != nil && tn.Warning != "" {
		fmt.Fprintf(w, "\nTicket numbers: warning: %s\n", tn.Warning)
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

// measuredLatency is the mean latency of the calls client made so far
// (its policy.Counter's), when it made some; offline (nil) none.
func measuredLatency(client *whmcs.Client) (time.Duration, bool) {
	if client == nil {
		return 0, false
	}
	st := policy.StatsOf(client.Caller())
	if st == nil {
		return 0, false
	}
	n := st.TotalCalls() + st.Failed.Load()
	if n == 0 {
		return 0, false
	}
	return time.Duration(st.Latency.Load() / n), true
}

// estimateLine says how long run may take, and on what it is based: the
// latency measured or assumed, the pacing, and that it is an estimate.
func estimateLine(p report.Plan) string {
	lat := report.FormatDuration(p.AssumedLatencySeconds)
	if p.AssumedLatencySeconds < 1 {
		lat = fmt.Sprintf("%dms", int(math.Round(p.AssumedLatencySeconds*1000)))
	}
	basis := lat + " a call as measured on this validation's calls to WHMCS"
	if !p.LatencyMeasured {
		basis = lat + " a call assumed (offline: nothing measured)"
	}
	var pacing string
	switch {
	case p.Auto:
		pacing = fmt.Sprintf("rate: auto, up to %d calls at once if WHMCS serves them without queueing (fewer, and longer, if it does not)", p.Concurrency)
		if p.Rate > 0 {
			pacing += fmt.Sprintf(", at most %g calls/s", p.Rate)
		}
	case p.Rate > 0:
		pacing = fmt.Sprintf("%g calls/s, %s", p.Rate, report.Plural(p.Concurrency, "worker", "workers"))
	default:
		pacing = fmt.Sprintf("unlimited rate, %s", report.Plural(p.Concurrency, "worker", "workers"))
	}
	return fmt.Sprintf("estimated duration: about %s (an estimate: %s; %s; retries not counted)",
		report.FormatDuration(p.EstimatedSeconds), basis, pacing)
}

// ticketNumbers estimates whether target.ticket_mask's numbers suffice
// for the tickets WHMCS holds (online: GetTickets' totalresults, one
// call; offline unknown) and those the import would open: the valid
// tickets neither imported nor already in WHMCS (at most: a ticket the
// checkpoint knows with new entries is counted too).
func (a *app) ticketNumbers(ctx context.Context, client *whmcs.Client, rep *report.Validation) (*report.TicketNumbers, error) {
	existing := -1
	if client != nil {
		l, err := client.GetTickets(ctx, &whmcs.GetTicketsRequest{LimitNum: 1, IgnoreDeptAssignments: true})
		if err != nil {
			return nil, fmt.Errorf("count WHMCS's tickets for the ticket numbers: %w", err)
		}
		existing = l.TotalResults
	}
	t := rep.Tickets
	tn := validate.TicketNumbers(whmcs.TicketMask(a.cfg.Target.TicketMask), existing, max(0, t.Valid-t.AlreadyImported-t.AlreadyInWHMCS))
	return &tn, nil
}
