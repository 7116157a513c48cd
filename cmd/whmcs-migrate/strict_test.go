package main

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/sources/all"
)

// An enumerated flag's bad value is a usage error (exit 2) listing the
// valid values, before the command runs: no call reaches WHMCS.
func TestStrictFlags(t *testing.T) {
	sb := samplesSandbox(t)
	url, calls := countedSandbox(t, sb)
	cfg := samplesConfig(t, url, sb)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--log-format", "jsn"}, `"jsn" is not text or json; did you mean json?`},
		{[]string{"--log-format", "yaml"}, `"yaml" is not text or json`},
		{[]string{"--log-format", "JSON"}, `"JSON" is not text or json; did you mean json?`},
		{[]string{"--log-level", "trace"}, `"trace" is not debug, info, warn or error`},
		{[]string{"--log-level", "Debug"}, `did you mean debug?`},
		{[]string{"--rate", "fast"}, `want auto, or calls per second`},
	} {
		for _, cmd := range []string{"run", "validate", "verify"} {
			if cmd != "run" && c.args[0] == "--rate" {
				continue
			}
			var out, errb bytes.Buffer
			args := append([]string{cmd, "--config", cfg}, c.args...)
			if code := execute(context.Background(), args, &out, &errb); code != exitUsage {
				t.Errorf("%q: exit %d, want %d; stderr: %s", args, code, exitUsage, errb.String())
			}
			if !strings.Contains(errb.String(), c.want) {
				t.Errorf("%q: stderr %q lacks %q", args, errb.String(), c.want)
			}
		}
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("bad flags made %d calls to WHMCS, want none", n)
	}
	// The valid spellings are taken.
	for _, v := range [][]string{{"--log-format", "json"}, {"--log-format", "text"}, {"--log-level", "warn"}} {
		if code := execute(context.Background(), append([]string{"version"}, v...), &bytes.Buffer{}, &bytes.Buffer{}); code != exitOK {
			t.Errorf("version %q: exit %d", v, code)
		}
	}
}

// Every enumerated config value is checked when the config is loaded,
// before the source is read or WHMCS called, naming its line, with a
// "did you mean"; unknown keys get one too.
func TestConfigValuesStrict(t *testing.T) {
	sb := samplesSandbox(t)
	url, calls := countedSandbox(t, sb)
	base := samplesConfig(t, url, sb)
	text, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, old, new, want string
	}{
		{"clients", "clients: match_email", "clients: match-email", `mapping.clients: "match-email" is not match_email or guest; did you mean match_email?`},
		{"four_byte_text", "clients: match_email", "four_byte_text: names", `mapping.four_byte_text: "names" is not keep or name; did you mean name?`},
		{"on_conflict", "mapping:\n", "sync:\n  on_conflict: Source\nmapping:\n", `sync.on_conflict: must be whmcs (the default: WHMCS's side is kept) or source, not "Source"; did you mean source?`},
		{"priority", "urgent: High", "urgent: Highest", `mapping.priorities[urgent]: "Highest" is not Low, Medium or High`},
		{"unknown key", "clients: match_email", "client: match_email", `unknown key mapping.client; did you mean clients?`},
		{"unknown top key", "checkpoint: ./migration.db", "checkpiont: ./migration.db", `unknown key checkpiont; did you mean checkpoint?`},
		{"source type", "type: csv", "type: cvs", `source.type: unknown source type "cvs"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := strings.Replace(string(text), c.old, c.new, 1)
			if body == string(text) {
				t.Fatalf("config lacks %q", c.old)
			}
			// The line the message must name: the changed value's key.
			mark := strings.TrimSpace(strings.Split(strings.TrimPrefix(c.new, "sync:\n"), "\n")[0])
			line := 0
			for i, l := range strings.Split(body, "\n") {
				if strings.HasPrefix(strings.TrimSpace(l), mark) {
					line = i + 1
					break
				}
			}
			if line == 0 {
				t.Fatalf("no line holds %q", mark)
			}
			p := writeConfig(t, body)
			var out, errb bytes.Buffer
			if code := execute(context.Background(), []string{"run", "--config", p}, &out, &errb); code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr: %s", code, exitUsage, errb.String())
			}
			if !strings.Contains(errb.String(), c.want) {
				t.Errorf("stderr %q lacks %q", errb.String(), c.want)
			}
			if at := p + ":" + strconv.Itoa(line) + ":"; !strings.Contains(errb.String(), at) {
				t.Errorf("stderr %q does not name the line (%s)", errb.String(), at)
			}
		})
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("bad config values made %d calls to WHMCS, want none", n)
	}
}

// A target.url without a scheme gets a hint of the whole URL.
func TestURLHint(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:8080":                               `e.g. http://127.0.0.1:8080/includes/api.php`,
		"billing.example.com/includes/api.php":         `e.g. https://billing.example.com/includes/api.php`,
		"https://billing.example.com/includes/api.php": "",
	} {
		if got := urlHint(in); want == "" && got != "" || !strings.Contains(got, want) {
			t.Errorf("urlHint(%q) = %q, want %q", in, got, want)
		}
	}
	sb := samplesSandbox(t)
	_, calls := countedSandbox(t, sb)
	p := samplesConfig(t, "127.0.0.1:8080", sb)
	var errb bytes.Buffer
	if code := execute(context.Background(), []string{"run", "--config", p}, &bytes.Buffer{}, &errb); code != exitUsage {
		t.Fatalf("exit %d, want %d: %s", code, exitUsage, errb.String())
	}
	if !strings.Contains(errb.String(), "http://127.0.0.1:8080/includes/api.php") {
		t.Errorf("no hint: %s", errb.String())
	}
	if calls.Load() != 0 {
		t.Error("calls made")
	}
}

// Numeric target values name their line too.
func TestConfigTargetValuesLine(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{"  concurrency: 999", "target.concurrency: must be between 1 and 256"},
		{"  max_rate: -1", "target.max_rate: must be 0 (none) or more"},
		{"  max_request_size: 1K", "target.max_request_size: 1K is below 64K"},
	} {
		body := strings.Replace(baseConfig, "  timezone: America/Chicago\n", "  timezone: America/Chicago\n"+c.line+"\n", 1)
		p := writeConfig(t, body)
		setConfigEnv(t, "s", "10")
		_, err := LoadConfig(p, all.Registry())
		if err == nil || !strings.Contains(err.Error(), p+":10: "+c.want) {
			t.Errorf("%s: %v, want line 10: %s", c.line, err, c.want)
		}
	}
}
