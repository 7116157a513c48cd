package zonetest

import (
	"runtime"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	for _, name := range []string{"America/Chicago", "Europe/Berlin", "Asia/Tokyo", "UTC"} {
		loc := Load(t, name)
		if loc.String() != name {
			t.Errorf("Load(%q) = %v", name, loc)
		}
		if m := Must(name); m.String() != name {
			t.Errorf("Must(%q) = %v", name, m)
		}
	}
	// Chicago keeps DST: the offsets of January and July differ.
	chi := Load(t, "America/Chicago")
	_, jan := time.Date(2025, 1, 15, 12, 0, 0, 0, chi).Zone()
	_, jul := time.Date(2025, 7, 15, 12, 0, 0, 0, chi).Zone()
	if jan != -6*3600 || jul != -5*3600 {
		t.Errorf("America/Chicago offsets %d, %d", jan, jul)
	}
}

func TestMustPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Must of an unknown zone did not panic")
		}
	}()
	Must("Nowhere/Atlantis")
}

// fatalTB records Fatalf and ends its goroutine, as testing.T does.
type fatalTB struct {
	testing.TB
	fatal bool
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(string, ...any) {
	f.fatal = true
	runtime.Goexit()
}

func TestLoadFails(t *testing.T) {
	f := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Load(f, "Nowhere/Atlantis")
	}()
	<-done
	if !f.fatal {
		t.Error("Load of an unknown zone did not fail the test")
	}
}
