package sources

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

func TestVersions(t *testing.T) {
	for _, order := range []string{"sorted", "shuffled"} {
		t.Run(order, func(t *testing.T) {
			const n = 10_000
			ids := make([]string, n)
			for i := range ids {
				ids[i] = fmt.Sprintf("T%05d", i)
			}
			if order == "shuffled" {
				rand.New(rand.NewPCG(1, 2)).Shuffle(n, func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
			}
			var b VersionsBuilder
			for _, id := range ids {
				var i int64
				fmt.Sscanf(id, "T%d", &i)
				b.Add(id, 1000+i)
			}
			v := b.Versions()
			if v.Len() != n {
				t.Fatalf("Len = %d, want %d", v.Len(), n)
			}
			for i := range n {
				if got, ok := v.Get(fmt.Sprintf("T%05d", i)); !ok || got != int64(1000+i) {
					t.Fatalf("Get(T%05d) = %d, %v", i, got, ok)
				}
			}
			for _, id := range []string{"", "T", "T0000", "T000000", "T10000", "S00001", "U"} {
				if got, ok := v.Get(id); ok {
					t.Errorf("Get(%q) = %d, found", id, got)
				}
			}
			if b.Versions().Len() != 0 {
				t.Error("the builder was not reset")
			}
			// Lookups allocate nothing; the ids take their bytes plus 12 a
			// ticket, give or take the arrays' spare capacity.
			if a := testing.AllocsPerRun(100, func() { v.Get("T04242") }); a != 0 {
				t.Errorf("Get allocates %v times", a)
			}
			if size := cap(v.ids) + 4*cap(v.ends) + 8*cap(v.vs); size > n*(6+12)*5/4 {
				t.Errorf("%d tickets take %d bytes", n, size)
			}
		})
	}
}

func TestVersionsEdges(t *testing.T) {
	var nilV *Versions
	if _, ok := nilV.Get("x"); ok || nilV.Len() != 0 {
		t.Error("a nil Versions holds something")
	}
	var b VersionsBuilder
	if v := b.Versions(); v.Len() != 0 {
		t.Errorf("empty: Len %d", v.Len())
	}
	// An id given twice keeps its greater version, in either order; ids
	// are bytes (not case-folded, not normalised).
	b.Add("b", 5)
	b.Add("a", 1)
	b.Add("b", 7)
	b.Add("b", 6)
	b.Add("B", 2)
	b.Add("é", 3)
	v := b.Versions()
	want := map[string]int64{"a": 1, "b": 7, "B": 2, "é": 3}
	if v.Len() != len(want) {
		t.Errorf("Len = %d, want %d", v.Len(), len(want))
	}
	for id, w := range want {
		if got, ok := v.Get(id); !ok || got != w {
			t.Errorf("Get(%q) = %d, %v; want %d", id, got, ok, w)
		}
	}
	if got := VersionsOf(map[string]int64{"x": 1, "y": 2}); got.Len() != 2 {
		t.Errorf("VersionsOf: Len %d", got.Len())
	}
}

func TestHeldUnchanged(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2024, 1, 1, h, 0, 0, 0, time.UTC) }
	h := &Held{Versions: VersionsOf(map[string]int64{"T1": at(10).Unix(), "T2": at(10).Unix()}), Settled: at(12)}
	for _, c := range []struct {
		id      string
		updated time.Time
		want    bool
	}{
		{"T1", at(10), true},       // held at its last change
		{"T1", at(9), true},        // held at a later version
		{"T2", at(11), false},      // changed since
		{"T1", at(13), false},      // changed after Settled
		{"T3", at(10), false},      // not held
		{"T1", time.Time{}, false}, // no last-change time
	} {
		if got := h.Unchanged(&Ticket{ID: c.id, Updated: c.updated}); got != c.want {
			t.Errorf("Unchanged(%s updated %v) = %v, want %v", c.id, c.updated, got, c.want)
		}
	}
	var none *Held
	if none.Unchanged(&Ticket{ID: "T1", Updated: at(10)}) {
		t.Error("a nil Held holds T1")
	}
}
