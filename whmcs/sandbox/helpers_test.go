package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// answer is one HTTP answer of the sandbox.
type answer struct {
	status int
	header http.Header
	body   []byte
	m      map[string]any // decoded JSON, nil when not JSON
}

func (a answer) str(k string) string { s, _ := a.m[k].(string); return s }

// post sends params urlencoded with the server's credentials (unless
// params already set identifier, username or accesskey... credentials can
// be overridden by setting them in params).
func post(t testing.TB, s *Server, params map[string]string) answer {
	t.Helper()
	v := url.Values{"identifier": {s.Identifier}, "secret": {s.Secret}, "responsetype": {"json"}}
	for k, x := range params {
		if x == "\x00" {
			v.Del(k)
			continue
		}
		v.Set(k, x)
	}
	resp, err := http.PostForm(s.APIURL(), v)
	if err != nil {
		t.Fatalf("post %s: %v", params["action"], err)
	}
	return read(t, resp)
}

func postMultipart(t testing.TB, s *Server, params map[string]string) answer {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.WriteField("identifier", s.Identifier)
	w.WriteField("secret", s.Secret)
	for k, x := range params {
		w.WriteField(k, x)
	}
	w.Close()
	resp, err := http.Post(s.APIURL(), w.FormDataContentType(), &b)
	if err != nil {
		t.Fatal(err)
	}
	return read(t, resp)
}

func read(t testing.TB, resp *http.Response) answer {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, body: b}
	json.Unmarshal(b, &a.m)
	return a
}

// ok asserts a success answer and returns it.
func ok(t testing.TB, a answer) answer {
	t.Helper()
	if a.status != 200 || a.str("result") != "success" {
		t.Fatalf("want success, got HTTP %d %s", a.status, a.body)
	}
	return a
}

// wantErr asserts an error answer with status and the exact message.
func wantErr(t testing.TB, a answer, status int, msg string) {
	t.Helper()
	if a.status != status || a.str("result") != "error" || a.str("message") != msg {
		t.Fatalf("want HTTP %d error %q, got HTTP %d %s", status, msg, a.status, a.body)
	}
}

// fixedNow is a clock stopped at 2026-03-10 12:00:00 UTC.
func fixedNow() time.Time { return time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC) }

func newTestServer(t testing.TB, o Options) *Server {
	t.Helper()
	if o.Now == nil {
		o.Now = fixedNow
	}
	s, err := Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// open opens a ticket for client 1 in department 1 and returns its id.
func open(t testing.TB, s *Server, extra map[string]string) string {
	t.Helper()
	p := map[string]string{"action": "OpenTicket", "deptid": "1", "subject": "Printer on fire", "message": "Help", "clientid": "1", "noemail": "1"}
	for k, v := range extra {
		p[k] = v
	}
	return ok(t, post(t, s, p)).str("id")
}
