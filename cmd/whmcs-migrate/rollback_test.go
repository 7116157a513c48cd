package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestRollbackCommand(t *testing.T) {
	s := vfSandbox(t)
	cfg := vfConfig(t, s)
	if code, out, errOut := cli(t, "run", "--config", cfg, "--only", "A1,A3", "--no-progress"); code != exitOK {
		t.Fatalf("run 1: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := cli(t, "run", "--config", cfg, "--no-progress"); code != exitOK {
		t.Fatalf("run 2: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, _ := cli(t, "rollback", "--config", cfg); code != exitUsage {
		t.Errorf("rollback without --run or --all: exit %d", code)
	}
	if code, _, _ := cli(t, "rollback", "--config", cfg, "--run", "1", "--all"); code != exitUsage {
		t.Errorf("rollback with both: exit %d", code)
	}
	if code, _, errOut := cli(t, "rollback", "--config", cfg, "--run", "42"); code != exitUsage || !strings.Contains(errOut, "no such run") {
		t.Errorf("rollback of an unknown run: exit %d %s", code, errOut)
	}

	code, out, errOut := cli(t, "rollback", "--config", cfg, "--run", "1")
	if code != exitOK || !strings.Contains(out, "would delete 2 WHMCS tickets") || len(s.State().Tickets) != 4 {
		t.Fatalf("preview: exit %d\n%s\n%s", code, out, errOut)
	}
	// The preview names each ticket by its source id and the ticket
	// number WHMCS shows (#tid).
	for _, tk := range s.State().Tickets {
		if tk.Subject != "Invoice question" && tk.Subject != "Refund" {
			continue
		}
		src := map[string]string{"Invoice question": "A1", "Refund": "A3"}[tk.Subject]
		if !regexp.MustCompile(`(?m)^  ` + src + ` +#` + regexp.QuoteMeta(tk.TID) + ` +WHMCS id ` + fmt.Sprint(tk.ID) + `, run 1$`).MatchString(out) {
			t.Errorf("preview lacks %s #%s:\n%s", src, tk.TID, out)
		}
	}
	code, out, errOut = cli(t, "rollback", "--config", cfg, "--run", "1", "--yes")
	if code != exitOK || !strings.Contains(out, "2 deleted") {
		t.Fatalf("rollback: exit %d\n%s\n%s", code, out, errOut)
	}
	var left []string
	for _, tk := range s.State().Tickets {
		left = append(left, tk.Subject)
	}
	slices.Sort(left) // run 2's workers open them in any order
	if strings.Join(left, "|") != "Printer setup|Question" {
		t.Errorf("after rolling back run 1 WHMCS has %q", left)
	}
	// verify now says A1 and A3 are not imported; a run restores them.
	if code, out, _ := cli(t, "verify", "--config", cfg); code != exitIncomplete || !strings.Contains(out, "2 source tickets not imported") {
		t.Errorf("verify after rollback: exit %d\n%s", code, out)
	}
	if code, out, errOut := cli(t, "run", "--config", cfg, "--no-progress"); code != exitOK {
		t.Fatalf("run 3: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, _ := cli(t, "verify", "--config", cfg); code != exitOK {
		t.Errorf("verify after restore: exit %d\n%s", code, out)
	}
	if n := len(s.State().Tickets); n != 4 {
		t.Errorf("WHMCS has %d tickets after restore", n)
	}
}
