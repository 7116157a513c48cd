package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/sources/all"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/policy"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// target.rate takes auto or a number; max_rate a number, 0 or more.
func TestConfigRateAuto(t *testing.T) {
	for _, tc := range []struct {
		rate, extra string
		want        Rate
		max         float64
		err         string
	}{
		{rate: "auto", want: Rate{Auto: true}},
		{rate: "AUTO", extra: "  max_rate: 50\n", want: Rate{Auto: true}, max: 50},
		{rate: "25", want: Rate{PerSecond: 25}},
		{rate: "fast", err: `rate "fast": want auto, or calls per second`},
		{rate: "-1", err: "want auto, or calls per second"},
		{rate: "auto", extra: "  max_rate: -5\n", err: "target.max_rate: must be 0 (none) or more"},
	} {
		setConfigEnv(t, "secret", tc.rate)
		cfg, err := LoadConfig(writeConfig(t, strings.Replace(baseConfig, "  rate: ${TEST_WM_RATE}\n", "  rate: ${TEST_WM_RATE}\n"+tc.extra, 1)), all.Registry())
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("rate %q %q: error %v, want %q", tc.rate, tc.extra, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("rate %q: %v", tc.rate, err)
		}
		if *cfg.Target.Rate != tc.want || cfg.Target.MaxRate != tc.max {
			t.Errorf("rate %q %q: %+v max %v, want %+v max %v", tc.rate, tc.extra, *cfg.Target.Rate, cfg.Target.MaxRate, tc.want, tc.max)
		}
	}
	// No rate in the file: auto.
	setConfigEnv(t, "secret", "10")
	def, err := LoadConfig(writeConfig(t, strings.Replace(baseConfig, "  rate: ${TEST_WM_RATE}\n", "", 1)), all.Registry())
	if err != nil || !def.Target.Rate.Auto || def.Target.MaxRate != 0 {
		t.Fatalf("no rate in the config: %v, rate %+v, want auto", err, def.Target.Rate)
	}
	// --rate auto and --max-rate override the file.
	var f targetFlags
	if err := f.rate.Set("auto"); err != nil {
		t.Fatal(err)
	}
	if err := f.maxRate.Set("30"); err != nil {
		t.Fatal(err)
	}
	setConfigEnv(t, "secret", "10")
	cfg, err := LoadConfig(writeConfig(t, baseConfig), all.Registry())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.apply(cfg); err != nil || !cfg.Target.Rate.Auto || cfg.Target.MaxRate != 30 {
		t.Fatalf("flags applied: %v, rate %+v max %v", err, *cfg.Target.Rate, cfg.Target.MaxRate)
	}
}

// run --rate auto imports through the adaptive limiter, bounded by
// --concurrency, and its report shows the limit it ended at.
func TestRunRateAuto(t *testing.T) {
	e := newSyncEnv(t)
	e.srv.SetCapacity(whmcstest.Capacity{Workers: 2, ServiceTime: 5 * time.Millisecond})
	src := syncSample(true)
	src.write(t, e.dir)
	reportPath := filepath.Join(e.work, "report.json")
	code, out, errOut := e.run(t, "--rate", "auto", "--max-rate", "500", "--concurrency", "3", "--report", reportPath)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	e.checkState(t, src)
	b, err := os.ReadFile(reportPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep report.Import
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rep.Pacing, "auto: ") || !strings.Contains(rep.Pacing, "up to 3") || !strings.Contains(rep.Pacing, "at most 500 calls/s") ||
		rep.ConcurrencyLimit < 1 || rep.ConcurrencyLimit > 3 {
		t.Fatalf("report pacing %q, limit %d: want auto, up to 3 at once, at most 500 calls/s", rep.Pacing, rep.ConcurrencyLimit)
	}
	if !strings.Contains(out, "pacing     auto: ") {
		t.Errorf("summary has no pacing line:\n%s", out)
	}
	if q := e.srv.QueueStats(); q.MaxBusy > 2 || q.Calls == 0 {
		t.Errorf("sandbox queue %+v", q)
	}
}

// The progress line names the current limit: auto's calls at once, or the
// fixed rate.
func TestProgressShowsLimit(t *testing.T) {
	nop := whmcs.CallerFunc(func(context.Context, whmcs.Request, any) error { return nil })
	g := &globals{stdout: io.Discard, stderr: io.Discard}
	a := &app{g: g, log: g.logger()}
	for _, tc := range []struct {
		caller      whmcs.Caller
		want, short string
	}{
		{policy.Limit(policy.Adapt(policy.Count(nop, policy.NewStats()), policy.AdaptOptions{Max: 16, Initial: 6}), policy.LimitOptions{Rate: 50}, nil),
			"limit 6 at once (auto)", "6 at once"}, // by hand: Stack starts Adapt at 1
		{policy.Stack(nop, policy.StackOptions{Rate: 10}), "limit 10 calls/s", "max 10/s"},
		{policy.Stack(nop, policy.StackOptions{}), "no limit", ""},
	} {
		p := newProgress(io.Discard, 10, tc.caller, a, true)
		if got := p.limit(); got != tc.want {
			t.Errorf("limit() = %q, want %q", got, tc.want)
		}
		// The bar's form, short enough for its 80 columns.
		if got := p.limitShort(); got != tc.short {
			t.Errorf("limitShort() = %q, want %q", got, tc.short)
		}
	}
}
