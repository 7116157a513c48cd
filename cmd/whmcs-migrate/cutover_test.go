package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/sources/all"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// sync.on_conflict is whmcs by default, takes source, and nothing else.
func TestOnConflictConfig(t *testing.T) {
	setConfigEnv(t, "s", "25")
	cfg, err := LoadConfig(writeConfig(t, baseConfig), all.Registry())
	if err != nil || cfg.Sync.OnConflict != "whmcs" {
		t.Fatalf("default: %q, %v", cfg.Sync.OnConflict, err)
	}
	cfg, err = LoadConfig(writeConfig(t, baseConfig+"sync:\n  on_conflict: source\n"), all.Registry())
	if err != nil || cfg.Sync.OnConflict != "source" {
		t.Fatalf("source: %q, %v", cfg.Sync.OnConflict, err)
	}
	for _, bad := range []string{"Source", "target", "both", "whmcs,source"} {
		_, err := LoadConfig(writeConfig(t, baseConfig+"sync:\n  on_conflict: "+bad+"\n"), all.Registry())
		if err == nil || !strings.Contains(err.Error(), "sync.on_conflict: must be whmcs") {
			t.Errorf("on_conflict %s: %v", bad, err)
		}
	}
}

func (e *syncEnv) command(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := execute(context.Background(), append(args, "--config", e.config), &out, &errb)
	return code, out.String() + errb.String()
}

// The cut-over as a user sees it: a conflict and a ticket deleted in WHMCS
// in the run's summary, report, HTML and metrics; status and verify list
// them; later runs skip the deleted ticket with exit 0 until --reimport.
func TestCutoverCommands(t *testing.T) {
	env := newSyncEnv(t)
	src := &syncSource{withIDs: true,
		tickets: []syncTicket{
			{ID: "T1", Subject: "Printer", Dept: "Sales", Email: "bob@example.org", Name: "Bob", Created: "2024-03-01 09:00:00", Updated: "2024-03-01 10:00:00"},
			{ID: "T2", Subject: "Invoice", Dept: "Sales", Email: "bob@example.org", Name: "Bob", Created: "2024-03-02 09:00:00", Updated: "2024-03-02 09:00:00"},
		},
		msgs: []syncMsg{
			{Ticket: "T1", ID: "1", Type: "reply", Author: "customer", Name: "Bob", Email: "bob@example.org", Created: "2024-03-01 09:00:00", Body: "It jams."},
			{Ticket: "T1", ID: "2", Type: "reply", Author: "staff", Name: "Jane Staff", Email: "jane@old.example", Created: "2024-03-01 10:00:00", Body: "Try this."},
			{Ticket: "T2", ID: "3", Type: "reply", Author: "customer", Name: "Bob", Email: "bob@example.org", Created: "2024-03-02 09:00:00", Body: "Wrong total."},
		}}
	src.write(t, env.dir)
	if code, out, errb := env.run(t); code != exitOK {
		t.Fatalf("import: %d\n%s%s", code, out, errb)
	}
	ids := env.whmcsIDs(t)
	// The two tickets open concurrently: their WHMCS ids are read, never
	// assumed.
	w1, w2 := fmt.Sprint(ids["T1"]), fmt.Sprint(ids["T2"])
	if err := env.srv.Apply(whmcstest.Change{Action: whmcstest.ChangeStatus, TicketID: ids["T1"], Status: "On Hold"}); err != nil {
		t.Fatal(err)
	}
	if err := env.srv.Apply(whmcstest.Change{Action: whmcstest.ChangeDelete, TicketID: ids["T2"]}); err != nil {
		t.Fatal(err)
	}
	src.ticket("T1").Status, src.ticket("T1").Updated = "resolved", "2024-03-03 09:00:00"
	src.msgs = append(src.msgs,
		syncMsg{Ticket: "T1", ID: "4", Type: "reply", Author: "staff", Name: "Jane Staff", Email: "jane@old.example", Created: "2024-03-03 09:00:00", Body: "Closing."},
		syncMsg{Ticket: "T2", ID: "5", Type: "reply", Author: "customer", Name: "Bob", Email: "bob@example.org", Created: "2024-03-03 10:00:00", Body: "Hello?"})
	src.ticket("T2").Updated = "2024-03-03 10:00:00"
	src.write(t, env.dir)

	files := filepath.Join(env.work, "cut")
	code, out, errb := env.run(t, "--report", files+".json", "--html", files+".html", "--metrics-file", files+".prom")
	if code != exitOK {
		t.Fatalf("sync: exit %d\n%s%s", code, out, errb)
	}
	for _, want := range []string{`CONFLICT T1 (WHMCS ` + w1 + `) status: WHMCS "On Hold", source "Closed"`, "DELETED IN WHMCS T2 (WHMCS " + w2 + "): deleted in WHMCS", "1 deleted in WHMCS", "run --only T2 --reimport"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	var rep report.Import
	if b, err := os.ReadFile(files + ".json"); err != nil || json.Unmarshal(b, &rep) != nil {
		t.Fatalf("report: %v", err)
	}
	if len(rep.Conflicts) != 1 || rep.Conflicts[0].Field != "status" || rep.Conflicts[0].WHMCS != "On Hold" || rep.Conflicts[0].Kept != "whmcs" ||
		len(rep.DeletedInWHMCS) != 1 || rep.DeletedInWHMCS[0].Ticket != "T2" || rep.Tickets.Conflicts != 1 || rep.Tickets.DeletedInWHMCS != 1 {
		t.Errorf("report: %+v %+v %+v", rep.Tickets, rep.Conflicts, rep.DeletedInWHMCS)
	}
	html, _ := os.ReadFile(files + ".html")
	for _, want := range []string{`<table id="conflicts">`, "<b>On Hold</b>", `<table id="deleted">`} {
		if !strings.Contains(string(html), want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
	prom, _ := os.ReadFile(files + ".prom")
	for _, want := range []string{"whmcs_migrate_last_run_conflicts 1\n", "whmcs_migrate_last_run_deleted_in_whmcs 1\n", "whmcs_migrate_last_run_success 1\n"} {
		if !strings.Contains(string(prom), want) {
			t.Errorf("metrics lack %q:\n%s", want, prom)
		}
	}

	code, out = env.command(t, "status")
	for _, want := range []string{"1 deleted in WHMCS", "Open conflicts (1;", `T1 (WHMCS ` + w1 + `) status: WHMCS "On Hold", source "Closed"`, "Deleted in WHMCS (1;", "T2 (was WHMCS " + w2 + "): deleted in WHMCS"} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("status (exit %d) lacks %q:\n%s", code, want, out)
		}
	}
	_, out = env.command(t, "verify")
	if !strings.Contains(out, "Deleted in WHMCS: T2 (WHMCS "+w2+", deleted in WHMCS)") || strings.Contains(out, "Not imported") || !strings.Contains(out, "Open conflicts (1;") {
		t.Errorf("verify:\n%s", out)
	}

	// Later runs skip it, with exit 0, and report nothing again.
	code, out, errb = env.run(t)
	if code != exitOK || !strings.Contains(out, "1 skipped (deleted in WHMCS earlier)") || strings.Contains(out, "CONFLICT") || strings.Contains(out, "DELETED IN WHMCS") {
		t.Fatalf("next run: exit %d\n%s%s", code, out, errb)
	}
	if code, out, errb = env.run(t, "--reimport"); code != exitUsage {
		t.Fatalf("--reimport without --only: exit %d\n%s%s", code, out, errb)
	}
	if code, out, errb = env.run(t, "--only", "T2", "--reimport"); code != exitOK || !strings.Contains(out, "1 imported") {
		t.Fatalf("re-import: exit %d\n%s%s", code, out, errb)
	}
	_, out = env.command(t, "verify")
	if strings.Contains(out, "Deleted in WHMCS") || strings.Contains(out, "Not imported") {
		t.Errorf("verify after re-import:\n%s", out)
	}
}
