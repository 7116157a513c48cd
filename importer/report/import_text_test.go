package report

import (
	"encoding/json"
	"strings"
	"testing"
)

// The run summary counts in words a user reads: no "calls 0 ()", no
// "(1 tickets)", and "interrupted" in the JSON as on the terminal.
func TestRunSummaryWording(t *testing.T) {
	var b strings.Builder
	rep := &Import{RunID: 7, Tickets: TicketCounts{Total: 1, Unchanged: 1}}
	rep.WriteText(&b)
	if out := b.String(); !strings.HasPrefix(out, "Nothing to do: 1 ticket, all unchanged") || !strings.Contains(out, "calls      none\n") {
		t.Errorf("summary:\n%s", out)
	}
	rep = &Import{RunID: 8, Tickets: TicketCounts{Total: 3, Imported: 1, Stopped: 2}, Calls: map[string]int64{"OpenTicket": 1}}
	b.Reset()
	rep.WriteText(&b)
	j, err := json.Marshal(rep)
	if err != nil || !strings.Contains(b.String(), "2 interrupted") || !strings.Contains(string(j), `"interrupted":2`) || strings.Contains(string(j), "stopped") {
		t.Errorf("summary:\n%s\nJSON: %s", b.String(), j)
	}
	if Plural(1, "ticket", "tickets") != "1 ticket" || Plural(0, "ticket", "tickets") != "0 tickets" {
		t.Error("Plural")
	}
}

// A run stopped by a fatal error says so, why, and what it did before;
// failed calls count as calls ("calls none" never hides them), and
// "Nothing to do" is never said of it.
func TestRunSummaryStopped(t *testing.T) {
	var b strings.Builder
	rep := &Import{RunID: 9, Tickets: TicketCounts{Total: 4, Imported: 3, Unchanged: 1},
		Calls:       map[string]int64{"OpenTicket": 3, "GetTicket": 1},
		FailedCalls: map[string]int64{"AddTicketReply": 2},
		Stopped:     "the disk is full (write migration.db: no space left on device)"}
	rep.WriteText(&b)
	out := b.String()
	for _, want := range []string{
		"Run 9 STOPPED before the end: the disk is full",
		"done before it stopped: 3 imported, 0 adopted, 0 updated, 1 unchanged, 0 failed",
		"calls      6: 4 succeeded (GetTicket 1, OpenTicket 3), 2 failed (AddTicketReply 2)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Nothing to do") {
		t.Errorf("a stopped run says Nothing to do:\n%s", out)
	}

	b.Reset()
	rep = &Import{RunID: 10, Tickets: TicketCounts{}, FailedCalls: map[string]int64{"AddTicketReply": 1}, Stopped: "WHMCS refused a call"}
	rep.WriteText(&b)
	if out := b.String(); strings.Contains(out, "calls      none") || strings.Contains(out, "Nothing to do") || !strings.Contains(out, "1 failed (AddTicketReply 1)") {
		t.Errorf("a run whose only call failed:\n%s", out)
	}
}
