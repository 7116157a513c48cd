package checkpoints

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// Ticket-level values are recorded with the outcome that set them, changed
// and removed ("") by later ones, reopened with the file, and forgotten
// with their ticket.
func TestTicketFields(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	in := &Intent{RunID: 1, SourceID: "T1", Step: "open", Action: "OpenTicket", Created: time.Unix(1700000000, 0), MessageHash: "mh", Kind: "open"}
	if err := s.BeginIntent(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := s.Settle(ctx, "T1", in.ID, Outcome{RunID: 1, WHMCSID: 9, TID: "123456", Fields: map[string]string{"cf:7": "483920", "cc": "a@example.com"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Settle(ctx, "T1", 0, Outcome{RunID: 1, Fields: map[string]string{"flag": "4", "cc": "", "cf:7": "483921"}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	tk, err := s2.Ticket(ctx, "T1")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"cf:7": "483921", "flag": "4"}; !reflect.DeepEqual(tk.Fields, want) {
		t.Errorf("fields %v, want %v", tk.Fields, want)
	}
	if err := s2.Forget(ctx, "T1"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s2.r.GetContext(ctx, &n, "SELECT count(*) FROM ticket_fields"); err != nil || n != 0 {
		t.Errorf("after Forget: %d fields left (%v)", n, err)
	}
}
