package main

import (
	"context"

	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/all"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/sandbox"
)

// demoFlags are demo's options.
type demoFlags struct {
	samples    string
	show       int
	noProgress bool
	literal    bool // the sandbox stores text as sent, not as real installs do
}

func newDemoCmd(g *globals) *cobra.Command {
	var f demoFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Import the sample helpdesk into a built-in WHMCS sandbox and show the result",
		Long: `Start the WHMCS sandbox in-process on a free loopback port, import the sample
data set (samples/csv, configured by samples/csv.yaml) into it with a throwaway
checkpoint, print the run's summary, then print a few imported tickets as
WHMCS returns them (GetTicket): backdated dates, authors and final statuses.
Nothing is installed and nothing outside a temporary directory is written.

The sandbox stores text as real WHMCS installs do (<>&"' as HTML entities,
emoji as ?); --literal stores it exactly as sent.

Exit status: 0 imported; 3 some sample tickets failed; 2 usage error (no
samples directory); 1 fatal; 130 interrupted.`,
		Example: `  whmcs-migrate demo                     # from the repository's root
  whmcs-migrate demo --show 10 --literal
  whmcs-migrate demo --samples /path/to/whmcs-migrate/samples`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), g, f)
		},
	}
	cmd.Flags().StringVar(&f.samples, "samples", "samples", "the samples `DIR` (holding csv.yaml and sandbox-seed.yaml)")
	cmd.Flags().IntVar(&f.show, "show", 3, "how many imported tickets (`N`) to print")
	cmd.Flags().BoolVar(&f.noProgress, "no-progress", false, "no progress bar")
	cmd.Flags().BoolVar(&f.literal, "literal", false, "the sandbox stores text exactly as sent (without it: as real WHMCS installs do, <>&\"' as entities and emoji as ?)")
	return cmd
}

// demoResult is what a demo did, for its test.
type demoResult struct {
	server *sandbox.Server
	report *report.Import
	source []*sources.Ticket
	ids    map[string]int64 // source id -> WHMCS id
}

func runDemo(ctx context.Context, g *globals, f demoFlags) error {
	res, err := demo(ctx, g, f)
	if res != nil && res.server != nil {
		res.server.Close()
	}
	return err
}

func demo(ctx context.Context, g *globals, f demoFlags) (*demoResult, error) {
	cfgPath := filepath.Join(f.samples, "csv.yaml")
	if _, err := os.Stat(cfgPath); err != nil {
		return nil, configErrorf("demo: %s not found: run the demo from the repository's root, or pass --samples DIR", cfgPath)
	}
	seed, err := sandbox.LoadSeed(filepath.Join(f.samples, "sandbox-seed.yaml"))
	if err != nil {
		return nil, err
	}
	creds := map[string]string{"WHMCS_API_IDENTIFIER": sandbox.DefaultIdentifier, "WHMCS_API_SECRET": sandbox.DefaultSecret}
	cfg, err := loadConfig(cfgPath, all.Registry(), func(k string) (string, bool) {
		if v, ok := creds[k]; ok {
			return v, true
		}
		return os.LookupEnv(k)
	})
	if err != nil {
		return nil, err
	}
	// Point the sample config at an in-process sandbox in the target's
	// time zone, with a throwaway checkpoint and no rate limit.
	srv, err := sandbox.Start(sandbox.Options{Seed: seed, TimeZone: cfg.Target.Location,
		Identifier: sandbox.DefaultIdentifier, Secret: sandbox.DefaultSecret,
		Sanitize: !f.literal, ThreeByte: !f.literal})
	if err != nil {
		return nil, err
	}
	res := &demoResult{server: srv}
	cfg.Target.URL = srv.APIURL()
	cfg.Target.Rate = &Rate{}
	if cfg.Target.concurrencyDefault {
		cfg.Target.Concurrency = importer.DefaultWorkers(false)
	}
	a := &app{g: g, cfg: cfg, log: g.logger()}
	// The throwaway checkpoint goes in the command's scratch directory,
	// removed at exit (or by the next command, after a kill).
	tmp, err := a.tempDir()
	if err != nil {
		return res, err
	}
	cfg.Checkpoint = filepath.Join(tmp, "demo.db")

	w := g.stdout
	fmt.Fprintf(w, "WHMCS sandbox listening on %s (time zone %s; text: %s)\n", srv.APIURL(), cfg.Target.Location, srv.Storage())
	fmt.Fprintf(w, "Importing the sample helpdesk (%s) into it...\n\n", cfgPath)

	ss, err := a.open(ctx, openOptions{lock: true, checkMapping: true, create: true})
	if err != nil {
		return res, err
	}
	defer a.warnClose("session", ss.Close)
	client, store, src := ss.client, ss.store, ss.src
	// As run does: the preflight first, the mapping checked against what
	// it read, then the canary in the run.
	if _, err := a.preflight(ctx, client, a.runActions(), false, store, ss.lookups); err != nil {
		return res, err
	}
	if err := a.checkZone(ctx, client); err != nil {
		return res, err
	}
	if err := a.checkMapping(ctx, ss, false); err != nil {
		return res, err
	}
	planner := ss.planner
	total := -1
	if c, ok := src.(sources.Counter); ok {
		if n, err := c.Count(ctx); err == nil {
			total = n
		}
	}
	prog := newProgress(g.stderr, total, client.Caller(), a, f.noProgress)
	rep, err := importer.Import(ctx, importer.Config{Source: src, Client: client, Planner: planner, Store: store,
		Concurrency: cfg.Target.Concurrency, OnTicket: prog.ticket, Logger: a.log})
	prog.finish()
	res.report = rep
	if rep != nil {
		rep.WriteText(w)
	}
	if err != nil {
		return res, err
	}
	st := srv.State()
	fmt.Fprintf(w, "\nWHMCS now holds %d tickets; emails sent to customers: %d.\n", len(st.Tickets), len(st.Emails))

	// Show a few tickets as WHMCS returns them: the richest ones.
	res.ids = map[string]int64{}
	for t, err := range src.Tickets(ctx, sources.ReadOptions{}) {
		if err != nil {
			return res, err
		}
		res.source = append(res.source, t)
		if cp, err := store.Ticket(ctx, t.ID); err == nil && cp != nil {
			res.ids[t.ID] = cp.WHMCSID
		}
	}
	byID := map[int64]sandbox.TicketState{}
	for _, tk := range st.Tickets {
		byID[tk.ID] = tk
	}
	show := pickShowcase(res.source, res.ids, f.show)
	if len(show) > 0 && !slices.ContainsFunc(show, func(id int64) bool { return hasContactReply(byID[id]) }) {
		// One ticket with a contact's reply too, in the last place, when
		// the richest have none: --show N prints N tickets.
		for _, tk := range st.Tickets {
			if hasContactReply(tk) {
				show[len(show)-1] = tk.ID
				break
			}
		}
	}
	for _, id := range show {
		tk, err := client.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: id})
		if err != nil {
			return res, err
		}
		printTicket(w, tk, cfg.Target.Location)
		// GetTicket does not return custom fields: the sandbox's state shows
		// them.
		if line := fieldsLine(byID[id], cfg.Mapping, seed); line != "" {
			fmt.Fprintln(w, "   "+line)
		}
	}
	if rep.Tickets.Failed > 0 {
		return res, errIncomplete
	}
	fmt.Fprintln(w, "\nNext: read README.md (\"A real migration\"), or rehearse with `whmcs-migrate sandbox`.")
	return res, nil
}

// pickShowcase picks up to n imported tickets with the most entries, notes
// first, for the demo to print.
func pickShowcase(ts []*sources.Ticket, ids map[string]int64, n int) []int64 {
	type cand struct {
		id    int64
		score int
	}
	var cs []cand
	for _, t := range ts {
		id := ids[t.ID]
		if id == 0 {
			continue
		}
		score := len(t.Entries)
		for _, e := range t.Entries {
			if e.Kind == sources.Note {
				score += 3
			}
			score += 2 * len(e.Attachments)
		}
		cs = append(cs, cand{id, score})
	}
	for i := range cs { // selection of the top n, stable
		for j := i + 1; j < len(cs); j++ {
			if cs[j].score > cs[i].score {
				cs[i], cs[j] = cs[j], cs[i]
			}
		}
		if i+1 == n {
			break
		}
	}
	var out []int64
	for i := 0; i < len(cs) && i < n; i++ {
		out = append(out, cs[i].id)
	}
	return out
}

// hasContactReply reports whether a reply of tk is a client contact's.
func hasContactReply(tk sandbox.TicketState) bool {
	return slices.ContainsFunc(tk.Replies, func(r sandbox.ReplyState) bool { return r.ContactID != 0 })
}

// fieldsLine renders what the demo carried over besides the thread: the
// old number and custom fields (by their mapping names), the assignee, the
// CC.
func fieldsLine(tk sandbox.TicketState, m mapping.Config, seed *sandbox.Seed) string {
	var parts []string
	if v := tk.CustomFields[m.TicketNumberField]; m.TicketNumberField > 0 && v != "" {
		parts = append(parts, "old number "+v)
	}
	names := slices.Sorted(maps.Keys(m.CustomFields))
	for _, n := range names {
		if v := tk.CustomFields[m.CustomFields[n]]; v != "" {
			parts = append(parts, n+" "+v)
		}
	}
	if tk.Flag != 0 {
		who := fmt.Sprintf("admin %d", tk.Flag)
		for _, a := range seed.Admins {
			if a.ID == tk.Flag {
				who = a.FullName()
			}
		}
		parts = append(parts, "assigned to "+who)
	}
	if tk.CC != "" {
		parts = append(parts, "cc "+tk.CC)
	}
	return strings.Join(parts, " · ")
}

func printTicket(w io.Writer, t *whmcs.Ticket, loc *time.Location) {
	fmt.Fprintf(w, "\n── Ticket #%s  %q\n", t.TID, t.Subject)
	fmt.Fprintf(w, "   department %s · status %s · priority %s · requester %s <%s>\n", t.DeptName, t.Status, t.Priority, t.Name, t.Email)
	// Replies and notes in date order, as the thread happened.
	type line struct {
		at   time.Time
		text string
	}
	var lines []line
	for _, r := range t.Replies {
		who := r.RequestorName
		if r.Admin != "" {
			who = r.Admin + " (staff)"
		} else if r.ContactID != 0 {
			who = r.RequestorName + " (contact)"
		}
		lines = append(lines, line{r.Date, fmt.Sprintf("   %s  %-28s %s%s\n", r.Date.In(loc).Format("2006-01-02 15:04 MST"), who, excerpt(r.Message), attachNote(len(r.Attachments)))})
	}
	for _, n := range t.Notes {
		lines = append(lines, line{n.Date, fmt.Sprintf("   %s  %-28s %s%s\n", n.Date.In(loc).Format("2006-01-02 15:04 MST"), "note by "+n.Admin, excerpt(n.Message), attachNote(len(n.Attachments)))})
	}
	slices.SortStableFunc(lines, func(a, b line) int { return a.at.Compare(b.at) })
	for _, l := range lines {
		io.WriteString(w, l.text)
	}
}

func excerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return s
}

func attachNote(n int) string {
	if n == 0 {
		return ""
	}
	return " [" + report.Plural(n, "attachment", "attachments") + "]"
}
