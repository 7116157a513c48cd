package verify

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

type oneClient struct{}

func (oneClient) ClientByEmail(_ context.Context, email string) (int64, bool, error) {
	return 4, email == "carol@example.com", nil
}

type oneContact struct{}

func (oneContact) ContactByEmail(_ context.Context, email string) (mapping.Contact, bool, error) {
	return mapping.Contact{ID: 7, ClientID: 4}, email == "ravi@example.com", nil
}

// A contact's reply must be in WHMCS as that contact, not as its client.
func TestVerifyContactAuthor(t *testing.T) {
	planner, err := mapping.NewPlanner(mapping.Options{Config: mapping.Config{Departments: map[string]mapping.Department{"Sales": {ID: 1}},
		Clients: mapping.ClientsMatchEmail}, Clients: oneClient{}, Contacts: oneContact{}})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2022, 1, 3, 10, 0, 0, 0, time.UTC)
	src := &sources.Ticket{ID: "A", Subject: "Help", Department: "Sales", Requester: sources.Person{Name: "Carol", Email: "carol@example.com"},
		Entries: []sources.Entry{
			{ID: "1", Kind: sources.CustomerReply, Author: sources.Person{Email: "carol@example.com"}, Created: at, Body: "Hi"},
			{ID: "2", Kind: sources.CustomerReply, Author: sources.Person{Name: "Ravi", Email: "ravi@example.com"}, Created: at.Add(time.Hour), Body: "Me too"},
		}}
	p, err := planner.Plan(context.Background(), src, nil)
	if err != nil || p.Failed() {
		t.Fatalf("plan: %v %+v", err, p.Problems)
	}
	w := &whmcs.Ticket{TicketID: 7, DeptID: 1, UserID: 4, Subject: "Help", Status: "Customer-Reply", Priority: "Medium",
		Replies: []whmcs.Reply{
			{ReplyID: 0, UserID: 4, Date: at, Message: "Hi"},
			{ReplyID: 5, UserID: 4, ContactID: 7, Date: at.Add(time.Hour), Message: "Me too"},
		}}
	v := &verifier{loc: time.UTC}
	base := report.Difference{Ticket: "A", WHMCSID: 7}
	if ds := v.compare(base, p, w); len(ds) != 0 {
		t.Fatalf("exact copy differs: %+v", ds)
	}
	w.Replies[1].ContactID = 0
	if got := diffSet(v.compare(base, p, w)); !slices.Equal(got, []fieldOf{{"A", "reply.author", "2"}}) {
		t.Errorf("the contact's reply as the client's: %v, want a reply.author difference", got)
	}
}
