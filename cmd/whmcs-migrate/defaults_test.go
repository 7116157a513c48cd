package main

import (
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/sources/all"
)

// The default concurrency follows the rate: under rate: auto (the
// default) a bound auto grows into, under a fixed rate the few workers a
// fixed rate needs; a concurrency written in the config or given as a flag
// always wins, and --rate derives the default again.
func TestDefaultConcurrency(t *testing.T) {
	setConfigEnv(t, "s", "auto")
	noRate := strings.Replace(baseConfig, "  rate: ${TEST_WM_RATE}\n", "", 1)
	for _, c := range []struct {
		name, config string
		flags        targetFlags
		want         int
	}{
		{"no rate", noRate, targetFlags{}, importer.DefaultAutoConcurrency},
		{"rate auto", baseConfig, targetFlags{}, importer.DefaultAutoConcurrency},
		{"fixed rate", strings.Replace(baseConfig, "${TEST_WM_RATE}", "10", 1), targetFlags{}, importer.DefaultConcurrency},
		{"--rate 10", noRate, targetFlags{rate: optRate{v: Rate{PerSecond: 10}, set: true}}, importer.DefaultConcurrency},
		{"--rate auto over a fixed rate", strings.Replace(baseConfig, "${TEST_WM_RATE}", "10", 1),
			targetFlags{rate: optRate{v: Rate{Auto: true}, set: true}}, importer.DefaultAutoConcurrency},
		{"config concurrency", noRate, targetFlags{}, 6},
		{"config concurrency, --rate 10", noRate,
			targetFlags{rate: optRate{v: Rate{PerSecond: 10}, set: true}}, 6},
		{"--concurrency", noRate, targetFlags{concurrency: 9}, 9},
	} {
		text := c.config
		if strings.Contains(c.name, "config concurrency") {
			text = strings.Replace(noRate, "target:\n", "target:\n  concurrency: 6\n", 1)
		}
		cfg, err := LoadConfig(writeConfig(t, text), all.Registry())
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err := c.flags.apply(cfg); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if cfg.Target.Concurrency != c.want {
			t.Errorf("%s: concurrency %d, want %d", c.name, cfg.Target.Concurrency, c.want)
		}
	}
	if importer.DefaultAutoConcurrency < 16 {
		t.Errorf("DefaultAutoConcurrency %d: BenchmarkRunCapacity's defaults row needs more than an 8-worker pool's 8 to reach it", importer.DefaultAutoConcurrency)
	}
}
