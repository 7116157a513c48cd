package sandbox

import (
	"strings"
	"testing"
)

// TestStartReturnsErrors: the product's constructor and setters return an
// error for what whmcstest's NewServer panics on, and leave the server as
// it was.
func TestStartReturnsErrors(t *testing.T) {
	if s, err := Start(Options{TicketMask: strings.Repeat("%n", 8)}); err == nil || s != nil {
		t.Fatalf("Start with a 16-character mask = %v, %v; want nil and an error", s, err)
	}
	if _, err := New(Options{Faults: Faults{FailRate: 2}}); err == nil {
		t.Fatal("New with FailRate 2: no error")
	}
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.SetFaults(Faults{FailRate: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetFaults(Faults{ThrottleRate: -1}); err == nil {
		t.Fatal("SetFaults with ThrottleRate -1: no error")
	}
	// The faults set before stay: every call is answered an HTML 500.
	a := post(t, s, map[string]string{"action": "GetSupportStatuses"})
	if a.status != 500 {
		t.Fatalf("after a refused SetFaults: HTTP %d, want the 500 of the faults kept", a.status)
	}
	if err := s.SetWorkers(-1); err == nil {
		t.Fatal("SetWorkers(-1): no error")
	}
	if err := s.SetCapacity(Capacity{Workers: 2}); err != nil {
		t.Fatal(err)
	}
}
