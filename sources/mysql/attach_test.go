package mysql

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// linkOut replaces file name in dir with a symbolic link to a file
// outside dir, and returns that file's path.
func linkOut(t *testing.T, dir, name string) string {
	t.Helper()
	outside := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(outside, []byte("root:x:0:0"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
	return outside
}

// escapeProblems returns the validation's attachment_path problems.
func escapeProblems(rep *report.Validation) []report.Problem {
	var out []report.Problem
	for _, p := range rep.Problems {
		if p.Code == string(sources.CodeAttachmentPath) {
			out = append(out, p)
		}
	}
	return out
}

// validate resolves attachments as run opens them (sources.RootFile): a
// symbolic link in attachments_dir that leads out of it is an error on its
// ticket at validate time, for every preset reading attachments_dir; the
// ticket is invalid, so run fails it before any of its calls.
func TestValidateRefusesLinkOutOfAttachmentsDir(t *testing.T) {
	t.Run("whmcs", func(t *testing.T) {
		name, _ := fixtureDB(t, "attwhmcs", whmcsDDL, whmcsFixture)
		dir := whmcsFiles(t)
		linkOut(t, dir, "445566_log 2 ü.txt")
		s := openSource(t, Options{Preset: PresetWHMCS, DSN: srv.DSN(name), AttachmentsDir: dir}, sources.Env{Location: time.UTC})
		cfg := e2eMapping()
		cfg.Departments = map[string]mapping.Department{"Technical Support": {ID: 1}, "Billing": {ID: 2}}
		rep := validateOffline(t, s, cfg)
		var links []report.Problem
		for _, p := range escapeProblems(rep) {
			if p.Severity == string(sources.Error) {
				links = append(links, p)
			}
		}
		if len(links) != 1 || links[0].Ticket != "101" || links[0].Entry != "r2" {
			t.Fatalf("link problems %+v, want one error on 101 r2", links)
		}
		if rep.Tickets.Invalid != 1 {
			t.Errorf("tickets %+v, want 101 invalid", rep.Tickets)
		}
	})
	t.Run("hesk", func(t *testing.T) {
		name, _ := fixtureDB(t, "atthesk", heskDDL35, heskFixture35)
		dir := heskFiles(t)
		linkOut(t, dir, "KZ9-XW2-8R7L_def.log")
		s := openSource(t, Options{Preset: PresetHESK, DSN: srv.DSN(name), AttachmentsDir: dir}, sources.Env{Location: time.UTC})
		var got []sources.Problem
		for _, tk := range readAll(t, s) {
			for _, p := range tk.Problems {
				if p.Code == sources.CodeAttachmentPath {
					got = append(got, p)
				}
			}
			for _, e := range tk.Entries {
				for _, a := range e.Attachments {
					if a.Name == "auth.log" {
						t.Errorf("entry %s carries the link's target", e.ID)
					}
				}
			}
		}
		if len(got) != 1 || got[0].Severity != sources.Error || got[0].Ticket != "1" {
			t.Errorf("problems %+v, want one attachment_path error on ticket 1", got)
		}
	})
}
