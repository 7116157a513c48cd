package whmcs

import (
	"context"
	"fmt"
	"time"
)

// Client is the typed WHMCS API: one method per call, answers decoded into
// the result types with dates read in the WHMCS server's zone. It adds no
// policy: retries, rate limits and dry-run are Callers wrapped around the
// one it is given. Errors are the Caller's, an *Error naming the action
// (or ErrReadOnly wrapped, under a ReadOnly caller).
type Client struct {
	c   Caller
	loc *time.Location
}

// NewClient returns a Client calling c; loc is the WHMCS server's zone
// (UTC when nil), normally (*HTTP).Location().
func NewClient(c Caller, loc *time.Location) *Client {
	if loc == nil {
		loc = time.UTC
	}
	return &Client{c: c, loc: loc}
}

// Location returns the WHMCS server's zone the client renders and parses
// dates in.
func (c *Client) Location() *time.Location { return c.loc }

// Caller returns the Caller the client sends its requests through.
func (c *Client) Caller() Caller { return c.c }

// badAnswer is a success answer the client cannot use. For a write it was
// processed: the caller must reconcile, not re-send.
func badAnswer(req Request, format string, args ...any) *Error {
	return &Error{Action: req.Action(), Kind: KindServer, Status: 200, MaybeProcessed: req.Write(),
		Message: fmt.Sprintf(format, args...)}
}

// OpenTicket opens a ticket. A success answer without an id or ticket
// number is an error that may have been processed.
func (c *Client) OpenTicket(ctx context.Context, r *OpenTicketRequest) (*OpenTicketResult, error) {
	var w openTicketWire
	if err := c.c.Call(ctx, r, &w); err != nil {
		return nil, err
	}
	if w.ID <= 0 || w.TID == "" {
		return nil, badAnswer(r, "success without a ticket id and number (id %d, tid %q)", w.ID, w.TID)
	}
	return &OpenTicketResult{ID: int64(w.ID), TID: string(w.TID), C: string(w.C)}, nil
}

// AddTicketReply adds a reply to a ticket.
func (c *Client) AddTicketReply(ctx context.Context, r *AddTicketReplyRequest) error {
	return c.c.Call(ctx, r, nil)
}

// AddTicketNote adds a staff note to a ticket.
func (c *Client) AddTicketNote(ctx context.Context, r *AddTicketNoteRequest) error {
	return c.c.Call(ctx, r, nil)
}

// UpdateTicket changes a ticket's fields.
func (c *Client) UpdateTicket(ctx context.Context, r *UpdateTicketRequest) error {
	return c.c.Call(ctx, r, nil)
}

// DeleteTicket deletes a ticket with its replies and notes (rollback).
func (c *Client) DeleteTicket(ctx context.Context, id int64) error {
	return c.c.Call(ctx, &DeleteTicketRequest{TicketID: id}, nil)
}

// GetTicket reads one ticket with its messages and notes.
func (c *Client) GetTicket(ctx context.Context, r *GetTicketRequest) (*Ticket, error) {
	var w ticketWire
	if err := c.c.Call(ctx, r, &w); err != nil {
		return nil, err
	}
	t, err := w.ticket(c.loc)
	if err != nil {
		return nil, badAnswer(r, "%v", err)
	}
	return t, nil
}

// GetTickets reads one page of tickets. Set IgnoreDeptAssignments to see
// tickets outside the API admin's departments (resume and verify must).
func (c *Client) GetTickets(ctx context.Context, r *GetTicketsRequest) (*TicketList, error) {
	var w ticketListWire
	if err := c.c.Call(ctx, r, &w); err != nil {
		return nil, err
	}
	l, err := w.list(c.loc)
	if err != nil {
		return nil, badAnswer(r, "%v", err)
	}
	return l, nil
}

// GetSupportDepartments lists every support department, whatever the API
// admin's assignments (ignore_dept_assignments is set).
func (c *Client) GetSupportDepartments(ctx context.Context) ([]Department, error) {
	var w departmentsWire
	if err := c.c.Call(ctx, &GetSupportDepartmentsRequest{IgnoreDeptAssignments: true}, &w); err != nil {
		return nil, err
	}
	out := make([]Department, len(w.Departments.Items))
	for i, d := range w.Departments.Items {
		out[i] = Department{ID: int64(d.ID), Name: string(d.Name)}
	}
	return out, nil
}

// GetSupportStatuses lists the ticket statuses, with counts for deptid (0:
// all departments).
func (c *Client) GetSupportStatuses(ctx context.Context, deptid int64) ([]Status, error) {
	var w statusesWire
	if err := c.c.Call(ctx, &GetSupportStatusesRequest{DeptID: deptid}, &w); err != nil {
		return nil, err
	}
	out := make([]Status, len(w.Statuses.Items))
	for i, s := range w.Statuses.Items {
		out[i] = Status{Title: string(s.Title), Count: int(s.Count), Color: string(s.Color)}
	}
	return out, nil
}

// GetClients reads one page of clients. Search is a prefix match.
func (c *Client) GetClients(ctx context.Context, r *GetClientsRequest) (*ClientList, error) {
	var w clientListWire
	if err := c.c.Call(ctx, r, &w); err != nil {
		return nil, err
	}
	l := &ClientList{
		TotalResults: int(w.TotalResults),
		StartNumber:  int(w.StartNumber),
		NumReturned:  int(w.NumReturned),
		Clients:      make([]ClientSummary, len(w.Clients.Items)),
	}
	for i, cl := range w.Clients.Items {
		l.Clients[i] = ClientSummary{
			ID:          int64(cl.ID),
			FirstName:   string(cl.FirstName),
			LastName:    string(cl.LastName),
			CompanyName: string(cl.CompanyName),
			Email:       string(cl.Email),
			Status:      string(cl.Status),
		}
	}
	return l, nil
}

// UpdateTicketReply changes one reply's message (and date).
func (c *Client) UpdateTicketReply(ctx context.Context, r *UpdateTicketReplyRequest) error {
	return c.c.Call(ctx, r, nil)
}

// GetContacts reads one page of client contacts.
func (c *Client) GetContacts(ctx context.Context, r *GetContactsRequest) (*ContactList, error) {
	var w contactListWire
	if err := c.c.Call(ctx, r, &w); err != nil {
		return nil, err
	}
	l := &ContactList{
		TotalResults: int(w.TotalResults),
		StartNumber:  int(w.StartNumber),
		NumReturned:  int(w.NumReturned),
		Contacts:     make([]Contact, len(w.Contacts.Items)),
	}
	for i, ct := range w.Contacts.Items {
		l.Contacts[i] = Contact{ID: int64(ct.ID), UserID: int64(ct.UserID), FirstName: string(ct.FirstName),
			LastName: string(ct.LastName), Email: string(ct.Email)}
	}
	return l, nil
}

// GetClientsProducts reads a client's services (one page).
func (c *Client) GetClientsProducts(ctx context.Context, r *GetClientsProductsRequest) (*OwnedList, error) {
	var w productListWire
	if err := c.c.Call(ctx, r, &w); err != nil {
		return nil, err
	}
	return owned(w.TotalResults, w.Products.Items), nil
}

// GetClientsDomains reads a client's domains (one page).
func (c *Client) GetClientsDomains(ctx context.Context, r *GetClientsDomainsRequest) (*OwnedList, error) {
	var w domainListWire
	if err := c.c.Call(ctx, r, &w); err != nil {
		return nil, err
	}
	return owned(w.TotalResults, w.Domains.Items), nil
}

// GetAdminUsers lists admin users (r may be nil: all enabled admins).
func (c *Client) GetAdminUsers(ctx context.Context, r *GetAdminUsersRequest) ([]AdminUser, error) {
	if r == nil {
		r = &GetAdminUsersRequest{}
	}
	var w adminUsersWire
	if err := c.c.Call(ctx, r, &w); err != nil {
		return nil, err
	}
	out := make([]AdminUser, len(w.AdminUsers))
	for i, a := range w.AdminUsers {
		out[i] = AdminUser{
			ID:         int64(a.ID),
			Username:   string(a.Username),
			FirstName:  string(a.FirstName),
			LastName:   string(a.LastName),
			Email:      string(a.Email),
			IsDisabled: bool(a.IsDisabled),
		}
	}
	return out, nil
}

// GetWHMCSDetails reads which WHMCS answers (its version). A success answer
// without a version is an error.
func (c *Client) GetWHMCSDetails(ctx context.Context) (*Details, error) {
	r := &GetWHMCSDetailsRequest{}
	var w detailsWire
	if err := c.c.Call(ctx, r, &w); err != nil {
		return nil, err
	}
	if w.WHMCS.Version == "" {
		return nil, badAnswer(r, "success without a WHMCS version")
	}
	return &Details{Version: string(w.WHMCS.Version), CanonicalVersion: string(w.WHMCS.CanonicalVersion)}, nil
}
