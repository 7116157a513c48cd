package whmcs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrUndated is wrapped by the errors that say WHMCS does not keep the
// dates it is sent: `created` exists from WHMCS 8.0 on; before, it is
// ignored like any unknown parameter and every message is dated "now".
var ErrUndated = errors.New("WHMCS does not keep `created` dates (before 8.0)")

// Errors of Preflight, wrapped with what it saw.
var (
	// ErrUnreachable: no connection to the API URL (refused, unknown host,
	// timeout).
	ErrUnreachable = errors.New("WHMCS cannot be reached")
	// ErrNotAPI: something answered, but not WHMCS's API (an HTML page, a
	// 404, a server error that persists).
	ErrNotAPI = errors.New("the API URL does not answer as the WHMCS API")
	// ErrDenied: the API role lacks actions the command needs.
	ErrDenied = errors.New("the API role does not allow every action needed")
)

// PreflightOptions says what Preflight checks.
type PreflightOptions struct {
	// Actions are the API actions the command will send (Action*
	// constants). Each is tried with parameters that cannot change
	// anything (an id that cannot exist, a missing required field): WHMCS
	// checks the API role first, so a denied action answers 403 and an
	// allowed one a validation error. Writes are skipped under a ReadOnly
	// layer, which must never send one.
	Actions []string
	// Reads stand for the probes of read actions (GetClients,
	// GetContacts, GetAdminUsers): the caller's own first read of that
	// action, which keeps its answer, so that the check costs no call of
	// its own and the command does not ask twice. Its error is judged as
	// the probe's would be: a denial of the action, or a failure
	// explained. A read given for a write action is ignored (a write
	// cannot be tried harmlessly but by the probe).
	Reads map[string]func(context.Context) error
	// AllowUndated accepts a WHMCS older than 8.0, which dates every
	// message at the moment of the import.
	AllowUndated bool
	// Identify reads which WHMCS answers (Client.Identify: one
	// GetConfigurationValue) into PreflightResult.Identity. Expect, when
	// set, is the WHMCS the caller's state belongs to (implies Identify):
	// another one is refused with a *TargetError before any permission
	// probe.
	Identify bool
	Expect   *Identity
	// Attempts bounds each call's tries on a passing failure (a 5xx, a
	// 429, an HTML page, a lost connection), a few seconds apart in all
	// (see again); a refused connection, an unknown host, a 404 or a
	// refusal of the credentials fails at once. Default 6.
	Attempts int
}

// PreflightResult is what Preflight learned.
type PreflightResult struct {
	// Version is WHMCS's, "" when the API role denies GetWHMCSDetails.
	Version string
	// Checked are the actions whose permission was tried; Skipped the
	// writes not tried under a ReadOnly layer.
	Checked, Skipped []string
	// Identity is which WHMCS answered, with Identify or Expect.
	Identity Identity
	Calls    int
	Elapsed  time.Duration
}

// Preflight checks, before anything is written, that c reaches a WHMCS
// API that will do the job: it answers (fast: a refused connection or an
// unknown host fails at once, a dead address after the dial timeout), as
// WHMCS (JSON, not an HTML page), to these credentials from this address,
// in a version that keeps `created` dates (8.0+, see ErrUndated), with an
// API role that allows every action in o.Actions (ErrDenied lists all the
// missing ones). Its first call goes to the *HTTP layer under c's policy
// layers, so that a dead URL is not retried for minutes; the permission
// probes go through c. With o.Expect it also checks, before those
// probes, that the WHMCS that answers is the expected one (a *TargetError
// otherwise).
//
// Authentication and IP refusals are returned as the *Error WHMCS gave
// (IsAuth), with an explanation of the cause wrapped around it.
func Preflight(ctx context.Context, c *Client, o PreflightOptions) (*PreflightResult, error) {
	start := time.Now()
	if o.Attempts <= 0 {
		o.Attempts = 6
	}
	res := &PreflightResult{}
	defer func() { res.Elapsed = time.Since(start) }()

	raw := c
	if h, ok := Find[*HTTP](c.Caller()); ok {
		raw = NewClient(h, c.Location())
	}
	var det *Details
	var n int
	n, err := again(ctx, o.Attempts, func(ctx context.Context) error {
		var err error
		det, err = raw.GetWHMCSDetails(ctx)
		return err
	})
	res.Calls += n
	switch {
	case err == nil:
		res.Version = det.Version
	case deniedAction(err, ActionGetWHMCSDetails):
		// Credentials and address are good; the version stays unknown and
		// the canary (the run's first write, read back) will show whether
		// dates are kept.
	default:
		return res, explain(c, err)
	}
	if res.Version != "" && !o.AllowUndated {
		if major, ok := majorVersion(res.Version); ok && major < 8 {
			return res, fmt.Errorf("WHMCS %s answers at %s, and WHMCS before 8.0 ignores `created`: every message would be dated today. Upgrade WHMCS, or pass --allow-undated to import with today's dates: %w",
				res.Version, apiURL(c), ErrUndated)
		}
	}

	if o.Identify || o.Expect != nil {
		res.Calls++
		if res.Identity, err = c.Identify(ctx); err != nil {
			return res, fmt.Errorf("which WHMCS answers at %s: %w", apiURL(c), err)
		}
		if o.Expect != nil && !o.Expect.Same(res.Identity) {
			return res, &TargetError{Expected: *o.Expect, Found: res.Identity}
		}
	}

	// The probes are independent: they go out together, a few at a time.
	readOnly := IsReadOnly(c.Caller())
	var probes []func(context.Context) error
	for _, a := range o.Actions {
		if a == ActionGetWHMCSDetails || slices.Contains(res.Checked, a) || slices.Contains(res.Skipped, a) {
			continue
		}
		req := probe(a)
		if req == nil {
			return res, fmt.Errorf("preflight: no permission probe for action %s", a)
		}
		if req.Write() && readOnly {
			res.Skipped = append(res.Skipped, a)
			continue
		}
		res.Checked = append(res.Checked, a)
		if read := o.Reads[a]; read != nil && !req.Write() {
			probes = append(probes, read)
			continue
		}
		probes = append(probes, func(ctx context.Context) error { return c.Caller().Call(ctx, req, nil) })
	}
	errs := make([]error, len(probes))
	calls := make([]int, len(probes))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, try := range probes {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			// A probe changes nothing, so one whose answer was lost is
			// simply asked again.
			calls[i], errs[i] = again(ctx, o.Attempts, try)
		})
	}
	wg.Wait()
	var denied []string
	for i, err := range errs {
		res.Calls += calls[i]
		switch a := res.Checked[i]; {
		case err == nil || KindOf(err) == KindBusiness:
		case deniedAction(err, a):
			denied = append(denied, a)
		default:
			return res, explain(c, err)
		}
	}
	if len(denied) > 0 {
		return res, fmt.Errorf("the API credentials' role at %s lacks %s; nothing was written. Allow them in Setup > Staff Management > Manage API Credentials > API Roles: %w",
			apiURL(c), strings.Join(denied, ", "), ErrDenied)
	}
	return res, nil
}

// again calls try up to attempts times while it fails for a passing
// reason (see transient), waiting 250 ms, then 500 ms, then 1 s between
// tries (a server's Retry-After, up to 2 s, instead): six tries take
// under 4 s of waiting. It returns the calls made and the last error.
//
// The preflight's calls are reads and probes that change nothing, so a
// call whose answer was lost is simply asked again, a write probe's too.
// It once gave up after a single fault on a probe: the policy layers do
// not retry a write whose answer was lost (it may have been processed),
// and the first call had only three tries.
func again(ctx context.Context, attempts int, try func(context.Context) error) (int, error) {
	wait := 250 * time.Millisecond
	for n := 1; ; n++ {
		err := try(ctx)
		if err == nil || n >= attempts || !transient(err) || ctx.Err() != nil {
			return n, err
		}
		d := wait
		if ra, ok := RetryAfter(err); ok {
			d = min(ra, 2*time.Second)
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return n, err
		}
		wait = min(2*wait, time.Second)
	}
}

// transient reports whether err is a failure that a moment may cure: a
// 5xx or an HTML page instead of the API's JSON, a 429, a connection
// lost. A refused connection, an unknown host (nothing to wait for), a
// timeout (a WHMCS that does not answer in target.timeout would make six
// tries last minutes), a 404 (a wrong URL) and WHMCS's own answers
// (credentials, role, validation) are not.
func transient(err error) bool {
	var ne net.Error
	if unreachable(err) || errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Kind {
	case KindThrottled, KindTransport:
		return true
	case KindServer:
		return e.Status != 404
	}
	return false
}

// probe returns a request for action that WHMCS refuses after its
// permission check and before it changes anything.
func probe(action string) Request {
	switch action {
	case ActionOpenTicket:
		return &OpenTicketRequest{} // no department, subject or message
	case ActionAddTicketReply:
		return &AddTicketReplyRequest{} // ticket 0 does not exist
	case ActionAddTicketNote:
		return &AddTicketNoteRequest{}
	case ActionUpdateTicket:
		return &UpdateTicketRequest{}
	case ActionUpdateTicketReply:
		return &UpdateTicketReplyRequest{} // no reply id
	case ActionGetContacts:
		return &GetContactsRequest{LimitNum: 1}
	case ActionGetClientsProducts:
		return &GetClientsProductsRequest{LimitNum: 1}
	case ActionGetClientsDomains:
		return &GetClientsDomainsRequest{LimitNum: 1}
	case ActionDeleteTicket:
		return &DeleteTicketRequest{}
	case ActionGetTicket:
		return &GetTicketRequest{}
	case ActionGetTickets:
		return &GetTicketsRequest{LimitNum: 1, IgnoreDeptAssignments: true}
	case ActionGetSupportDepartments:
		return &GetSupportDepartmentsRequest{IgnoreDeptAssignments: true}
	case ActionGetSupportStatuses:
		return &GetSupportStatusesRequest{}
	case ActionGetClients:
		return &GetClientsRequest{LimitNum: 1}
	case ActionGetAdminUsers:
		return &GetAdminUsersRequest{}
	case ActionGetWHMCSDetails:
		return &GetWHMCSDetailsRequest{}
	case ActionGetConfigurationValue:
		return &GetConfigurationValueRequest{Setting: "SystemURL"}
	}
	return nil
}

// deniedAction reports whether err is the API role's refusal of action:
// 403 `Invalid Permissions: API action "<lower case>" is not allowed`.
func deniedAction(err error, action string) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == KindAuth &&
		strings.Contains(strings.ToLower(e.Message), `invalid permissions`) &&
		strings.Contains(strings.ToLower(e.Message), strings.ToLower(action))
}

// unreachable reports whether err is a failure to connect: nothing
// answered, and trying again at once will not change that.
func unreachable(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &dns) || errors.As(err, &op) && op.Op == "dial"
}

// explain wraps the first call's error with its likely cause and fix.
func explain(c *Client, err error) error {
	u := apiURL(c)
	var e *Error
	errors.As(err, &e)
	switch {
	case unreachable(err):
		return fmt.Errorf("no connection to %s (%w): check target.url, the host and the port, and that this machine may reach it: %w", u, err, ErrUnreachable)
	case e == nil:
		return err
	case e.Kind == KindAuth && strings.HasPrefix(e.Message, "Invalid IP"):
		return fmt.Errorf("WHMCS at %s refuses this machine's address (%w): add it in Setup > General Settings > Security > API IP Access Restriction, or set target.accesskey", u, err)
	case e.Kind == KindAuth && strings.Contains(strings.ToLower(e.Message), "invalid permissions"):
		return fmt.Errorf("the API credentials' role at %s does not allow a read call (%w): allow the actions listed in the README's \"What WHMCS does to your data\"", u, err)
	case e.Kind == KindAuth && e.Status >= 300 && e.Status < 400:
		return fmt.Errorf("%s redirects (%w): %w", u, err, ErrNotAPI)
	case e.Kind == KindAuth && (strings.Contains(e.Message, "Authentication Failed") || strings.Contains(e.Message, "credentials") ||
		strings.Contains(e.Message, "Disabled") || strings.Contains(e.Message, "password")):
		return fmt.Errorf("WHMCS at %s rejects the API credentials (%w): check target.identifier and target.secret (WHMCS_API_IDENTIFIER / WHMCS_API_SECRET)", u, err)
	case e.Kind == KindAuth && e.Status == 404 || e.Kind == KindServer && e.Status == 404:
		return fmt.Errorf("%s answers 404 (%w): the API is at the WHMCS site's /includes/api.php, e.g. https://billing.example.com/includes/api.php: %w", u, err, ErrNotAPI)
	case e.Kind == KindServer && e.Status >= 200 && e.Status < 300:
		return fmt.Errorf("%s answers HTML, not WHMCS's JSON (%w); a maintenance page, a firewall (WAF) or a wrong URL: %w", u, err, ErrNotAPI)
	case e.Kind == KindServer || e.Kind == KindThrottled || e.Kind == KindAuth && e.Status != 403:
		return fmt.Errorf("%s does not answer as the WHMCS API (%w): %w", u, err, ErrNotAPI)
	case e.Kind == KindTransport:
		return fmt.Errorf("no answer from %s (%w): %w", u, err, ErrUnreachable)
	}
	return fmt.Errorf("WHMCS at %s: %w", u, err)
}

func apiURL(c *Client) string {
	if h, ok := Find[*HTTP](c.Caller()); ok {
		return h.url
	}
	return "the API URL"
}

// majorVersion reads the major number of "8.13.1".
func majorVersion(v string) (int, bool) {
	m, _, _ := strings.Cut(strings.TrimSpace(v), ".")
	n, err := strconv.Atoi(m)
	return n, err == nil
}
