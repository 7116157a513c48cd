package whmcstest

import (
	"fmt"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// HTTP returns the project's innermost Caller pointed at the sandbox
// started by NewServer: its API URL, its Identifier and Secret, its time
// zone, and a 30s Timeout. Each tweak then edits those options, in order
// (a wrong secret, a short timeout, a legacy login), before whmcs.NewHTTP
// checks them. It panics when the tweaked options are invalid, as
// NewServer panics, so that a test needs no error check. Each call returns
// a new client with its own connections.
func (s *Server) HTTP(tweak ...func(*whmcs.Options)) *whmcs.HTTP {
	o := whmcs.Options{URL: s.APIURL(), Identifier: s.Identifier, Secret: s.Secret,
		Location: s.TimeZone(), Timeout: 30 * time.Second}
	for _, f := range tweak {
		f(&o)
	}
	h, err := whmcs.NewHTTP(o)
	if err != nil {
		panic(fmt.Sprintf("whmcstest: client for the sandbox: %v", err))
	}
	return h
}

// Client returns a plain whmcs.Client (no policy layers) for the sandbox,
// over s.HTTP(), with dates in the sandbox's zone.
func (s *Server) Client() *whmcs.Client {
	return whmcs.NewClient(s.HTTP(), s.TimeZone())
}
