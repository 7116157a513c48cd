// Package importtest is what the tests of the passes over a migration
// (verify, rollback) share: a sandbox, a checkpoint and a client with the
// policy layers as the commands compose them, and a small generated source
// whose texts hold what real WHMCS installs change (<>&"' and emoji).
package importtest

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/internal/policytest"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// Attachment is an in-memory attachment.
func Attachment(name, data string) sources.Attachment {
	return sources.Attachment{Name: name, Size: int64(len(data)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(data)), nil
	}}
}

// Tickets makes n tickets: a client's (every third) or a guest's, opened
// by the customer, with a staff reply, a note (older than the opening for
// some), a customer reply with an attachment, an HTML body, and several
// final statuses.
func Tickets(n int) []*sources.Ticket {
	base := time.Date(2023, 5, 2, 9, 15, 7, 0, time.UTC)
	statuses := []string{"resolved", "", "pending", "Answered"}
	var out []*sources.Ticket
	for i := range n {
		at := base.Add(time.Duration(i) * 26 * time.Hour)
		t := &sources.Ticket{
			ID: fmt.Sprintf("V%03d", i), Origin: fmt.Sprintf("mem:%d", i),
			Subject:    fmt.Sprintf("Invoice %d is wrong: <ACME> & \"Co\" it's 🚀", i),
			Department: []string{"Sales", "Technical Support", "Billing"}[i%3],
			Status:     statuses[i%len(statuses)],
			Priority:   []string{"", "urgent", "low"}[i%3],
			Requester:  sources.Person{Name: fmt.Sprintf("Guest %d", i), Email: fmt.Sprintf("guest%d@example.com", i)},
		}
		if i%3 == 0 {
			t.Requester = sources.Person{Name: "Cynthia", Email: "cynthia@example.com"}
		}
		staff := sources.Person{Name: "Jane Staff", Email: "jane@old.example"}
		t.Entries = []sources.Entry{
			{ID: "1", Kind: sources.CustomerReply, Author: t.Requester, Created: at, Body: fmt.Sprintf("Hello,\nticket %d opens here: a < b && \"c\" 👩‍💻", i)},
			{ID: "2", Kind: sources.StaffReply, Author: staff, Created: at.Add(47 * time.Minute), Body: "We are looking into it."},
			{ID: "3", Kind: sources.Note, Author: sources.Person{Name: "Mike"}, Created: at.Add(50 * time.Minute), Body: fmt.Sprintf("Internal: customer %d is a VIP <3 & 'more' 🚀.", i)},
			{ID: "4", Kind: sources.CustomerReply, Author: t.Requester, Created: at.Add(3*time.Hour + 500*time.Millisecond),
				Body: "Here is the <b>screenshot</b>.", Format: sources.HTML, Attachments: []sources.Attachment{Attachment("screen shot é.png", "PNG"+fmt.Sprint(i))}},
			{ID: "5", Kind: sources.StaffReply, Author: sources.Person{Name: "Someone Else"}, Created: at.Add(4 * time.Hour), Body: "Fixed, thanks."},
		}
		if i%4 == 1 {
			t.Entries = append(t.Entries, sources.Entry{ID: "6", Kind: sources.Note, Author: staff, Created: at.Add(-time.Hour), Body: "Opened by phone first."})
		}
		out = append(out, t)
	}
	return out
}

// Config maps Tickets to the sandbox's default seed.
func Config() mapping.Config {
	return mapping.Config{
		Departments:  map[string]mapping.Department{"Sales": {ID: 1}, "Technical Support": {ID: 2}, "Billing": {ID: 3}},
		Statuses:     map[string]string{"resolved": "Closed", "pending": "On Hold"},
		Priorities:   map[string]string{"urgent": "High", "low": "Low"},
		Staff:        map[string]string{"jane@old.example": "support"},
		DefaultStaff: "admin",
		Clients:      mapping.ClientsMatchEmail,
	}
}

// Env is a sandbox, a checkpoint and a client with the policy layers, as
// the commands compose them.
type Env struct {
	Srv     *whmcstest.Server
	Store   *checkpoints.Store
	Client  *whmcs.Client
	Planner *mapping.Planner
	Direct  *whmcs.Client // a plain client, for tampering through the API
	Zone    *time.Location
}

// New is NewWith a literal sandbox.
func New(t *testing.T) *Env { t.Helper(); return NewWith(t, whmcstest.Options{}) }

// NewWith is New with a sandbox configured by so (its zone is
// always America/Chicago).
func NewWith(t testing.TB, so whmcstest.Options) *Env {
	t.Helper()
	zone, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	so.TimeZone = zone
	srv := whmcstest.NewServer(so)
	t.Cleanup(srv.Close)
	store, err := checkpoints.Open(filepath.Join(t.TempDir(), "cp.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Error(err)
		}
	})
	h, err := whmcs.NewHTTP(whmcs.Options{URL: srv.APIURL(), Identifier: srv.Identifier, Secret: srv.Secret,
		Location: zone, Timeout: 5 * time.Second, MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{Srv: srv, Store: store, Zone: zone,
		Client: whmcs.NewClient(policytest.Wrap(h, policytest.Options{}), zone), Direct: whmcs.NewClient(h, zone)}
	e.Planner, err = mapping.NewPlanner(mapping.Options{Config: Config(), Clients: mapping.NewClientResolver(e.Client)})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// ImportAll runs the real importer over src (only the given ids when any)
// and fails the test unless every ticket it took was imported.
func (e *Env) ImportAll(t *testing.T, src sources.Source, only ...string) *report.Import {
	t.Helper()
	rep, err := importer.Import(context.Background(), importer.Config{Source: src, Client: e.Client, Planner: e.Planner, Store: e.Store, Concurrency: 4, Only: only})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if rep.Tickets.Failed != 0 {
		t.Fatalf("run: %d tickets failed: %+v", rep.Tickets.Failed, rep.Failures)
	}
	return rep
}

// WHMCSID is the WHMCS ticket id the checkpoint maps sourceID to; the
// test fails when there is none.
func (e *Env) WHMCSID(t testing.TB, sourceID string) int64 {
	t.Helper()
	c, err := e.Store.Ticket(context.Background(), sourceID)
	if err != nil || c == nil || c.WHMCSID == 0 {
		t.Fatalf("ticket %s not mapped: %v %+v", sourceID, err, c)
	}
	return c.WHMCSID
}

// Storage modes of the sandbox: a WHMCS that stores text as sent, and one
// that stores it as real installs do (sanitised, 3-byte utf8).
var (
	Literal   = whmcstest.Options{}
	Realistic = whmcstest.Options{Sanitize: true, ThreeByte: true}
)

// ForModes runs f as a subtest in each storage mode, literal then
// realistic.
func ForModes(t *testing.T, f func(t *testing.T, mode whmcstest.Options)) {
	t.Run("literal", func(t *testing.T) { f(t, Literal) })
	t.Run("realistic", func(t *testing.T) { f(t, Realistic) })
}
