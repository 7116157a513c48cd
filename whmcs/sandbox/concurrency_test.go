package sandbox

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
)

// TestConcurrentWorkers replays tickets from 32 workers at once, as the
// importer does, and checks nothing is lost, duplicated or interleaved
// within a ticket. Run with -race.
func TestConcurrentWorkers(t *testing.T) {
	s := newTestServer(t, Options{})
	const workers, perWorker, replies = 32, 4, 3
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				subject := fmt.Sprintf("w%d-t%d", w, i)
				a := post(t, s, map[string]string{"action": "OpenTicket", "deptid": "2", "subject": subject, "message": "m", "clientid": "1", "noemail": "1"})
				if a.str("result") != "success" {
					errs <- fmt.Errorf("%s: %s", subject, a.body)
					return
				}
				for r := range replies {
					a := post(t, s, map[string]string{"action": "AddTicketReply", "ticketid": a.str("id"), "message": subject + "-r" + strconv.Itoa(r), "adminusername": "admin", "noemail": "1"})
					if a.str("result") != "success" {
						errs <- fmt.Errorf("%s: %s", subject, a.body)
						return
					}
				}
				post(t, s, map[string]string{"action": "GetTickets", "limitnum": "5"})
				_ = s.State()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := s.State()
	if len(st.Tickets) != workers*perWorker {
		t.Fatalf("%d tickets, want %d", len(st.Tickets), workers*perWorker)
	}
	tids := map[string]bool{}
	for i, tk := range st.Tickets {
		if tk.ID != int64(i+1) || tids[tk.TID] || len(tk.Replies) != replies {
			t.Fatalf("ticket %+v", tk)
		}
		tids[tk.TID] = true
		for r, rep := range tk.Replies {
			if rep.Message != tk.Subject+"-r"+strconv.Itoa(r) {
				t.Fatalf("ticket %s reply %d: %q", tk.Subject, r, rep.Message)
			}
		}
	}
	if st.Calls["OpenTicket"] != workers*perWorker || st.Calls["AddTicketReply"] != workers*perWorker*replies || st.WriteCalls != workers*perWorker*(1+replies) {
		t.Fatalf("calls %v writes %d", st.Calls, st.WriteCalls)
	}
}
