package mysql

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// ticketFields is what a preset reads besides the thread: number,
// assignee, custom fields, CC.
type ticketFields struct {
	Number   string
	Assignee sources.Person
	Fields   map[string]string
	CC       []string
}

func fieldsOf(ts []*sources.Ticket) map[string]ticketFields {
	out := map[string]ticketFields{}
	for _, t := range ts {
		out[t.ID] = ticketFields{Number: t.Number, Assignee: t.Assignee, Fields: t.Fields, CC: t.CC}
	}
	return out
}

func checkTicketFields(t *testing.T, got []*sources.Ticket, want map[string]ticketFields) {
	t.Helper()
	if g := fieldsOf(got); !reflect.DeepEqual(g, want) {
		t.Errorf("ticket fields\n got: %+v\nwant: %+v", g, want)
	}
}

// osTicket: number, staff_id as the assignee, custom fields by name
// ("plan") or label ("Domain", a help-topic form field whose name clashes
// with the built-in subject), choices as their label, active collaborators
// as CC.
func TestOsTicketTicketFields(t *testing.T) {
	name := osticketDB(t)
	s := openSource(t, Options{Preset: "osticket", DSN: srv.DSN(name)}, sources.Env{Location: time.UTC, Fields: []string{"Domain", "plan"}})
	checkTicketFields(t, readAll(t, s), map[string]ticketFields{
		"1": {Number: "683217", Assignee: sources.Person{Name: "Alice Agent", Email: "alice@example.com"},
			Fields: map[string]string{"domain": "example.org", "plan": "Business"}, CC: []string{"zoe@example.de"}},
		"2": {Number: "104455", Assignee: sources.Person{Name: "Bob Builder", Email: "bob@example.com"}},
		"3": {Number: "300001"},
	})
	_, err := Open(t.Context(), Options{Preset: "osticket", DSN: srv.DSN(name)}, sources.Env{Location: time.UTC, Fields: []string{"plan", "Server"}})
	if err == nil || !strings.Contains(err.Error(), "mapping.custom_fields names server, which is no osTicket form field") {
		t.Errorf("a mapped field the database lacks: %v", err)
	}
}

// HESK: trackid as the number, owner as the assignee, custom<id> columns
// by their titles in any language (entities decoded), followers as CC.
func TestHESKTicketFields(t *testing.T) {
	name, _ := fixtureDB(t, "heskf", heskDDL35, heskFixture35)
	s := openSource(t, Options{Preset: PresetHESK, DSN: srv.DSN(name), AttachmentsDir: heskFiles(t)}, sources.Env{Location: time.UTC, Fields: []string{"Domäne", "plan"}})
	checkTicketFields(t, readAll(t, s), map[string]ticketFields{
		"1": {Number: "KZ9-XW2-8R7L", Assignee: sources.Person{Name: "Alice Admin", Email: "alice@example.com"},
			Fields: map[string]string{"domäne": "example.org", "plan": "Pro & more"}, CC: []string{"dave@example.com"}},
		"2": {Number: "7QP-4MN-2D9A", Assignee: sources.Person{Name: "Bob", Email: "bob@example.com"}},
	})
	_, err := Open(t.Context(), Options{Preset: PresetHESK, DSN: srv.DSN(name)}, sources.Env{Location: time.UTC, Fields: []string{"unused"}})
	if err == nil || !strings.Contains(err.Error(), "mapping.custom_fields names unused, which is no HESK custom field in use") {
		t.Errorf("a field not in use: %v", err)
	}
}

// WHMCS: tid as the number, flag as the assignee, support custom fields by
// fieldname or either side of "name|display name" (client fields are not
// ticket fields), cc as CC.
func TestWHMCSTicketFields(t *testing.T) {
	name, _ := fixtureDB(t, "whmcsf", whmcsDDL, whmcsFixture)
	s := openSource(t, Options{Preset: PresetWHMCS, DSN: srv.DSN(name)}, sources.Env{Location: time.UTC, Fields: []string{"domain", "Hosting plan"}})
	checkTicketFields(t, readAll(t, s), map[string]ticketFields{
		"101": {Number: "482913", Assignee: sources.Person{Name: "Alice Agent", Email: "alice@example.com"},
			Fields: map[string]string{"domain": "acme.example", "hosting plan": "Pro & more"}, CC: []string{"boss@acme.example", "ops@acme.example"}},
		"102": {Number: "733104", Assignee: sources.Person{Name: "Bob Billing", Email: "bob@example.com"}},
		"103": {Number: "599002"},
	})
	_, err := Open(t.Context(), Options{Preset: PresetWHMCS, DSN: srv.DSN(name)}, sources.Env{Location: time.UTC, Fields: []string{"VAT number"}})
	if err == nil || !strings.Contains(err.Error(), "mapping.custom_fields names vat number, which is no WHMCS support custom field") {
		t.Errorf("a client custom field: %v", err)
	}
}
