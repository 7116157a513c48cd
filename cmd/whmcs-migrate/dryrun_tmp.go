package main

import (
	"context"
	"errors"
)

func runValidateFromRun(ctx context.Context, g *globals, f runFlags) error {
	return errors.New("--dry-run: not wired yet")
}
