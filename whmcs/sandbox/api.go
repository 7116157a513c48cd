package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// obj is a JSON object that keeps its keys in order, so that answers read
// like the reference pages' examples.
type obj []kv

type kv struct {
	k string
	v any
}

func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// apiError is an error answer: {"result":"error","message":msg} with an
// HTTP status (200 for business errors).
type apiError struct {
	status int
	msg    string
}

func bizErr(msg string) *apiError { return &apiError{http.StatusOK, msg} }

// call is one authenticated API request being processed.
type call struct {
	s     *Server
	st    *store
	p     url.Values
	admin *Admin // the admin behind the credentials
	now   time.Time
}

func (c *call) str(k string) string { return c.p.Get(k) }

func (c *call) has(k string) bool { return c.p.Get(k) != "" }

// int reads k as PHP's (int) cast does: leading digits, else 0.
func (c *call) int(k string) int64 { return phpInt(c.p.Get(k)) }

// bool reads k with PHP truthiness: "" and "0" are false, anything else
// (including "false") true.
func (c *call) bool(k string) bool { v := c.p.Get(k); return v != "" && v != "0" }

func phpInt(s string) int64 {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var n int64
	for _, r := range s {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int64(r-'0')
	}
	if neg {
		n = -n
	}
	return n
}

type action struct {
	name  string // as WHMCS spells it
	write bool
	fn    func(*call) (any, *apiError)
}

var actions = map[string]action{}

func init() {
	for _, a := range []action{
		{"OpenTicket", true, (*call).openTicket},
		{"AddTicketReply", true, (*call).addTicketReply},
		{"AddTicketNote", true, (*call).addTicketNote},
		{"UpdateTicket", true, (*call).updateTicket},
		{"UpdateTicketReply", true, (*call).updateTicketReply},
		{"GetContacts", false, (*call).getContacts},
		{"GetClientsProducts", false, (*call).getClientsProducts},
		{"GetClientsDomains", false, (*call).getClientsDomains},
		{"DeleteTicket", true, (*call).deleteTicket},
		{"MergeTicket", true, (*call).mergeTicket},
		{"GetTicket", false, (*call).getTicket},
		{"GetTickets", false, (*call).getTickets},
		{"GetSupportDepartments", false, (*call).getSupportDepartments},
		{"GetSupportStatuses", false, (*call).getSupportStatuses},
		{"GetClients", false, (*call).getClients},
		{"GetAdminUsers", false, (*call).getAdminUsers},
		{"GetWHMCSDetails", false, (*call).getWHMCSDetails},
		{"GetConfigurationValue", false, (*call).getConfigurationValue},
		{"GetAdminDetails", false, (*call).getAdminDetails},
	} {
		actions[strings.ToLower(a.name)] = a
	}
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	// The Date header shows the server clock (Options.Now), as a real
	// WHMCS's web server shows its own; net/http would put the real time.
	w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
	status, lc, drop, ok := s.preFaults(r.Context(), w)
	if !ok {
		s.logReq(r, lc, status, start)
		return
	}
	release, status, ok := s.enterPool(r.Context(), w)
	if !ok {
		s.logReq(r, lc, status, start)
		return
	}
	defer release()
	form := s.readForm(r)
	lc = strings.ToLower(form.Get("action"))
	status, body, processed := s.handle(r, form)
	if drop && processed {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
			s.logReq(r, lc, 0, start)
			return
		}
	}
	if ct := "application/json"; body != nil {
		if strings.EqualFold(form.Get("responsetype"), "xml") {
			ct = "application/xml"
		}
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client went away: nothing to tell it
	s.logReq(r, lc, status, start)
}

func (s *Server) logReq(r *http.Request, action string, status int, start time.Time) {
	if s.log == nil {
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "api request",
		slog.String("action", action), slog.Int("status", status),
		slog.String("remote", r.RemoteAddr), slog.Duration("took", time.Since(start)))
}

// preFaults applies latency, MaxRPS, ThrottleRate and FailRate. ok false
// means an answer was written. drop says whether to drop the connection
// after processing.
func (s *Server) preFaults(ctx context.Context, w http.ResponseWriter) (status int, lc string, drop, ok bool) {
	s.faultMu.Lock()
	f := s.faults
	fail, throttle, dropP := s.frng.Float64(), s.frng.Float64(), s.frng.Float64()
	html := 1.0 // drawn only when used, so that HTMLRate 0 keeps the others' sequence
	if f.HTMLRate > 0 {
		html = s.frng.Float64()
	}
	allowed := s.bucket.allow(time.Now())
	s.faultMu.Unlock()
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return 0, "", false, false
		}
	}
	switch {
	case !allowed || throttle < f.ThrottleRate:
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, "<html><head><title>429 Too Many Requests</title></head><body><h1>429 Too Many Requests</h1><p>Rate limited by the sandbox's fault injection.</p></body></html>\n")
		return http.StatusTooManyRequests, "", false, false
	case fail < f.FailRate:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1><p>The server encountered an internal error (sandbox fault injection).</p></body></html>\n")
		return http.StatusInternalServerError, "", false, false
	case html < f.HTMLRate:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, maintenancePage)
		return http.StatusOK, "", false, false
	}
	return 0, "", dropP < f.DropRate, true
}

// maintenancePage is Faults.HTMLRate's answer: what a maintenance mode or
// a WAF serves with HTTP 200 instead of the API's JSON.
const maintenancePage = "<!DOCTYPE html>\n<html><head><title>Maintenance</title></head><body><h1>Down for maintenance</h1><p>We are performing scheduled maintenance and will be back shortly (sandbox fault injection).</p></body></html>\n"

// readForm parses the body as PHP fills $_POST: urlencoded or multipart;
// a body over MaxBodyBytes is drained and read as an empty form.
func (s *Server) readForm(r *http.Request) url.Values {
	limit := s.opts.MaxBodyBytes
	body, err := io.ReadAll(io.LimitReader(r.Body, max(limit, 0)+1))
	if limit < 0 {
		body, err = io.ReadAll(r.Body)
	}
	if err != nil || (limit >= 0 && int64(len(body)) > limit) {
		_, _ = io.Copy(io.Discard, r.Body)
		return url.Values{}
	}
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		r2 := r.Clone(r.Context())
		r2.Body = io.NopCloser(bytes.NewReader(body))
		if err := r2.ParseMultipartForm(int64(len(body)) + 1<<20); err != nil || params["boundary"] == "" {
			return url.Values{}
		}
		defer func() { _ = r2.MultipartForm.RemoveAll() }() // its temporary files; the answer is given
		return url.Values(r2.MultipartForm.Value)
	default:
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return url.Values{}
		}
		return v
	}
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// handle authenticates and runs one call. processed is true when the
// call reached its action (the case where a drop fault applies).
func (s *Server) handle(r *http.Request, p url.Values) (status int, body []byte, processed bool) {
	fail := func(e *apiError) (int, []byte, bool) {
		return e.status, errBody(p, e.msg), false
	}
	if len(s.opts.AllowedIPs) > 0 {
		ip := remoteIP(r)
		ipOK := false
		for _, a := range s.opts.AllowedIPs {
			ipOK = ipOK || a == ip
		}
		if !ipOK && !(s.opts.AccessKey != "" && p.Get("accesskey") == s.opts.AccessKey) {
			return fail(&apiError{s.opts.InvalidIPStatus, "Invalid IP " + ip})
		}
	}
	admin, aerr := s.authenticate(p)
	if aerr != nil {
		return fail(aerr)
	}
	lc := strings.ToLower(p.Get("action"))
	if lc == "" {
		return fail(&apiError{http.StatusBadRequest, "Empty action request"})
	}
	a, known := actions[lc]
	if !known {
		return fail(&apiError{http.StatusBadRequest, `Invalid API Action: "` + lc + `" is not a valid API action`})
	}
	if !s.allowedAction(lc) {
		return fail(&apiError{http.StatusForbidden, `Invalid Permissions: API action "` + lc + `" is not allowed`})
	}
	if strings.EqualFold(p.Get("responsetype"), "xml") {
		return http.StatusOK, errBody(p, "The WHMCS sandbox answers JSON only: send responsetype=json"), false
	}
	p = s.storeParams(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &call{s: s, st: s.st, p: p, admin: admin, now: s.now().In(s.loc).Truncate(time.Second)}
	res, e := a.fn(c)
	if e != nil {
		if a.write {
			s.st.refused[a.name+": "+e.msg]++
		}
		return e.status, errBody(p, e.msg), true
	}
	if a.write {
		s.st.writes++
	}
	s.st.calls[a.name]++
	b, err := json.Marshal(res)
	if err != nil {
		return http.StatusInternalServerError, errBody(p, "sandbox: "+err.Error()), true
	}
	return http.StatusOK, b, true
}

// authenticate checks identifier/secret (or the same in
// username/password) and legacy username + md5(password).
func (s *Server) authenticate(p url.Values) (*Admin, *apiError) {
	id, secret := p.Get("identifier"), p.Get("secret")
	if id == "" && secret == "" {
		id, secret = p.Get("username"), p.Get("password")
	}
	failed := &apiError{http.StatusForbidden, "Authentication Failed"}
	switch {
	case id == "" || secret == "":
		return nil, failed
	case id == s.Identifier:
		if secret != s.Secret {
			return nil, failed
		}
		return s.apiAdmin(), nil
	case s.opts.AdminUsername != "" && id == s.opts.AdminUsername:
		if !strings.EqualFold(secret, s.adminMD5) {
			return nil, failed
		}
		if a := s.st.adminByUsername(s.opts.StoredText(id)); a != nil {
			if a.Disabled {
				return nil, &apiError{http.StatusForbidden, "Administrator Account Disabled"}
			}
			return a, nil
		}
		return s.apiAdmin(), nil
	}
	return nil, &apiError{http.StatusForbidden, "Invalid or missing credentials"}
}

func (s *Server) apiAdmin() *Admin {
	if s.opts.APIAdmin != "" {
		if a := s.st.adminByUsername(s.opts.StoredText(s.opts.APIAdmin)); a != nil {
			return a
		}
	}
	if a := s.st.adminByUsername("admin"); a != nil {
		return a
	}
	if len(s.st.seed.Admins) > 0 {
		return &s.st.seed.Admins[0]
	}
	return &Admin{ID: 1, Username: "admin", FirstName: "API", LastName: "Admin"}
}

func errBody(p url.Values, msg string) []byte {
	if strings.EqualFold(p.Get("responsetype"), "xml") {
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n<whmcsapi><result>error</result><message>")
		xmlEscape(&b, msg)
		b.WriteString("</message></whmcsapi>\n")
		return b.Bytes()
	}
	b, _ := json.Marshal(obj{{"result", "error"}, {"message", msg}})
	return b
}

func xmlEscape(b *bytes.Buffer, s string) {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	b.WriteString(r.Replace(s))
}

func (s *Server) serveState(w http.ResponseWriter, r *http.Request) {
	st := s.State()
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(st); err != nil && s.log != nil && !errors.Is(err, context.Canceled) {
		s.log.Error("state dump", "err", err)
	}
}
