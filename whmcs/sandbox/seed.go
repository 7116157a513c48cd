package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Seed is the configuration data a WHMCS install already holds before a
// migration: departments, ticket statuses, clients and admin users.
type Seed struct {
	Departments []Department `json:"departments" yaml:"departments"`
	Statuses    []Status     `json:"statuses" yaml:"statuses"`
	Clients     []Client     `json:"clients" yaml:"clients"`
	Admins      []Admin      `json:"admins" yaml:"admins"`
	Contacts    []Contact    `json:"contacts" yaml:"contacts"`
	Services    []Owned      `json:"services" yaml:"services"`
	Domains     []Owned      `json:"domains" yaml:"domains"`
}

// Owned is a client's service (tblhosting) or domain (tbldomains): what a
// ticket may be linked to (OpenTicket serviceid / domainid).
type Owned struct {
	ID       int64  `json:"id" yaml:"id"`
	ClientID int64  `json:"userid" yaml:"userid"`
	Name     string `json:"name" yaml:"name"` // product name or domain name
}

// Contact is a contact of a client (tblcontacts): someone who may open
// and reply to the client's tickets as themselves.
type Contact struct {
	ID        int64  `json:"id" yaml:"id"`
	ClientID  int64  `json:"userid" yaml:"userid"`
	FirstName string `json:"firstname" yaml:"firstname"`
	LastName  string `json:"lastname" yaml:"lastname"`
	Email     string `json:"email" yaml:"email"`
}

// Department is a support department.
type Department struct {
	ID   int64  `json:"id" yaml:"id"`
	Name string `json:"name" yaml:"name"`
}

// Status is a ticket status. Active and Awaiting say whether tickets in it
// count as "All Active Tickets" and "Awaiting Reply" in GetTickets.
type Status struct {
	Title    string `json:"title" yaml:"title"`
	Color    string `json:"color" yaml:"color"`
	Active   bool   `json:"active" yaml:"active"`
	Awaiting bool   `json:"awaiting" yaml:"awaiting"`
}

// Client is a WHMCS client account. Status is Active, Inactive or Closed
// (Active when empty).
type Client struct {
	ID          int64  `json:"id" yaml:"id"`
	FirstName   string `json:"firstname" yaml:"firstname"`
	LastName    string `json:"lastname" yaml:"lastname"`
	Email       string `json:"email" yaml:"email"`
	CompanyName string `json:"companyname" yaml:"companyname"`
	Status      string `json:"status" yaml:"status"`
}

// Admin is an admin user. Departments lists the support departments the
// admin is assigned to; empty means all of them (a simplification: real
// WHMCS shows an admin with no departments nothing).
type Admin struct {
	ID          int64   `json:"id" yaml:"id"`
	Username    string  `json:"username" yaml:"username"`
	FirstName   string  `json:"firstname" yaml:"firstname"`
	LastName    string  `json:"lastname" yaml:"lastname"`
	Email       string  `json:"email" yaml:"email"`
	Disabled    bool    `json:"disabled" yaml:"disabled"`
	Departments []int64 `json:"departments" yaml:"departments"`
}

// FullName is the admin's name as WHMCS shows it on staff replies.
func (a Admin) FullName() string { return strings.TrimSpace(a.FirstName + " " + a.LastName) }

// DefaultSeed returns the seed used when Options.Seed is nil: departments
// 1 Sales, 2 Technical Support, 3 Billing; the six default statuses; three
// clients; admins "admin" (id 1, all departments), "support" (id 2,
// Technical Support only) and "former" (id 3, disabled).
func DefaultSeed() *Seed {
	return &Seed{
		Departments: []Department{{1, "Sales"}, {2, "Technical Support"}, {3, "Billing"}},
		Statuses: []Status{
			{Title: "Open", Color: "#779500", Active: true, Awaiting: true},
			{Title: "Answered", Color: "#000000", Active: true},
			{Title: "Customer-Reply", Color: "#ff6600", Active: true, Awaiting: true},
			{Title: "Closed", Color: "#888888"},
			{Title: "On Hold", Color: "#224488", Active: true},
			{Title: "In Progress", Color: "#cc0000", Active: true},
		},
		Clients: []Client{
			{ID: 1, FirstName: "Cynthia", LastName: "Reilly", Email: "cynthia@example.com", CompanyName: "Reilly Ltd", Status: "Active"},
			{ID: 2, FirstName: "Bob", LastName: "Martin", Email: "bob@example.org", Status: "Active"},
			{ID: 3, FirstName: "Zoë", LastName: "Durand", Email: "zoe.durand@example.net", CompanyName: "Durand & Fils", Status: "Inactive"},
		},
		Admins: []Admin{
			{ID: 1, Username: "admin", FirstName: "Demo", LastName: "Admin", Email: "admin@example.com"},
			{ID: 2, Username: "support", FirstName: "Sam", LastName: "Support", Email: "support@example.com", Departments: []int64{2}},
			{ID: 3, Username: "former", FirstName: "Former", LastName: "Staff", Email: "former@example.com", Disabled: true},
		},
	}
}

// LoadSeed reads a seed from a YAML (.yaml, .yml) or JSON (.json) file.
// Unknown keys are errors, so that a misspelt key is not silently ignored.
func LoadSeed(path string) (*Seed, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load seed: %w", err)
	}
	var s Seed
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		err = dec.Decode(&s)
	case ".yaml", ".yml":
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		err = dec.Decode(&s)
	default:
		return nil, fmt.Errorf("load seed %s: unknown extension (want .yaml, .yml or .json)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("load seed %s: %w", path, err)
	}
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("load seed %s: %w", path, err)
	}
	return &s, nil
}

// validate checks ids are positive and unique, names present.
func (s *Seed) validate() error {
	depts := map[int64]bool{}
	for _, d := range s.Departments {
		if d.ID <= 0 || d.Name == "" {
			return fmt.Errorf("department %d %q: id must be positive and name set", d.ID, d.Name)
		}
		if depts[d.ID] {
			return fmt.Errorf("department id %d twice", d.ID)
		}
		depts[d.ID] = true
	}
	titles := map[string]bool{}
	for _, st := range s.Statuses {
		if st.Title == "" || titles[st.Title] {
			return fmt.Errorf("status %q: empty or repeated title", st.Title)
		}
		titles[st.Title] = true
	}
	for _, core := range []string{"Open", "Answered", "Customer-Reply", "Closed"} {
		if !titles[core] {
			return fmt.Errorf("status %q missing: it is a core WHMCS status", core)
		}
	}
	ids := map[int64]bool{}
	for _, c := range s.Clients {
		if c.ID <= 0 || ids[c.ID] {
			return fmt.Errorf("client id %d: not positive or repeated", c.ID)
		}
		ids[c.ID] = true
	}
	ids = map[int64]bool{}
	for _, ct := range s.Contacts {
		if ct.ID <= 0 || ids[ct.ID] {
			return fmt.Errorf("contact id %d: not positive or repeated", ct.ID)
		}
		ids[ct.ID] = true
		found := false
		for _, c := range s.Clients {
			found = found || c.ID == ct.ClientID
		}
		if !found {
			return fmt.Errorf("contact %d: unknown client %d", ct.ID, ct.ClientID)
		}
	}
	for kind, list := range map[string][]Owned{"service": s.Services, "domain": s.Domains} {
		ids = map[int64]bool{}
		for _, o := range list {
			if o.ID <= 0 || ids[o.ID] {
				return fmt.Errorf("%s id %d: not positive or repeated", kind, o.ID)
			}
			ids[o.ID] = true
		}
	}
	ids = map[int64]bool{}
	users := map[string]bool{}
	for _, a := range s.Admins {
		if a.ID <= 0 || ids[a.ID] || a.Username == "" || users[a.Username] {
			return fmt.Errorf("admin %d %q: id not positive, or id or username empty or repeated", a.ID, a.Username)
		}
		ids[a.ID], users[a.Username] = true, true
		for _, d := range a.Departments {
			if !depts[d] {
				return fmt.Errorf("admin %q: unknown department %d", a.Username, d)
			}
		}
	}
	return nil
}
