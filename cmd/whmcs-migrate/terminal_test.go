package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/internal/termsafe"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// Hostile data: an OSC that retitles the terminal, a colour, a carriage
// return that overwrites the line, a bell.
const (
	osc   = "\x1b]0;pwn\x07"
	color = "\x1b[31m"
)

// termConfig writes a CSV helpdesk whose ids, subjects, names and
// departments hold escape sequences (T1 is fine, T2's department is not
// mapped, so validate and run name it), and a config for it against s.
func termConfig(t *testing.T, apiURL, ident, secret string) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, rows [][]string) {
		f, err := os.Create(filepath.Join(dir, name))
		must(t, err)
		w := csv.NewWriter(f)
		must(t, w.WriteAll(rows))
		must(t, f.Close())
	}
	write("tickets.csv", [][]string{
		{"id", "subject", "department", "email", "name", "created"},
		{"T1" + osc, color + "Invoice\rFAKE LINE", "Sales", "eve@example.com", "Eve" + osc, "2024-03-01 09:00:00"},
		{"T2\x1b[2J", "Bell\x07 " + osc, "Nowhere" + color, "mal@example.com", "Mal\r", "2024-03-02 09:00:00"},
	})
	write("messages.csv", [][]string{
		{"ticket_id", "id", "type", "author", "name", "email", "created", "body"},
		{"T1" + osc, "m1", "reply", "customer", "Eve" + osc, "eve@example.com", "2024-03-01 09:00:00", "Hello" + osc},
		{"T2\x1b[2J", "m2", "reply", "customer", "Mal\r", "mal@example.com", "2024-03-02 09:00:00", "Hi\x07"},
	})
	cfg := `source:
  type: csv
  path: ` + dir + `
  timezone: America/Chicago
target:
  url: ` + apiURL + `
  identifier: ` + ident + `
  secret: ` + secret + `
  timezone: America/Chicago
  rate: 0
mapping:
  departments: {Sales: 1}
  clients: guest
checkpoint: ` + filepath.Join(dir, "migration.db") + `
`
	p := filepath.Join(dir, "config.yaml")
	must(t, os.WriteFile(p, []byte(cfg), 0o600))
	return p
}

// No control character from the data reaches the terminal in any
// command's text output: validate's problem lines, run's summary and
// failures, status, verify's differences and rollback's preview show the
// escapes visibly (\x1b]0;pwn\a), never raw.
func TestTerminalQuotesControlCharacters(t *testing.T) {
	s := vfSandbox(t)
	cfg := termConfig(t, s.APIURL(), s.Identifier, s.Secret)
	visible := termsafe.String("T1" + osc) // `T1\x1b]0;pwn\a`
	check := func(name string, code, want int, out, errOut string, shows ...string) {
		t.Helper()
		if code != want {
			t.Errorf("%s: exit %d, want %d\n%s\n%s", name, code, want, out, errOut)
		}
		for what, text := range map[string]string{"stdout": out, "stderr": errOut} {
			if termsafe.Raw([]byte(text)) {
				t.Errorf("%s: a raw control character reached %s:\n%q", name, what, text)
			}
		}
		for _, s := range shows {
			if !strings.Contains(out+errOut, s) {
				t.Errorf("%s: output does not show %q:\n%s\n%s", name, s, out, errOut)
			}
		}
	}

	code, out, errOut := cli(t, "validate", "--config", cfg)
	check("validate", code, exitIncomplete, out, errOut, `T2\x1b[2J`, `Nowhere\x1b[31m`)

	code, out, errOut = cli(t, "run", "--config", cfg, "--no-progress")
	check("run", code, exitIncomplete, out, errOut, `T2\x1b[2J`)

	code, out, errOut = cli(t, "status", "--config", cfg)
	check("status", code, exitOK, out, errOut)

	// Someone retitles the imported ticket in WHMCS with escapes of their
	// own: verify shows both subjects, quoted.
	h, err := whmcs.NewHTTP(whmcs.Options{URL: s.APIURL(), Identifier: s.Identifier, Secret: s.Secret})
	must(t, err)
	for _, tk := range s.State().Tickets {
		must(t, whmcs.NewClient(h, nil).UpdateTicket(context.Background(), &whmcs.UpdateTicketRequest{TicketID: tk.ID, Subject: "Pwned" + osc + "\r"}))
	}
	code, out, errOut = cli(t, "verify", "--config", cfg)
	check("verify", code, exitIncomplete, out, errOut, visible, `Pwned\x1b]0;pwn\a\r`, `\x1b[31mInvoice\rFAKE LINE`)

	code, out, errOut = cli(t, "rollback", "--config", cfg, "--run", "1")
	check("rollback preview", code, exitOK, out, errOut, visible)
	code, out, errOut = cli(t, "rollback", "--config", cfg, "--run", "1", "--yes")
	check("rollback", code, exitOK, out, errOut)
}
