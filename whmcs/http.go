package whmcs

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/whmcs-migrate/whmcs-migrate/internal/redact"
)

// Options configures NewHTTP. URL and one set of credentials are required;
// every other field has a default.
type Options struct {
	// URL is the API endpoint, e.g. https://billing.example.com/includes/api.php.
	// It must not carry credentials (user:pass@ or a query string).
	URL string
	// Identifier and Secret are API credentials (the default mode).
	Identifier, Secret string
	// Username and Password are a legacy admin login; Password is plain and
	// sent as its md5 hex digest, as WHMCS expects.
	Username, Password string
	// AccessKey is configuration.php's $api_access_key (optional; it
	// bypasses WHMCS's IP allow-list).
	AccessKey string
	// Location is the WHMCS server's time zone: request times are rendered
	// and answer dates parsed in it. Default UTC.
	Location *time.Location
	// Timeout bounds one call from dialling to the end of the answer.
	// Default 60s.
	Timeout time.Duration
	// DialTimeout bounds establishing a connection, so that an address
	// where nothing answers fails in seconds, not after Timeout. Default
	// 10s.
	DialTimeout time.Duration
	// MaxConns is the number of keep-alive connections kept open to the
	// server; set it to the worker count. Default 8.
	MaxConns int
	// CAFile is a PEM file of CA certificates trusted instead of the
	// system's (a private CA).
	CAFile string
	// InsecureSkipVerify turns TLS verification off. A warning is logged.
	InsecureSkipVerify bool
	// UserAgent is sent on every call. Default "whmcs-migrate".
	UserAgent string
	// Logger receives a warning for InsecureSkipVerify and a debug line per
	// call (action, status, duration; never parameters or credentials).
	// Default: discard.
	Logger *slog.Logger
	// HTTPClient replaces the client built from Timeout, MaxConns, CAFile
	// and InsecureSkipVerify (which are then ignored). Its redirect policy
	// should not follow redirects: a followed POST redirect becomes a GET.
	HTTPClient *http.Client
}

// maxAnswer bounds the answer read into memory (GetTicket with many large
// messages is the biggest).
const maxAnswer = 256 << 20

// HTTP is the innermost Caller: one POST to the WHMCS API per call, its
// answer classified into success or an *Error. It never retries. Safe for
// concurrent use.
type HTTP struct {
	url     string // validated, no userinfo
	creds   string // encoded credentials and responsetype, to append
	secrets []string
	loc     *time.Location
	ua      string
	client  *http.Client
	log     *slog.Logger
	// clock is the server clock's offset seen in the latest answer with
	// a Date header; nil until one came.
	clock atomic.Pointer[time.Duration]
}

var _ Caller = (*HTTP)(nil)

// clockTolerance is below what an HTTP Date header can show: it has
// whole seconds, and the answer takes time to arrive.
const clockTolerance = 2 * time.Second

// ServerClockOffset reports how far the WHMCS server's clock is ahead of
// the local one (negative: behind), as the HTTP Date header of the latest
// answer that had one shows it: that Date minus the local time the answer
// arrived. The header has whole seconds, so an offset under 2s either way
// is reported as 0. ok is false until an answer with a readable Date
// came; any answer counts, an error or a 429 too.
func (h *HTTP) ServerClockOffset() (offset time.Duration, ok bool) {
	if d := h.clock.Load(); d != nil {
		return *d, true
	}
	return 0, false
}

// observeClock records the server clock's offset from res's Date header,
// received at recv.
func (h *HTTP) observeClock(res *http.Response, recv time.Time) {
	date, err := http.ParseTime(res.Header.Get("Date"))
	if err != nil {
		return
	}
	d := date.Sub(recv)
	if d > -clockTolerance && d < clockTolerance {
		d = 0
	}
	h.clock.Store(&d)
}

// NewHTTP checks o and returns a Caller for the WHMCS API at o.URL.
func NewHTTP(o Options) (*HTTP, error) {
	u, err := url.Parse(o.URL)
	if err != nil {
		return nil, errors.New("whmcs: API URL does not parse") // err would echo the URL, which may hold a password
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("whmcs: API URL %s: want http:// or https:// and a host", u.Redacted())
	}
	if u.User != nil {
		return nil, fmt.Errorf("whmcs: API URL %s carries credentials; pass them as API credentials instead", u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("whmcs: API URL must not have a query string or fragment")
	}
	h := &HTTP{url: u.String(), loc: o.Location, ua: o.UserAgent, log: o.Logger}
	if h.loc == nil {
		h.loc = time.UTC
	}
	if h.ua == "" {
		h.ua = "whmcs-migrate"
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}

	v := url.Values{"responsetype": {"json"}}
	switch {
	case o.Identifier != "" && o.Secret != "":
		v.Set("identifier", o.Identifier)
		v.Set("secret", o.Secret)
		h.secrets = append(h.secrets, o.Secret)
	case o.Username != "" && o.Password != "":
		sum := md5.Sum([]byte(o.Password))
		v.Set("username", o.Username)
		v.Set("password", hex.EncodeToString(sum[:]))
		h.secrets = append(h.secrets, o.Password, hex.EncodeToString(sum[:]))
	case o.Identifier != "" || o.Secret != "":
		return nil, errors.New("whmcs: API credentials need both identifier and secret")
	case o.Username != "" || o.Password != "":
		return nil, errors.New("whmcs: admin login needs both username and password")
	case o.AccessKey == "":
		return nil, errors.New("whmcs: no credentials: give an API identifier and secret, or an admin username and password")
	}
	if o.AccessKey != "" {
		v.Set("accesskey", o.AccessKey)
		h.secrets = append(h.secrets, o.AccessKey)
	}
	h.creds = v.Encode()

	if o.HTTPClient != nil {
		h.client = o.HTTPClient
		return h, nil
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 8
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 10 * time.Second
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: o.DialTimeout, KeepAlive: 30 * time.Second}).DialContext
	tr.MaxIdleConns = o.MaxConns
	tr.MaxIdleConnsPerHost = o.MaxConns
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("whmcs: CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("whmcs: CA file %s holds no PEM certificate", o.CAFile)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	if o.InsecureSkipVerify {
		tr.TLSClientConfig.InsecureSkipVerify = true
		h.log.Warn("TLS certificate verification is off: anyone on the path can read the API credentials", "url", h.url)
	}
	h.client = &http.Client{
		Transport: tr,
		Timeout:   o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return h, nil
}

// Location returns the WHMCS server's time zone.
func (h *HTTP) Location() *time.Location { return h.loc }

// Call implements Caller. See the Kind constants for the classification
// and MaybeProcessed for when a failed write may still have taken effect.
func (h *HTTP) Call(ctx context.Context, req Request, resp any) error {
	action := req.Action()
	write := req.Write()
	if err := ctx.Err(); err != nil {
		return &Error{Action: action, Kind: KindTransport, Message: "not sent: " + err.Error(), Err: err}
	}

	params := url.Values{}
	req.Encode(params, h.loc)
	var body strings.Builder
	body.Grow(len("action=&") + len(action) + len(h.creds) + 1 + 256)
	body.WriteString("action=")
	body.WriteString(url.QueryEscape(action))
	body.WriteByte('&')
	body.WriteString(h.creds)
	if len(params) > 0 {
		body.WriteByte('&')
		body.WriteString(params.Encode())
	}

	// wrote is set once any attempt has sent the whole request: from then
	// on a write may have been processed.
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				wrote.Store(true)
			}
		},
	}
	hreq, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodPost, h.url, strings.NewReader(body.String()))
	if err != nil {
		return &Error{Action: action, Kind: KindTransport, Message: "building the request", Err: err}
	}
	hreq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", h.ua)

	start := time.Now()
	res, err := h.client.Do(hreq)
	if err != nil {
		e := h.transportError(action, write && wrote.Load(), err)
		h.log.Debug("whmcs call", "action", action, "error", e.Error(), "duration", time.Since(start))
		return e
	}
	h.observeClock(res, time.Now())
	data, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer+1))
	res.Body.Close()
	h.log.Debug("whmcs call", "action", action, "status", res.StatusCode, "bytes", len(data), "duration", time.Since(start))
	if err != nil {
		// Headers arrived, so the request was sent and WHMCS answered.
		return h.transportError(action, write, err)
	}
	if len(data) > maxAnswer {
		return &Error{Action: action, Kind: KindServer, Status: res.StatusCode, MaybeProcessed: write,
			Message: fmt.Sprintf("answer larger than %d MiB", maxAnswer>>20)}
	}
	return h.classify(action, write, int64(body.Len()), res, data, resp)
}

// transportError builds a KindTransport error for a call with no (complete)
// answer. The underlying error is kept for errors.Is (context.Canceled,
// net.Error), but without *url.Error's copy of the URL.
func (h *HTTP) transportError(action string, maybe bool, err error) *Error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &Error{Action: action, Kind: KindTransport, MaybeProcessed: maybe, Err: h.redactErr(err)}
}

// envelope is the part of every WHMCS answer that says how it went.
type envelope struct {
	Result  json.RawMessage `json:"result"`
	Status  json.RawMessage `json:"status"` // some error paths say status=error
	Message json.RawMessage `json:"message"`
}

func rawString(b json.RawMessage) string {
	if len(b) == 0 {
		return ""
	}
	var t Text
	if err := t.UnmarshalJSON(b); err != nil {
		return string(b)
	}
	return string(t)
}

func (h *HTTP) classify(action string, write bool, size int64, res *http.Response, data []byte, resp any) error {
	status := res.StatusCode
	e := &Error{Action: action, Status: status}

	// 413 from whoever answers (nginx's client_max_body_size, a WAF):
	// refused for its size, before processing.
	if status == http.StatusRequestEntityTooLarge {
		e.Kind, e.Size = KindTooLarge, size
		e.Message = fmt.Sprintf("request of %s refused for its size (a web server's or proxy's body limit, e.g. nginx's client_max_body_size)%s",
			formatBytes(size), h.describe(res, bytes.TrimSpace(data)))
		return e
	}

	// 429 first: whoever answers it (WHMCS, nginx, a WAF with an HTML
	// page) refused the call before processing it.
	if status == http.StatusTooManyRequests {
		e.Kind = KindThrottled
		e.RetryAfter = retryAfter(res.Header, time.Now())
		var env envelope
		if json.Unmarshal(data, &env) == nil {
			e.Message = h.redact(rawString(env.Message))
		}
		if e.Message == "" {
			e.Message = "too many requests"
		}
		return e
	}
	if status >= 300 && status < 400 {
		e.Kind = KindAuth
		loc := "elsewhere"
		if u, err := url.Parse(res.Header.Get("Location")); err == nil && u.String() != "" {
			u.User, u.RawQuery = nil, ""
			loc = u.String()
		}
		e.Message = "redirected to " + loc + "; use the final API URL"
		return e
	}

	var env envelope
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(trimmed, &env) != nil {
		e.Kind = KindServer
		// A 4xx page (WAF, body too large) refused the request; a 5xx or a
		// 2xx that is not JSON (a PHP fatal error) may follow a commit.
		e.MaybeProcessed = write && (status < 400 || status >= 500)
		e.Message = "answer is not WHMCS JSON" + h.describe(res, trimmed)
		return e
	}
	msg := h.redact(rawString(env.Message))

	switch {
	case status >= 500:
		e.Kind = KindServer
		e.MaybeProcessed = write
		e.Message = msg
		if e.Message == "" {
			e.Message = http.StatusText(status)
		}
		return e
	case status >= 400 && msg == "Authentication Failed" && size >= LargeRequest:
		// PHP empties a POST over post_max_size: WHMCS sees no
		// credentials. On a request this large that is the likely cause.
		e.Kind, e.Size = KindTooLarge, size
		e.Message = fmt.Sprintf("Authentication Failed on a request of %s: probably refused for its size "+
			"(PHP's post_max_size empties a larger POST, so WHMCS sees no credentials); see target.max_request_size", formatBytes(size))
		return e
	case status >= 400:
		e.Kind = KindAuth
		e.Message = msg
		if e.Message == "" {
			e.Message = http.StatusText(status)
		}
		if msg == "Authentication Failed" && size >= 64<<10 {
			// Below LargeRequest it stays fatal, but the size may be why.
			e.Message += fmt.Sprintf(" (on a request of %s: if PHP's post_max_size is smaller, WHMCS read it empty; "+
				"then set target.max_request_size to post_max_size)", formatBytes(size))
		}
		return e
	}

	result := rawString(env.Result)
	if result == "error" || result == "" && rawString(env.Status) == "error" {
		e.Kind = KindBusiness
		e.Message = msg
		if e.Message == "" {
			e.Message = "result=error without a message"
		}
		return e
	}
	if result != "success" && result != "" {
		e.Kind = KindServer
		e.MaybeProcessed = write
		e.Message = fmt.Sprintf("unexpected result %q", h.redact(result))
		return e
	}
	// Success, or (as in GetAdminUsers' documented answer) no result key.
	if resp != nil {
		if err := json.Unmarshal(trimmed, resp); err != nil {
			e.Kind = KindServer
			e.MaybeProcessed = write // WHMCS said success: it was processed
			e.Message = "success answer not understood"
			e.Err = h.redactErr(err)
			return e
		}
	}
	return nil
}

// describe summarises a non-JSON answer for an error message: its content
// type and its first line of text, secrets removed.
func (h *HTTP) describe(res *http.Response, body []byte) string {
	s := ""
	if ct, _, err := mime.ParseMediaType(res.Header.Get("Content-Type")); err == nil {
		s = " (" + ct + ")"
	}
	if len(body) == 0 {
		return s + ": empty body"
	}
	snippet := body
	if len(snippet) > 512 {
		snippet = snippet[:512]
	}
	text := strings.Join(strings.Fields(stripTags(string(snippet))), " ")
	for len(text) > 0 && !utf8.ValidString(text) {
		text = text[:len(text)-1]
	}
	if len(text) > 120 {
		text = text[:120] + "…"
	}
	if text == "" {
		return s
	}
	return s + ": " + h.redact(text)
}

// stripTags removes HTML tags, keeping the text between them.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
			b.WriteByte(' ')
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// redact removes the credentials (plain, form- and path-escaped) from s.
func (h *HTTP) redact(s string) string { return scrub(s, h.secrets) }

func scrub(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec == "" {
			continue
		}
		for _, form := range []string{sec, url.QueryEscape(sec), url.PathEscape(sec)} {
			s = strings.ReplaceAll(s, form, "[redacted]")
		}
	}
	return s
}

// redactErr returns err with the credentials removed from its text; the
// original stays reachable for errors.Is/As (context.Canceled, net.Error).
func (h *HTTP) redactErr(err error) error { return redact.Error(err, h.redact) }

// retryAfter reads Retry-After as delay-seconds or an HTTP-date (measured
// from the answer's Date header when it has one, else from now). 0 when
// absent or unreadable.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		now = d
	}
	if d := t.Sub(now); d > 0 {
		return d
	}
	return 0
}
