package whmcs_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// contactSeed is the default seed with contacts: 7 and 8 of client 1, 9
// of client 2.
func contactSeed() *whmcstest.Seed {
	s := whmcstest.DefaultSeed()
	s.Contacts = []whmcstest.Contact{
		{ID: 7, ClientID: 1, FirstName: "Ravi", LastName: "Patel", Email: "ravi@reilly.example"},
		{ID: 8, ClientID: 1, FirstName: "Lena", LastName: "Ng", Email: "lena@reilly.example"},
		{ID: 9, ClientID: 2, FirstName: "Ola", LastName: "Berg", Email: "ola@martin.example"},
	}
	return s
}

func TestContractGetContacts(t *testing.T) {
	e := newEnv(t, whmcstest.Options{Seed: contactSeed()})
	ctx := context.Background()
	l, err := e.client.GetContacts(ctx, &whmcs.GetContactsRequest{Email: "RAVI@reilly.example"})
	if err != nil {
		t.Fatal(err)
	}
	want := []whmcs.Contact{{ID: 7, UserID: 1, FirstName: "Ravi", LastName: "Patel", Email: "ravi@reilly.example"}}
	if l.TotalResults != 1 || !reflect.DeepEqual(l.Contacts, want) {
		t.Fatalf("GetContacts by email = %+v", l)
	}
	l, err = e.client.GetContacts(ctx, &whmcs.GetContactsRequest{UserID: 1, LimitNum: 1})
	if err != nil {
		t.Fatal(err)
	}
	if l.TotalResults != 2 || l.NumReturned != 1 || len(l.Contacts) != 1 || l.Contacts[0].ID != 7 {
		t.Fatalf("GetContacts of client 1, page of 1 = %+v", l)
	}
	l, err = e.client.GetContacts(ctx, &whmcs.GetContactsRequest{Email: "nobody@example.com"})
	if err != nil || l.TotalResults != 0 || len(l.Contacts) != 0 {
		t.Fatalf("GetContacts of an unknown email = %+v, %v", l, err)
	}
}

func TestContractContactAuthors(t *testing.T) {
	e := newEnv(t, whmcstest.Options{Seed: contactSeed()})
	ctx := context.Background()
	c := e.client
	at := time.Date(2021, 3, 14, 15, 0, 0, 0, time.UTC)
	// A contact of another client is refused.
	_, err := c.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 1, Subject: "s", Message: "m", ClientID: 1, ContactID: 9, NoEmail: true})
	wantErr(t, err, whmcs.KindBusiness, 200, "Contact ID Not Found", false)

	res, err := c.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 1, Subject: "From a contact", Message: "hello", ClientID: 1, ContactID: 7,
		Created: at, NoEmail: true, CustomFields: map[int]string{4: "483920", 5: "Pro \"plan\" ü"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddTicketReply(ctx, &whmcs.AddTicketReplyRequest{TicketID: res.ID, Message: "me too", ClientID: 1, ContactID: 8, NoEmail: true, Created: at.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	err = c.AddTicketReply(ctx, &whmcs.AddTicketReplyRequest{TicketID: res.ID, Message: "x", ClientID: 2, ContactID: 8, NoEmail: true})
	wantErr(t, err, whmcs.KindBusiness, 200, "Contact ID Not Found", false)

	tk, err := c.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: res.ID})
	if err != nil {
		t.Fatal(err)
	}
	if tk.ContactID != 7 || tk.RequestorType != "Contact" || tk.RequestorEmail != "ravi@reilly.example" || tk.RequestorName != "Ravi Patel" {
		t.Errorf("opener: contactid %d requestor %q %q %q", tk.ContactID, tk.RequestorType, tk.RequestorName, tk.RequestorEmail)
	}
	r := tk.Replies[1]
	if r.ContactID != 8 || r.UserID != 1 || r.RequestorType != "Contact" || r.RequestorEmail != "lena@reilly.example" {
		t.Errorf("reply: %+v", r)
	}

	// GetTicket does not return custom fields; the state dump shows them,
	// decoded from the serialized form.
	st := e.srv.State()
	if want := map[int]string{4: "483920", 5: "Pro \"plan\" ü"}; !reflect.DeepEqual(st.Tickets[0].CustomFields, want) {
		t.Errorf("state custom fields = %v, want %v", st.Tickets[0].CustomFields, want)
	}
	b, _ := json.Marshal(st.Tickets[0])
	if !strings.Contains(string(b), `"customfields":{"4":"483920"`) {
		t.Errorf("state dump lacks the custom fields: %s", b)
	}
	if st.Tickets[0].Replies[0].ContactID != 8 || st.Tickets[0].ContactID != 7 {
		t.Errorf("state contacts: ticket %d reply %d", st.Tickets[0].ContactID, st.Tickets[0].Replies[0].ContactID)
	}
	if len(st.Emails) != 0 {
		t.Errorf("emails sent: %v", st.Emails)
	}
}

func TestContractUpdateTicketReply(t *testing.T) {
	e := newEnv(t, whmcstest.Options{})
	ctx := context.Background()
	c := e.client
	at := time.Date(2021, 3, 14, 15, 0, 0, 0, time.UTC)
	res, err := c.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 1, Subject: "s", Message: "m", ClientID: 1, Created: at, NoEmail: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddTicketReply(ctx, &whmcs.AddTicketReplyRequest{TicketID: res.ID, Message: "first version", AdminUsername: "admin", NoEmail: true, Created: at.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	tk, err := c.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: res.ID})
	if err != nil {
		t.Fatal(err)
	}
	id := tk.Replies[1].ReplyID
	edited := at.Add(90 * time.Minute)
	if err := c.UpdateTicketReply(ctx, &whmcs.UpdateTicketReplyRequest{ReplyID: id, Message: "second **version**", Markdown: true, Created: edited}); err != nil {
		t.Fatal(err)
	}
	tk, err = c.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: res.ID})
	if err != nil {
		t.Fatal(err)
	}
	if r := tk.Replies[1]; r.Message != "second **version**" || !r.Date.Equal(edited) || r.ReplyID != id {
		t.Errorf("after UpdateTicketReply: %+v", r)
	}
	if st := e.srv.State(); !st.Tickets[0].Replies[0].Markdown || len(st.Emails) != 0 {
		t.Errorf("markdown %v, emails %v", st.Tickets[0].Replies[0].Markdown, st.Emails)
	}
	wantErr(t, c.UpdateTicketReply(ctx, &whmcs.UpdateTicketReplyRequest{Message: "x"}), whmcs.KindBusiness, 200, "Reply ID Required", false)
	wantErr(t, c.UpdateTicketReply(ctx, &whmcs.UpdateTicketReplyRequest{ReplyID: id}), whmcs.KindBusiness, 200, "Message is Required", false)
	wantErr(t, c.UpdateTicketReply(ctx, &whmcs.UpdateTicketReplyRequest{ReplyID: 999, Message: "x"}), whmcs.KindBusiness, 200, "Reply ID Not Found", false)
	wantErr(t, c.UpdateTicketReply(ctx, &whmcs.UpdateTicketReplyRequest{ReplyID: id, Message: "x", Created: time.Now().Add(48 * time.Hour)}),
		whmcs.KindBusiness, 200, "Reply creation date cannot be in the future", false)
}

func TestContractLinkedServices(t *testing.T) {
	seed := whmcstest.DefaultSeed()
	seed.Services = []whmcstest.Owned{{ID: 12, ClientID: 1, Name: "VPS Pro"}, {ID: 13, ClientID: 2, Name: "Shared"}}
	seed.Domains = []whmcstest.Owned{{ID: 3, ClientID: 1, Name: "reilly.example"}}
	e := newEnv(t, whmcstest.Options{Seed: seed})
	ctx := context.Background()
	c := e.client
	l, err := c.GetClientsProducts(ctx, &whmcs.GetClientsProductsRequest{ClientID: 1})
	if err != nil || l.TotalResults != 1 || !reflect.DeepEqual(l.Items, []whmcs.Owned{{ID: 12, ClientID: 1}}) {
		t.Fatalf("GetClientsProducts client 1 = %+v, %v", l, err)
	}
	if l, err = c.GetClientsProducts(ctx, &whmcs.GetClientsProductsRequest{ClientID: 1, ServiceID: 13}); err != nil || l.TotalResults != 0 || len(l.Items) != 0 {
		t.Fatalf("another client's service = %+v, %v", l, err)
	}
	d, err := c.GetClientsDomains(ctx, &whmcs.GetClientsDomainsRequest{ClientID: 1, DomainID: 3})
	if err != nil || !reflect.DeepEqual(d.Items, []whmcs.Owned{{ID: 3, ClientID: 1}}) {
		t.Fatalf("GetClientsDomains = %+v, %v", d, err)
	}
	_, err = c.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 1, Subject: "s", Message: "m", ClientID: 1, ServiceID: 99, NoEmail: true})
	wantErr(t, err, whmcs.KindBusiness, 200, "Service ID Not Found", false)
	_, err = c.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 1, Subject: "s", Message: "m", ClientID: 1, DomainID: 99, NoEmail: true})
	wantErr(t, err, whmcs.KindBusiness, 200, "Domain ID Not Found", false)
	res, err := c.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 1, Subject: "s", Message: "m", ClientID: 1, ServiceID: 12, NoEmail: true})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := c.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: res.ID})
	if err != nil || tk.Service != "S12" {
		t.Fatalf("GetTicket service %q, %v; want S12", tk.Service, err)
	}
	if st := e.srv.State(); st.Tickets[0].Service != "S12" {
		t.Errorf("state service %q", st.Tickets[0].Service)
	}
}
