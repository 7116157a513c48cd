// Package whmcstest is test support only: the tests' handle on the WHMCS
// sandbox (package whmcs/sandbox), in the spirit of net/http/httptest.
//
//	s := whmcstest.NewServer(whmcstest.Options{TimeZone: chicago})
//	defer s.Close()
//	c := s.Client() // or s.HTTP(tweaks...)
//	st := s.State()
//
// Its names are aliases of the sandbox's (read whmcs/sandbox's doc for
// what the sandbox does), plus NewServer, which panics where sandbox.Start
// returns an error, so that a test needs no error check. Product code
// must not import it (internal/archtest checks): the `sandbox` and `demo`
// commands use whmcs/sandbox.
package whmcstest
