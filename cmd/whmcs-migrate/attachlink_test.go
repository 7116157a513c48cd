package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A symbolic link in the CSV directory that leads out of it (to a
// passwd-like file) is an error at validate time, resolved exactly as run
// opens attachments (sources.RootFile); run fails that ticket before any
// of its calls and imports the other.
func TestValidateRefusesAttachmentLinkOut(t *testing.T) {
	s := vfSandbox(t)
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "passwd")
	must(t, os.WriteFile(outside, []byte("root:x:0:0"), 0o600))
	must(t, os.MkdirAll(filepath.Join(dir, "files"), 0o700))
	must(t, os.WriteFile(filepath.Join(dir, "files", "ok.txt"), []byte("fine"), 0o600))
	must(t, os.Symlink(outside, filepath.Join(dir, "files", "log.txt")))
	must(t, os.WriteFile(filepath.Join(dir, "tickets.csv"), []byte("id,subject,department,email,name,created\n"+
		"L1,Linked,Sales,a@example.com,A,2024-03-01 09:00:00\nL2,Plain,Sales,b@example.com,B,2024-03-01 10:00:00\n"), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "messages.csv"), []byte("ticket_id,id,created,body,attachments\n"+
		"L1,1,2024-03-01 09:00:00,see log,files/log.txt\nL2,1,2024-03-01 10:00:00,see file,files/ok.txt\n"), 0o600))
	cfg := filepath.Join(dir, "config.yaml")
	must(t, os.WriteFile(cfg, []byte(`source:
  type: csv
  path: `+dir+`
  timezone: America/Chicago
target:
  url: `+s.APIURL()+`
  identifier: `+s.Identifier+`
  secret: `+s.Secret+`
  timezone: America/Chicago
  rate: 0
mapping:
  departments: {Sales: 1}
  clients: guest
checkpoint: `+filepath.Join(dir, "migration.db")+`
`), 0o600))
	code, out, errOut := cli(t, "validate", "--config", cfg)
	if code != exitIncomplete || !strings.Contains(out, "attachment_escape") || !strings.Contains(out, `"files/log.txt" is a symlink leading out of the directory`) ||
		!strings.Contains(out, "valid 1, invalid 1") {
		t.Fatalf("validate: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = cli(t, "run", "--config", cfg, "--no-progress")
	if code != exitIncomplete || !strings.Contains(out, "FAILED L1 at plan") {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errOut)
	}
	st := s.State()
	if len(st.Tickets) != 1 || st.Tickets[0].Subject != "Plain" {
		t.Errorf("WHMCS holds %+v, want only Plain", st.Tickets)
	}
}
