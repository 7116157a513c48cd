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
