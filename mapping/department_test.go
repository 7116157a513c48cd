package mapping

import (
	"errors"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// A department is given by deptid or by WHMCS name in the same YAML map;
// a string no longer fails as "cannot unmarshal !!str into int64".
func TestDepartmentYAML(t *testing.T) {
	var c Config
	in := "departments:\n  Billing: \"Technical Support\"\n  Sales: 1\n  Legal: \"7\"\ndefault_department: General Enquiries\n"
	if err := yaml.Unmarshal([]byte(in), &c); err != nil {
		t.Fatal(err)
	}
	want := map[string]Department{"Billing": DeptName("Technical Support"), "Sales": DeptID(1), "Legal": DeptID(7)}
	for k, v := range want {
		if c.Departments[k] != v {
			t.Errorf("departments[%s] = %+v, want %+v", k, c.Departments[k], v)
		}
	}
	if c.DefaultDepartment != DeptName("General Enquiries") || !c.HasDepartmentNames() {
		t.Errorf("default_department %+v", c.DefaultDepartment)
	}
	// A bad deptid says what is needed and where to find one.
	c = Config{Departments: map[string]Department{"Billing": DeptID(0)}}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "Setup > Support > Support Departments") ||
		!strings.Contains(err.Error(), "GetSupportDepartments") {
		t.Errorf("Validate: %v, want where a deptid is found", err)
	}
}

func TestDepartmentNamesResolve(t *testing.T) {
	whmcsDepts := map[int64]string{1: "General Enquiries", 2: "Technical Support", 3: "Sales", 4: "Twice", 5: "twice "}
	c := baseConfig()
	c.Departments = map[string]Department{"Billing": DeptName("technical support"), "Sales": DeptID(3)}
	c.DefaultDepartment = DeptName("General Enquiries")

	pl := newPlanner(t, Options{Config: c, KnownDepartments: []int64{1, 2, 3, 4, 5}, DepartmentNames: whmcsDepts})
	tk := ticket("", cust("1", 0, "x"))
	tk.Department = "Billing"
	if p := mustPlan(t, pl, tk, nil); p.Failed() || p.Steps[0].Open == nil || p.Steps[0].Open.DeptID != 2 {
		t.Errorf("Billing -> \"technical support\": plan %v", p)
	}
	tk.Department = ""
	if p := mustPlan(t, pl, tk, nil); p.Failed() || p.Steps[0].Open.DeptID != 1 {
		t.Errorf("default \"General Enquiries\": plan %v", p)
	}
	if lines, _ := pl.Unknown(); len(lines) != 0 {
		t.Errorf("Unknown() = %q", lines)
	}
	if r := pl.Resolved(); len(r) != 2 || !strings.Contains(r[0], `mapping.departments[Billing]: "technical support" is deptid 2`) {
		t.Errorf("Resolved() = %q", r)
	}

	// A name WHMCS lacks: an error listing the names it has.
	bad := c
	bad.Departments = map[string]Department{"Billing": DeptName("Tech Support")}
	_, err := NewPlanner(Options{Config: bad, DepartmentNames: whmcsDepts})
	if err == nil || !strings.Contains(err.Error(), `mapping.departments[Billing]: WHMCS has no department named "Tech Support"`) ||
		!strings.Contains(err.Error(), `"Technical Support" (2)`) {
		t.Errorf("unknown name: %v", err)
	}
	// A name WHMCS has twice: the deptid is needed.
	bad.Departments = map[string]Department{"Billing": DeptName("TWICE")}
	if _, err := NewPlanner(Options{Config: bad, DepartmentNames: whmcsDepts}); err == nil || !strings.Contains(err.Error(), "deptids [4 5]") {
		t.Errorf("a name WHMCS has twice: %v", err)
	}
	// Offline (no names): names need WHMCS; ids alone need nothing.
	if _, err := NewPlanner(Options{Config: c}); !errors.Is(err, ErrNamesNeedWHMCS) || !strings.Contains(err.Error(), "--offline") {
		t.Errorf("offline: %v, want ErrNamesNeedWHMCS", err)
	}
	if _, err := NewPlanner(Options{Config: baseConfig()}); err != nil {
		t.Errorf("ids offline: %v", err)
	}
}
