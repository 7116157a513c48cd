package sourcetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// Run checks the Source contract on sources made by open. open is called
// once per subtest and must return a fresh source over the same fixture,
// which must hold at least two tickets, one of them with entries. Run
// closes each source it opens (twice, to check that is safe). Each check is
// a method of Suite, run as a subtest of its name.
func Run(t *testing.T, open func(t *testing.T) sources.Source) {
	t.Helper()
	su := Suite{Open: open}
	for _, c := range []struct {
		name string
		test func(*testing.T)
	}{
		{"StableOrder", su.StableOrder},
		{"NoDuplicateIDs", su.NoDuplicateIDs},
		{"Problems", su.Problems},
		{"ReadOptionsSkipThreads", su.ReadOptionsSkipThreads},
		{"CancelledBeforeStart", su.CancelledBeforeStart},
		{"CancelMidStream", su.CancelMidStream},
		{"EarlyBreak", su.EarlyBreak},
		{"Count", su.Count},
		{"Attachments", su.Attachments},
		{"CloseTwice", su.CloseTwice},
	} {
		t.Run(c.name, c.test)
	}
}

// Suite is the Source contract's checks, one method each, on sources made
// by Open (see Run).
type Suite struct {
	Open func(t *testing.T) sources.Source
}

// use opens a source for one check and closes it when the check ends.
func (su Suite) use(t *testing.T) sources.Source {
	t.Helper()
	s := su.Open(t)
	if s == nil {
		t.Fatal("open returned a nil source")
	}
	t.Cleanup(func() { _ = s.Close() }) // the suite tests Close itself (twice)
	return s
}

// StableOrder checks that two passes, and a reopened source, yield the same stream.
func (su Suite) StableOrder(t *testing.T) {
	s := su.use(t)
	first := readAll(t, s, sources.ReadOptions{})
	second := readAll(t, s, sources.ReadOptions{})
	if len(first) < 2 {
		t.Fatalf("the fixture has %d tickets; the suite needs at least 2", len(first))
	}
	entries := 0
	for _, tk := range first {
		entries += len(tk.Entries)
	}
	if entries == 0 {
		t.Fatal("the fixture has no entries; the suite needs some")
	}
	if !reflect.DeepEqual(first, second) {
		t.Errorf("two passes differ:\n%s", diff(first, second))
	}
	// A new source over the same data gives the same stream.
	third := readAll(t, su.use(t), sources.ReadOptions{})
	if !reflect.DeepEqual(first, third) {
		t.Errorf("a reopened source differs:\n%s", diff(first, third))
	}
}

// NoDuplicateIDs checks that every ticket has an ID and none comes twice.
func (su Suite) NoDuplicateIDs(t *testing.T) {
	seen := map[string]int{}
	for i, tk := range readAll(t, su.use(t), sources.ReadOptions{}) {
		if tk.ID == "" {
			t.Errorf("ticket %d (%s) has an empty ID", i, tk.Origin)
		}
		if j, dup := seen[tk.ID]; dup {
			t.Errorf("ticket ID %q yielded twice (positions %d and %d)", tk.ID, j, i)
		}
		seen[tk.ID] = i
	}
}

// Problems checks that each problem names its ticket, a code, an origin and a message.
func (su Suite) Problems(t *testing.T) {
	for _, tk := range readAll(t, su.use(t), sources.ReadOptions{}) {
		for _, p := range tk.Problems {
			if p.Ticket != tk.ID {
				t.Errorf("ticket %s: problem %q names ticket %q", tk.ID, p.String(), p.Ticket)
			}
			if p.Code == "" || p.Origin == "" || p.Message == "" {
				t.Errorf("ticket %s: problem without code, origin or message: %#v", tk.ID, p)
			}
			if p.Severity != sources.Error && p.Severity != sources.Warning {
				t.Errorf("ticket %s: problem %s has severity %q", tk.ID, p.Code, p.Severity)
			}
		}
	}
}

// ReadOptionsSkipThreads checks that a thread not wanted is skipped (header only, ThreadSkipped) and a wanted one comes whole.
func (su Suite) ReadOptionsSkipThreads(t *testing.T) {
	s := su.use(t)
	full := readAll(t, s, sources.ReadOptions{})
	// No thread wanted: every ticket still comes, header only.
	none := readAll(t, s, sources.ReadOptions{Threads: map[string]bool{}})
	if len(none) != len(full) {
		t.Fatalf("with no thread wanted: %d tickets, with all: %d", len(none), len(full))
	}
	for i, tk := range none {
		if tk.ID != full[i].ID {
			t.Errorf("ticket %d: ID %s with no thread wanted, %s with all", i, tk.ID, full[i].ID)
		}
		if tk.Entries != nil {
			t.Errorf("ticket %s: no thread wanted, yet %d entries", tk.ID, len(tk.Entries))
		}
		if full[i].Entries != nil && !tk.ThreadSkipped {
			t.Errorf("ticket %s: its thread was not wanted but ThreadSkipped is not set", tk.ID)
		}
	}
	// Every other thread wanted: those come whole, as in a full pass.
	want := map[string]bool{}
	for i, tk := range full {
		if i%2 == 1 {
			want[tk.ID] = true
		}
	}
	some := readAll(t, s, sources.ReadOptions{Threads: want})
	for i, tk := range some {
		if want[tk.ID] == tk.ThreadSkipped && full[i].Entries != nil {
			t.Errorf("ticket %s: wanted %v, ThreadSkipped %v", tk.ID, want[tk.ID], tk.ThreadSkipped)
		}
		if want[tk.ID] && !reflect.DeepEqual(tk, full[i]) {
			t.Errorf("ticket %s, wanted, differs from a full pass:\n%s", tk.ID, diff([]snap{tk}, []snap{full[i]}))
		}
	}
	// Held at their current version, settled: tickets with a
	// last-change time come header only, the others whole.
	var versions sources.VersionsBuilder
	for _, tk := range full {
		if !tk.Updated.IsZero() {
			versions.Add(tk.ID, tk.Updated.Unix())
		}
	}
	held := &sources.Held{Versions: versions.Versions(), Settled: time.Now().Add(24 * time.Hour)}
	for i, tk := range readAll(t, s, sources.ReadOptions{Held: held}) {
		if skip := full[i].Entries != nil && !full[i].Updated.IsZero(); tk.ThreadSkipped != skip {
			t.Errorf("ticket %s held at its version: ThreadSkipped %v, want %v", tk.ID, tk.ThreadSkipped, skip)
		}
	}
}

// CancelledBeforeStart checks that a cancelled context ends the stream at once with ctx.Err().
func (su Suite) CancelledBeforeStart(t *testing.T) {
	s := su.use(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n := 0
	var gotErr error
	for tk, err := range s.Tickets(ctx, sources.ReadOptions{}) {
		n++
		if err != nil {
			gotErr = err
			continue
		}
		_ = tk
	}
	if !errors.Is(gotErr, context.Canceled) {
		t.Errorf("cancelled context: got error %v, want context.Canceled", gotErr)
	}
	if n != 1 {
		t.Errorf("cancelled context: %d yields, want exactly one (the error)", n)
	}
}

// CancelMidStream checks that cancelling mid-stream ends it promptly with ctx.Err().
func (su Suite) CancelMidStream(t *testing.T) {
	s := su.use(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tickets, afterCancel, afterErr := 0, 0, 0
	var gotErr error
	for tk, err := range s.Tickets(ctx, sources.ReadOptions{}) {
		if gotErr != nil {
			afterErr++
			continue
		}
		if err != nil {
			gotErr = err
			continue
		}
		if tk == nil {
			t.Fatal("nil ticket with nil error")
		}
		tickets++
		if tickets == 1 {
			cancel()
		} else {
			afterCancel++
		}
	}
	if !errors.Is(gotErr, context.Canceled) {
		t.Errorf("cancelled mid-stream: got error %v, want context.Canceled", gotErr)
	}
	if afterCancel > 1 {
		t.Errorf("cancelled mid-stream: %d more tickets after cancel, want at most 1", afterCancel)
	}
	if afterErr > 0 {
		t.Errorf("the stream went on for %d yields after its error", afterErr)
	}
}

// EarlyBreak checks that a consumer may stop early without error or leak.
func (su Suite) EarlyBreak(t *testing.T) {
	s := su.use(t)
	for tk, err := range s.Tickets(context.Background(), sources.ReadOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		_ = tk
		break
	}
	// The source is still usable.
	if got := readAll(t, s, sources.ReadOptions{}); len(got) < 2 {
		t.Errorf("after an early break, a pass read %d tickets", len(got))
	}
}

// Count checks that a Counter counts what the stream yields.
func (su Suite) Count(t *testing.T) {
	s := su.use(t)
	c, ok := s.(sources.Counter)
	if !ok {
		t.Skip("the source does not implement sources.Counter")
	}
	n, err := c.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := len(readAll(t, s, sources.ReadOptions{})); n != want {
		t.Errorf("Count = %d, a pass yields %d tickets", n, want)
	}
}

// Attachments checks that every attachment opens and reads what it claims.
func (su Suite) Attachments(t *testing.T) {
	s := su.use(t)
	found := 0
	for tk, err := range s.Tickets(context.Background(), sources.ReadOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range tk.Entries {
			for _, a := range e.Attachments {
				found++
				checkAttachment(t, tk.ID, a)
			}
		}
	}
	if found == 0 {
		t.Skip("the fixture has no attachments")
	}
}

// CloseTwice checks that Close is safe twice.
func (su Suite) CloseTwice(t *testing.T) {
	s := su.Open(t)
	readAll(t, s, sources.ReadOptions{})
	if err := s.Close(); err != nil {
		t.Errorf("first Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func checkAttachment(t *testing.T, ticket string, a sources.Attachment) {
	t.Helper()
	if a.Name == "" {
		t.Errorf("ticket %s: attachment without a name", ticket)
	}
	if a.Open == nil {
		t.Errorf("ticket %s: attachment %s has no Open", ticket, a.Name)
		return
	}
	read := func() []byte {
		rc, err := a.Open()
		if err != nil {
			t.Errorf("ticket %s: open attachment %s: %v", ticket, a.Name, err)
			return nil
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Errorf("ticket %s: read attachment %s: %v", ticket, a.Name, err)
		}
		return b
	}
	b1, b2 := read(), read()
	if a.Size >= 0 && int64(len(b1)) != a.Size {
		t.Errorf("ticket %s: attachment %s: Size %d, read %d bytes", ticket, a.Name, a.Size, len(b1))
	}
	if !bytes.Equal(b1, b2) {
		t.Errorf("ticket %s: attachment %s reads differently on a second Open", ticket, a.Name)
	}
}

// snap is what the suite compares of a ticket: everything but the
// attachments' Open functions.
type snap struct {
	ID, Origin, Subject, Department, Status, Priority string
	Requester                                         sources.Person
	ClientID                                          int64
	CC                                                []string
	Created, Updated                                  time.Time
	ThreadSkipped                                     bool
	Entries                                           []entrySnap
	Problems                                          []sources.Problem
}

type entrySnap struct {
	ID, Origin  string
	Kind        sources.EntryKind
	Author      sources.Person
	Body        string
	Format      sources.Format
	Created     time.Time
	Attachments []string // name and size
}

func snapshot(tk *sources.Ticket) snap {
	s := snap{
		ID: tk.ID, Origin: tk.Origin, Subject: tk.Subject, Department: tk.Department, Status: tk.Status,
		Priority: tk.Priority, Requester: tk.Requester, ClientID: tk.ClientID, CC: tk.CC,
		Created: tk.Created.UTC(), Updated: tk.Updated.UTC(), ThreadSkipped: tk.ThreadSkipped, Problems: tk.Problems,
	}
	if tk.Entries != nil {
		s.Entries = []entrySnap{}
	}
	for _, e := range tk.Entries {
		es := entrySnap{ID: e.ID, Origin: e.Origin, Kind: e.Kind, Author: e.Author, Body: e.Body, Format: e.Format, Created: e.Created.UTC()}
		for _, a := range e.Attachments {
			es.Attachments = append(es.Attachments, fmt.Sprintf("%s (%d)", a.Name, a.Size))
		}
		s.Entries = append(s.Entries, es)
	}
	return s
}

// readAll reads one full pass, failing the test on a stream error.
func readAll(t *testing.T, s sources.Source, opts sources.ReadOptions) []snap {
	t.Helper()
	var out []snap
	for tk, err := range s.Tickets(context.Background(), opts) {
		if err != nil {
			t.Fatalf("pass: %v", err)
		}
		if tk == nil {
			t.Fatal("pass: nil ticket with nil error")
		}
		if tk.ThreadSkipped && tk.Entries != nil {
			t.Errorf("ticket %s: ThreadSkipped with %d entries", tk.ID, len(tk.Entries))
		}
		out = append(out, snapshot(tk))
	}
	return out
}

// diff describes the first difference between two passes.
func diff(a, b []snap) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d tickets, then %d", len(a), len(b))
	}
	for i := range a {
		if !reflect.DeepEqual(a[i], b[i]) {
			return fmt.Sprintf("ticket %d:\n  %+v\n  %+v", i, a[i], b[i])
		}
	}
	return "(no difference)"
}

// Memory is an in-memory sources.Source over tickets, in their order, for
// tests of what consumes a source (the importer): their input is plain
// data, not a file format. It honours ReadOptions and cancellation
// like a real source, and hands out copies, so consumers cannot change it.
type Memory struct {
	tickets []*sources.Ticket
}

// NewMemory returns a Memory source over tickets.
func NewMemory(tickets []*sources.Ticket) *Memory { return &Memory{tickets: tickets} }

var _ sources.Source = (*Memory)(nil)

// Tickets streams copies of the tickets.
func (m *Memory) Tickets(ctx context.Context, o sources.ReadOptions) iter.Seq2[*sources.Ticket, error] {
	return func(yield func(*sources.Ticket, error) bool) {
		for _, t := range m.tickets {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			c := *t
			c.Entries = nil
			if !o.WantThread(&c) {
				c.ThreadSkipped = true
			} else {
				c.Entries = slices.Clone(t.Entries)
			}
			if !yield(&c, nil) {
				return
			}
		}
	}
}

// Close does nothing.
func (m *Memory) Close() error { return nil }
