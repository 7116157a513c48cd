package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/internal/termsafe"
)

// jsonLinesOf checks that every line of out is one JSON object and
// returns them.
func jsonLinesOf(t *testing.T, what, out string) []map[string]any {
	t.Helper()
	var objs []map[string]any
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" && out == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("%s line %d is not a JSON object (%v): %q", what, i+1, err, line)
			continue
		}
		objs = append(objs, m)
	}
	return objs
}

// summaryOf is the run's final event among objs, nil if none.
func summaryOf(objs []map[string]any) map[string]any {
	for _, o := range objs {
		if o["event"] == "summary" {
			return o
		}
	}
	return nil
}

// With --log-format json, every line of every command's stdout and
// stderr is one JSON object, and a run's final event carries its counts,
// calls, outcome and report paths; also when the run fails.
func TestJSONAllTheWay(t *testing.T) {
	sb := samplesSandbox(t)
	url, _ := countedSandbox(t, sb)
	cfg := samplesConfig(t, url, sb)
	dir := t.TempDir()
	exec := func(args ...string) (int, []map[string]any, []map[string]any) {
		t.Helper()
		var out, errb bytes.Buffer
		code := execute(context.Background(), append(args, "--config", cfg, "--log-format", "json"), &out, &errb)
		return code, jsonLinesOf(t, strings.Join(args, " ")+" stdout", out.String()), jsonLinesOf(t, strings.Join(args, " ")+" stderr", errb.String())
	}
	rep, html, fails, metrics := filepath.Join(dir, "run.json"), filepath.Join(dir, "run.html"), filepath.Join(dir, "failed.jsonl"), filepath.Join(dir, "m.prom")
	code, out, errs := exec("run", "--report", rep, "--html", html, "--failures", fails, "--metrics-file", metrics)
	if code != exitOK {
		t.Fatalf("run: exit %d\n%v\n%v", code, out, errs)
	}
	sum := summaryOf(append(out, errs...))
	if sum == nil {
		t.Fatalf("no summary event: %v %v", out, errs)
	}
	tickets, _ := sum["tickets"].(map[string]any)
	if sum["outcome"] != "ok" || tickets["imported"] != float64(csvRows(t, "../../samples/csv/tickets.csv")) || sum["calls_total"].(float64) == 0 {
		t.Errorf("summary: %v", sum)
	}
	reports, _ := sum["reports"].(map[string]any)
	for flag, p := range map[string]string{"report": rep, "html": html, "failures": fails, "metrics-file": metrics} {
		if reports[flag] != p {
			t.Errorf("summary reports[%s] = %v, want %s", flag, reports[flag], p)
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v", flag, err)
		}
	}
	// The realistic sandbox stores emoji as ?: the summary says so.
	if ch, _ := sum["whmcs_changed"].([]any); len(ch) == 0 || !strings.Contains(ch[0].(string), "held emoji WHMCS stores as ?") ||
		!strings.Contains(ch[0].(string), "mapping.four_byte_text") {
		t.Errorf("summary whmcs_changed: %v", sum["whmcs_changed"])
	}

	for _, args := range [][]string{{"validate"}, {"verify"}, {"status"}, {"rollback", "--all"}, {"adopt"}, {"run", "--no-progress"}} {
		code, out, errs := exec(args...)
		if code != exitOK {
			t.Errorf("%q: exit %d\n%v\n%v", args, code, out, errs)
		}
		if len(out)+len(errs) == 0 {
			t.Errorf("%q: no output", args)
		}
		if args[0] == "validate" {
			if s := summaryOf(append(out, errs...)); s == nil || s["tickets"] == nil {
				t.Errorf("validate: no summary event with the counts")
			}
		}
	}

	// A failing run: WHMCS does not answer at the preflight.
	body, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	bad := writeConfig(t, strings.Replace(string(body), url, "http://127.0.0.1:1/includes/api.php", 1))
	var o, e bytes.Buffer
	code = execute(context.Background(), []string{"run", "--config", bad, "--log-format", "json"}, &o, &e)
	if code != exitFatal {
		t.Errorf("bad secret: exit %d\n%s%s", code, o.String(), e.String())
	}
	all := append(jsonLinesOf(t, "failing run stdout", o.String()), jsonLinesOf(t, "failing run stderr", e.String())...)
	sum = summaryOf(all)
	if sum == nil || sum["outcome"] != "fatal" || sum["error"] == nil || sum["tickets"] == nil {
		t.Errorf("failing run's summary: %v\n%s", sum, e.String())
	}
	fatal := false
	for _, m := range all {
		if m["level"] == "ERROR" && strings.HasPrefix(m["msg"].(string), "whmcs-migrate: preflight") {
			fatal = true
		}
	}
	if !fatal {
		t.Errorf("no JSON event for the fatal error: %s", e.String())
	}
}

// jsonLines turns text into events, passes JSON objects, drops empty
// lines, and passes everything through when off.
func TestJSONLinesWriter(t *testing.T) {
	var b bytes.Buffer
	on := true
	j := newJSONLines(&b, "stdout", func() bool { return on })
	j.Write([]byte("Run 1 summary\n  tickets 3\n\n{\"a\":1}\npart"))
	j.Write([]byte("ial \x1b[31m\n"))
	j.Flush()
	objs := jsonLinesOf(t, "out", b.String())
	if len(objs) != 4 || objs[0]["msg"] != "Run 1 summary" || objs[2]["a"] != float64(1) || objs[3]["msg"] != "partial \x1b[31m" || objs[0]["stream"] != "stdout" {
		t.Errorf("got %q", b.String())
	}
	b.Reset()
	on = false
	j.Write([]byte("plain\n"))
	if b.String() != "plain\n" {
		t.Errorf("off: %q", b.String())
	}
}

// The text summary says what WHMCS changed, naming the option, and where
// each report was written.
func TestRunSummaryTextSaysChangesAndReports(t *testing.T) {
	sb := samplesSandbox(t)
	url, _ := countedSandbox(t, sb)
	cfg := samplesConfig(t, url, sb)
	dir := t.TempDir()
	rep, fails := filepath.Join(dir, "run.json"), filepath.Join(dir, "failed.jsonl")
	var out, errb bytes.Buffer
	if code := execute(context.Background(), []string{"run", "--config", cfg, "--report", rep, "--failures", fails}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
	for _, want := range []string{
		"  changed    2 tickets held emoji WHMCS stores as ? (its tables are utf8, not utf8mb4); mapping.four_byte_text: name sends their names instead\n",
		`  changed    WHMCS stores <>&"' as HTML entities`,
		"  report     " + fails + " (--failures)\n",
		"  report     " + rep + " (--report)\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
}

// Through the terminal-quoting writer, as execute stacks them, a line
// with control characters, DEL and C1 codes is still one valid JSON
// object that holds them.
func TestJSONLinesThroughTermsafe(t *testing.T) {
	var b bytes.Buffer
	safe := termsafe.NewWriter(&b)
	j := newJSONLines(safe, "stdout", func() bool { return true })
	in := "subject \x1b]0;pwned\a \x7f \u009b31m \r end"
	j.Write([]byte(in + "\n"))
	j.Flush()
	safe.Flush()
	objs := jsonLinesOf(t, "out", b.String())
	if len(objs) != 1 || objs[0]["msg"] != in {
		t.Errorf("got %q", b.String())
	}
	if strings.ContainsAny(b.String(), "\x1b\a\x7f\r\u009b") {
		t.Errorf("a control character reached the terminal raw: %q", b.String())
	}
}
