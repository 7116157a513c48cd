package verify

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// A difference shows both sides in one form, through the text profile:
// WHMCS's side decoded (no &amp;), the source's as WHMCS would store it
// (emoji as ? where WHMCS folds them); the JSON keeps WHMCS's stored form
// as actual_raw.
func TestVerifyShowsOneForm(t *testing.T) {
	planner, err := mapping.NewPlanner(mapping.Options{Config: mapping.Config{Departments: map[string]mapping.Department{"Sales": mapping.DeptID(1)},
		DefaultStaff: "admin", Clients: mapping.ClientsGuest}})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2022, 1, 3, 10, 0, 0, 0, time.UTC)
	src := &sources.Ticket{ID: "A", Subject: "Q&A <setup> 🚀", Department: "Sales", Status: "Closed",
		Requester: sources.Person{Name: "Ann & Bo", Email: "ann@example.com"},
		Entries: []sources.Entry{
			{ID: "1", Kind: sources.CustomerReply, Author: sources.Person{Email: "ann@example.com"}, Created: at, Body: "Tom & Jerry 🚀 said <hi>"},
		}}
	p, err := planner.Plan(context.Background(), src, nil)
	if err != nil || p.Failed() {
		t.Fatalf("plan: %v %+v", err, p.Problems)
	}
	stored := func(s string) string { return whmcs.EscapeHTML(whmcs.FoldFourByte(s)) }
	w := &whmcs.Ticket{TicketID: 7, DeptID: 1, Name: stored("Ann & Bo"), Email: "ann@example.com", Subject: stored("Q&A <setup> 🚀 (edited)"),
		Status: "Closed", Priority: "Medium",
		Replies: []whmcs.Reply{{ReplyID: 0, Name: stored("Ann & Bo"), Email: "ann@example.com", Date: at, Message: stored("Tom & Jerry 🚀 said <bye>")}}}
	v := &verifier{loc: time.UTC, text: whmcs.TextProfile{Escapes: whmcs.ObservedYes, FoldsFourByte: whmcs.ObservedYes}}
	ds := v.compare(report.Difference{Ticket: "A", WHMCSID: 7}, p, w)
	by := map[string]report.Difference{}
	for _, d := range ds {
		by[d.Field] = d
	}
	if len(ds) != 2 {
		t.Fatalf("differences: %+v", ds)
	}
	if d := by[report.FieldSubject]; d.Expected != "Q&A <setup> ?" || d.Actual != "Q&A <setup> ? (edited)" || d.ActualRaw != "Q&amp;A &lt;setup&gt; ? (edited)" {
		t.Errorf("subject: expected %q, actual %q, raw %q", d.Expected, d.Actual, d.ActualRaw)
	}
	d := by["opening.body"]
	if !strings.Contains(d.Expected, "Tom & Jerry ? said <hi>") || !strings.Contains(d.Actual, "Tom & Jerry ? said <bye>") ||
		!strings.Contains(d.ActualRaw, "&lt;bye&gt;") {
		t.Errorf("body: expected %q, actual %q, raw %q", d.Expected, d.Actual, d.ActualRaw)
	}
	for _, d := range ds {
		if strings.Contains(d.Expected+d.Actual, "&amp;") || strings.Contains(d.Expected+d.Actual, "&lt;") {
			t.Errorf("%s shows an entity: %q / %q", d.Field, d.Expected, d.Actual)
		}
	}
	b, err := json.Marshal(by[report.FieldSubject])
	if err != nil || !strings.Contains(string(b), `"actual_raw":"Q\u0026amp;A \u0026lt;setup\u0026gt; ? (edited)"`) {
		t.Errorf("JSON: %s %v", b, err)
	}
	// Where WHMCS stores text as sent, nothing is decoded and no raw form
	// is added.
	v.text = whmcs.TextProfile{Escapes: whmcs.ObservedNo, FoldsFourByte: whmcs.ObservedNo}
	w.Subject = "Q&amp;A"
	for _, d := range v.compare(report.Difference{Ticket: "A", WHMCSID: 7}, p, w) {
		if d.Field == report.FieldSubject && (d.Actual != "Q&amp;A" || d.ActualRaw != "") {
			t.Errorf("as-sent WHMCS: %+v", d)
		}
	}
}
