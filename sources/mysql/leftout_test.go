package mysql

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/importer/validate"
	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// validateOffline runs validate over src, offline, with the e2e mapping.
func validateOffline(t *testing.T, src sources.Source, cfg mapping.Config) *report.Validation {
	t.Helper()
	pl, err := mapping.NewPlanner(mapping.Options{Config: cfg, Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := validate.Tickets(context.Background(), validate.Config{Source: src, Planner: pl, Clock: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// leftOut renders the report's info problems and info code counts.
func leftOut(rep *report.Validation) (problems, counts []string) {
	for _, p := range rep.Problems {
		if p.Severity == string(sources.Info) {
			problems = append(problems, p.String())
		}
	}
	for _, c := range rep.Summary.ByCode {
		if c.Severity == string(sources.Info) {
			counts = append(counts, c.Code+"="+strconv.Itoa(c.Count))
		}
	}
	return problems, counts
}

// validate reports what each preset leaves out, by kind, as info: not
// errors or warnings, and not silence.
func TestValidateReportsLeftOut(t *testing.T) {
	fs := openSource(t, Options{Preset: PresetFreeScout, DSN: srv.DSN(freescoutDB(t)), AttachmentsDir: freescoutFiles(t)},
		sources.Env{Location: time.UTC})
	cfg := e2eMapping()
	cfg.Departments = map[string]mapping.Department{"Support": {ID: 1}, "Billing": {ID: 2}}
	cfg.Statuses = map[string]string{"active": "Open", "pending": "On Hold", "closed": "Closed"}
	rep := validateOffline(t, fs, cfg)
	probs, counts := leftOut(rep)
	wantCounts := []string{"left_out_draft=2", "left_out_forward_copy=2", "left_out_deleted=1", "left_out_edited_original=1",
		"left_out_line_item=1", "left_out_spam=1"}
	if strings.Join(counts, " ") != strings.Join(wantCounts, " ") {
		t.Errorf("freescout info codes %q, want %q", counts, wantCounts)
	}
	if len(probs) != 8 || !strings.HasPrefix(probs[0], "conversations: 1 draft conversations") {
		t.Errorf("freescout info problems:\n%s", strings.Join(probs, "\n"))
	}
	if rep.Summary.Infos != 8 || rep.Summary.LeftOut != 8 || rep.Summary.Errors != 0 || rep.Tickets.Total != 2 {
		t.Errorf("freescout summary %+v, tickets %+v", rep.Summary, rep.Tickets)
	}

	bl := openSource(t, Options{Preset: PresetBlesta, DSN: srv.DSN(blestaDB(t)), AttachmentsDir: blestaFiles(t)}, sources.Env{})
	cfg.Statuses = map[string]string{"open": "Open", "awaiting_reply": "Answered", "closed": "Closed"}
	rep = validateOffline(t, bl, cfg)
	probs, counts = leftOut(rep)
	wantCounts = []string{"left_out_ai_draft=1", "left_out_deleted=1", "left_out_line_item=1", "left_out_orphan_attachment=1",
		"left_out_other_company=1"}
	if strings.Join(counts, " ") != strings.Join(wantCounts, " ") {
		t.Errorf("blesta info codes %q, want %q", counts, wantCounts)
	}
	if len(probs) != 5 || probs[1] != "support_replies: 1 log rows: status, priority, department and assignment changes (type log) [left_out_line_item]" {
		t.Errorf("blesta info problems:\n%s", strings.Join(probs, "\n"))
	}
	// The warnings (the empty reply, the path outside the uploads) stay
	// warnings, on their tickets.
	if rep.Summary.Infos != 5 || rep.Summary.Warnings == 0 || rep.Summary.Errors != 0 {
		t.Errorf("blesta summary %+v", rep.Summary)
	}
}

// Into a WHMCS that sanitises its input and stores utf8mb3 (as many do),
// both presets import, the text stored as such a WHMCS stores it, and a
// second run recognises every write: zero writes.
func TestEndToEndFreeScoutBlestaSanitisingWHMCS(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    func(t *testing.T) (Options, sources.Env)
		cfg     func() mapping.Config
		subject string
		message string // a reply as the source has it, Markdown as sent
	}{
		{"freescout", func(t *testing.T) (Options, sources.Env) {
			return Options{Preset: PresetFreeScout, DSN: srv.DSN(freescoutDB(t)), AttachmentsDir: freescoutFiles(t), PageSize: 1},
				sources.Env{Location: time.UTC}
		}, func() mapping.Config {
			cfg := e2eMapping()
			cfg.Departments = map[string]mapping.Department{"Support": {ID: 1}, "Billing": {ID: 2}}
			cfg.Statuses = map[string]string{"active": "Open", "pending": "On Hold", "closed": "Closed"}
			return cfg
		}, "Rechnung #2024-17: falsche MwSt — ünïcödé", "Me too & thanks"},
		{"blesta", func(t *testing.T) (Options, sources.Env) {
			return Options{Preset: PresetBlesta, DSN: srv.DSN(blestaDB(t)), AttachmentsDir: blestaFiles(t), PageSize: 1}, sources.Env{}
		}, func() mapping.Config {
			cfg := e2eMapping()
			cfg.Departments = map[string]mapping.Department{"Support": {ID: 1}, "Billing": {ID: 2}}
			cfg.Statuses = map[string]string{"open": "Open", "awaiting_reply": "Answered", "closed": "Closed"}
			return cfg
		}, "Invoice question", "Why was I charged **twice**?"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			zone := zonetest.Load(t, "America/Chicago")
			wo := whmcstest.Options{TimeZone: zone, Seed: e2eSeed(), Sanitize: true, ThreeByte: true}
			ws := whmcstest.NewServer(wo)
			t.Cleanup(ws.Close)
			e := &e2e{srv: ws, zone: zone, cp: filepath.Join(t.TempDir(), "checkpoint.db")}
			opts, env := tc.opts(t)
			rep := e.run(t, opts, env, tc.cfg())
			if want := (report.TicketCounts{Total: 2, Imported: 2}); rep.Tickets != want {
				t.Fatalf("report %+v, want %+v; failures %+v", rep.Tickets, want, rep.Failures)
			}
			var subjects, messages []string
			for _, tk := range ws.State().Tickets {
				subjects = append(subjects, tk.Subject)
				messages = append(messages, tk.Message)
				for _, r := range tk.Replies {
					messages = append(messages, r.Message)
				}
			}
			if !slices.Contains(subjects, wo.StoredText(tc.subject)) {
				t.Errorf("subjects %q lack %q stored", subjects, wo.StoredText(tc.subject))
			}
			if !slices.Contains(messages, wo.StoredText(tc.message)) {
				t.Errorf("messages %q lack %q stored", messages, wo.StoredText(tc.message))
			}
			e.rerun(t, opts, env, tc.cfg(), report.TicketCounts{Total: 2, Unchanged: 2})
		})
	}
}
