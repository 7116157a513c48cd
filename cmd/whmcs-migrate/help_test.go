package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// Help that teaches: every command's --help has examples and its own exit
// statuses (not another command's), file flags read FILE, and defaults
// have one form, (default X).
func TestHelpTeaches(t *testing.T) {
	g := &globals{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	root := newRootCmd(g)
	others := map[string][]string{ // words of other commands' exit statuses
		"run":      {"(validate)", "(verify)", "differences"},
		"validate": {"(run)", "(verify)"},
		"verify":   {"(run)", "(validate)"},
	}
	fileFlags := map[string]bool{"config": true, "report": true, "html": true, "failures": true, "metrics-file": true, "seed": true}
	for _, c := range root.Commands() {
		name := c.Name()
		if name == "help" || name == "completion" {
			continue
		}
		var out bytes.Buffer
		code := execute(context.Background(), []string{name, "--help"}, &out, &out)
		help := out.String()
		if code != exitOK {
			t.Errorf("%s --help: exit %d", name, code)
		}
		if !strings.Contains(help, "\nExamples:\n  whmcs-migrate "+name) {
			t.Errorf("%s --help has no Examples section:\n%s", name, help)
		}
		if !strings.Contains(help, "Exit status:") {
			t.Errorf("%s --help has no exit status", name)
		}
		for _, w := range others[name] {
			if strings.Contains(help, w) {
				t.Errorf("%s --help shows another command's exit status (%q)", name, w)
			}
		}
		if strings.Contains(help, "(default:") || regexp.MustCompile(`\(default "`).MatchString(help) {
			t.Errorf("%s --help mixes forms of default:\n%s", name, help)
		}
		for _, l := range strings.Split(help, "\n") {
			m := regexp.MustCompile(`^\s+(?:-\w, )?--([\w-]+) (\S+)`).FindStringSubmatch(l)
			if m != nil && fileFlags[m[1]] && m[2] != "FILE" {
				t.Errorf("%s --%s takes %s, want FILE", name, m[1], m[2])
			}
			if m != nil && (m[2] == "string" || m[2] == "strings") {
				t.Errorf("%s --%s says %q, not what it takes", name, m[1], m[2])
			}
		}
	}
	var out bytes.Buffer
	execute(context.Background(), []string{"status", "--help"}, &out, &out)
	for _, col := range []string{"RUN", "KIND", "STARTED, ENDED", "OUTCOME", "TICKETS"} {
		if !strings.Contains(out.String(), "  "+col+" ") {
			t.Errorf("status --help does not explain %s", col)
		}
	}
}
