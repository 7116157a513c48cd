package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Each line of --failures names the ticket, the problem code, where the
// ticket was read (file:line) and the field, beside the message.
func TestFailuresFileNamesCodeOriginField(t *testing.T) {
	s := vfSandbox(t)
	cfg := vfManyConfig(t, s, 3)
	dir := filepath.Dir(cfg)
	b, err := os.ReadFile(cfg)
	must(t, err)
	// The config's CSV directory: rewrite its files with two bad tickets.
	var csvDir string
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "  path: "); ok {
			csvDir = v
		}
	}
	must(t, os.WriteFile(filepath.Join(csvDir, "tickets.csv"), []byte("id,subject,department,email,name\n"+
		"OK1,Fine,Sales,a@example.org,A\n"+
		"BAD1,Bad email,Sales,not an address,B\n"+
		"BAD2,Bad date,Sales,c@example.org,C\n"), 0o600))
	must(t, os.WriteFile(filepath.Join(csvDir, "messages.csv"), []byte("ticket_id,id,created,body\n"+
		"OK1,1,2024-03-01 09:00:00,hi\n"+
		"BAD1,1,2024-03-01 09:00:00,hi\n"+
		"BAD2,1,31/12/2024 10:00,hi\n"), 0o600))
	fj := filepath.Join(dir, "failed.jsonl")
	code, out, errOut := cli(t, "run", "--config", cfg, "--no-progress", "--failures", fj)
	if code != exitIncomplete {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errOut)
	}
	data, err := os.ReadFile(fj)
	must(t, err)
	type line struct{ Ticket, Step, Code, Origin, Field, Error string }
	got := map[string]line{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var l line
		must(t, json.Unmarshal(sc.Bytes(), &l))
		got[l.Ticket] = l
	}
	want := map[string]line{
		"BAD1": {Code: "invalid_email", Origin: "tickets.csv:3", Field: "requester_email"},
		"BAD2": {Code: "bad_date", Origin: "messages.csv:4", Field: "created"},
	}
	if len(got) != len(want) {
		t.Errorf("failures file:\n%s", data)
	}
	for id, w := range want {
		g := got[id]
		if g.Code != w.Code || g.Origin != w.Origin || g.Field != w.Field || g.Step != "plan" || g.Error == "" {
			t.Errorf("failure of %s: %+v, want code %s origin %s field %s", id, g, w.Code, w.Origin, w.Field)
		}
	}
}

// run --failures writes one JSON line per failed ticket, as they fail,
// into a file put in place at the end; no temporary file stays.
func TestRunFailuresFile(t *testing.T) {
	e := newSyncEnv(t)
	src := syncSample(true)
	src.ticket("T2").Created = "2099-01-01 10:00:00" // after WHMCS's clock: fails at plan
	for i := range src.msgs {
		if src.msgs[i].Ticket == "T2" {
			src.msgs[i].Created = "2099-01-01 10:00:00"
		}
	}
	src.write(t, e.dir)
	out := filepath.Join(e.work, "failed.jsonl")
	code, stdout, stderr := e.run(t, "--failures", out)
	if code != exitIncomplete {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitIncomplete, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var fl struct{ Ticket, Step, Error string }
	if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &fl) != nil || fl.Ticket != "T2" || fl.Step != "plan" || !strings.Contains(fl.Error, "future_date") {
		t.Fatalf("failures file:\n%s", b)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("failures file mode %v (%v), want 0600", st.Mode(), err)
	}
	if tmp, _ := filepath.Glob(filepath.Join(e.work, ".failed.jsonl.tmp-*")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}
