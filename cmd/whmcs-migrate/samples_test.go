package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources/all"
	"github.com/whmcs-migrate/whmcs-migrate/sources/mysql"
)

// The MySQL sample configs load as they are shipped, with the environment
// variables their comments name, into the mysql source's options.
func TestMySQLSamplesLoad(t *testing.T) {
	const dsn = "ro_user:s3cr3t-pw@tcp(127.0.0.1:3306)/helpdesk"
	t.Setenv("SOURCE_DSN", dsn)
	t.Setenv("WHMCS_IDENTIFIER", "ident")
	t.Setenv("WHMCS_SECRET", "api-secret")
	for _, tc := range []struct {
		file, preset, prefix, zone, attDir string
		dept                               string
		deptID                             int64
	}{
		{"osticket.yaml", mysql.PresetOsTicket, "ost_", "UTC", "", "Support / Billing", 2},
		{"whmcs-source.yaml", mysql.PresetWHMCS, "", "America/Chicago", "/var/www/old-whmcs/attachments", "Billing", 2},
		{"hesk.yaml", mysql.PresetHESK, "hesk_", "UTC", "/var/www/hesk/attachments", "General", 1},
		{"freescout.yaml", mysql.PresetFreeScout, "", "Europe/Berlin", "/var/www/freescout/storage/app/attachment", "Support", 1},
		{"blesta.yaml", mysql.PresetBlesta, "", "UTC", "/srv/migration/blesta-uploads", "Billing", 2},
		// Kayako stores epochs: its sample sets no source zone (the source
		// is then opened without one, see app.openSource).
		{"kayako.yaml", mysql.PresetKayako, "sw", "UTC", "/srv/migration/kayako-files", "Billing", 2},
		{"clientexec.yaml", mysql.PresetClientExec, "", "Europe/Berlin", "/srv/migration/clientexec-uploads-support", "Support", 1},
	} {
		t.Run(tc.file, func(t *testing.T) {
			cfg, err := LoadConfig(filepath.Join("..", "..", "samples", tc.file), all.Registry())
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if cfg.Source.Type != "mysql" || cfg.Source.Factory.Name != "mysql" {
				t.Fatalf("source type %q (factory %q)", cfg.Source.Type, cfg.Source.Factory.Name)
			}
			o, ok := cfg.Source.Options.(*mysql.Options)
			if !ok {
				t.Fatalf("options are %T", cfg.Source.Options)
			}
			if o.Preset != tc.preset || o.DSN != dsn || o.TablePrefix != tc.prefix || o.AttachmentsDir != tc.attDir {
				t.Errorf("options %+v", *o)
			}
			if cfg.Source.Location == nil || cfg.Source.Location.String() != tc.zone {
				t.Errorf("source zone %v, want %s", cfg.Source.Location, tc.zone)
			}
			if tc.preset == mysql.PresetKayako && cfg.Source.Timezone != "" {
				t.Errorf("kayako sample sets source.timezone %q; it needs none", cfg.Source.Timezone)
			}
			if cfg.Target.Identifier != "ident" || cfg.Target.Secret != "api-secret" || cfg.Target.Location == nil {
				t.Errorf("target %+v", cfg.Target)
			}
			if got := cfg.Mapping.Departments[tc.dept]; got != mapping.DeptID(tc.deptID) {
				t.Errorf("mapping.departments[%s] = %v, want %d", tc.dept, got, tc.deptID)
			}
			if cfg.Mapping.DefaultStaff != "admin" {
				t.Errorf("default_staff %q", cfg.Mapping.DefaultStaff)
			}
			if red := cfg.Source.Factory.Redact(o, "connect "+dsn); strings.Contains(red, "s3cr3t-pw") {
				t.Errorf("redacted text still has the password: %s", red)
			}
			if cfg.Checkpoint == "" || !filepath.IsAbs(cfg.Checkpoint) {
				t.Errorf("checkpoint %q", cfg.Checkpoint)
			}
		})
	}
}
