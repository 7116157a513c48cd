package sandbox

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const seedYAML = `
departments:
  - {id: 7, name: Helpdesk}
statuses:
  - {title: Open, color: "#0f0", active: true, awaiting: true}
  - {title: Answered, color: "#000", active: true}
  - {title: Customer-Reply, color: "#f60", active: true, awaiting: true}
  - {title: Closed, color: "#888"}
  - {title: Escalated, color: "#f00", active: true}
clients:
  - {id: 42, firstname: Ada, lastname: Lovelace, email: ada@example.com, companyname: Engines, status: Active}
admins:
  - {id: 5, username: root, firstname: Grace, lastname: Hopper, email: grace@example.com, departments: [7]}
`

const seedJSON = `{
  "departments": [{"id": 7, "name": "Helpdesk"}],
  "statuses": [
    {"title": "Open", "color": "#0f0", "active": true, "awaiting": true},
    {"title": "Answered", "color": "#000", "active": true},
    {"title": "Customer-Reply", "color": "#f60", "active": true, "awaiting": true},
    {"title": "Closed", "color": "#888"},
    {"title": "Escalated", "color": "#f00", "active": true}
  ],
  "clients": [{"id": 42, "firstname": "Ada", "lastname": "Lovelace", "email": "ada@example.com", "companyname": "Engines", "status": "Active"}],
  "admins": [{"id": 5, "username": "root", "firstname": "Grace", "lastname": "Hopper", "email": "grace@example.com", "departments": [7]}]
}`

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadSeed(t *testing.T) {
	y, err := LoadSeed(writeFile(t, "seed.yaml", seedYAML))
	if err != nil {
		t.Fatal(err)
	}
	j, err := LoadSeed(writeFile(t, "seed.json", seedJSON))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(y, j) {
		t.Fatalf("YAML and JSON differ:\n%+v\n%+v", y, j)
	}
	if y.Clients[0].Email != "ada@example.com" || y.Admins[0].Departments[0] != 7 || !y.Statuses[4].Active {
		t.Fatalf("%+v", y)
	}

	// the seed drives the server
	s := newTestServer(t, Options{Seed: y})
	id := ok(t, post(t, s, map[string]string{"action": "OpenTicket", "deptid": "7", "subject": "s", "message": "m", "clientid": "42"})).str("id")
	wantErr(t, post(t, s, map[string]string{"action": "OpenTicket", "deptid": "1", "subject": "s", "message": "m", "clientid": "42"}), 200, "Department ID not found")
	ok(t, post(t, s, map[string]string{"action": "AddTicketReply", "ticketid": id, "message": "m", "adminusername": "root", "status": "Escalated"}))
	wantErr(t, post(t, s, map[string]string{"action": "UpdateTicket", "ticketid": id, "status": "On Hold"}), 200, "Invalid Ticket Status. Valid statuses are: Open,Answered,Customer-Reply,Closed,Escalated")
	tk := s.State().Tickets[0]
	if tk.Status != "Escalated" || tk.Email != "ada@example.com" || len(tk.Notes) != 0 {
		t.Fatalf("%+v", tk)
	}
	// notes are attributed to the first admin when there is no "admin"
	ok(t, post(t, s, map[string]string{"action": "AddTicketNote", "ticketid": id, "message": "n"}))
	if n := s.State().Tickets[0].Notes[0]; n.Admin != "root" {
		t.Fatalf("note admin %q", n.Admin)
	}
}

func TestLoadSeedErrors(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"seed.yaml", "departments: []\nclient: []\n", "field client not found"},
		{"seed.json", `{"departments": [], "nope": 1}`, `unknown field "nope"`},
		{"seed.yaml", "departments:\n  - {id: 1, name: A, color: red}\n", "field color not found"},
		{"seed.json", `{"statuses": [{"title": "Open"}]}`, `status "Answered" missing`},
		{"seed.json", `{"statuses": [{"title":"Open"},{"title":"Answered"},{"title":"Customer-Reply"},{"title":"Closed"}], "admins": [{"id": 1, "username": "a", "departments": [3]}]}`, "unknown department 3"},
		{"seed.toml", "x = 1", "unknown extension"},
	} {
		_, err := LoadSeed(writeFile(t, tc.name, tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %q: error %v, want it to contain %q", tc.name, tc.body, err, tc.want)
		}
	}
	if _, err := LoadSeed(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("a missing file loaded")
	}
	if _, err := New(Options{Seed: &Seed{}}); err == nil {
		t.Error("New accepted a seed without statuses")
	}
}

func TestDefaultSeedIsValid(t *testing.T) {
	if err := DefaultSeed().validate(); err != nil {
		t.Fatal(err)
	}
}
