package mapping

import (
	"context"
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

// NewContactResolver returns a ContactResolver over GetContacts, keeping
// the lowest contact id when several match. Its first lookup reads the
// whole contact list (GetContacts without a filter, in pages of 250) when
// it holds at most maxContactDirectory contacts, and answers every lookup
// from it: the calls do not grow with the number of distinct emails.
// Past that it asks GetContacts filtered by email, once per email. Answers
// are cached for the resolver's life, found or not, like
// NewClientResolver's; failed lookups are not. Concurrent calls for one
// email share one lookup. It is safe for concurrent use.
func NewContactResolver(c *whmcs.Client) ContactResolver {
	return &contactResolver{c: c, maxDir: maxContactDirectory}
}

// maxContactDirectory is the most contacts the resolver reads into its
// directory (about 100 bytes each).
const maxContactDirectory = 100_000

type contactResolver struct {
	c      *whmcs.Client
	flight flight[Contact] // filtered look-ups by normalized email, without a directory

	maxDir   int                // maxContactDirectory (tests lower it)
	dirMu    sync.Mutex         // held while the directory is read
	dirState int                // dirUnread, dirRead or dirTooLarge
	dir      map[string]Contact // by normalized email, once dirRead
}

// States of contactResolver's directory.
const (
	dirUnread = iota
	dirRead
	dirTooLarge
)

// directory returns the whole contact list by email, reading it on the
// first call; ok is false when the list is too large to hold.
func (r *contactResolver) directory(ctx context.Context) (dir map[string]Contact, ok bool, err error) {
	r.dirMu.Lock()
	defer r.dirMu.Unlock()
	switch r.dirState {
	case dirRead:
		return r.dir, true, nil
	case dirTooLarge:
		return nil, false, nil
	}
	dir = map[string]Contact{}
	for start := 0; ; {
		list, err := r.c.GetContacts(ctx, &whmcs.GetContactsRequest{LimitStart: start, LimitNum: clientPage})
		if err != nil {
			return nil, false, fmt.Errorf("read the contact list: %w", err)
		}
		if list.TotalResults > r.maxDir {
			r.dirState = dirTooLarge
			return nil, false, nil
		}
		for _, ct := range list.Contacts {
			if k := norm(ct.Email); k != "" {
				if c, seen := dir[k]; !seen || ct.ID < c.ID {
					dir[k] = Contact{ID: ct.ID, ClientID: ct.UserID}
				}
			}
		}
		start += len(list.Contacts)
		if len(list.Contacts) == 0 || start >= list.TotalResults {
			break
		}
	}
	r.dir, r.dirState = dir, dirRead
	return dir, true, nil
}

func (r *contactResolver) ContactByEmail(ctx context.Context, email string) (Contact, bool, error) {
	key := norm(email)
	if key == "" {
		return Contact{}, false, nil
	}
	if dir, ok, err := r.directory(ctx); err != nil {
		return Contact{}, false, err
	} else if ok {
		c, found := dir[key]
		return c, found, nil
	}
	return r.flight.do(ctx, key, func() (Contact, bool, error) { return r.search(ctx, key) })
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
