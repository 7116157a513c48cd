package sandbox

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Default credentials, used when Options leaves them empty.
const (
	DefaultIdentifier = "sandbox-identifier"
	DefaultSecret     = "sandbox-secret"
	// DefaultTicketMask is WHMCS's default Ticket Mask: six digits, the
	// first non-zero.
	DefaultTicketMask = "%n%n%n%n%n%n"
	// DefaultMaxBodyBytes is PHP's default post_max_size (8M).
	DefaultMaxBodyBytes = 8 << 20
)

// Options configures a sandbox. The zero value is usable.
type Options struct {
	// TimeZone is the WHMCS server's zone: `created` without an offset is
	// read in it and dates are shown in it. Default UTC.
	TimeZone *time.Location
	// Seed is the departments, statuses, clients and admins. Default
	// DefaultSeed().
	Seed *Seed
	// Identifier and Secret are the API credentials. Defaults
	// DefaultIdentifier and DefaultSecret. They may also be sent as
	// username/password.
	Identifier, Secret string
	// APIAdmin is the username of the seed admin the credentials belong
	// to: notes are attributed to it, and its departments scope GetTickets
	// and GetSupportDepartments. Default "admin" or else the first admin.
	APIAdmin string
	// AdminUsername and AdminPassword enable legacy authentication:
	// username=AdminUsername and password=md5(AdminPassword) in hex. The
	// caller is then that seed admin when one has this username, else
	// APIAdmin. Disabled when AdminUsername is empty.
	AdminUsername, AdminPassword string
	// AccessKey, when set, lets a request whose accesskey matches bypass
	// AllowedIPs (credentials are still required).
	AccessKey string
	// AllowedActions is the credential's API role: nil allows every
	// action; otherwise other actions get 403 Invalid Permissions.
	// Compared case-insensitively.
	AllowedActions []string
	// DeniedActions are actions the credential's API role denies even when
	// AllowedActions allows them: 403 Invalid Permissions, as for an action
	// missing from AllowedActions. Compared case-insensitively.
	DeniedActions []string
	// AllowedIPs is the API IP allow-list (single addresses, no CIDR, as in
	// WHMCS); empty allows all. A request from elsewhere gets "Invalid IP
	// <ip>" with InvalidIPStatus (400 or 403; default 403).
	AllowedIPs      []string
	InvalidIPStatus int
	// TicketMask generates tids: %n digit (the first is 1-9), %A upper and
	// %a lower case letter, %y %m %d the current (import) date, %i the
	// ticket id. At most 15 characters. Default DefaultTicketMask.
	TicketMask string
	// Now is the server clock, also shown in each API answer's HTTP Date
	// header. Default time.Now.
	Now func() time.Time
	// MaxBodyBytes is post_max_size: a larger body is discarded and the
	// request seen as an empty form, as PHP does (so WHMCS answers 403
	// Authentication Failed). Default DefaultMaxBodyBytes; negative means
	// no limit.
	MaxBodyBytes int64
	// Faults are the injected infrastructure failures; see Faults.
	Faults Faults
	// Capacity is WHMCS's worker pool: its size, each call's service time
	// and the queue timeout answered 503; see Capacity. Default: no pool.
	Capacity Capacity

	// Sanitize applies WHMCS's input sanitiser: every request parameter
	// value except action, responsetype and the credentials (identifier,
	// secret, username, password, accesskey) goes through PHP's
	// htmlspecialchars($v, ENT_QUOTES) before the call runs (& < > " '
	// become &amp; &lt; &gt; &quot; &#039;, existing entities are encoded
	// again). Subjects, messages, names, emails and cc are stored and
	// returned with entities, and filters (GetTickets subject and email,
	// GetClients search) compare their sanitised value with the stored one.
	// The seed is held as if entered through the same sanitiser.
	// base64 parameters (attachments, customfields) are unaffected. False:
	// text is stored as sent.
	Sanitize bool
	// ThreeByte stores text in MySQL utf8 (utf8mb3) tables, as many WHMCS
	// installs do: every character above U+FFFF (emoji) in a parameter,
	// the seed, or a decoded attachment file name is stored as one "?".
	// False: stored as sent.
	ThreeByte bool
	// Version is the WHMCS version, digits.digits[.digits], reported by
	// GetWHMCSDetails. Below 8.0 the created parameter is ignored, as WHMCS
	// ignores parameters it does not know: messages, tickets and notes are
	// dated now. Default DefaultVersion.
	Version string
	// SystemURL is the install's System URL (General Settings), as
	// GetConfigurationValue setting=SystemURL reports it. Default: the
	// server's own URL with a trailing slash (Server.URL + "/"), so that
	// two sandboxes are two installs.
	SystemURL string
	// Logger, when set, logs one line per API request (never the secret).
	Logger *slog.Logger
}

// Faults injects the failures of the infrastructure in front of WHMCS.
// They apply to POST /includes/api.php only, before authentication,
// except DropRate which applies after the call was processed. Rates are
// probabilities in [0, 1], drawn from a generator seeded with Seed, so a
// sequence of requests sent one at a time meets the same faults on every
// run with the same seed.
type Faults struct {
	Seed int64
	// Latency is added before each request is handled.
	Latency time.Duration
	// FailRate answers an HTML "500 Internal Server Error" page without
	// processing the call.
	FailRate float64
	// ThrottleRate answers 429 with "Retry-After: 1" without processing.
	ThrottleRate float64
	// MaxRPS answers 429 (Retry-After: 1) to requests above this many per
	// second (a token bucket of burst max(1, MaxRPS)); 0 means no limit.
	MaxRPS float64
	// DropRate processes the call (a write is committed), then closes the
	// connection without answering.
	DropRate float64
	// HTMLRate answers HTTP 200 with an HTML maintenance page (Content-Type
	// text/html) without processing the call, as maintenance modes and
	// WAFs do. Its draw comes after the others' and only when HTMLRate is
	// above 0, so the other faults meet the same sequence as without it.
	HTMLRate float64
}

// Server is an in-memory WHMCS serving the external API over HTTP.
// All methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234, without a trailing
	// slash; empty until the server listens (see Start).
	URL string
	// Identifier and Secret are the API credentials the server accepts.
	Identifier, Secret string

	opts     Options
	loc      *time.Location
	now      func() time.Time
	log      *slog.Logger
	adminMD5 string
	preV8    bool // Version < 8.0: created is ignored
	handler  http.Handler

	faultMu sync.Mutex
	faults  Faults
	frng    *rand.Rand
	bucket  bucket
	pool    pool

	mu sync.Mutex
	st *store

	ln  net.Listener
	srv *http.Server
}

// New returns a sandbox that does not listen: serve its Handler yourself.
func New(o Options) (*Server, error) {
	if o.TimeZone == nil {
		o.TimeZone = time.UTC
	}
	if o.Seed == nil {
		o.Seed = DefaultSeed()
	} else if err := o.Seed.validate(); err != nil {
		return nil, fmt.Errorf("sandbox: seed: %w", err)
	}
	if o.Identifier == "" {
		o.Identifier = DefaultIdentifier
	}
	if o.Secret == "" {
		o.Secret = DefaultSecret
	}
	if o.TicketMask == "" {
		o.TicketMask = DefaultTicketMask
	}
	if len(o.TicketMask) > 15 {
		return nil, errors.New("sandbox: ticket mask longer than 15 characters")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	switch o.InvalidIPStatus {
	case 0:
		o.InvalidIPStatus = http.StatusForbidden
	case http.StatusBadRequest, http.StatusForbidden:
	default:
		return nil, fmt.Errorf("sandbox: InvalidIPStatus %d: want 400 or 403", o.InvalidIPStatus)
	}
	if err := o.Faults.validate(); err != nil {
		return nil, err
	}
	if err := o.Capacity.validate(); err != nil {
		return nil, err
	}
	if o.Version == "" {
		o.Version = DefaultVersion
	}
	preV8, err := parseVersion(o.Version)
	if err != nil {
		return nil, err
	}
	st, err := newStore(o)
	if err != nil {
		return nil, err
	}
	s := &Server{
		Identifier: o.Identifier,
		Secret:     o.Secret,
		opts:       o,
		loc:        o.TimeZone,
		now:        o.Now,
		log:        o.Logger,
		preV8:      preV8,
		st:         st,
	}
	if o.AdminUsername != "" {
		sum := md5.Sum([]byte(o.AdminPassword))
		s.adminMD5 = hex.EncodeToString(sum[:])
	}
	s.setFaultsLocked(o.Faults)
	s.pool.setCapacity(o.Capacity)
	mux := http.NewServeMux()
	mux.HandleFunc("/includes/api.php", s.serveAPI)
	mux.HandleFunc("GET /_sandbox/state", s.serveState)
	mux.HandleFunc("POST /_sandbox/capacity", s.serveCapacity)
	mux.HandleFunc("POST /_sandbox/change", s.serveChange)
	s.handler = mux
	return s, nil
}

// Start returns a sandbox listening on 127.0.0.1 on a free port, like
// httptest.NewServer, serving its Handler; URL is set. Call Close when done.
func Start(o Options) (*Server, error) {
	s, err := New(o)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("sandbox: listen: %w", err)
	}
	s.ln = ln
	s.URL = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }() // ends with ErrServerClosed on Close
	return s, nil
}

// Handler serves the API at /includes/api.php, the state dump at
// GET /_sandbox/state, the pool's control at POST /_sandbox/capacity
// (form field workers: the new pool size, as SetWorkers) and people's
// changes at POST /_sandbox/change (see Change).
func (s *Server) Handler() http.Handler { return s.handler }

// APIURL is URL + "/includes/api.php".
func (s *Server) APIURL() string { return s.URL + "/includes/api.php" }

// TimeZone is the server's zone.
func (s *Server) TimeZone() *time.Location { return s.loc }

// Close stops a server started by Start, closing open connections.
// It is safe to call twice and on a server from New (it does nothing).
func (s *Server) Close() {
	if s.srv != nil {
		_ = s.srv.Close()
	}
}

// SetFaults replaces the injected faults, restarting their generator from
// f.Seed. A rate outside [0, 1] is an error, and the faults are unchanged.
func (s *Server) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.setFaultsLocked(f)
	return nil
}

func (f Faults) validate() error {
	for name, r := range map[string]float64{"FailRate": f.FailRate, "ThrottleRate": f.ThrottleRate, "DropRate": f.DropRate, "HTMLRate": f.HTMLRate} {
		if r < 0 || r > 1 {
			return fmt.Errorf("sandbox: Faults.%s %v: want a probability in [0, 1]", name, r)
		}
	}
	if f.MaxRPS < 0 || f.Latency < 0 {
		return errors.New("sandbox: Faults.MaxRPS and Latency must not be negative")
	}
	return nil
}

func (s *Server) setFaultsLocked(f Faults) {
	s.faults = f
	s.frng = rand.New(rand.NewPCG(uint64(f.Seed), 0x5eed))
	s.bucket = bucket{rate: f.MaxRPS}
}

// allowedAction reports whether the credential's role allows action (lower
// case): listed in AllowedActions (or that is nil) and not in DeniedActions.
func (s *Server) allowedAction(lc string) bool {
	listed := func(list []string) bool {
		return slices.ContainsFunc(list, func(a string) bool { return strings.EqualFold(a, lc) })
	}
	return (s.opts.AllowedActions == nil || listed(s.opts.AllowedActions)) && !listed(s.opts.DeniedActions)
}

// bucket is a token bucket for Faults.MaxRPS.
type bucket struct {
	rate   float64
	tokens float64
	last   time.Time
	primed bool
}

func (b *bucket) allow(now time.Time) bool {
	if b.rate <= 0 {
		return true
	}
	burst := max(1, b.rate)
	if !b.primed {
		b.tokens, b.last, b.primed = burst, now, true
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
