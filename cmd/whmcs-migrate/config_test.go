package main

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/sources/all"
	csvsrc "github.com/whmcs-migrate/whmcs-migrate/sources/csv"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const baseConfig = `source:
  type: csv
  path: ./export
  timezone: Europe/Berlin
target:
  url: https://billing.example.com/includes/api.php
  identifier: ${TEST_WM_ID}
  secret: "${TEST_WM_SECRET}"
  timezone: America/Chicago
  rate: ${TEST_WM_RATE}
mapping:
  departments: {Sales: 1}
  clients: guest
`

func TestLoadConfig(t *testing.T) {
	setConfigEnv(t, "s3cr$t#with: odd chars", "25")
	path := writeConfig(t, baseConfig)
	cfg, err := LoadConfig(path, all.Registry())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Target.Identifier != "ident" || cfg.Target.Secret != "s3cr$t#with: odd chars" || cfg.Target.Rate.PerSecond != 25 || cfg.Target.Rate.Auto {
		t.Errorf("target = %+v (rate %v)", cfg.Target, cfg.Target.Rate)
	}
	if cfg.Target.Location.String() != "America/Chicago" || cfg.Source.Location.String() != "Europe/Berlin" {
		t.Errorf("zones: target %v, source %v", cfg.Target.Location, cfg.Source.Location)
	}
	opts, ok := cfg.Source.Options.(*csvsrc.Options)
	if !ok || opts.Path != "./export" {
		t.Errorf("source options = %#v", cfg.Source.Options)
	}
	if cfg.Mapping.FourByteText != "" {
		t.Errorf("mapping.four_byte_text = %q, want unset (keep)", cfg.Mapping.FourByteText)
	}
	named, err := LoadConfig(writeConfig(t, baseConfig+"  four_byte_text: name\n"), all.Registry())
	if err != nil || named.Mapping.FourByteText != "name" {
		t.Errorf("four_byte_text: name: %v, %q", err, named.Mapping.FourByteText)
	}
	// Defaults; relative paths against the config's directory.
	if cfg.Target.Concurrency != 4 || cfg.Target.Burst != 0 || cfg.Checkpoint != filepath.Join(filepath.Dir(path), "migration.db") {
		t.Errorf("defaults: concurrency %d, burst %d, checkpoint %s", cfg.Target.Concurrency, cfg.Target.Burst, cfg.Checkpoint)
	}
	if cfg.Target.MaxRequestBytes != 8<<20 {
		t.Errorf("default max_request_size = %d, want PHP's post_max_size 8M", cfg.Target.MaxRequestBytes)
	}
	for text, want := range map[string]int64{"32MB": 32 << 20, "8M": 8 << 20, "0": -1, "512K": 512 << 10} {
		c, err := LoadConfig(writeConfig(t, strings.Replace(baseConfig, "  rate:", "  max_request_size: "+text+"\n  rate:", 1)), all.Registry())
		if err != nil || c.Target.MaxRequestBytes != want {
			t.Errorf("max_request_size %s: %v, %d bytes, want %d", text, err, c.Target.MaxRequestBytes, want)
		}
	}
}

func TestLoadConfigErrors(t *testing.T) {
	setConfigEnv(t, "hunter2-secret", "10")
	for _, c := range []struct {
		name, text, want string
	}{
		{"unknown top-level key", baseConfig + "extra: 1\n", "c.yaml:14: unknown key extra"},
		{"unknown nested key", strings.Replace(baseConfig, "  rate:", "  rat: 3\n  rate:", 1), "c.yaml:10: unknown key target.rat"},
		{"unknown source key", strings.Replace(baseConfig, "  path:", "  pth: x\n  path:", 1), "c.yaml:3: unknown key source.pth"},
		{"unset variable", strings.Replace(baseConfig, "./export", "${TEST_WM_UNSET_VAR}", 1), "c.yaml:3: environment variable TEST_WM_UNSET_VAR is not set"},
		{"unknown source type", strings.Replace(baseConfig, "type: csv", "type: zendesk", 1), `unknown source type "zendesk"`},
		{"bad zone", strings.Replace(baseConfig, "Europe/Berlin", "Mars/Olympus", 1), "source.timezone"},
		{"no target zone", strings.Replace(baseConfig, "  timezone: America/Chicago\n", "", 1), "target.timezone is required"},
		{"no target zone says where", strings.Replace(baseConfig, "  timezone: America/Chicago\n", "", 1), "date.timezone"},
		{"bad max_request_size", strings.Replace(baseConfig, "  rate:", "  max_request_size: lots\n  rate:", 1), "target.max_request_size"},
		{"tiny max_request_size", strings.Replace(baseConfig, "  rate:", "  max_request_size: 8\n  rate:", 1), "below 64K"},
		{"bad clients mode", strings.Replace(baseConfig, "clients: guest", "clients: sometimes", 1), "clients"},
		{"negative rate", strings.Replace(baseConfig, "${TEST_WM_RATE}", "-1", 1), "target.rate"},
		{"bad four_byte_text", baseConfig + "  four_byte_text: replace\n", `mapping.four_byte_text: "replace" is not keep or name`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := loadPlanned(t, c.text)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a ConfigError", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %q, want it to contain %q", err, c.want)
			}
			if strings.Contains(err.Error(), "hunter2-secret") {
				t.Errorf("the secret is in the error: %v", err)
			}
		})
	}
}

// loadPlanned loads a config as every planning command does: LoadConfig,
// then the planner, which checks the mapping (once).
func loadPlanned(t *testing.T, text string) (*Config, error) {
	t.Helper()
	cfg, err := LoadConfig(writeConfig(t, text), all.Registry())
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: slog.New(slog.DiscardHandler)}
	_, err = a.planner(nil, lookups{}, false)
	return cfg, err
}

// setConfigEnv sets the variables baseConfig expands: the identifier
// "ident", the secret and the rate given.
func setConfigEnv(t *testing.T, secret, rate string) {
	t.Setenv("TEST_WM_ID", "ident")
	t.Setenv("TEST_WM_SECRET", secret)
	t.Setenv("TEST_WM_RATE", rate)
}

// An unset ${VAR} under target: is no error for a command that contacts
// nobody; one that contacts WHMCS reports it (CheckTarget), with its line.
func TestUnsetTargetVariable(t *testing.T) {
	setConfigEnv(t, "hunter2-secret", "10")
	text := strings.Replace(strings.Replace(baseConfig, "${TEST_WM_ID}", "${TEST_WM_UNSET_ID}", 1), "${TEST_WM_SECRET}", "${TEST_WM_UNSET_SECRET}", 1)
	cfg, err := loadPlanned(t, text)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if cfg.Target.Timezone != "America/Chicago" || cfg.Target.Rate == nil || *cfg.Target.Rate != (Rate{PerSecond: 10}) {
		t.Errorf("the set target values are lost: %+v", cfg.Target)
	}
	err = cfg.CheckTarget()
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "c.yaml:7: environment variable TEST_WM_UNSET_ID is not set") ||
		!strings.Contains(err.Error(), "c.yaml:8: environment variable TEST_WM_UNSET_SECRET is not set") {
		t.Errorf("CheckTarget = %v", err)
	}
}
