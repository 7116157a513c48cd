package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// sizeEnv is a sandbox with PHP's default post_max_size (8 MB, its
// MaxBodyBytes) behind a proxy that counts the requests whose body
// carries the marker of the one oversized ticket, and the requests over
// 1 MiB, and a CSV export of 40 tickets of which BIG is that ticket.
type sizeEnv struct {
	srv               *whmcstest.Server
	marked, large     atomic.Int64
	calls             atomic.Int64
	data, work, cfg   string
	bigSubject        string
	bigID, bigMessage string
}

const sizeMarker = "ZQXJBIGMARK"

func newSizeEnv(t *testing.T, attach bool) *sizeEnv {
	t.Helper()
	e := &sizeEnv{srv: whmcstest.NewServer(whmcstest.Options{MaxBodyBytes: whmcstest.DefaultMaxBodyBytes, TimeZone: syncDstZone})}
	t.Cleanup(e.srv.Close)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.calls.Add(1)
		if bytes.Contains(body, []byte(sizeMarker)) {
			e.marked.Add(1)
		}
		if len(body) > 1<<20 {
			e.large.Add(1)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		e.srv.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)

	e.data, e.work = t.TempDir(), t.TempDir()
	var tk, ms strings.Builder
	tk.WriteString("id,subject,department,email,name,created\n")
	ms.WriteString("ticket_id,id,type,author,name,email,created,body,attachments\n")
	for i := 1; i <= 40; i++ {
		id, subject := fmt.Sprintf("T%02d", i), fmt.Sprintf("Question %d", i)
		if i == 17 {
			id, subject = "BIG", "Huge "+sizeMarker
		}
		fmt.Fprintf(&tk, "%s,%s,Sales,guest%d@example.org,Guest %d,\n", id, subject, i, i)
		fmt.Fprintf(&ms, "%s,%s-1,reply,customer,Guest %d,guest%d@example.org,2024-03-01 09:%02d:00,Hello %d %s,\n", id, id, i, i, i, i, map[bool]string{true: sizeMarker}[id == "BIG"])
		fmt.Fprintf(&ms, "%s,%s-2,reply,staff,Jane,jane@old.example,2024-03-01 10:%02d:00,Answer %d,\n", id, id, i, i)
	}
	if attach {
		// A 7 MB file: about 9.3 MB once in base64, twice.
		big := bytes.Repeat([]byte{0xA5, 0x5A, 0x00, 0xFF}, 7<<20/4)
		must(t, os.WriteFile(filepath.Join(e.data, "dump.bin"), big, 0o600))
		fmt.Fprintf(&ms, "BIG,BIG-3,reply,customer,Guest 17,guest17@example.org,2024-03-02 09:00:00,the dump %s,dump.bin\n", sizeMarker)
		e.bigMessage = "BIG-3"
	} else {
		// A 9 MB reply.
		fmt.Fprintf(&ms, "BIG,BIG-3,reply,customer,Guest 17,guest17@example.org,2024-03-02 09:00:00,%s %s,\n", sizeMarker, strings.Repeat("lorem ipsum ", 9<<20/12))
		e.bigMessage = "BIG-3"
	}
	e.bigID, e.bigSubject = "BIG", "Huge "+sizeMarker
	must(t, os.WriteFile(filepath.Join(e.data, "tickets.csv"), []byte(tk.String()), 0o600))
	must(t, os.WriteFile(filepath.Join(e.data, "messages.csv"), []byte(ms.String()), 0o600))
	e.cfg = filepath.Join(e.work, "config.yaml")
	must(t, os.WriteFile(e.cfg, []byte(`source:
  type: csv
  path: `+e.data+`
  timezone: Europe/Berlin
target:
  url: `+proxy.URL+`/includes/api.php
  identifier: `+e.srv.Identifier+`
  secret: `+e.srv.Secret+`
  timezone: America/Chicago
  rate: 0
  concurrency: 4
mapping:
  departments: {Sales: 1}
  staff: {"jane@old.example": admin}
checkpoint: migration.db
`), 0o600))
	return e
}

// checkExact checks that WHMCS holds the 39 other tickets, each with its
// two replies, and nothing of BIG.
func (e *sizeEnv) checkExact(t *testing.T) {
	t.Helper()
	st := e.srv.State()
	if len(st.Tickets) != 39 {
		t.Fatalf("WHMCS holds %d tickets, want the 39 others", len(st.Tickets))
	}
	for _, tk := range st.Tickets {
		if strings.Contains(tk.Subject, sizeMarker) {
			t.Fatalf("a half-built BIG is in WHMCS: %+v", tk.Subject)
		}
		// The opening message is the first reply; the staff answer is a reply.
		if len(tk.Replies) != 1 || !strings.HasPrefix(tk.Message, "Hello ") || !strings.HasPrefix(tk.Replies[0].Message, "Answer ") {
			t.Errorf("ticket %s %q: message %q, %d replies", tk.TID, tk.Subject, tk.Message, len(tk.Replies))
		}
	}
	if n := e.marked.Load(); n != 0 {
		t.Fatalf("%d requests carried BIG's content: want none, its ticket fails before any call", n)
	}
	if n := e.large.Load(); n != 0 {
		t.Fatalf("%d requests over 1 MiB were sent", n)
	}
}

// One 9 MB reply (or a 7 MB attachment) among 40 tickets, against PHP's
// default post_max_size (8 MB) in the sandbox: validate names the ticket,
// the entry and the size; run fails that ticket alone before any of its
// calls (no request carries its content, none is half-built), imports the
// 39 others exactly and exits 3, its summary and failures naming the size
// and target.max_request_size; the next run does the same with no new
// write.
func TestOversizedTicketFailsAlone(t *testing.T) {
	for _, attach := range []bool{false, true} {
		name := map[bool]string{false: "9MB reply", true: "7MB attachment"}[attach]
		t.Run(name, func(t *testing.T) {
			e := newSizeEnv(t, attach)
			rj := filepath.Join(e.work, "validate.json")
			code, out, errOut := cli(t, "validate", "--config", e.cfg, "--report", rj)
			if code != exitIncomplete {
				t.Fatalf("validate: exit %d, want %d\n%s\n%s", code, exitIncomplete, out, errOut)
			}
			var v struct {
				Problems []struct{ Ticket, Entry, Severity, Code, Message string }
			}
			b, err := os.ReadFile(rj)
			must(t, err)
			must(t, json.Unmarshal(b, &v))
			found := false
			for _, p := range v.Problems {
				if p.Code == "request_too_large" {
					if p.Ticket != "BIG" || p.Severity != "error" || !strings.Contains(p.Entry, e.bigMessage) ||
						!strings.Contains(p.Message, "MiB") || !strings.Contains(p.Message, "target.max_request_size") {
						t.Errorf("validate's problem: %+v", p)
					}
					found = true
				} else if p.Severity == "error" {
					t.Errorf("unexpected error: %+v", p)
				}
			}
			if !found || !strings.Contains(out, "BIG") || !strings.Contains(out, "request_too_large") {
				t.Fatalf("validate does not name BIG's request_too_large:\n%s\n%+v", out, v.Problems)
			}
			if e.srv.WriteCalls() != 0 || e.marked.Load() != 0 {
				t.Fatalf("validate wrote or sent BIG's content")
			}

			fails := filepath.Join(e.work, "failures.jsonl")
			code, out, errOut = cli(t, "run", "--config", e.cfg, "--no-progress", "--failures", fails)
			if code != exitIncomplete {
				t.Fatalf("run: exit %d, want %d\n%s\n%s", code, exitIncomplete, out, errOut)
			}
			if !strings.Contains(out, "39 imported") || !strings.Contains(out, "1 failed") || !strings.Contains(out, "FAILED BIG") ||
				!strings.Contains(out, "MiB") || !strings.Contains(out, "target.max_request_size") || strings.Contains(out, "STOPPED") {
				t.Errorf("run's summary:\n%s", out)
			}
			b, err = os.ReadFile(fails)
			must(t, err)
			if !strings.Contains(string(b), `"request_too_large"`) || !strings.Contains(string(b), `"BIG"`) {
				t.Errorf("failures file: %s", b)
			}
			e.checkExact(t)
			writes := e.srv.WriteCalls()

			code, out, errOut = cli(t, "run", "--config", e.cfg, "--no-progress")
			if code != exitIncomplete || !strings.Contains(out, "FAILED BIG") || !strings.Contains(out, "target.max_request_size") {
				t.Fatalf("second run: exit %d\n%s\n%s", code, out, errOut)
			}
			if w := e.srv.WriteCalls(); w != writes {
				t.Errorf("the second run wrote %d times", w-writes)
			}
			e.checkExact(t)
		})
	}
}

// With a higher target.max_request_size than the server's real
// post_max_size, a large request reaches WHMCS, which sees it empty and
// answers Authentication Failed: after the passed preflight that is that
// ticket's request_too_large, never the run's fatal error.
func TestPostMaxSizeRefusalFailsTheTicketOnly(t *testing.T) {
	e := newSizeEnv(t, false)
	cfg, err := os.ReadFile(e.cfg)
	must(t, err)
	must(t, os.WriteFile(e.cfg, bytes.Replace(cfg, []byte("  rate: 0\n"), []byte("  rate: 0\n  max_request_size: 32MB\n"), 1), 0o600))
	code, out, errOut := cli(t, "run", "--config", e.cfg, "--no-progress")
	if code != exitIncomplete || !strings.Contains(out, "39 imported") || !strings.Contains(out, "FAILED BIG") ||
		!strings.Contains(out, "post_max_size") || strings.Contains(out, "STOPPED") {
		t.Fatalf("run: exit %d, want %d\n%s\n%s", code, exitIncomplete, out, errOut)
	}
	// BIG's oversized reply reached the sandbox, which read it empty and
	// refused it: BIG stays opened with its first replies (the fallback
	// cannot know before sending), and the 39 others are all there.
	if e.large.Load() == 0 {
		t.Fatal("no large request reached the sandbox")
	}
	if st := e.srv.State(); len(st.Tickets) != 40 {
		t.Fatalf("WHMCS holds %d tickets, want 40", len(st.Tickets))
	}
}
