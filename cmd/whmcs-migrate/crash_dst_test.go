package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// dropFirst serves the sandbox but, for the first request of one action,
// lets the sandbox process it and then closes the connection without an
// answer: what --drop-rate does at random, here on the call we choose.
type dropFirst struct {
	next    http.Handler
	action  string
	mu      sync.Mutex
	dropped int
}

func (d *dropFirst) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	d.mu.Lock()
	drop := form.Get("action") == d.action && d.dropped == 0
	if drop {
		d.dropped++
	}
	d.mu.Unlock()
	if !drop {
		d.next.ServeHTTP(w, r)
		return
	}
	d.next.ServeHTTP(httptest.NewRecorder(), r) // processed (committed)
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close() // ... and no answer
	}
}

// An entry dated in the hour that is repeated when WHMCS's clocks go back
// (2022-11-06 01:00-02:00 in Chicago, here 01:45 CST = 07:45Z) reads back
// from WHMCS as the earlier 01:45 (CDT), an hour before the instant the
// importer sent. A write of such an entry whose answer is lost must still
// be found by reconciliation, not sent again.
func TestReconcileInRepeatedHour(t *testing.T) {
	for _, action := range []string{"OpenTicket", "AddTicketReply", "AddTicketNote"} {
		t.Run(action, func(t *testing.T) {
			sb, err := whmcstest.New(whmcstest.Options{TimeZone: whmcsZone})
			if err != nil {
				t.Fatal(err)
			}
			drop := &dropFirst{next: sb.Handler(), action: action}
			srv := httptest.NewServer(drop)
			defer srv.Close()

			dir := t.TempDir()
			files := map[string]string{
				"tickets.csv": "id,subject,department,status,email,name\n" +
					"D1,Clocks go back,,resolved,cynthia@example.com,Cynthia Reilly\n",
				"messages.csv": "ticket_id,id,type,author,name,email,created,body\n" +
					"D1,1,reply,customer,Cynthia Reilly,cynthia@example.com,2022-11-06T07:45:05Z,Opening message\n" +
					"D1,2,note,staff,Jane Staff,jane@old.example,2022-11-06T07:46:00Z,A note\n" +
					"D1,3,reply,staff,Jane Staff,jane@old.example,2022-11-06T07:50:00Z,A staff reply\n",
				"config.yaml": fmt.Sprintf(`source: {type: csv, path: ., timezone: UTC}
target: {url: %q, identifier: %s, secret: %s, timezone: America/Chicago, rate: 0}
mapping: {default_department: 2, default_staff: admin, clients: match_email, statuses: {resolved: Closed}}
checkpoint: migration.db
`, srv.URL+"/includes/api.php", whmcstest.DefaultIdentifier, whmcstest.DefaultSecret),
			}
			for name, content := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			var stdout, stderr bytes.Buffer
			code := execute(context.Background(), []string{"run", "--config", filepath.Join(dir, "config.yaml"), "--no-progress"}, &stdout, &stderr)
			if code != exitOK {
				t.Fatalf("run exited %d\n%s\n%s", code, &stdout, &stderr)
			}
			if drop.dropped != 1 {
				t.Fatalf("no %s answer was dropped", action)
			}
			st := sb.State()
			if len(st.Tickets) != 1 {
				t.Fatalf("WHMCS holds %d tickets, want 1 (the lost OpenTicket answer was resent)\n%s", len(st.Tickets), &stdout)
			}
			tk := st.Tickets[0]
			if len(tk.Replies) != 1 || len(tk.Notes) != 1 {
				t.Fatalf("WHMCS ticket has %d replies and %d notes, want 1 and 1 (a write whose answer was lost was sent again)\n%s",
					len(tk.Replies), len(tk.Notes), &stdout)
			}

			// verify finds WHMCS as planned: dates in the repeated hour
			// are compared as WHMCS can hold them.
			stdout.Reset()
			stderr.Reset()
			if code := execute(context.Background(), []string{"verify", "--config", filepath.Join(dir, "config.yaml")}, &stdout, &stderr); code != exitOK {
				t.Fatalf("verify exited %d\n%s\n%s", code, &stdout, &stderr)
			}
		})
	}
}
