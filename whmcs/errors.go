package whmcs

import (
	"errors"
	"strconv"
	"time"
)

// Kind classifies a failed call.
type Kind int

const (
	// KindBusiness: HTTP 200 with result=error; WHMCS refused the call
	// (validation). Message is WHMCS's text, verbatim. Not processed.
	KindBusiness Kind = iota + 1
	// KindAuth: an authentication, IP or permission failure, an unknown or
	// empty action: HTTP 4xx with a JSON body. Not processed. Fatal for a run.
	KindAuth
	// KindThrottled: HTTP 429. RetryAfter holds the server's wish when it
	// gave one. Not processed.
	KindThrottled
	// KindServer: HTTP 5xx, or an answer whose body is not WHMCS's JSON (a
	// proxy's HTML page). A write may have been processed.
	KindServer
	// KindTransport: no HTTP answer (refused, DNS, timeout, connection
	// lost). Whether a write may have been processed depends on whether the
	// request was sent.
	KindTransport
	// KindTooLarge: a request refused for its size: HTTP 413, or
	// "Authentication Failed" (PHP's post_max_size empties a larger POST, so
	// WHMCS sees no credentials) on a body of LargeRequest bytes or more.
	// Not processed, and not fatal: only the ticket that needs the request
	// fails. Error.Size holds the body's size.
	KindTooLarge
)

func (k Kind) String() string {
	switch k {
	case KindBusiness:
		return "business"
	case KindAuth:
		return "auth"
	case KindThrottled:
		return "throttled"
	case KindServer:
		return "server"
	case KindTransport:
		return "transport"
	case KindTooLarge:
		return "too_large"
	}
	return "unknown"
}

// Error is a failed WHMCS call. It never holds the API secret or password.
type Error struct {
	Action  string
	Kind    Kind
	Status  int    // HTTP status; 0 when there was no answer
	Message string // WHMCS's message verbatim, or a short description
	// RetryAfter is the server's Retry-After (seconds or HTTP-date), 0 when
	// it gave none.
	RetryAfter time.Duration
	// MaybeProcessed is true when the call was a write and it may have taken
	// effect (timeout or connection lost after the body was sent, a 5xx).
	// Such a call must be reconciled by reading WHMCS, never blindly re-sent.
	MaybeProcessed bool
	// Size is the request body's size in bytes (set for KindTooLarge).
	Size int64
	Err  error // underlying error, if any
}

func (e *Error) Error() string {
	s := e.Action + ": "
	if e.Status != 0 {
		s += "HTTP " + strconv.Itoa(e.Status) + ": "
	}
	s += e.Message
	if e.Err != nil && e.Message == "" {
		s += e.Err.Error()
	}
	if e.MaybeProcessed {
		s += " (may have been processed)"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// ErrReadOnly is returned by a ReadOnly caller for any write call.
var ErrReadOnly = errors.New("write refused: read-only (dry-run) client")

// KindOf returns err's Kind, or 0 when err is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// MaybeProcessed reports whether err is a failed write that may have taken
// effect in WHMCS.
func MaybeProcessed(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.MaybeProcessed
}

// Retryable reports whether the same call may be sent again without risk
// of a duplicate: throttled, server or transport failures that certainly
// were not processed (reads are never processed in this sense).
func Retryable(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.MaybeProcessed {
		return false
	}
	switch e.Kind {
	case KindThrottled, KindServer, KindTransport:
		return true
	}
	return false
}

// IsTooLarge reports whether err is a request refused for its size.
func IsTooLarge(err error) bool { return KindOf(err) == KindTooLarge }

// IsAuth reports whether err is an authentication or permission failure.
func IsAuth(err error) bool { return KindOf(err) == KindAuth }

// RetryAfter returns the server's Retry-After for err, if it gave one.
func RetryAfter(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		return e.RetryAfter, true
	}
	return 0, false
}
