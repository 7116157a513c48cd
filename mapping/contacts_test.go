package mapping

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// countContacts counts GetContacts calls.
type countContacts struct {
	next whmcs.Caller
	n    atomic.Int64
}

func (c *countContacts) Call(ctx context.Context, req whmcs.Request, resp any) error {
	if _, ok := req.(*whmcs.GetContactsRequest); ok {
		c.n.Add(1)
	}
	return c.next.Call(ctx, req, resp)
}

func contactSandbox(t *testing.T) (*whmcs.Client, *countContacts) {
	seed := whmcstest.DefaultSeed()
	seed.Contacts = []whmcstest.Contact{
		{ID: 7, ClientID: 1, FirstName: "Ravi", LastName: "Patel", Email: "ravi@reilly.example"},
		{ID: 9, ClientID: 2, FirstName: "Ola", LastName: "Berg", Email: "ola@martin.example"},
	}
	s := whmcstest.NewServer(whmcstest.Options{Seed: seed})
	t.Cleanup(s.Close)
	h := s.HTTP()
	cc := &countContacts{next: h}
	return whmcs.NewClient(cc, h.Location()), cc
}

func TestContactResolverCaches(t *testing.T) {
	c, n := contactSandbox(t)
	r := NewContactResolver(c)
	ctx := context.Background()
	for range 3 {
		ct, found, err := r.ContactByEmail(ctx, " RAVI@reilly.example ")
		if err != nil || !found || ct != (Contact{ID: 7, ClientID: 1}) {
			t.Fatalf("ContactByEmail = %+v %v %v", ct, found, err)
		}
		if _, found, err := r.ContactByEmail(ctx, "nobody@example.com"); err != nil || found {
			t.Fatalf("unknown email found=%v err=%v", found, err)
		}
	}
	// One call: the contact list, read whole on the first lookup.
	if got := n.n.Load(); got != 1 {
		t.Errorf("%d GetContacts calls for 2 emails asked 3 times each, want 1 (the list)", got)
	}

	// A list too large to hold: each email is asked for once, filtered.
	c, n = contactSandbox(t)
	r = NewContactResolver(c)
	r.(*contactResolver).maxDir = 1
	for range 3 {
		ct, found, err := r.ContactByEmail(ctx, "ola@martin.example")
		if err != nil || !found || ct != (Contact{ID: 9, ClientID: 2}) {
			t.Fatalf("ContactByEmail (no directory) = %+v %v %v", ct, found, err)
		}
		if _, found, err := r.ContactByEmail(ctx, "nobody@example.com"); err != nil || found {
			t.Fatalf("unknown email (no directory) found=%v err=%v", found, err)
		}
	}
	if got := n.n.Load(); got != 3 {
		t.Errorf("without a directory: %d GetContacts calls, want 3 (the list's first page, then one per email)", got)
	}
}

func TestPlanContacts(t *testing.T) {
	c, _ := contactSandbox(t)
	cfg := baseConfig()
	cfg.Clients = ClientsMatchEmail
	pl := newPlanner(t, Options{Config: cfg, Clients: NewClientResolver(c), Contacts: NewContactResolver(c)})
	ravi := sources.Person{Name: "Ravi Patel", Email: "ravi@reilly.example"}
	ola := sources.Person{Name: "Ola Berg", Email: "ola@martin.example"}

	// The requester is client 1; a reply by its contact is the contact's,
	// a reply by another client's contact stays a guest's.
	r1, r2 := cust("2", 5, "me too"), cust("3", 6, "and me")
	r1.Author, r2.Author = ravi, ola
	p := mustPlan(t, pl, ticket("", cust("1", 0, "help"), r1, r2), nil)
	if p.ClientID != 1 || p.ContactID != 0 {
		t.Fatalf("client %d contact %d, want client 1", p.ClientID, p.ContactID)
	}
	if r := p.Steps[1].Reply; r.ClientID != 1 || r.ContactID != 7 || r.Email != "" {
		t.Errorf("contact's reply: %+v", r)
	}
	if r := p.Steps[2].Reply; r.ClientID != 0 || r.ContactID != 0 || r.Email != "ola@martin.example" {
		t.Errorf("another client's contact's reply: %+v", r)
	}

	// A requester who is a contact opens the ticket as that contact; its
	// replies are the contact's too.
	o1, o2 := cust("1", 0, "help"), cust("2", 5, "more")
	o1.Author, o2.Author = ravi, ravi
	tk := ticket("", o1, o2)
	tk.Requester = ravi
	p = mustPlan(t, pl, tk, nil)
	if o := p.Steps[0].Open; o.ClientID != 1 || o.ContactID != 7 || o.Email != "" {
		t.Errorf("OpenTicket by a contact: %+v", o)
	}
	if r := p.Steps[1].Reply; r.ClientID != 1 || r.ContactID != 7 {
		t.Errorf("the contact-requester's reply: %+v", r)
	}
	if got := codes(p.Problems); contains(got, asWarning(sources.CodeGuestRequester)) {
		t.Errorf("a contact requester is reported a guest: %v", got)
	}
}

// Preload reads the list's first page only; the first lookup reads the
// pages left, not the first again; Preload after that asks nothing.
func TestContactResolverPreload(t *testing.T) {
	seed := whmcstest.DefaultSeed()
	for i := range 600 { // three pages of 250
		seed.Contacts = append(seed.Contacts, whmcstest.Contact{ID: int64(10 + i), ClientID: 1, FirstName: "C",
			LastName: fmt.Sprint(i), Email: fmt.Sprintf("c%d@example.com", i)})
	}
	s := whmcstest.NewServer(whmcstest.Options{Seed: seed})
	t.Cleanup(s.Close)
	h := s.HTTP()
	n := &countContacts{next: h}
	r := NewContactResolver(whmcs.NewClient(n, h.Location()))
	ctx := context.Background()
	if err := r.(Preloader).Preload(ctx); err != nil {
		t.Fatal(err)
	}
	if got := n.n.Load(); got != 1 {
		t.Fatalf("Preload: %d GetContacts calls, want 1", got)
	}
	ct, found, err := r.ContactByEmail(ctx, "c599@example.com")
	if err != nil || !found || ct != (Contact{ID: 609, ClientID: 1}) {
		t.Fatalf("ContactByEmail = %+v %v %v", ct, found, err)
	}
	if err := r.(Preloader).Preload(ctx); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := r.ContactByEmail(ctx, "c0@example.com"); !found {
		t.Error("a contact of the preloaded page is not found")
	}
	if got := n.n.Load(); got != 3 {
		t.Errorf("%d GetContacts calls for a 3-page list, want 3", got)
	}
}
