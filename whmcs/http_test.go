package whmcs

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testSecret    = "S3cr3t/with+odd&chars=xyz"
	testPassword  = "hunter2-Pa55word!"
	testAccessKey = "acc3ss!@#$%.()*[]-_key"
)

// secretForms lists every spelling of a credential that must never leak.
func secretForms() []string {
	sum := md5.Sum([]byte(testPassword))
	var out []string
	for _, s := range []string{testSecret, testPassword, hex.EncodeToString(sum[:]), testAccessKey} {
		out = append(out, s, url.QueryEscape(s))
	}
	return out
}

// noSecret fails t when err's text, or any error it wraps, holds a credential.
func noSecret(t *testing.T, err error) {
	t.Helper()
	for e := err; e != nil; e = errors.Unwrap(e) {
		for _, txt := range []string{e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e)} {
			for _, s := range secretForms() {
				if strings.Contains(txt, s) {
					t.Fatalf("error leaks a credential %q: %s", s, txt)
				}
			}
		}
	}
}

// logBuf is a concurrency-safe log sink.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newCaller returns an *HTTP for url with every kind of credential set,
// logging at debug level into a buffer that the cleanup checks for leaks.
func newCaller(t *testing.T, u string, tweak ...func(*Options)) *HTTP {
	t.Helper()
	logs := &logBuf{}
	o := Options{
		URL: u, Identifier: "api-identifier", Secret: testSecret, AccessKey: testAccessKey,
		Timeout: 30 * time.Second,
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, f := range tweak {
		f(&o)
	}
	h, err := NewHTTP(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		out := logs.String()
		for _, s := range secretForms() {
			if strings.Contains(out, s) {
				t.Errorf("log leaks a credential: %s", out)
			}
		}
	})
	return h
}

var (
	writeReq = &AddTicketReplyRequest{TicketID: 1, Message: "hello", NoEmail: true}
	readReq  = &GetTicketRequest{TicketID: 1}
)

// serve starts an httptest server answering every call with status, the
// given headers and body.
func serve(t *testing.T, status int, body string, headers ...string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		io.Copy(io.Discard, r.Body)
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(s.Close)
	return s, &calls
}

func asError(t *testing.T, err error) *Error {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got success")
	}
	noSecret(t, err)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want *Error, got %T: %v", err, err)
	}
	return e
}

const htmlPage = `<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head>
<body><h1>Internal Server Error</h1><p>The server encountered an internal error.</p></body></html>`

func TestClassification(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		headers   []string
		kind      Kind
		msg       string // substring of Message
		writeMay  bool   // MaybeProcessed for a write
		retryable bool   // Retryable for a read
		after     time.Duration
	}{
		{name: "HTML 500 page", status: 500, body: htmlPage, headers: []string{"Content-Type", "text/html"},
			kind: KindServer, msg: "answer is not WHMCS JSON (text/html): 500 Internal Server Error", writeMay: true, retryable: true},
		{name: "502 from a proxy", status: 502, body: "<html><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
			headers: []string{"Content-Type", "text/html"}, kind: KindServer, msg: "502 Bad Gateway nginx", writeMay: true, retryable: true},
		{name: "503 JSON", status: 503, body: `{"result":"error","message":"Down for maintenance"}`,
			kind: KindServer, msg: "Down for maintenance", writeMay: true, retryable: true},
		{name: "500 empty body", status: 500, body: "", kind: KindServer, msg: "empty body", writeMay: true, retryable: true},
		{name: "429 Retry-After seconds", status: 429, body: `{"result":"error","message":"Too many requests"}`,
			headers: []string{"Retry-After", "7"}, kind: KindThrottled, msg: "Too many requests", retryable: true, after: 7 * time.Second},
		{name: "429 Retry-After HTTP-date", status: 429, body: "<html>Slow down</html>",
			headers: []string{"Date", "Mon, 02 Jan 2006 15:04:05 GMT", "Retry-After", "Mon, 02 Jan 2006 15:04:35 GMT"},
			kind:    KindThrottled, msg: "too many requests", retryable: true, after: 30 * time.Second},
		{name: "429 no Retry-After", status: 429, body: "", kind: KindThrottled, retryable: true},
		{name: "403 Authentication Failed", status: 403, body: `{"result":"error","message":"Authentication Failed"}`,
			kind: KindAuth, msg: "Authentication Failed"},
		{name: "403 Invalid or missing credentials", status: 403, body: `{"result":"error","message":"Invalid or missing credentials"}`,
			kind: KindAuth, msg: "Invalid or missing credentials"},
		{name: "400 Invalid IP", status: 400, body: `{"result":"error","message":"Invalid IP 203.0.113.9"}`,
			kind: KindAuth, msg: "Invalid IP 203.0.113.9"},
		{name: "403 Invalid Permissions", status: 403, body: `{"result":"error","message":"Invalid Permissions: API action \"addticketreply\" is not allowed"}`,
			kind: KindAuth, msg: `Invalid Permissions: API action "addticketreply" is not allowed`},
		{name: "413 HTML from nginx", status: 413, body: "<html><h1>413 Request Entity Too Large</h1></html>",
			kind: KindTooLarge, msg: "413 Request Entity Too Large"}, // deterministic: never retried
		{name: "302 redirect", status: 302, body: "", headers: []string{"Location", "https://user:pw@example.com/includes/api.php?x=1"},
			kind: KindAuth, msg: "redirected to https://example.com/includes/api.php"},
		{name: "business error", status: 200, body: `{"result":"error","message":"Ticket ID Not Found"}`,
			kind: KindBusiness, msg: "Ticket ID Not Found"},
		{name: "business error status=error", status: 200, body: `{"status":"error","message":"Client Not Found"}`,
			kind: KindBusiness, msg: "Client Not Found"},
		{name: "200 PHP fatal text", status: 200, body: "PHP Fatal error: Allowed memory size exhausted",
			kind: KindServer, msg: "PHP Fatal error", writeMay: true, retryable: true},
		{name: "200 JSON array", status: 200, body: `[1,2]`, kind: KindServer, writeMay: true, retryable: true},
		{name: "200 odd result", status: 200, body: `{"result":"maybe"}`, kind: KindServer, msg: `unexpected result "maybe"`, writeMay: true, retryable: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := serve(t, tc.status, tc.body, tc.headers...)
			h := newCaller(t, s.URL)
			for _, req := range []Request{writeReq, readReq} {
				e := asError(t, h.Call(context.Background(), req, nil))
				if e.Kind != tc.kind || e.Status != tc.status || e.Action != req.Action() {
					t.Errorf("%s: got kind %v status %d action %s, want %v %d", req.Action(), e.Kind, e.Status, e.Action, tc.kind, tc.status)
				}
				if !strings.Contains(e.Message, tc.msg) {
					t.Errorf("%s: message %q lacks %q", req.Action(), e.Message, tc.msg)
				}
				if want := tc.writeMay && req.Write(); e.MaybeProcessed != want {
					t.Errorf("%s: MaybeProcessed = %v, want %v", req.Action(), e.MaybeProcessed, want)
				}
				if !req.Write() && Retryable(e) != tc.retryable {
					t.Errorf("%s: Retryable = %v, want %v", req.Action(), Retryable(e), tc.retryable)
				}
				if e.RetryAfter != tc.after {
					t.Errorf("RetryAfter = %v, want %v", e.RetryAfter, tc.after)
				}
				if !strings.HasPrefix(e.Error(), req.Action()+": HTTP ") {
					t.Errorf("Error() = %q", e.Error())
				}
			}
		})
	}
}

func TestBusinessMessageVerbatim(t *testing.T) {
	const msg = "Invalid Ticket Status. Valid statuses are: Open,Answered,Customer-Reply,Closed,On Hold,In Progress"
	s, _ := serve(t, 200, `{"result":"error","message":"`+msg+`"}`)
	e := asError(t, newCaller(t, s.URL).Call(context.Background(), writeReq, nil))
	if e.Message != msg || e.Error() != "AddTicketReply: HTTP 200: "+msg {
		t.Fatalf("got %q / %q", e.Message, e.Error())
	}
	if Retryable(e) || IsAuth(e) || MaybeProcessed(e) {
		t.Fatal("a business error is final and not processed")
	}
}

func TestRetryAfterHTTPDateWithoutDateHeader(t *testing.T) {
	at := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Date"] = nil // suppress the server's Date
		w.Header().Set("Retry-After", at)
		w.WriteHeader(429)
	}))
	defer s.Close()
	e := asError(t, newCaller(t, s.URL).Call(context.Background(), readReq, nil))
	if e.Kind != KindThrottled || e.RetryAfter < 30*time.Second || e.RetryAfter > 91*time.Second {
		t.Fatalf("got %v after %v", e.Kind, e.RetryAfter)
	}
	if d, ok := RetryAfter(e); !ok || d != e.RetryAfter {
		t.Fatal("RetryAfter predicate disagrees")
	}
}

func TestSuccessDecodes(t *testing.T) {
	s, _ := serve(t, 200, `{"result":"success","id":"17","tid":"516757","c":"KPqH7yG3"}`)
	var w openTicketWire
	if err := newCaller(t, s.URL).Call(context.Background(), &OpenTicketRequest{}, &w); err != nil {
		t.Fatal(err)
	}
	if w.ID != 17 || w.TID != "516757" || w.C != "KPqH7yG3" {
		t.Fatalf("got %+v", w)
	}
	// No result key at all (GetAdminUsers' documented answer) is a success.
	s2, _ := serve(t, 200, `{"count":1,"admin_users":[{"id":1,"username":"admin"}]}`)
	var a adminUsersWire
	if err := newCaller(t, s2.URL).Call(context.Background(), &GetAdminUsersRequest{}, &a); err != nil {
		t.Fatal(err)
	}
	if len(a.AdminUsers) != 1 || a.AdminUsers[0].Username != "admin" {
		t.Fatalf("got %+v", a)
	}
}

func TestSuccessNotUnderstood(t *testing.T) {
	s, _ := serve(t, 200, `{"result":"success","id":"seventeen"}`)
	e := asError(t, newCaller(t, s.URL).Call(context.Background(), &OpenTicketRequest{}, &openTicketWire{}))
	if e.Kind != KindServer || !e.MaybeProcessed {
		t.Fatalf("an OpenTicket success we cannot read was processed: %+v", e)
	}
}

func TestRequestOnTheWire(t *testing.T) {
	var got url.Values
	var ct, ua, method string
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method, ct, ua = r.Method, r.Header.Get("Content-Type"), r.Header.Get("User-Agent")
		r.ParseForm()
		got = r.PostForm
		io.WriteString(w, `{"result":"success"}`)
	}))
	defer s.Close()
	h := newCaller(t, s.URL+"/includes/api.php", func(o *Options) { o.UserAgent = "test-agent" })
	req := &AddTicketReplyRequest{TicketID: 9, Message: "a&b=c", NoEmail: true, Markdown: false}
	if err := h.Call(context.Background(), req, nil); err != nil {
		t.Fatal(err)
	}
	want := url.Values{
		"action": {"AddTicketReply"}, "identifier": {"api-identifier"}, "secret": {testSecret},
		"accesskey": {testAccessKey}, "responsetype": {"json"},
		"ticketid": {"9"}, "message": {"a&b=c"}, "noemail": {"1"},
	}
	if got.Encode() != want.Encode() {
		t.Fatalf("form\n got %v\nwant %v", got, want)
	}
	if method != "POST" || ct != "application/x-www-form-urlencoded" || ua != "test-agent" {
		t.Fatalf("method %s content-type %q user-agent %q", method, ct, ua)
	}

	// Legacy admin login: the password travels as its md5 hex digest.
	h = newCaller(t, s.URL, func(o *Options) {
		o.Identifier, o.Secret, o.AccessKey, o.Username, o.Password = "", "", "", "admin", testPassword
	})
	if err := h.Call(context.Background(), readReq, nil); err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum([]byte(testPassword))
	if got.Get("username") != "admin" || got.Get("password") != hex.EncodeToString(sum[:]) || got.Has("secret") || got.Has("accesskey") {
		t.Fatalf("legacy login form: %v", got)
	}
}

func TestNewHTTPValidation(t *testing.T) {
	for name, o := range map[string]Options{
		"no URL":            {Identifier: "i", Secret: "s"},
		"ftp URL":           {URL: "ftp://example.com/api.php", Identifier: "i", Secret: "s"},
		"userinfo in URL":   {URL: "https://admin:" + testPassword + "@example.com/includes/api.php", Identifier: "i", Secret: testSecret},
		"query in URL":      {URL: "https://example.com/includes/api.php?secret=" + testSecret, Identifier: "i", Secret: "s"},
		"unparsable URL":    {URL: "https://admin:" + testPassword + "@exa mple.com:x/", Identifier: "i", Secret: "s"},
		"no credentials":    {URL: "https://example.com/includes/api.php"},
		"identifier only":   {URL: "https://example.com/includes/api.php", Identifier: "i"},
		"secret only":       {URL: "https://example.com/includes/api.php", Secret: testSecret},
		"username only":     {URL: "https://example.com/includes/api.php", Username: "admin"},
		"missing CA file":   {URL: "https://example.com/includes/api.php", Identifier: "i", Secret: "s", CAFile: "/nonexistent/ca.pem"},
		"accesskey only ok": {},
	} {
		if name == "accesskey only ok" {
			continue
		}
		_, err := NewHTTP(o)
		if err == nil {
			t.Errorf("%s: NewHTTP accepted %+v", name, o.URL)
			continue
		}
		noSecret(t, err)
	}
	// An access key alone is enough (it may be all a setup needs with IP
	// restrictions lifted); Location defaults to UTC.
	h, err := NewHTTP(Options{URL: "http://127.0.0.1/includes/api.php", AccessKey: "k"})
	if err != nil || h.Location() != time.UTC {
		t.Fatalf("access key only: %v", err)
	}
}

func TestInsecureSkipVerifyWarns(t *testing.T) {
	var logs logBuf
	s := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"result":"success"}`)
	}))
	defer s.Close()
	verified := newCaller(t, s.URL)
	e := asError(t, verified.Call(context.Background(), writeReq, nil))
	if e.Kind != KindTransport || e.MaybeProcessed {
		t.Fatalf("untrusted certificate: %+v", e)
	}
	h, err := NewHTTP(Options{URL: s.URL, Identifier: "i", Secret: testSecret, InsecureSkipVerify: true,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Call(context.Background(), writeReq, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "verification is off") {
		t.Fatalf("no warning logged: %q", logs.String())
	}
}

func TestConnectionRefusedIsNotProcessed(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	h := newCaller(t, "http://"+addr+"/includes/api.php")
	e := asError(t, h.Call(context.Background(), writeReq, nil))
	if e.Kind != KindTransport || e.MaybeProcessed || e.Status != 0 || !Retryable(e) {
		t.Fatalf("refused write: %+v", e)
	}
	if strings.Contains(e.Error(), "api.php") {
		t.Errorf("transport error repeats the URL: %s", e.Error())
	}
}

func TestDNSFailureIsNotProcessed(t *testing.T) {
	h := newCaller(t, "http://no-such-host.invalid/includes/api.php")
	e := asError(t, h.Call(context.Background(), writeReq, nil))
	if e.Kind != KindTransport || e.MaybeProcessed {
		t.Fatalf("DNS failure: %+v", e)
	}
}

// dropAfterRead answers nothing: it reads the whole request, then closes
// the connection, as a server that committed and crashed would.
func dropAfterRead(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var seen atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		seen.Add(1)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conn.Close()
	}))
	t.Cleanup(s.Close)
	return s, &seen
}

func TestConnectionDroppedAfterRequest(t *testing.T) {
	s, seen := dropAfterRead(t)
	h := newCaller(t, s.URL)
	e := asError(t, h.Call(context.Background(), writeReq, nil))
	if e.Kind != KindTransport || !e.MaybeProcessed || Retryable(e) || !MaybeProcessed(e) {
		t.Fatalf("dropped write: %+v", e)
	}
	if !strings.HasSuffix(e.Error(), "(may have been processed)") {
		t.Errorf("Error() = %q", e.Error())
	}
	e = asError(t, h.Call(context.Background(), readReq, nil))
	if e.Kind != KindTransport || e.MaybeProcessed || !Retryable(e) {
		t.Fatalf("dropped read: %+v", e)
	}
	if n := seen.Load(); n != 2 {
		t.Fatalf("server saw %d requests, want 2 (a write must not be re-sent by the transport)", n)
	}
}

func TestTruncatedAnswer(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Length", "1000")
		io.WriteString(w, `{"result":"success","id":"1`)
		w.(http.Flusher).Flush()
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}))
	defer s.Close()
	e := asError(t, newCaller(t, s.URL).Call(context.Background(), &OpenTicketRequest{}, &openTicketWire{}))
	if e.Kind != KindTransport || !e.MaybeProcessed {
		t.Fatalf("truncated write answer: %+v", e)
	}
}

// blockUntilGone reads the request, then waits for the client to give up.
func blockUntilGone(t *testing.T) (*httptest.Server, chan struct{}) {
	got := make(chan struct{}, 10)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		got <- struct{}{}
		<-r.Context().Done()
	}))
	t.Cleanup(s.Close)
	return s, got
}

func TestTimeoutAfterSending(t *testing.T) {
	s, got := blockUntilGone(t)
	h := newCaller(t, s.URL, func(o *Options) { o.Timeout = time.Second })
	for _, req := range []Request{writeReq, readReq} {
		e := asError(t, h.Call(context.Background(), req, nil))
		<-got
		var ne net.Error
		if e.Kind != KindTransport || e.MaybeProcessed != req.Write() || !errors.As(e, &ne) || !ne.Timeout() {
			t.Fatalf("%s timed out: %+v (%v)", req.Action(), e, e.Err)
		}
	}
}

func TestCancelAfterSending(t *testing.T) {
	s, _ := blockUntilGone(t)
	h := newCaller(t, s.URL)
	// Cancel the moment the request is written: deterministic, unlike a
	// short timeout. (HTTP's own hook runs before this outer one.)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { cancel() }})
	e := asError(t, h.Call(ctx, writeReq, nil))
	if e.Kind != KindTransport || !e.MaybeProcessed || !errors.Is(e, context.Canceled) {
		t.Fatalf("write cancelled after sending: %+v", e)
	}
}

func TestCancelledBeforeSending(t *testing.T) {
	s, calls := serve(t, 200, `{"result":"success"}`)
	h := newCaller(t, s.URL)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e := asError(t, h.Call(ctx, writeReq, nil))
	if e.Kind != KindTransport || e.MaybeProcessed || !errors.Is(e, context.Canceled) {
		t.Fatalf("cancelled write: %+v", e)
	}
	if calls.Load() != 0 {
		t.Fatal("a cancelled call reached the server")
	}
}

func TestSecretsRedactedFromEchoes(t *testing.T) {
	// A misconfigured server that echoes the request (PHP debug output, a
	// WAF page quoting the body) must not carry the credentials into errors.
	for _, status := range []int{200, 403, 429, 500} {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			w.WriteHeader(status)
			f, _ := url.ParseQuery(string(b))
			plain := f.Get("secret") + " " + f.Get("password") + " " + f.Get("accesskey")
			if status == 403 {
				fmt.Fprintf(w, `{"result":"error","message":"bad credentials %s"}`, plain)
				return
			}
			fmt.Fprintf(w, "<html><body>Request was: %s; plain %s</body></html>", b, plain)
		}))
		for _, tweak := range []func(*Options){nil, func(o *Options) {
			o.Identifier, o.Secret, o.Username, o.Password = "", "", "admin", testPassword
		}} {
			var tw []func(*Options)
			if tweak != nil {
				tw = append(tw, tweak)
			}
			e := asError(t, newCaller(t, s.URL, tw...).Call(context.Background(), writeReq, nil))
			if status != 429 && !strings.Contains(e.Error(), "[redacted]") {
				t.Errorf("HTTP %d: expected a redaction mark in %q", status, e.Error())
			}
		}
		s.Close()
	}
}

func TestMaxConnsReusesConnections(t *testing.T) {
	var conns atomic.Int32
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"result":"success"}`)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	s.Start()
	defer s.Close()
	h := newCaller(t, s.URL, func(o *Options) { o.MaxConns = 4 })
	for round := 0; round < 5; round++ {
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if err := h.Call(context.Background(), readReq, nil); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	// 20 calls by 4 workers: the pool keeps up to 4 connections alive, so
	// far fewer than 20 are opened (exactly 4 unless the scheduler lets a
	// worker start before another's connection is back in the pool).
	if n := conns.Load(); n > 12 {
		t.Fatalf("opened %d connections for 20 calls with MaxConns 4", n)
	}
}

// BenchmarkHTTPCallCanned measures the client's own share of a call: the
// same OpenTicket as BenchmarkClientOpenTicket, answered by a server that
// only drains the body and writes a fixed answer.
func BenchmarkHTTPCallCanned(b *testing.B) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"result":"success","id":"17","tid":"516757","c":"KPqH7yG3"}`)
	}))
	defer s.Close()
	h, err := NewHTTP(Options{URL: s.URL, Identifier: "id", Secret: testSecret})
	if err != nil {
		b.Fatal(err)
	}
	c := NewClient(h, h.Location())
	req := &OpenTicketRequest{
		DeptID: 1, Subject: "Printer on fire", Message: strings.Repeat("A reasonably long ticket message. ", 30),
		ClientID: 1, Priority: "High", Created: time.Now().Add(-time.Hour), NoEmail: true, Markdown: true,
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.OpenTicket(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// The server's clock is learnt from its answers' Date header: unknown
// before the first answer and when the header is missing, the latest
// answer's offset otherwise (errors count too), under 2s reported as 0.
func TestServerClockOffset(t *testing.T) {
	var date atomic.Value // string; "" = no Date header
	date.Store("")
	status := atomic.Int32{}
	status.Store(200)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if d := date.Load().(string); d != "" {
			w.Header().Set("Date", d)
		} else {
			w.Header()["Date"] = nil
		}
		w.WriteHeader(int(status.Load()))
		io.WriteString(w, `{"result":"success"}`)
	}))
	defer s.Close()
	h := newCaller(t, s.URL)
	call := func() {
		t.Helper()
		h.Call(context.Background(), readReq, nil)
	}
	if _, ok := h.ServerClockOffset(); ok {
		t.Fatal("offset known before any answer")
	}
	call()
	if _, ok := h.ServerClockOffset(); ok {
		t.Fatal("offset known from an answer without a Date header")
	}

	for _, tc := range []struct {
		name     string
		skew     time.Duration
		status   int32
		min, max time.Duration
	}{
		{"two days behind", -48 * time.Hour, 200, -48*time.Hour - 5*time.Second, -48*time.Hour + time.Second},
		{"an hour ahead, in a 403", time.Hour, 403, time.Hour - 5*time.Second, time.Hour + time.Second},
		{"in step", 0, 200, 0, 0},
		{"a second ahead is within what the header can show", time.Second, 200, 0, 0},
		{"ten minutes ahead in a 429", 10 * time.Minute, 429, 10*time.Minute - 5*time.Second, 10*time.Minute + time.Second},
	} {
		date.Store(time.Now().Add(tc.skew).UTC().Format(http.TimeFormat))
		status.Store(tc.status)
		call()
		d, ok := h.ServerClockOffset()
		if !ok || d < tc.min || d > tc.max {
			t.Errorf("%s: offset %v, %v; want in [%v, %v]", tc.name, d, ok, tc.min, tc.max)
		}
	}

	// An answer without a Date leaves the last known offset.
	date.Store(time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat))
	call()
	date.Store("")
	call()
	if d, ok := h.ServerClockOffset(); !ok || d > -time.Hour+time.Second || d < -time.Hour-5*time.Second {
		t.Errorf("after an answer without Date: %v, %v; want the previous -1h", d, ok)
	}
}
