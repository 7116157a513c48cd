package whmcs

import (
	"context"
	"fmt"
)

// ReadOnly returns a Caller that passes reads to c and refuses every write
// (Request.Write) with an error wrapping ErrReadOnly and naming the action,
// before anything is sent. Dry-run and validation are built on it.
func ReadOnly(c Caller) Caller {
	return CallerFunc(func(ctx context.Context, req Request, resp any) error {
		if req.Write() {
			return fmt.Errorf("%s: %w", req.Action(), ErrReadOnly)
		}
		return c.Call(ctx, req, resp)
	})
}
