package mapping

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// ClientResolver finds WHMCS clients by email.
type ClientResolver interface {
	// ClientByEmail returns the id of the WHMCS client whose email equals
	// email (case-insensitive, exact); found is false when there is none.
	// err is for a lookup that could not be made (I/O, ctx cancelled).
	ClientByEmail(ctx context.Context, email string) (id int64, found bool, err error)
}

// clientPage is how many clients one GetClients call asks for.
const clientPage = 250

// NewClientResolver returns a ClientResolver over GetClients: it searches
// for the email (WHMCS's search is a prefix match on emails and names),
// pages through every result, and keeps the client whose email equals the
// one asked for, case-insensitively (the lowest id if several do).
//
// Answers are cached for the resolver's life, found or not; failed lookups
// are not. Concurrent calls for the same email share one lookup. It is safe
// for concurrent use.
//
// c's Caller is whatever the importer composed (rate limit, retries,
// read-only): GetClients is a read.
func NewClientResolver(c *whmcs.Client) ClientResolver {
	return &clientResolver{c: c, m: make(map[string]*lookup)}
}

type clientResolver struct {
	c  *whmcs.Client
	mu sync.Mutex
	m  map[string]*lookup // by normalized email
}

// lookup is one email's answer, ready when done is closed.
type lookup struct {
	done  chan struct{}
	id    int64
	found bool
	err   error
}

func (r *clientResolver) ClientByEmail(ctx context.Context, email string) (int64, bool, error) {
	key := norm(email)
	if key == "" {
		return 0, false, nil
	}
	for {
		r.mu.Lock()
		l, ok := r.m[key]
		if !ok {
			l = &lookup{done: make(chan struct{})}
			r.m[key] = l
			r.mu.Unlock()
			l.id, l.found, l.err = r.search(ctx, key)
			if l.err != nil {
				r.mu.Lock()
				delete(r.m, key)
				r.mu.Unlock()
			}
			close(l.done)
			return l.id, l.found, l.err
		}
		r.mu.Unlock()
		select {
		case <-l.done:
		case <-ctx.Done():
			return 0, false, ctx.Err()
		}
		if l.err == nil {
			return l.id, l.found, nil
		}
		// The lookup we waited for failed. When it failed only because its
		// own caller gave up, and we have not, try again ourselves.
		if ctx.Err() == nil && (errors.Is(l.err, context.Canceled) || errors.Is(l.err, context.DeadlineExceeded)) {
			continue
		}
		return 0, false, l.err
	}
}

// search pages through GetClients for email (already normalized).
func (r *clientResolver) search(ctx context.Context, email string) (id int64, found bool, err error) {
	start := 0
	for {
		list, err := r.c.GetClients(ctx, &whmcs.GetClientsRequest{LimitStart: start, LimitNum: clientPage, Search: email})
		if err != nil {
			return 0, false, fmt.Errorf("find client %s: %w", email, err)
		}
		for _, c := range list.Clients {
			if strings.EqualFold(strings.TrimSpace(c.Email), email) && (!found || c.ID < id) {
				id, found = c.ID, true
			}
		}
		start += len(list.Clients)
		if len(list.Clients) == 0 || start >= list.TotalResults {
			return id, found, nil
		}
	}
}
