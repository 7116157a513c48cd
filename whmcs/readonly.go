package whmcs

import (
	"context"
	"fmt"
)

// ReadOnly returns a Caller that passes reads to c and refuses every write
// (Request.Write) with an error wrapping ErrReadOnly and naming the action,
// before anything is sent. Dry-run and validation are built on it.
func ReadOnly(c Caller) Caller { return readOnly{c} }

type readOnly struct{ next Caller }

func (r readOnly) Call(ctx context.Context, req Request, resp any) error {
	if req.Write() {
		return fmt.Errorf("%s: %w", req.Action(), ErrReadOnly)
	}
	return r.next.Call(ctx, req, resp)
}

func (r readOnly) Unwrap() Caller { return r.next }

// IsReadOnly reports whether c's stack refuses writes (a ReadOnly layer).
func IsReadOnly(c Caller) bool {
	_, ok := Find[readOnly](c)
	return ok
}
