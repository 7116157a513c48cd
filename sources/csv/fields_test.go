package csv

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

func writeFields(t *testing.T, tickets string) string {
	t.Helper()
	dir := t.TempDir()
	msgs := "ticket_id,type,author,name,email,created,body\nT1,reply,customer,Ann,ann@example.com,2024-01-01 10:00:00,hello\nT2,reply,customer,Ann,ann@example.com,2024-01-01 10:00:00,hi\n"
	for name, body := range map[string]string{"tickets.csv": tickets, "messages.csv": msgs} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// The number, assignee and custom-field columns, and what a mapped column
// that is not there does.
func TestTicketFieldsColumns(t *testing.T) {
	dir := writeFields(t, "id,subject,email,number,assignee,Plan,Server Name,Other\n"+
		"T1,s,ann@example.com,483920,jane@old.example,Pro , web-3,x\n"+
		"T2,s,ann@example.com,,Mike Staff,,,\n")
	s, err := Open(Options{Path: dir}, sources.Env{Location: time.UTC, Fields: []string{"plan", "SERVER NAME"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ts := readAll(t, s, sources.ReadOptions{})
	t1, t2 := ts[0], ts[1]
	if t1.Number != "483920" || t1.Assignee != (sources.Person{Email: "jane@old.example"}) {
		t.Errorf("T1 number %q assignee %+v", t1.Number, t1.Assignee)
	}
	if want := map[string]string{"plan": "Pro", "server name": "web-3"}; !reflect.DeepEqual(t1.Fields, want) {
		t.Errorf("T1 fields %v, want %v", t1.Fields, want)
	}
	if t2.Number != "" || t2.Assignee != (sources.Person{Name: "Mike Staff"}) || t2.Fields != nil {
		t.Errorf("T2 number %q assignee %+v fields %v", t2.Number, t2.Assignee, t2.Fields)
	}
	// Only the column nobody reads is unknown.
	var unknown []string
	for _, p := range t1.Problems {
		if p.Code == sources.CodeUnknownColumn {
			unknown = append(unknown, p.Field)
		}
	}
	if !reflect.DeepEqual(unknown, []string{"Other"}) {
		t.Errorf("unknown_column fields %v, want [Other]", unknown)
	}

	_, err = Open(Options{Path: dir}, sources.Env{Location: time.UTC, Fields: []string{"plan", "domain"}})
	if err == nil || !strings.Contains(err.Error(), "tickets.csv:1: no column domain, which mapping.custom_fields reads") {
		t.Errorf("a mapped column that is missing: %v", err)
	}
}
