// lookups.go holds the sandbox's lookups of configuration and people:
// GetSupportDepartments, GetSupportStatuses, GetClients, GetContacts,
// GetClientsProducts, GetClientsDomains and GetAdminUsers.

package sandbox

import (
	"slices"
	"strings"
)

func (c *call) getSupportDepartments() (any, *apiError) {
	var list []any
	for _, d := range c.st.seed.Departments {
		if !c.inScope(d.ID) {
			continue
		}
		awaiting, open := 0, 0
		for _, t := range c.st.tickets {
			if t.deptID != d.ID {
				continue
			}
			if s := c.st.status(t.status); s != nil {
				if s.Awaiting {
					awaiting++
				}
				if s.Active {
					open++
				}
			}
		}
		list = append(list, obj{{"id", d.ID}, {"name", d.Name}, {"awaitingreply", awaiting}, {"opentickets", open}})
	}
	res := obj{{"result", "success"}, {"totalresults", len(list)}}
	if len(list) > 0 {
		res = append(res, kv{"departments", obj{{"department", list}}})
	}
	return res, nil
}

func (c *call) getSupportStatuses() (any, *apiError) {
	list := make([]any, 0, len(c.st.seed.Statuses))
	for _, s := range c.st.seed.Statuses {
		n := 0
		for _, t := range c.st.tickets {
			if t.status == s.Title && (!c.has("deptid") || t.deptID == c.int("deptid")) {
				n++
			}
		}
		list = append(list, obj{{"title", s.Title}, {"count", n}, {"color", s.Color}})
	}
	return obj{{"result", "success"}, {"totalresults", len(list)}, {"statuses", obj{{"status", list}}}}, nil
}

func (c *call) getClients() (any, *apiError) {
	q := strings.ToLower(c.str("search"))
	var match []Client
	for _, cl := range c.st.seed.Clients {
		status := cl.Status
		if status == "" {
			status = "Active"
		}
		if c.has("status") && !strings.EqualFold(status, c.str("status")) {
			continue
		}
		if q != "" {
			hit := false
			for _, f := range []string{cl.Email, cl.FirstName, cl.LastName, fullName(&cl), cl.CompanyName} {
				hit = hit || strings.HasPrefix(strings.ToLower(f), q)
			}
			if !hit {
				continue
			}
		}
		cl.Status = status
		match = append(match, cl)
	}
	slices.SortFunc(match, func(a, b Client) int { return int(a.ID - b.ID) })
	if strings.EqualFold(c.str("sorting"), "DESC") {
		slices.Reverse(match)
	}
	start, num := paging(c)
	page := match[min(start, len(match)):min(start+num, len(match))]
	list := make([]any, len(page))
	for i, cl := range page {
		list[i] = obj{
			{"id", cl.ID}, {"firstname", cl.FirstName}, {"lastname", cl.LastName},
			{"companyname", cl.CompanyName}, {"email", cl.Email},
			{"datecreated", "2020-01-01"}, {"groupid", 0}, {"status", cl.Status},
		}
	}
	res := obj{{"result", "success"}, {"totalresults", len(match)}, {"startnumber", start}, {"numreturned", len(page)}}
	if len(list) > 0 {
		res = append(res, kv{"clients", obj{{"client", list}}})
	}
	return res, nil
}

// getContacts lists contacts, filtered by userid and email (exact,
// case-insensitive), by id, paged like GetClients.
func (c *call) getContacts() (any, *apiError) {
	var match []Contact
	for _, ct := range c.st.seed.Contacts {
		if c.has("userid") && ct.ClientID != c.int("userid") {
			continue
		}
		if c.has("email") && !strings.EqualFold(ct.Email, c.str("email")) {
			continue
		}
		match = append(match, ct)
	}
	slices.SortFunc(match, func(a, b Contact) int { return int(a.ID - b.ID) })
	start, num := paging(c)
	page := match[min(start, len(match)):min(start+num, len(match))]
	list := make([]any, len(page))
	for i, ct := range page {
		list[i] = obj{{"id", ct.ID}, {"userid", ct.ClientID}, {"firstname", ct.FirstName}, {"lastname", ct.LastName}, {"email", ct.Email}}
	}
	res := obj{{"result", "success"}, {"totalresults", len(match)}, {"startnumber", start}, {"numreturned", len(page)}}
	if len(list) > 0 {
		res = append(res, kv{"contacts", obj{{"contact", list}}})
	}
	return res, nil
}

// getOwned lists the seed's services or domains filtered by clientid and
// the id parameter, paged like GetClients, under wrapper.item; a domain's
// owner is "userid", a service's "clientid", as WHMCS names them.
func (c *call) getOwned(list []Owned, idParam, wrapper, item, owner, name string) (any, *apiError) {
	var match []Owned
	for _, o := range list {
		if c.has("clientid") && o.ClientID != c.int("clientid") {
			continue
		}
		if c.has(idParam) && o.ID != c.int(idParam) {
			continue
		}
		match = append(match, o)
	}
	slices.SortFunc(match, func(a, b Owned) int { return int(a.ID - b.ID) })
	start, num := paging(c)
	page := match[min(start, len(match)):min(start+num, len(match))]
	items := make([]any, len(page))
	for i, o := range page {
		items[i] = obj{{"id", o.ID}, {owner, o.ClientID}, {name, o.Name}}
	}
	res := obj{{"result", "success"}, {"clientid", c.str("clientid")}, {"totalresults", len(match)}, {"startnumber", start}, {"numreturned", len(page)}}
	if len(items) > 0 {
		res = append(res, kv{wrapper, obj{{item, items}}})
	}
	return res, nil
}

func (c *call) getClientsProducts() (any, *apiError) {
	return c.getOwned(c.st.seed.Services, "serviceid", "products", "product", "clientid", "name")
}

func (c *call) getClientsDomains() (any, *apiError) {
	return c.getOwned(c.st.seed.Domains, "domainid", "domains", "domain", "userid", "domainname")
}

func (c *call) getAdminUsers() (any, *apiError) {
	list := []any{}
	email := strings.ToLower(c.str("email"))
	for _, a := range c.st.seed.Admins {
		if a.Disabled && !c.bool("include_disabled") {
			continue
		}
		if email != "" && !strings.Contains(strings.ToLower(a.Email), email) {
			continue
		}
		depts := a.Departments
		if len(depts) == 0 {
			for _, d := range c.st.seed.Departments {
				depts = append(depts, d.ID)
			}
		}
		list = append(list, obj{
			{"id", a.ID}, {"username", a.Username}, {"firstname", a.FirstName}, {"lastname", a.LastName},
			{"email", a.Email}, {"isDisabled", a.Disabled}, {"supportDepartmentIds", depts},
		})
	}
	// The reference example has no "result" key.
	return obj{{"count", len(list)}, {"admin_users", list}}, nil
}
