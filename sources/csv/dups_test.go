package csv

import (
	"errors"
	"reflect"
	"testing"
)

// duplicateIDs finds the ids used twice, with their lines, whatever the
// hash: ids that only hash alike are not duplicates.
func TestDuplicateIDs(t *testing.T) {
	ids := []string{"A", "B", "", "C", "A", "D", "", "B", "A", "E"}
	each := func(f func(id string, line int)) error {
		for i, id := range ids {
			f(id, i+2)
		}
		return nil
	}
	want := map[string][]int{"A": {2, 6, 10}, "B": {3, 9}}
	for name, hash := range map[string]func(string) uint64{
		"distinct":   func(id string) uint64 { return uint64(id[0]) },
		"all alike":  func(string) uint64 { return 7 },
		"some alike": func(id string) uint64 { return uint64(id[0]) % 2 },
	} {
		got, err := duplicateIDs(each, hash)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v, %v; want %v", name, got, err, want)
		}
	}
	got, err := duplicateIDs(func(f func(string, int)) error { f("X", 2); f("Y", 3); return nil }, func(string) uint64 { return 1 })
	if err != nil || len(got) != 0 {
		t.Errorf("two ids alike in hash only: %v, %v", got, err)
	}
	boom := errors.New("boom")
	if _, err := duplicateIDs(func(func(string, int)) error { return boom }, func(string) uint64 { return 1 }); !errors.Is(err, boom) {
		t.Errorf("a failing read: %v", err)
	}
}
