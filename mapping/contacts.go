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
	c       *whmcs.Client
	lookups lookupCache[Contact] // filtered look-ups by normalized email, without a directory

	maxDir   int                // maxContactDirectory (tests lower it)
	dirMu    sync.Mutex         // guards the directory, held while it is read
	dirState int                // dirUnread, dirPartial, dirRead or dirTooLarge
	dir      map[string]Contact // by normalized email, as far as read
	dirNext  int                // the next page's limitstart
}

// States of contactResolver's directory.
const (
	dirUnread = iota
	dirPartial
	dirRead
	dirTooLarge
)

// directory returns the whole contact list by email, reading what is left
// of it on the first call; ok is false when the list is too large to hold.
func (r *contactResolver) directory(ctx context.Context) (dir map[string]Contact, ok bool, err error) {
	r.dirMu.Lock()
	defer r.dirMu.Unlock()
	if err := r.readLocked(ctx, true); err != nil {
		return nil, false, err
	}
	return r.dir, r.dirState == dirRead, nil
}

// Preload implements Preloader: the contact list's first page (which
// tells whether it is small enough to hold), as the first lookup would
// read it.
func (r *contactResolver) Preload(ctx context.Context) error {
	r.dirMu.Lock()
	defer r.dirMu.Unlock()
	if r.dirState != dirUnread {
		return nil
	}
	return r.readLocked(ctx, false)
}

// readLocked reads the contact list's next page, and with all every page
// left. A failed read keeps the pages read before it, for the next try.
func (r *contactResolver) readLocked(ctx context.Context, all bool) error {
	for r.dirState == dirUnread || r.dirState == dirPartial {
		list, err := r.c.GetContacts(ctx, &whmcs.GetContactsRequest{LimitStart: r.dirNext, LimitNum: clientPage})
		if err != nil {
			return fmt.Errorf("read the contact list: %w", err)
		}
		if list.TotalResults > r.maxDir {
			r.dir, r.dirState = nil, dirTooLarge
			return nil
		}
		if r.dir == nil {
			r.dir = map[string]Contact{}
		}
		for _, ct := range list.Contacts {
			if k := norm(ct.Email); k != "" {
				if c, seen := r.dir[k]; !seen || ct.ID < c.ID {
					r.dir[k] = Contact{ID: ct.ID, ClientID: ct.UserID}
				}
			}
		}
		r.dirNext += len(list.Contacts)
		r.dirState = dirPartial
		if len(list.Contacts) == 0 || r.dirNext >= list.TotalResults {
			r.dirState = dirRead
		}
		if !all {
			return nil
		}
	}
	return nil
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
	return r.lookups.do(ctx, key, func() (Contact, bool, error) { return r.search(ctx, key) })
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
