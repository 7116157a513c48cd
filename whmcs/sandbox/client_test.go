package sandbox

import (
	"context"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// TestWithClient runs the project's client against the sandbox: the two
// must agree on encodings, dates in the server zone and classification.
func TestWithClient(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	s := newTestServer(t, Options{TimeZone: chicago})
	c := s.Client()
	ctx := context.Background()
	created := time.Date(2024, 7, 1, 15, 4, 5, 0, time.UTC) // 10:04:05 CDT
	res, err := c.OpenTicket(ctx, &whmcs.OpenTicketRequest{
		DeptID: 2, Subject: "Café ☕", Message: "body", ClientID: 1, Created: created, NoEmail: true,
		CustomFields: map[int]string{3: "Café", 12: ""},
		Attachments:  []whmcs.Attachment{{Name: "sample_text_file.txt", Data: []byte("This is a sample text file contents")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddTicketReply(ctx, &whmcs.AddTicketReplyRequest{TicketID: res.ID, Message: "r", AdminUsername: "admin", NoEmail: true, Created: created.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	tk, err := c.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: res.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !tk.Date.Equal(created) || !tk.LastReply.Equal(created.Add(time.Hour)) || tk.Status != "Answered" || len(tk.Replies) != 2 || tk.Replies[1].Admin != "Demo Admin" {
		t.Fatalf("ticket %+v", tk)
	}
	st := s.State().Tickets[0]
	if st.CustomFields[3] != "Café" || st.Attachments[0].Size != 35 || st.Date.Format(dateLayout) != "2024-07-01 10:04:05" || len(s.Emails()) != 0 {
		t.Fatalf("state %+v", st)
	}
	_, err = c.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 2, Subject: "s", Message: "m", ClientID: 1, Created: fixedNow().Add(time.Second)})
	if e, ok := err.(*whmcs.Error); !ok || e.Kind != whmcs.KindBusiness || e.Message != "Ticket creation date cannot be in the future" || whmcs.MaybeProcessed(err) {
		t.Fatalf("future: %v", err)
	}

	s.SetFaults(Faults{DropRate: 1})
	_, err = c.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 2, Subject: "dropped", Message: "m", ClientID: 1})
	if !whmcs.MaybeProcessed(err) || whmcs.Retryable(err) {
		t.Fatalf("drop: %v", err)
	}
	s.SetFaults(Faults{ThrottleRate: 1})
	_, err = c.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 2, Subject: "throttled", Message: "m", ClientID: 1})
	if d, ok := whmcs.RetryAfter(err); whmcs.KindOf(err) != whmcs.KindThrottled || !ok || d != time.Second || !whmcs.Retryable(err) {
		t.Fatalf("throttle: %v", err)
	}
	s.SetFaults(Faults{FailRate: 1})
	_, err = c.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: res.ID})
	if whmcs.KindOf(err) != whmcs.KindServer {
		t.Fatalf("500: %v", err)
	}
	s.SetFaults(Faults{})
	if n := len(s.State().Tickets); n != 2 {
		t.Fatalf("%d tickets, want 2 (the dropped one is committed)", n)
	}
}

// The Date header shows the sandbox's clock, not the real one, so that a
// client learns the server's clock as it would from a real WHMCS; a
// throttled answer has it too.
func TestDateHeaderIsServerClock(t *testing.T) {
	s := newTestServer(t, Options{}) // Now: fixedNow, years from the real clock
	h := s.HTTP()
	c := whmcs.NewClient(h, time.UTC)
	for _, f := range []Faults{{}, {ThrottleRate: 1}} {
		s.SetFaults(f)
		before := time.Now()
		c.GetSupportDepartments(context.Background())
		after := time.Now()
		d, ok := h.ServerClockOffset()
		// fixedNow - receive time, receive time within [before, after].
		lo, hi := fixedNow().Sub(after)-time.Second, fixedNow().Sub(before)+time.Second
		if !ok || d < lo || d > hi {
			t.Errorf("faults %+v: offset %v, %v; want fixedNow - now, in [%v, %v]", f, d, ok, lo, hi)
		}
	}
}
