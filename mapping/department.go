package mapping

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// WhereDeptID says where a WHMCS deptid is found, for messages and the
// README.
const WhereDeptID = "WHMCS admin area: Setup > Support > Support Departments (the id is in each department's edit link), " +
	"or the deptid in the API's GetSupportDepartments"

// Department is a WHMCS department as the mapping names it: by its deptid
// (a number) or by its name, as WHMCS shows it (matched case-insensitively,
// resolved with GetSupportDepartments: Options.DepartmentNames). The zero
// Department names none.
type Department struct {
	ID   int64  // deptid; 0 when given by name and not resolved yet
	Name string // the name as configured; "" when given by deptid
}

// DeptID is the Department with deptid id.
func DeptID(id int64) Department { return Department{ID: id} }

// DeptName is the Department named name.
func DeptName(name string) Department { return Department{Name: name} }

// UnmarshalText reads a config value: all digits (with an optional sign)
// is a deptid, anything else a department name.
func (d *Department) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "" {
		*d = Department{}
		return nil
	}
	if id, err := strconv.ParseInt(s, 10, 64); err == nil {
		*d = Department{ID: id}
		return nil
	}
	*d = Department{Name: s}
	return nil
}

// MarshalText writes d as UnmarshalText reads it.
func (d Department) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// String is the deptid, or the name quoted, with the deptid it resolved to.
func (d Department) String() string {
	switch {
	case d.Name == "":
		return strconv.FormatInt(d.ID, 10)
	case d.ID != 0:
		return fmt.Sprintf("%q (deptid %d)", d.Name, d.ID)
	}
	return strconv.Quote(d.Name)
}

// IsZero reports whether d names no department.
func (d Department) IsZero() bool { return d.ID == 0 && d.Name == "" }

// named reports whether d is given by name.
func (d Department) named() bool { return d.Name != "" }

// HasDepartmentNames reports whether the mapping names a department by
// name, which needs WHMCS's department list (Options.DepartmentNames) to
// resolve.
func (c *Config) HasDepartmentNames() bool {
	if c.DefaultDepartment.named() {
		return true
	}
	for _, d := range c.Departments {
		if d.named() {
			return true
		}
	}
	return false
}

// ErrNamesNeedWHMCS is matched (errors.Is) by NewPlanner's error when the
// mapping names a department by name and Options.DepartmentNames is nil
// (validate --offline): a name is resolved only by reading WHMCS.
var ErrNamesNeedWHMCS = errors.New("department names need WHMCS")

// resolveDepartments returns c with every department given by name given
// its deptid too, from names (deptid -> name, GetSupportDepartments). A
// name WHMCS lacks, or has twice, is an error listing the names it has.
// With names nil, a name is an error matching ErrNamesNeedWHMCS.
func resolveDepartments(c Config, names map[int64]string) (Config, []string, error) {
	if !c.HasDepartmentNames() {
		return c, nil, nil
	}
	if names == nil {
		var named []string
		for _, k := range sortedKeys(c.Departments) {
			if d := c.Departments[k]; d.named() {
				named = append(named, fmt.Sprintf("departments[%s]: %q", k, d.Name))
			}
		}
		if c.DefaultDepartment.named() {
			named = append(named, fmt.Sprintf("default_department: %q", c.DefaultDepartment.Name))
		}
		return c, nil, fmt.Errorf("mapping.%s: %w: a name is resolved to its deptid with WHMCS's GetSupportDepartments, "+
			"which this command does not read (validate --offline); validate online, or give deptids (%s)",
			strings.Join(named, ", mapping."), ErrNamesNeedWHMCS, WhereDeptID)
	}
	byName := map[string][]int64{}
	for id, n := range names {
		byName[norm(n)] = append(byName[norm(n)], id)
	}
	has := func() string {
		ids := slices.Sorted(func(yield func(int64) bool) {
			for id := range names {
				if !yield(id) {
					return
				}
			}
		})
		var l []string
		for _, id := range ids {
			l = append(l, fmt.Sprintf("%q (%d)", names[id], id))
		}
		if len(l) == 0 {
			return "WHMCS has no department"
		}
		return "WHMCS has " + strings.Join(l, ", ")
	}
	var errs []string
	var resolved []string
	resolve := func(key string, d Department) Department {
		if !d.named() {
			return d
		}
		ids := byName[norm(d.Name)]
		switch len(ids) {
		case 1:
			d.ID = ids[0]
			resolved = append(resolved, fmt.Sprintf("mapping.%s: %q is deptid %d", key, d.Name, d.ID))
		case 0:
			errs = append(errs, fmt.Sprintf("mapping.%s: WHMCS has no department named %q (%s); give one of those names or a deptid",
				key, d.Name, has()))
		default:
			slices.Sort(ids)
			errs = append(errs, fmt.Sprintf("mapping.%s: WHMCS has %d departments named %q (deptids %v); give the deptid",
				key, len(ids), d.Name, ids))
		}
		return d
	}
	out := c
	out.Departments = make(map[string]Department, len(c.Departments))
	for _, k := range sortedKeys(c.Departments) {
		out.Departments[k] = resolve("departments["+k+"]", c.Departments[k])
	}
	out.DefaultDepartment = resolve("default_department", c.DefaultDepartment)
	if len(errs) > 0 {
		return c, nil, errors.New(strings.Join(errs, "\n"))
	}
	return out, resolved, nil
}
