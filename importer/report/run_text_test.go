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
	rep := &Run{RunID: 7, Tickets: TicketCounts{Total: 1, Unchanged: 1}}
	rep.WriteText(&b)
	if out := b.String(); !strings.HasPrefix(out, "Nothing to do: 1 ticket, all unchanged") || !strings.Contains(out, "calls      none\n") {
		t.Errorf("summary:\n%s", out)
	}
	rep = &Run{RunID: 8, Tickets: TicketCounts{Total: 3, Imported: 1, Stopped: 2}, Calls: map[string]int64{"OpenTicket": 1}}
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
