package sandbox

import (
	"fmt"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// ClientOptions are the options of a whmcs.HTTP pointed at the sandbox: its
// API URL, its Identifier and Secret, its time zone and a 30s Timeout.
// Product code builds its client from them (whmcs.NewHTTP checks them).
func (s *Server) ClientOptions() whmcs.Options {
	return whmcs.Options{URL: s.APIURL(), Identifier: s.Identifier, Secret: s.Secret,
		Location: s.TimeZone(), Timeout: 30 * time.Second}
}

// HTTP returns the project's innermost Caller pointed at the sandbox, over
// ClientOptions. Each tweak then edits those options, in order (a wrong
// secret, a short timeout, a legacy login), before whmcs.NewHTTP checks
// them. It is a convenience for tests: it panics when the tweaked options
// are invalid (or the server does not listen), so that a test needs no
// error check; no product code calls it. Each call returns a new client
// with its own connections.
func (s *Server) HTTP(tweak ...func(*whmcs.Options)) *whmcs.HTTP {
	o := s.ClientOptions()
	for _, f := range tweak {
		f(&o)
	}
	h, err := whmcs.NewHTTP(o)
	if err != nil {
		panic(fmt.Sprintf("sandbox: client for the sandbox: %v", err))
	}
	return h
}

// Client returns a plain whmcs.Client (no policy layers) for the sandbox,
// over s.HTTP(), with dates in the sandbox's zone: a test convenience, as
// HTTP is.
func (s *Server) Client() *whmcs.Client {
	return whmcs.NewClient(s.HTTP(), s.TimeZone())
}
