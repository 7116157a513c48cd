package mapping

import (
	"reflect"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// A planner told what WHMCS holds fails the plan of a ticket that needs
// what it lacks, before any step, with validate's codes; Unknown lists
// every such name once.
func TestPlanKnownTargets(t *testing.T) {
	c := baseConfig() // Technical Support -> 2, default 2; staff jane, mike, default admin
	pl := newPlanner(t, Options{Config: c, KnownDepartments: []int64{1, 3}, KnownStatuses: []string{"Open", "Closed", "Answered"},
		KnownStaff: []string{"Jane", "admin"}})
	p := mustPlan(t, pl, ticket("pending", cust("1", 0, "x"), staffE("2", 1, "y")), nil)
	var codes []sources.Code
	for _, pr := range p.Problems {
		codes = append(codes, pr.Code)
	}
	want := []sources.Code{sources.CodeUnmappedStatus, sources.CodeUnknownDepartmentID}
	if !p.Failed() || !reflect.DeepEqual(codes, want) {
		t.Errorf("problems %v, want codes %v", p.Problems, want)
	}
	lines, none := pl.Unknown()
	wantLines := []string{
		`mapping.departments: " technical support " -> 2: WHMCS has no department 2`,
		`mapping.default_department: 2: WHMCS has no department 2`,
		`mapping.statuses: "pending" -> "On Hold": WHMCS has no status "On Hold" (it has Answered, Closed, Open; matched ignoring case)`,
		`mapping.staff: "Mike Staff" -> "mike": WHMCS has no admin user "mike"`,
	}
	if !reflect.DeepEqual(lines, wantLines) || none {
		t.Errorf("Unknown() = %q, %v; want %q, false", lines, none, wantLines)
	}

	// Not one department exists.
	pl = newPlanner(t, Options{Config: c, KnownDepartments: []int64{}})
	if _, none := pl.Unknown(); !none {
		t.Error("no department known: Unknown() says some exist")
	}
	// Nothing known: nothing checked.
	pl = newPlanner(t, Options{Config: c})
	if lines, none := pl.Unknown(); lines != nil || none {
		t.Errorf("unchecked: %q, %v", lines, none)
	}

	// An imported ticket whose department now maps to an unknown id fails
	// only when the move is applied: otherwise the id is never sent.
	known := Options{Config: c, KnownDepartments: []int64{2}}
	prior := imported(t, newPlanner(t, known), ticket("", cust("1", 0, "x")))
	moved := ticket("", cust("1", 0, "x"), cust("3", 2, "more"))
	moved.Department = "Sales" // -> 1, which WHMCS lacks
	if p := mustPlan(t, newPlanner(t, known), moved, prior); p.Failed() {
		t.Errorf("a move not applied fails: %v", p.Problems)
	}
	known.ApplyDepartmentChanges = true
	if p := mustPlan(t, newPlanner(t, known), moved, prior); !p.Failed() || p.Problems[len(p.Problems)-1].Code != sources.CodeUnknownDepartmentID {
		t.Errorf("an applied move to an unknown department: %v", p.Problems)
	}
}
