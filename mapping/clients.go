package mapping

import (
	"context"
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

// Preloader is an optional ability of the resolvers below: Preload makes
// the read their first lookup would make, and keeps its answer, so that a
// caller can make it before any lookup: the preflight, whose permission
// check of that action it then is (whmcs.PreflightOptions.Reads). It is
// safe for concurrent use, and a no-op once that read was made.
type Preloader interface {
	Preload(ctx context.Context) error
}

// clientPage is how many clients one GetClients call asks for.
const clientPage = 250

// maxDirectory is the most clients the resolver reads into its directory
// (about 100 bytes each): beyond, it searches email by email.
const maxDirectory = 500_000

// LookupEstimator is an optional ability of a ClientResolver: how many
// GetClients calls resolving distinct emails costs, as far as it knows.
type LookupEstimator interface {
	LookupCalls(distinct int) int
}

// NewClientResolver returns a ClientResolver over GetClients that finds
// the client whose email equals the one asked for, case-insensitively
// (the lowest id if several do), with as few calls as it can:
//
//   - Its first lookup reads the first page of every client (GetClients
//     without a search, 250 a page), which tells how many WHMCS holds. When
//     that is one page, it is the whole directory: every lookup of the run
//     is answered from it, with no other call.
//   - Otherwise it searches email by email (WHMCS's search is a prefix
//     match on emails and names; every page of results is read) until it
//     has made as many searches as the directory has pages left, and then
//     reads the rest of the directory (a ski rental: never more than twice
//     the cheaper of the two). So the look-ups never grow with the number
//     of distinct emails past twice the directory's pages.
//   - A directory of more than 500,000 clients is not read: searches only.
//
// Search answers are cached for the resolver's life, found or not; failed
// lookups are not. The directory is a snapshot: a client created in WHMCS
// after it was read is not found. Concurrent calls for the same email
// share one lookup, and concurrent readers one directory page. It is safe
// for concurrent use.
//
// c's Caller is whatever the importer composed (rate limit, retries,
// read-only): GetClients is a read.
func NewClientResolver(c *whmcs.Client) ClientResolver {
	return &clientResolver{c: c, dir: map[string]int64{}, dirTotal: -1}
}

type clientResolver struct {
	c       *whmcs.Client
	mu      sync.Mutex
	lookups lookupCache[int64] // search answers by normalized email

	// The directory: every client by normalized email (the lowest id),
	// read page by page; guarded by mu. dirMu serialises the reads.
	dirMu    sync.Mutex
	dir      map[string]int64
	dirNext  int  // the next page's limitstart
	dirTotal int  // what WHMCS said it holds; -1 before the first page
	dirDone  bool // dir holds every client
	searches int  // email searches made
}

// dirPagesLeftLocked is how many GetClients pages the directory has left.
func (r *clientResolver) dirPagesLeftLocked() int {
	return (max(0, r.dirTotal-r.dirNext) + clientPage - 1) / clientPage
}

// wantDirLocked says whether the next lookup reads the directory first.
func (r *clientResolver) wantDirLocked() bool {
	if r.dirDone {
		return false
	}
	return r.dirTotal < 0 || r.dirTotal <= maxDirectory && r.searches >= r.dirPagesLeftLocked()
}

// readDirectory reads the directory's first page, or all its pages left,
// as wantDirLocked decides once it holds dirMu; with firstOnly, the first
// page only, if it was not read yet.
func (r *clientResolver) readDirectory(ctx context.Context, firstOnly bool) error {
	r.dirMu.Lock()
	defer r.dirMu.Unlock()
	for {
		r.mu.Lock()
		want, start, first := r.wantDirLocked(), r.dirNext, r.dirTotal < 0
		r.mu.Unlock()
		if !want || firstOnly && !first {
			return nil
		}
		list, err := r.c.GetClients(ctx, &whmcs.GetClientsRequest{LimitStart: start, LimitNum: clientPage})
		if err != nil {
			return fmt.Errorf("read the client list: %w", err)
		}
		r.mu.Lock()
		for _, c := range list.Clients {
			k := norm(c.Email)
			if id, ok := r.dir[k]; k != "" && (!ok || c.ID < id) {
				r.dir[k] = c.ID
			}
		}
		r.dirTotal = list.TotalResults
		r.dirNext = start + len(list.Clients)
		r.dirDone = len(list.Clients) == 0 || r.dirNext >= r.dirTotal
		if r.dirTotal > maxDirectory && !r.dirDone {
			r.dir = map[string]int64{} // searches only: let it go
		}
		r.mu.Unlock()
		if first {
			return nil
		}
	}
}

// Preload implements Preloader: the directory's first page (which tells
// how many clients WHMCS holds), as the first lookup would read it.
func (r *clientResolver) Preload(ctx context.Context) error {
	return r.readDirectory(ctx, true)
}

// LookupCalls implements LookupEstimator: the GetClients calls distinct
// emails cost, from the directory's size once the first lookup told it
// (else one each).
func (r *clientResolver) LookupCalls(distinct int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if distinct == 0 {
		return 0
	}
	if r.dirTotal < 0 {
		return distinct
	}
	pages := (r.dirTotal + clientPage - 1) / clientPage
	if pages <= 1 {
		return 1
	}
	left := pages - 1
	if r.dirTotal > maxDirectory || distinct <= left {
		return 1 + distinct
	}
	return 1 + 2*left
}

func (r *clientResolver) ClientByEmail(ctx context.Context, email string) (int64, bool, error) {
	key := norm(email)
	if key == "" {
		return 0, false, nil
	}
	r.mu.Lock()
	if r.dirDone {
		id, found := r.dir[key]
		r.mu.Unlock()
		return id, found, nil
	}
	if r.wantDirLocked() {
		r.mu.Unlock()
		if err := r.readDirectory(ctx, false); err != nil {
			return 0, false, err
		}
		r.mu.Lock()
		if r.dirDone {
			id, found := r.dir[key]
			r.mu.Unlock()
			return id, found, nil
		}
	}
	r.mu.Unlock()
	return r.lookups.do(ctx, key, func() (int64, bool, error) {
		r.mu.Lock()
		r.searches++
		r.mu.Unlock()
		return r.search(ctx, key)
	})
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

// ClientLookupCalls is how many GetClients calls looking up distinct
// requester emails costs the planner's resolver (LookupEstimator), or one
// each when it cannot tell.
func (p *Planner) ClientLookupCalls(distinct int) int {
	if e, ok := p.clients.(LookupEstimator); ok {
		return e.LookupCalls(distinct)
	}
	return distinct
}
