package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// A rollback that died part way: status shows it (text and JSON) with the
// command that resumes it, run refuses with exit 1 and no call to WHMCS,
// and that command finishes it; status then counts what the dead rollback
// deleted.
func TestStatusAndRunBesideAnUnfinishedRollback(t *testing.T) {
	s := vfSandbox(t)
	cfg := vfConfig(t, s)
	if code, out, errOut := cli(t, "run", "--config", cfg, "--no-progress"); code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errOut)
	}
	ctx := context.Background()
	store, err := checkpoints.Open(filepath.Join(filepath.Dir(cfg), "migration.db"))
	if err != nil {
		t.Fatal(err)
	}
	// What a rollback of run 1 killed after its first deletion leaves: one
	// ticket deleted and forgotten, one deletion sent without outcome.
	rb, err := store.BeginRollback(ctx, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"A4", "A3"} {
		tk, err := store.Ticket(ctx, id)
		if err != nil || tk == nil {
			t.Fatal(id, err)
		}
		if err := store.BeginIntent(ctx, &checkpoints.Intent{RunID: rb, SourceID: id, Step: checkpoints.StepDelete, Action: whmcs.ActionDeleteTicket, WHMCSID: tk.WHMCSID}); err != nil {
			t.Fatal(err)
		}
		if err := s.Client().DeleteTicket(ctx, tk.WHMCSID); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := store.ForgetDeleted(ctx, id, rb); err != nil {
				t.Fatal(err)
			}
		}
	}
	store.Close()

	finish := "whmcs-migrate rollback --config " + cfg + " --run 1 --yes"
	code, out, errOut := cli(t, "status", "--config", cfg)
	if code != exitOK || !strings.Contains(out, fmt.Sprintf("UNFINISHED rollback run %d", rb)) || !strings.Contains(out, "1 of 4 deleted, 3 tickets left, 1 deletion whose outcome") ||
		!strings.Contains(out, finish) {
		t.Errorf("status: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, fmt.Sprintf("%d      rollback", rb)) || !regexp.MustCompile(`running or died\s+1 deleted`).MatchString(out) {
		t.Errorf("status's row of the dead rollback:\n%s", out)
	}
	var jout, jerr bytes.Buffer
	if code := execute(ctx, []string{"status", "--config", cfg, "--log-format", "json"}, &jout, &jerr); code != exitOK {
		t.Fatalf("status json: exit %d %s", code, jerr.String())
	}
	var st statusJSON
	if err := json.Unmarshal(jout.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.UnfinishedRollbacks) != 1 {
		t.Fatalf("status JSON: %s", jout.String())
	}
	if u := st.UnfinishedRollbacks[0]; u.Run != rb || u.Target == nil || *u.Target != 1 || *u.Planned != 4 || *u.Deleted != 1 || u.Left != 3 || u.Unsettled != 1 || u.Finish != finish {
		t.Errorf("status JSON's unfinished rollback: %+v", u)
	}

	calls, writes := fmt.Sprint(s.Calls()), s.WriteCalls()
	code, out, errOut = cli(t, "run", "--config", cfg, "--no-progress")
	if code != exitFatal || !strings.Contains(errOut, fmt.Sprintf("rollback run %d", rb)) || !strings.Contains(errOut, "deleting the tickets of run 1") ||
		!strings.Contains(errOut, "Finish it first: "+finish) {
		t.Errorf("run beside the unfinished rollback: exit %d\n%s\n%s", code, out, errOut)
	}
	if fmt.Sprint(s.Calls()) != calls || s.WriteCalls() != writes {
		t.Errorf("the refused run called WHMCS: %s -> %v", calls, s.Calls())
	}

	code, out, errOut = cli(t, "rollback", "--config", cfg, "--run", "1", "--yes")
	if code != exitOK || !strings.Contains(out, "A3: WHMCS ticket") || !strings.Contains(out, "2 deleted") {
		t.Fatalf("the resumed rollback: exit %d\n%s\n%s", code, out, errOut)
	}
	if n := len(s.State().Tickets); n != 0 {
		t.Errorf("WHMCS still holds %d tickets", n)
	}
	if code, out, _ := cli(t, "status", "--config", cfg); code != exitOK || strings.Contains(out, "UNFINISHED") ||
		!regexp.MustCompile(`died\s+2 deleted`).MatchString(out) {
		t.Errorf("status after the rollback: exit %d\n%s", code, out)
	}
	if code, out, errOut := cli(t, "run", "--config", cfg, "--no-progress"); code != exitOK || len(s.State().Tickets) != 4 {
		t.Errorf("run after the rollback: exit %d\n%s\n%s", code, out, errOut)
	}
}
