package main

import (
	"context"
	"io"
	"testing"
)

// Command lines cobra cannot take exit 2, classified by type, not by
// cobra's wording.
func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"frobnicate"},
		{"run"},
		{"run", "--bogus"},
		{"run", "--config", "x.yaml", "--concurrency", "many"},
		{"status", "--config", "x.yaml", "extra"},
		{"validate", "-z"},
		{"verify", "--config"},
		{"sandbox", "--ticket-mask", "%n%n%n%n%n%n%n%n"}, // 16 characters
	} {
		if code := execute(context.Background(), args, io.Discard, io.Discard); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code := execute(context.Background(), nil, io.Discard, io.Discard); code != exitOK {
		t.Errorf("no command: exit %d, want help and %d", code, exitOK)
	}
}
