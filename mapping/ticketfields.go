// ticketfields.go holds the ticket-level fields and the assignee: the
// department (and its check against WHMCS's known departments), the
// priority, custom fields, CC and the assignee's flag.

package mapping

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// knownDepartment checks the department the plan opens the ticket in, or
// moves it to, against WHMCS's (Options.KnownDepartments).
func (s *planning) knownDepartment() {
	p := s.p
	sent := s.prior == nil || p.DeptChanged && s.pl.applyDept
	if s.pl.knownDepts == nil || p.DeptID == 0 || s.pl.knownDepts[p.DeptID] || !sent {
		return
	}
	s.errorf(sources.CodeUnknownDepartmentID, nil, "department", "department %q maps to deptid %d, which WHMCS does not have", s.t.Department, p.DeptID)
}

// department maps the ticket's department.
func (s *planning) department() int64 {
	d := strings.TrimSpace(s.t.Department)
	if d == "" {
		if s.pl.defaultDept == 0 {
			s.errorf(sources.CodeUnmappedDepartment, nil, "department", "no department and no mapping.default_department")
		}
		return s.pl.defaultDept
	}
	id, ok := s.pl.depts[norm(d)]
	if !ok {
		s.errorf(sources.CodeUnmappedDepartment, nil, "department", "department %q is not in mapping.departments", d)
	}
	return id
}

// priority maps the ticket's priority; empty is Medium.
func (s *planning) priority() string {
	src := strings.TrimSpace(s.t.Priority)
	if src == "" {
		return "Medium"
	}
	if v, ok := s.pl.priorities[norm(src)]; ok {
		return v
	}
	if v, ok := canonicalPriority(src); ok {
		return v
	}
	s.errorf(sources.CodeUnmappedPriority, nil, "priority", "priority %q is not in mapping.priorities nor Low, Medium or High", src)
	return "Medium"
}

// maxFieldValue is the most a WHMCS custom field value holds, in bytes:
// tblcustomfieldsvalues.value is a MySQL TEXT.
const maxFieldValue = 65535

// ticketFields reads the ticket-level values the source wants in WHMCS:
// the CC list, the ticket number and mapped custom fields, and the
// assignee's admin id. Empty values are left out.
func (s *planning) ticketFields() error {
	t := s.t
	s.fields = map[string]string{}
	for _, c := range t.CC {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		a, err := mail.ParseAddress(c)
		if err != nil {
			s.errorf(sources.CodeInvalidEmail, nil, "cc", "cc %q is not an email address", c)
			continue
		}
		s.cc = append(s.cc, a.Address)
	}
	if len(s.cc) > 0 {
		s.fields[FieldCC] = strings.Join(s.cc, ",")
	}
	set := func(id int, field, v string) {
		if v == "" {
			return
		}
		if len(v) > maxFieldValue {
			s.errorf(sources.CodeCustomFieldTooLong, nil, field, "%s is %d bytes; WHMCS custom field %d keeps at most %d", field, len(v), id, maxFieldValue)
			return
		}
		s.fields[FieldCustom(id)] = v
	}
	if s.pl.numberField > 0 {
		set(s.pl.numberField, "number", strings.TrimSpace(t.Number))
	}
	for _, src := range sortedKeys(s.pl.customFields) {
		set(s.pl.customFields[src], src, t.Fields[src])
	}
	return s.assignee()
}

// assignee maps the ticket's assignee to an admin id in s.flag (and
// fields): through mapping.staff (email, then name) to a username, then
// to its id. An assignee that cannot be mapped is a warning: the ticket is
// imported unassigned.
func (s *planning) assignee() error {
	a := s.t.Assignee
	if norm(a.Email) == "" && norm(a.Name) == "" {
		return nil
	}
	who := strings.TrimSpace(a.Name)
	if e := strings.TrimSpace(a.Email); who == "" {
		who = e
	} else if e != "" {
		who += " <" + e + ">"
	}
	u, ok := s.pl.staff[norm(a.Email)]
	if !ok || norm(a.Email) == "" {
		u, ok = s.pl.staff[norm(a.Name)]
		ok = ok && norm(a.Name) != ""
	}
	if !ok {
		s.warnf(sources.CodeUnmappedAssignee, nil, "assignee", "assignee %s is not in mapping.staff; the ticket is imported unassigned", who)
		return nil
	}
	u = strings.TrimSpace(u)
	if s.pl.admins == nil {
		if s.pl.knownStaff != nil {
			if _, known := s.pl.knownStaff[norm(u)]; !known {
				s.warnf(sources.CodeUnmappedAssignee, nil, "assignee", "assignee %s maps to admin %q, which is not a WHMCS admin user; the ticket is imported unassigned", who, u)
			}
		}
		return nil
	}
	id, found, err := s.pl.admins.AdminID(s.ctx, u)
	if err != nil {
		return fmt.Errorf("look up assignee: %w", err)
	}
	if !found {
		s.warnf(sources.CodeUnmappedAssignee, nil, "assignee", "assignee %s maps to admin %q, which is not a WHMCS admin user; the ticket is imported unassigned", who, u)
		return nil
	}
	s.flag = id
	s.fields[FieldFlag] = strconv.FormatInt(id, 10)
	return nil
}
