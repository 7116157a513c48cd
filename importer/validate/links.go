package validate

import (
	"context"
	"fmt"
	"sync"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// LinkChecker tells whether WHMCS has a service or domain for a client:
// what a ticket linked to one (OpenTicket serviceid / domainid) needs.
type LinkChecker interface {
	HasService(ctx context.Context, clientID, serviceID int64) (bool, error)
	HasDomain(ctx context.Context, clientID, domainID int64) (bool, error)
}

// NewLinkChecker returns a LinkChecker over GetClientsProducts and
// GetClientsDomains (reads), one call per distinct (client, id), cached
// for the checker's life. It is safe for concurrent use.
func NewLinkChecker(c *whmcs.Client) LinkChecker {
	return &linkChecker{c: c, m: map[linkKey]bool{}}
}

type linkKey struct {
	domain         bool
	client, linked int64
}

type linkChecker struct {
	c  *whmcs.Client
	mu sync.Mutex
	m  map[linkKey]bool
}

func (l *linkChecker) HasService(ctx context.Context, clientID, serviceID int64) (bool, error) {
	return l.has(ctx, linkKey{false, clientID, serviceID})
}

func (l *linkChecker) HasDomain(ctx context.Context, clientID, domainID int64) (bool, error) {
	return l.has(ctx, linkKey{true, clientID, domainID})
}

func (l *linkChecker) has(ctx context.Context, k linkKey) (bool, error) {
	l.mu.Lock()
	v, ok := l.m[k]
	l.mu.Unlock()
	if ok {
		return v, nil
	}
	var list *whmcs.OwnedList
	var err error
	if k.domain {
		list, err = l.c.GetClientsDomains(ctx, &whmcs.GetClientsDomainsRequest{ClientID: k.client, DomainID: k.linked})
	} else {
		list, err = l.c.GetClientsProducts(ctx, &whmcs.GetClientsProductsRequest{ClientID: k.client, ServiceID: k.linked})
	}
	if err != nil {
		what := "service"
		if k.domain {
			what = "domain"
		}
		return false, fmt.Errorf("validate: look up %s %d of client %d: %w", what, k.linked, k.client, err)
	}
	found := false
	for _, it := range list.Items {
		found = found || (it.ID == k.linked && it.ClientID == k.client)
	}
	l.mu.Lock()
	l.m[k] = found
	l.mu.Unlock()
	return found, nil
}
