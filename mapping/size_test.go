package mapping

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// The planner sizes each step's call as it will be sent (whmcs.RequestSize
// plus the credentials' overhead) and fails a ticket with a step over the
// limit with request_too_large on that entry; a step at the limit passes.
// Attachments count with their base64, an unknown size is measured by
// reading the file, and an incremental plan sizes only what it sends.
func TestPlanRequestSize(t *testing.T) {
	const limit = 100 << 10
	const overhead = 150
	pl := newPlanner(t, Options{Config: baseConfig(), MaxRequestSize: limit, RequestOverhead: overhead})

	// Find the body length that makes the reply exactly the limit.
	size := func(body string) int64 {
		p := mustPlan(t, pl, ticket("", cust("c1", 0, "Hello"), staffE("s1", 1, body)), nil)
		return whmcs.RequestSize(p.Steps[1].Request(), nil, nil) + overhead
	}
	base := size("x")
	at := strings.Repeat("x", int(limit-base)+1)
	if got := size(at); got != limit {
		t.Fatalf("sizing is not linear: %d, want %d", got, limit)
	}
	p := mustPlan(t, pl, ticket("", cust("c1", 0, "Hello"), staffE("s1", 1, at)), nil)
	if p.Failed() {
		t.Fatalf("a reply of exactly the limit failed: %v", codes(p.Problems))
	}
	p = mustPlan(t, pl, ticket("", cust("c1", 0, "Hello"), staffE("s1", 1, at+"x")), nil)
	if errs := errorsOf(p); len(errs) != 1 || errs[0].Code != sources.CodeRequestTooLarge || errs[0].Entry != "s1" ||
		!strings.Contains(errs[0].Message, "target.max_request_size") || !strings.Contains(errs[0].Message, "AddTicketReply") {
		t.Fatalf("one byte over: %+v", p.Problems)
	}

	// A 60 KiB attachment of unknown size on the opening message: read to
	// size it, and over the limit once in base64 twice (about 107 KiB).
	data := bytes.Repeat([]byte{0xff}, 60<<10)
	opened := 0
	e := cust("c1", 0, "Hello")
	e.Attachments = []sources.Attachment{{Name: "log.bin", Size: -1, Open: func() (io.ReadCloser, error) {
		opened++
		return io.NopCloser(bytes.NewReader(data)), nil
	}}}
	p = mustPlan(t, pl, ticket("", e), nil)
	errs := errorsOf(p)
	if opened != 1 || len(errs) != 1 || errs[0].Code != sources.CodeRequestTooLarge || !strings.Contains(errs[0].Message, "1 attachment") {
		t.Fatalf("attachment (opened %d times): %+v", opened, p.Problems)
	}
	want := whmcs.RequestSize(p.Steps[0].Request(), nil, []whmcs.FileInfo{{Name: "log.bin", Size: int64(len(data))}}) + overhead
	if !strings.Contains(errs[0].Message, whmcs.FormatBytes(want)) {
		t.Errorf("message does not give the size %s: %s", whmcs.FormatBytes(want), errs[0].Message)
	}

	// Incremental: the oversized reply already imported is not sized again;
	// a new small reply passes.
	big := staffE("s1", 1, at+"x")
	first := mustPlan(t, newPlanner(t, Options{Config: baseConfig(), MaxRequestSize: -1}), ticket("", cust("c1", 0, "Hello"), big), nil)
	prior := &Prior{TicketID: 9, Entries: map[string]string{}, Status: first.EndStatus, Priority: first.EndPriority, DeptID: first.EndDeptID}
	for _, s := range first.Steps {
		if s.EntryKey != "" {
			prior.Entries[s.EntryKey] = s.Hash
		}
	}
	p = mustPlan(t, pl, ticket("", cust("c1", 0, "Hello"), big, cust("c2", 5, "thanks")), prior)
	if p.Failed() || len(p.Steps) == 0 {
		t.Fatalf("incremental plan: %+v, steps %v", p.Problems, describeAll(p))
	}

	// No limit: nothing is sized.
	p = mustPlan(t, newPlanner(t, Options{Config: baseConfig(), MaxRequestSize: -1}), ticket("", cust("c1", 0, "Hello"), staffE("s1", 1, at+"x")), nil)
	if p.Failed() {
		t.Fatalf("no limit: %+v", p.Problems)
	}
}

func errorsOf(p *Plan) []sources.Problem {
	var out []sources.Problem
	for _, pr := range p.Problems {
		if pr.Severity == sources.Error {
			out = append(out, pr)
		}
	}
	return out
}
