package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The rollback preview lists a bounded number of tickets, and --list
// writes every one to a file.
func TestRollbackPreviewBounded(t *testing.T) {
	sb := samplesSandbox(t)
	url, _ := countedSandbox(t, sb)
	cfg := samplesConfig(t, url, sb)
	if code := execute(context.Background(), []string{"run", "--config", cfg}, &bytes.Buffer{}, &bytes.Buffer{}); code != exitOK {
		t.Fatalf("run: exit %d", code)
	}
	n := len(sb.State().Tickets)
	if n <= 20 {
		t.Fatalf("only %d tickets", n)
	}
	count := func(out string) int { return strings.Count(out, ", run 1\n") }

	var out bytes.Buffer
	if code := execute(context.Background(), []string{"rollback", "--config", cfg, "--all"}, &out, &bytes.Buffer{}); code != exitOK {
		t.Fatalf("preview: exit %d", code)
	}
	if got := count(out.String()); got != 20 || !strings.Contains(out.String(), "--list FILE writes every one") {
		t.Errorf("default preview lists %d tickets, want 20:\n%s", got, out.String())
	}

	list := filepath.Join(t.TempDir(), "rollback.tsv")
	out.Reset()
	if code := execute(context.Background(), []string{"rollback", "--config", cfg, "--all", "--show", "5", "--list", list}, &out, &bytes.Buffer{}); code != exitOK {
		t.Fatalf("preview --list: exit %d", code)
	}
	if got := count(out.String()); got != 5 || !strings.Contains(out.String(), "every one is listed in "+list) {
		t.Errorf("--show 5 lists %d tickets:\n%s", got, out.String())
	}
	data, err := os.ReadFile(list)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != n+1 || lines[0] != "ticket\ttid\twhmcs_id\trun" {
		t.Errorf("list has %d lines, want %d and a header:\n%s", len(lines), n+1, data)
	}
	if len(sb.State().Tickets) != n {
		t.Error("a preview deleted tickets")
	}
}
