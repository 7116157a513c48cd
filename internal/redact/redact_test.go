package redact

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestError(t *testing.T) {
	clean := func(s string) string { return strings.ReplaceAll(s, "hunter2", "[redacted]") }
	base := fmt.Errorf("dial mysql://root:hunter2@db: %w", context.Canceled)
	got := Error(base, clean)
	if got.Error() != "dial mysql://root:[redacted]@db: context canceled" {
		t.Errorf("text %q", got)
	}
	if !errors.Is(got, context.Canceled) || !errors.Is(got, base) {
		t.Error("the chain is broken")
	}
	plain := errors.New("nothing secret")
	if Error(plain, clean) != plain || Error(nil, clean) != nil {
		t.Error("an error with nothing to redact is not returned as it is")
	}
}
