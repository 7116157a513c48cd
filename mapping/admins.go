package mapping

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// AdminResolver finds WHMCS admin ids by username, for UpdateTicket flag
// (a ticket's assignee).
type AdminResolver interface {
	// AdminID returns the id of the admin whose username is username
	// (case-insensitive); found is false when there is none. err is for a
	// lookup that could not be made (I/O, ctx cancelled).
	AdminID(ctx context.Context, username string) (id int64, found bool, err error)
}

// NewAdminResolver returns an AdminResolver over GetAdminUsers: the first
// lookup reads every admin (disabled ones too: a ticket may be assigned to
// a former admin) in one call, and later lookups are answered from it. A
// failed read is not kept; the next lookup tries again. It is safe for
// concurrent use.
func NewAdminResolver(c *whmcs.Client) AdminResolver {
	return &adminResolver{c: c}
}

type adminResolver struct {
	c  *whmcs.Client
	mu sync.Mutex
	m  map[string]int64 // norm(username) -> id; nil until read
}

func (r *adminResolver) AdminID(ctx context.Context, username string) (int64, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.loadLocked(ctx); err != nil {
		return 0, false, err
	}
	id, ok := r.m[norm(strings.TrimSpace(username))]
	return id, ok, nil
}

// Preload implements Preloader: the admin list, read once.
func (r *adminResolver) Preload(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.loadLocked(ctx)
}

// loadLocked reads the admin list unless it was read.
func (r *adminResolver) loadLocked(ctx context.Context) error {
	if r.m != nil {
		return nil
	}
	admins, err := r.c.GetAdminUsers(ctx, &whmcs.GetAdminUsersRequest{IncludeDisabled: true})
	if err != nil {
		return fmt.Errorf("list admin users: %w", err)
	}
	m := make(map[string]int64, len(admins))
	for _, a := range admins {
		m[norm(a.Username)] = a.ID
	}
	r.m = m
	return nil
}

// StaticAdmins is an AdminResolver over a fixed username -> id map, for
// tests and for callers that already listed the admins.
type StaticAdmins map[string]int64

// AdminID looks username up case-insensitively.
func (s StaticAdmins) AdminID(_ context.Context, username string) (int64, bool, error) {
	for u, id := range s {
		if norm(u) == norm(username) {
			return id, true, nil
		}
	}
	return 0, false, nil
}
