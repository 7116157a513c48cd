package mapping

import (
	"fmt"

	"slices"
	"strings"
)

// Unknown lists every name the mapping gives that WHMCS lacks, one line
// each, as far as Options told the planner what WHMCS holds
// (KnownDepartments, KnownStatuses, KnownStaff; a list not given is not
// checked): a department id of mapping.departments or
// mapping.default_department, a status of mapping.statuses, an admin
// username of mapping.staff or mapping.default_staff. Each ticket that
// needs one fails its plan, before any call, with the code validate
// reports (unknown_department_id, unmapped_status, unmapped_staff); this
// is the whole list, for a command to show once before it starts.
//
// noDepartment is true when departments were checked and not one the
// mapping names exists in WHMCS: no ticket could be opened.
func (pl *Planner) Unknown() (lines []string, noDepartment bool) {
	c := pl.cfg
	if pl.knownDepts != nil {
		named, found := 0, 0
		for _, k := range sortedKeys(c.Departments) {
			d := c.Departments[k]
			id := d.ID
			named++
			if pl.knownDepts[id] {
				found++
				continue
			}
			lines = append(lines, fmt.Sprintf("mapping.departments: %q -> %s: WHMCS has no department %d", k, d, id))
		}
		if id := c.DefaultDepartment.ID; id != 0 {
			named++
			if pl.knownDepts[id] {
				found++
			} else {
				lines = append(lines, fmt.Sprintf("mapping.default_department: %d: WHMCS has no department %d", id, id))
			}
		}
		noDepartment = named > 0 && found == 0
	}
	if !pl.trustTargets {
		var has string // WHMCS's status titles, for the first line that needs them
		for _, k := range sortedKeys(c.Statuses) {
			if v := c.Statuses[k]; pl.known[norm(v)] == "" {
				line := fmt.Sprintf("mapping.statuses: %q -> %q: WHMCS has no status %q", k, v, strings.TrimSpace(v))
				if has == "" {
					titles := make([]string, 0, len(pl.known))
					for _, t := range pl.known {
						titles = append(titles, t)
					}
					slices.Sort(titles)
					has = fmt.Sprintf(" (it has %s; matched ignoring case)", strings.Join(titles, ", "))
					line += has
				}
				lines = append(lines, line)
			}
		}
	}
	if pl.knownStaff != nil {
		for _, k := range sortedKeys(c.Staff) {
			if u := c.Staff[k]; pl.knownStaff[norm(u)] == "" {
				lines = append(lines, fmt.Sprintf("mapping.staff: %q -> %q: WHMCS has no admin user %q", k, u, strings.TrimSpace(u)))
			}
		}
		if u := strings.TrimSpace(c.DefaultStaff); u != "" && pl.knownStaff[norm(u)] == "" {
			lines = append(lines, fmt.Sprintf("mapping.default_staff: %q: WHMCS has no admin user %q", u, u))
		}
	}
	return lines, noDepartment
}

// Resolved lists, one line each, the departments the mapping names by name
// and the deptid WHMCS gave each (Options.DepartmentNames): what validate
// shows.
func (pl *Planner) Resolved() []string { return slices.Clone(pl.resolved) }
