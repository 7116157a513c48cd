package mysql

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/importer/validate"
	"github.com/whmcs-migrate/whmcs-migrate/internal/policytest"
	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	whmcsapi "github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// linkedDB is the WHMCS fixture with linked services: ticket 101 on service
// S12, 103 on domain D3, and a guest's ticket 102 with a malformed value.
func linkedDB(t *testing.T) string {
	name, db := fixtureDB(t, "whmcslink", whmcsDDL, whmcsFixture)
	for _, q := range []string{"UPDATE tbltickets SET service = 'S12' WHERE id = 101", "UPDATE tbltickets SET service = 'D3' WHERE id = 103",
		"UPDATE tbltickets SET service = 'X7' WHERE id = 102"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return name
}

// The WHMCS preset reads tbltickets.service only with keep_client_ids: the
// ids mean nothing in another install otherwise.
func TestWHMCSLinkedService(t *testing.T) {
	name := linkedDB(t)
	keep := readAll(t, openSource(t, Options{Preset: PresetWHMCS, DSN: srv.DSN(name), KeepClientIDs: true}, sources.Env{Location: time.UTC}))
	if keep[0].ServiceID != 12 || keep[0].DomainID != 0 || keep[2].DomainID != 3 || keep[2].ServiceID != 0 || keep[1].ServiceID != 0 {
		t.Errorf("linked: 101 S%d D%d, 103 S%d D%d, 102 S%d", keep[0].ServiceID, keep[0].DomainID, keep[2].ServiceID, keep[2].DomainID, keep[1].ServiceID)
	}
	if !slices.ContainsFunc(keep[1].Problems, func(p sources.Problem) bool {
		return p.Code == sources.CodeBadValue && p.Severity == sources.Warning && p.Field == "service" && strings.Contains(p.Message, `"X7"`)
	}) {
		t.Errorf("ticket 102's service X7: problems %v, want a bad_value warning", keep[1].Problems)
	}
	plain := readAll(t, openSource(t, Options{Preset: PresetWHMCS, DSN: srv.DSN(name)}, sources.Env{Location: time.UTC}))
	if plain[0].ServiceID != 0 || plain[2].DomainID != 0 || len(plain[1].Problems) != 0 {
		t.Errorf("without keep_client_ids: S%d D%d, problems %v", plain[0].ServiceID, plain[2].DomainID, plain[1].Problems)
	}
}

// End to end with keep_client_ids, into a WHMCS whose client 55 kept its
// id with service 12 but has no domain 3: validate names ticket 103's domain
// (unknown_service); run links 101 to S12, and 103 fails on WHMCS's
// "Domain ID Not Found" with nothing written for it, the others going on.
func TestEndToEndWHMCSLinkedServices(t *testing.T) {
	name := linkedDB(t)
	seed := e2eSeed()
	seed.Clients = append(seed.Clients, whmcstest.Client{ID: 55, FirstName: "Carol", LastName: "Customer", Email: "carol@acme.example", Status: "Active"})
	seed.Services = []whmcstest.Owned{{ID: 12, ClientID: 55, Name: "VPS Pro"}}
	seed.Domains = []whmcstest.Owned{{ID: 4, ClientID: 55, Name: "acme.example"}} // not 3
	zone := zonetest.Load(t, "America/Chicago")
	sb := whmcstest.NewServer(whmcstest.Options{TimeZone: zone, Seed: seed})
	t.Cleanup(sb.Close)
	e := &e2e{srv: sb, zone: zone, cp: t.TempDir() + "/cp.db"}
	opts := Options{Preset: PresetWHMCS, DSN: srv.DSN(name), AttachmentsDir: whmcsFiles(t), KeepClientIDs: true}
	cfg := e2eMapping()
	cfg.Departments = map[string]mapping.Department{"Technical Support": {ID: 1}, "Billing": {ID: 2}}

	// validate, against the same WHMCS.
	h, err := whmcsapi.NewHTTP(whmcsapi.Options{URL: sb.APIURL(), Identifier: sb.Identifier, Secret: sb.Secret, Location: zone, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	client := whmcsapi.NewClient(whmcsapi.ReadOnly(policytest.Wrap(h, policytest.Options{})), zone)
	planner, err := mapping.NewPlanner(mapping.Options{Config: cfg, Clients: mapping.NewClientResolver(client)})
	if err != nil {
		t.Fatal(err)
	}
	src, err := Factory().Open(context.Background(), &opts, sources.Env{Location: zone})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := validate.Tickets(context.Background(), validate.Config{Source: src, Planner: planner, Links: validate.NewLinkChecker(client)})
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	var unknown []report.Problem
	for _, p := range rep.Problems {
		if p.Code == string(sources.CodeUnknownService) {
			unknown = append(unknown, p)
		}
	}
	if len(unknown) != 1 || unknown[0].Ticket != "103" || !strings.Contains(unknown[0].Message, "domain 3 (D3), which WHMCS client 55 does not have") {
		t.Errorf("validate: unknown_service problems %+v, want one for ticket 103's domain", unknown)
	}

	run := e.run(t, opts, sources.Env{Location: zone}, cfg)
	if want := (report.TicketCounts{Total: 3, Imported: 2, Failed: 1}); run.Tickets != want {
		t.Errorf("run: %+v, want %+v; failures %+v", run.Tickets, want, run.Failures)
	}
	if len(run.Failures) != 1 || run.Failures[0].Ticket != "103" || !strings.Contains(run.Failures[0].Error, "Domain ID Not Found") {
		t.Errorf("failures %+v, want ticket 103 refused by WHMCS (Domain ID Not Found)", run.Failures)
	}
	services := map[string]string{}
	for _, tk := range sb.State().Tickets {
		services[tk.Subject] = tk.Service
	}
	if want := map[string]string{"Can't reach my site": "S12", "Invoice question": ""}; !mapsEqual(services, want) {
		t.Errorf("WHMCS tickets' services %v, want %v", services, want)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
