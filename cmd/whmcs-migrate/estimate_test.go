package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/importer/validate"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// validate's estimate uses the latency its own calls measured and rate:
// auto's model (the default concurrency as the bound, plus its slow
// start), and says it is an estimate; offline it says what it assumed.
func TestValidateEstimateMeasured(t *testing.T) {
	const service = 20 * time.Millisecond
	s := whmcstest.NewServer(whmcstest.Options{Capacity: whmcstest.Capacity{Workers: 8, ServiceTime: service}})
	defer s.Close()
	cfg := vtConfig(t, s, "")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(b), "  rate: 0\n", "", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	rj := filepath.Join(t.TempDir(), "report.json")
	_, out, errOut := cli(t, "validate", "--config", cfg, "--report", rj)
	var rep report.Validation
	if b, err := os.ReadFile(rj); err != nil {
		t.Fatalf("%v; stderr:\n%s", err, errOut)
	} else if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	p := rep.Plan
	if !p.Auto || p.Concurrency != importer.DefaultAutoConcurrency || !p.LatencyMeasured {
		t.Errorf("plan: auto %v, concurrency %d, latency measured %v", p.Auto, p.Concurrency, p.LatencyMeasured)
	}
	if lat := p.AssumedLatencySeconds; lat < service.Seconds() || lat > 0.2 {
		t.Errorf("latency %.3fs, want about the sandbox's %v (not the 0.3 s guess)", lat, service)
	}
	lat := time.Duration(p.AssumedLatencySeconds * float64(time.Second))
	if want := validate.EstimateAutoSeconds(p.TotalCalls, p.Tickets, 0, p.Concurrency, lat); p.EstimatedSeconds != want || want <= 0 {
		t.Errorf("estimated %.3fs, want auto's %.3fs", p.EstimatedSeconds, want)
	}
	for _, want := range []string{"estimated duration: about", "an estimate", "as measured", "rate: auto, up to 32 calls at once"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	// Offline: nothing measured, and it says so.
	_, out, _ = cli(t, "validate", "--config", cfg, "--offline")
	if !strings.Contains(out, "assumed (offline: nothing measured)") {
		t.Errorf("offline summary does not say the latency is assumed:\n%s", out)
	}
}
