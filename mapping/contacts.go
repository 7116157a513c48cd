package mapping

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// Contact is a WHMCS client's contact: a person who writes as themselves
// on their client's tickets (OpenTicket and AddTicketReply clientid +
// contactid).
type Contact struct {
	ID       int64 // tblcontacts.id
	ClientID int64 // the client it belongs to
}

// ContactResolver finds client contacts by email. It is an interface of
// one method so that a batching implementation (many emails per call) can
// replace the one below without touching the planner.
type ContactResolver interface {
	// ContactByEmail returns the contact whose email equals email
	// (case-insensitive, exact); found is false when there is none. err is
	// for a lookup that could not be made (I/O, ctx cancelled).
	ContactByEmail(ctx context.Context, email string) (c Contact, found bool, err error)
}

// NewContactResolver returns a ContactResolver over GetContacts filtered
// by email, keeping the lowest contact id when several match. Answers are
// cached for the resolver's life, found or not, like NewClientResolver's;
// failed lookups are not. Concurrent calls for one email share one lookup.
// It is safe for concurrent use.
func NewContactResolver(c *whmcs.Client) ContactResolver {
	return &contactResolver{c: c, m: make(map[string]*contactLookup)}
}

type contactResolver struct {
	c  *whmcs.Client
	mu sync.Mutex
	m  map[string]*contactLookup // by normalized email
}

type contactLookup struct {
	done  chan struct{}
	c     Contact
	found bool
	err   error
}

func (r *contactResolver) ContactByEmail(ctx context.Context, email string) (Contact, bool, error) {
	key := norm(email)
	if key == "" {
		return Contact{}, false, nil
	}
	for {
		r.mu.Lock()
		l, ok := r.m[key]
		if !ok {
			l = &contactLookup{done: make(chan struct{})}
			r.m[key] = l
			r.mu.Unlock()
			l.c, l.found, l.err = r.search(ctx, key)
			if l.err != nil {
				r.mu.Lock()
				delete(r.m, key)
				r.mu.Unlock()
			}
			close(l.done)
			return l.c, l.found, l.err
		}
		r.mu.Unlock()
		select {
		case <-l.done:
		case <-ctx.Done():
			return Contact{}, false, ctx.Err()
		}
		if l.err == nil {
			return l.c, l.found, nil
		}
		if ctx.Err() == nil && (errors.Is(l.err, context.Canceled) || errors.Is(l.err, context.DeadlineExceeded)) {
			continue
		}
		return Contact{}, false, l.err
	}
}

// search pages through GetContacts for email (already normalized).
func (r *contactResolver) search(ctx context.Context, email string) (c Contact, found bool, err error) {
	start := 0
	for {
		list, err := r.c.GetContacts(ctx, &whmcs.GetContactsRequest{LimitStart: start, LimitNum: clientPage, Email: email})
		if err != nil {
			return Contact{}, false, fmt.Errorf("find contact %s: %w", email, err)
		}
		for _, ct := range list.Contacts {
			if strings.EqualFold(strings.TrimSpace(ct.Email), email) && (!found || ct.ID < c.ID) {
				c, found = Contact{ID: ct.ID, ClientID: ct.UserID}, true
			}
		}
		start += len(list.Contacts)
		if len(list.Contacts) == 0 || start >= list.TotalResults {
			return c, found, nil
		}
	}
}
