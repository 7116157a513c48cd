package mapping

import (
	"reflect"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// fieldsPlanner maps the ticket number to custom field 7, "Plan" to 8 and
// "Server" to 9; jane is admin 4, mike admin 5.
func fieldsPlanner(t *testing.T) *Planner {
	c := baseConfig()
	c.TicketNumberField = 7
	c.CustomFields = map[string]int{"Plan": 8, " server ": 9}
	return newPlanner(t, Options{Config: c, Admins: StaticAdmins{"jane": 4, "mike": 5, "admin": 1}})
}

func fieldsTicket(status string, es ...sources.Entry) *sources.Ticket {
	tk := ticket(status, es...)
	tk.Number = "483920"
	tk.Fields = map[string]string{"plan": "Pro", "server": "web-3"}
	tk.Assignee = sources.Person{Name: "Jane Staff", Email: "jane@old.example"}
	tk.CC = []string{"boss@example.com", " ops@example.com "}
	return tk
}

// countCalls is the plan's number of WHMCS calls.
func countCalls(p *Plan) int {
	n := 0
	for _, c := range p.Calls() {
		n += c
	}
	return n
}

func TestPlanTicketFieldsNew(t *testing.T) {
	pl := fieldsPlanner(t)
	// Closed with no reply after the opening to carry the status: the
	// ticket needs an UpdateTicket anyway, and the assignee rides on it.
	p := mustPlan(t, pl, fieldsTicket("resolved", cust("1", 0, "help"), note("2", 5, "done")), nil)
	if p.Failed() {
		t.Fatalf("problems: %v", p.Problems)
	}
	open := p.Steps[0].Open
	if want := map[int]string{7: "483920", 8: "Pro", 9: "web-3"}; !reflect.DeepEqual(open.CustomFields, want) {
		t.Errorf("OpenTicket customfields = %v, want %v", open.CustomFields, want)
	}
	if want := []string{"boss@example.com", "ops@example.com"}; !reflect.DeepEqual(open.CC, want) {
		t.Errorf("OpenTicket cc = %v, want %v", open.CC, want)
	}
	if got, want := describeAll(p), []string{"OpenTicket 1 guest=cynthia@example.com", "AddTicketNote 2", "UpdateTicket status=Closed"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("steps = %q, want %q", got, want)
	}
	u := p.Steps[2].Update
	if u.Flag != 4 || u.CustomFields != nil || u.CC != nil {
		t.Errorf("final UpdateTicket = %+v, want flag 4 and nothing else of the fields", u)
	}
	if want := map[string]string{"flag": "4"}; !reflect.DeepEqual(p.Steps[2].Fields, want) {
		t.Errorf("update step fields = %v, want %v", p.Steps[2].Fields, want)
	}
	want := map[string]string{"cf:7": "483920", "cf:8": "Pro", "cf:9": "web-3", "cc": "boss@example.com,ops@example.com", "flag": "4"}
	if !reflect.DeepEqual(p.EndFields, want) {
		t.Errorf("EndFields = %v, want %v", p.EndFields, want)
	}

	// The same ticket without assignee costs the same number of calls.
	tk := fieldsTicket("resolved", cust("1", 0, "help"), note("2", 5, "done"))
	tk.Assignee = sources.Person{}
	if n, m := countCalls(mustPlan(t, pl, tk, nil)), countCalls(p); n != m {
		t.Errorf("calls without assignee %d, with %d: the assignee must add no call to a ticket that has an UpdateTicket", n, m)
	}

	// Answered by itself: no UpdateTicket was needed, so the assignee
	// costs one, which also carries the status instead of the reply.
	p = mustPlan(t, pl, fieldsTicket("", cust("1", 0, "help"), staffE("2", 5, "done")), nil)
	if got, want := describeAll(p), []string{"OpenTicket 1 guest=cynthia@example.com", "AddTicketReply 2 admin=jane", "UpdateTicket"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("steps = %q, want %q", got, want)
	}
	if p.Steps[2].Update.Flag != 4 {
		t.Errorf("flag = %d, want 4", p.Steps[2].Update.Flag)
	}
	// A status folded into the last reply moves to the UpdateTicket the
	// assignee needs anyway: still one call.
	p = mustPlan(t, pl, fieldsTicket("pending", cust("1", 0, "help"), staffE("2", 5, "done")), nil)
	if got, want := describeAll(p), []string{"OpenTicket 1 guest=cynthia@example.com", "AddTicketReply 2 admin=jane", "UpdateTicket status=On Hold"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("steps = %q, want %q", got, want)
	}
}

func TestPlanAssigneeUnmapped(t *testing.T) {
	c := baseConfig()
	c.Staff["Mike Staff"] = "ghost" // in mapping.staff, not a WHMCS admin
	pl := newPlanner(t, Options{Config: c, Admins: StaticAdmins{"jane": 4}})
	for _, a := range []sources.Person{{Name: "Nobody", Email: "nobody@old.example"}, {Name: "Mike Staff"}} {
		tk := fieldsTicket("", cust("1", 0, "help"))
		tk.Assignee = a
		p := mustPlan(t, pl, tk, nil)
		if p.Failed() {
			t.Fatalf("assignee %v failed the ticket: %v", a, p.Problems)
		}
		if got := codes(p.Problems); !contains(got, asWarning(sources.CodeUnmappedAssignee)) {
			t.Errorf("assignee %v: problems %v, want an unmapped_assignee warning", a, got)
		}
		if _, ok := p.EndFields[FieldFlag]; ok || len(p.Steps) != 1 {
			t.Errorf("assignee %v unmapped: flag %q, steps %q; want unassigned, only OpenTicket", a, p.EndFields[FieldFlag], describeAll(p))
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestPlanTicketFieldsSync(t *testing.T) {
	pl := fieldsPlanner(t)
	es := []sources.Entry{cust("1", 0, "help"), staffE("2", 5, "done")}
	prior := imported(t, pl, fieldsTicket("resolved", es...))

	// Nothing changed: no call.
	if p := mustPlan(t, pl, fieldsTicket("resolved", es...), prior); len(p.Steps) != 0 {
		t.Fatalf("unchanged ticket: steps %q", describeAll(p))
	}

	// Assignee, a custom field, CC changed; another custom field emptied.
	tk := fieldsTicket("resolved", es...)
	tk.Assignee = sources.Person{Name: "Mike Staff"}
	tk.Fields = map[string]string{"plan": "Enterprise"}
	tk.CC = []string{"ops@example.com"}
	p := mustPlan(t, pl, tk, prior)
	if got, want := describeAll(p), []string{"UpdateTicket"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("steps = %q, want %q", got, want)
	}
	u := p.Steps[0].Update
	if u.Flag != 5 || !reflect.DeepEqual(u.CustomFields, map[int]string{8: "Enterprise", 9: ""}) || !reflect.DeepEqual(u.CC, []string{"ops@example.com"}) {
		t.Errorf("UpdateTicket = flag %d customfields %v cc %v", u.Flag, u.CustomFields, u.CC)
	}
	if u.Status != "" || u.Priority != "" || u.DeptID != 0 || u.Message != "" {
		t.Errorf("UpdateTicket sends more than what changed: %+v", u)
	}

	// Assignee and CC removed: removeFlag, cc cleared.
	next := &Prior{TicketID: prior.TicketID, Entries: prior.Entries, Status: p.EndStatus, Priority: p.EndPriority, DeptID: p.EndDeptID, Fields: p.EndFields}
	tk = fieldsTicket("resolved", es...)
	tk.Assignee, tk.CC, tk.Fields = sources.Person{}, nil, map[string]string{"plan": "Enterprise"}
	p = mustPlan(t, pl, tk, next)
	if len(p.Steps) != 1 {
		t.Fatalf("steps = %q, want one UpdateTicket", describeAll(p))
	}
	u = p.Steps[0].Update
	if !u.RemoveFlag || u.Flag != 0 || u.CC == nil || len(u.CC) != 0 || u.CustomFields != nil {
		t.Errorf("UpdateTicket = %+v, want removeFlag and cc cleared only", u)
	}
	v := map[string][]string{}
	u.Encode(v, nil)
	if got := strings.Join(v["cc"], "|"); got != "" || v["cc"] == nil {
		t.Errorf("cc sent as %q (present %v), want cc=\"\"", got, v["cc"] != nil)
	}
	if want := map[string]string{"flag": "", "cc": ""}; !reflect.DeepEqual(p.Steps[0].Fields, want) {
		t.Errorf("step fields %v, want %v", p.Steps[0].Fields, want)
	}
}

func TestPlanCustomFieldTooLong(t *testing.T) {
	pl := fieldsPlanner(t)
	tk := fieldsTicket("", cust("1", 0, "help"))
	tk.Fields["server"] = strings.Repeat("x", maxFieldValue+1)
	p := mustPlan(t, pl, tk, nil)
	if got := codes(p.Problems); !contains(got, asError(sources.CodeCustomFieldTooLong)) {
		t.Errorf("problems %v, want custom_field_too_long", got)
	}
}

func TestConfigCustomFields(t *testing.T) {
	c := baseConfig()
	c.TicketNumberField = 7
	c.CustomFields = map[string]int{"Plan": 7, "Zero": 0, "plan ": 8}
	err := c.Validate()
	for _, want := range []string{"mapping.custom_fields[Plan]: field id 7 is also mapping.ticket_number_field", "mapping.custom_fields[Zero]: field id 0 is not positive", "mapping.custom_fields[plan ]: same key"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want %q", err, want)
		}
	}
}

// Custom-field values with characters above U+FFFF are in the
// four_byte_text warning, and named with four_byte_text: name, on
// OpenTicket and in what sync compares.
func TestPlanCustomFieldFourByte(t *testing.T) {
	for _, name := range []bool{false, true} {
		c := baseConfig()
		c.CustomFields = map[string]int{"plan": 8}
		if name {
			c.FourByteText = FourByteName
		}
		pl := newPlanner(t, Options{Config: c})
		tk := ticket("", cust("1", 0, "help"))
		tk.Fields = map[string]string{"plan": "Pro 🚀"}
		p := mustPlan(t, pl, tk, nil)
		var warned bool
		for _, pr := range p.Problems {
			warned = warned || (pr.Code == sources.CodeFourByteText && strings.Contains(pr.Field, "custom_fields") && strings.Contains(pr.Message, "custom field 8"))
		}
		if !warned {
			t.Errorf("name=%v: problems %v, want a four_byte_text warning naming custom field 8", name, p.Problems)
		}
		want := "Pro 🚀"
		if name {
			want = "Pro [U+1F680 ROCKET]"
		}
		if got := p.Steps[0].Open.CustomFields[8]; got != want || p.EndFields["cf:8"] != want || p.Steps[0].Fields["cf:8"] != want {
			t.Errorf("name=%v: sent %q, recorded %q / %q; want %q", name, got, p.EndFields["cf:8"], p.Steps[0].Fields["cf:8"], want)
		}
		prior := &Prior{TicketID: 9, Entries: map[string]string{"1": EntryHash(&tk.Entries[0])}, Opening: "1", Status: p.EndStatus, Priority: p.EndPriority, DeptID: p.EndDeptID, Fields: p.EndFields}
		if again := mustPlan(t, pl, tk, prior); len(again.Steps) != 0 {
			t.Errorf("name=%v: unchanged ticket plans %q", name, describeAll(again))
		}
	}
}
