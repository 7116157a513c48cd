package mapping

import (
	"errors"
	"fmt"
	"net/mail"
	"sort"
	"strings"
)

// Client modes of Config.Clients.
const (
	ClientsGuest      = "guest"       // every requester is a guest: name + email
	ClientsMatchEmail = "match_email" // look the requester's email up with GetClients
)

// Config is the mapping section of the configuration file: how source
// values become WHMCS values. Map keys are matched case-insensitively, with
// surrounding spaces trimmed.
type Config struct {
	// Departments maps a source department name or id to a WHMCS
	// department: its deptid or its name (see Department).
	Departments map[string]Department `yaml:"departments"`
	// DefaultDepartment is used when the ticket's department is empty; the
	// zero Department = none (such a ticket is unmapped_department).
	DefaultDepartment Department `yaml:"default_department"`
	// Statuses maps a source status to a WHMCS status title. A source status
	// that already is a WHMCS status title passes through.
	Statuses map[string]string `yaml:"statuses"`
	// Priorities maps a source priority to Low, Medium or High; those three
	// pass through (case-insensitive).
	Priorities map[string]string `yaml:"priorities"`
	// Staff maps a staff author's email or name to a WHMCS admin username;
	// the email is tried first, then the name.
	Staff map[string]string `yaml:"staff"`
	// DefaultStaff is the admin username for staff the map does not name;
	// empty = such a reply is unmapped_staff.
	DefaultStaff string `yaml:"default_staff"`
	// Clients is ClientsMatchEmail or ClientsGuest (the default, when
	// empty).
	Clients string `yaml:"clients"`
	// NoteAuthorPrefix prefixes each note with its author's name, since
	// WHMCS notes have no author of their own. Nil = true.
	NoteAuthorPrefix *bool `yaml:"note_author_prefix"`
	// FallbackRequester opens the tickets that have neither a requester
	// email nor a client id (an osTicket ticket whose user was deleted), as
	// a guest with this name and email, each with a fallback_requester
	// warning. Nil: such tickets fail with missing_requester.
	FallbackRequester *Requester `yaml:"fallback_requester"`
	// FourByteText is what to send for characters above U+FFFF (emoji,
	// rarer CJK), which a WHMCS whose tables are MySQL utf8 (not utf8mb4)
	// stores as "?": FourByteKeep (the default, when empty) sends them
	// unchanged, FourByteName as "[U+1F680 ROCKET]" (see NameFourByte), in
	// subjects, names and bodies. Either way each ticket that has some gets
	// a four_byte_text warning.
	FourByteText string `yaml:"four_byte_text"`
	// TicketNumberField is the id of the WHMCS ticket custom field that
	// keeps the source's ticket number (Ticket.Number); 0 = the number is
	// not kept.
	TicketNumberField int `yaml:"ticket_number_field"`
	// CustomFields maps a source custom field (a tickets.csv column, a
	// preset's field name or label) to the id of a WHMCS ticket custom
	// field.
	CustomFields map[string]int `yaml:"custom_fields"`
}

// Requester is a guest requester: a name and an email.
type Requester struct {
	// Name is shown as the requester; empty = the ticket's own requester
	// name, else the email's local part.
	Name string `yaml:"name"`
	// Email is required: WHMCS opens no guest ticket without one.
	Email string `yaml:"email"`
}

// Validate reports every configuration error, each naming its key
// ("mapping.priorities[urgent]: ..."), joined with errors.Join.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	switch c.Clients {
	case "", ClientsGuest, ClientsMatchEmail:
	default:
		bad("mapping.clients: %q is not %s or %s", c.Clients, ClientsMatchEmail, ClientsGuest)
	}
	switch c.FourByteText {
	case "", FourByteKeep, FourByteName:
	default:
		bad("mapping.four_byte_text: %q is not %s or %s", c.FourByteText, FourByteKeep, FourByteName)
	}
	if d := c.DefaultDepartment; !d.named() && d.ID < 0 {
		bad("mapping.default_department: %d is negative: give a deptid or a department's name (%s)", d.ID, WhereDeptID)
	}
	for _, k := range sortedKeys(c.Departments) {
		if v := c.Departments[k]; !v.named() && v.ID <= 0 {
			bad("mapping.departments[%s]: deptid %d is not positive: give a deptid or a department's name (%s)", k, v.ID, WhereDeptID)
		}
	}
	for _, k := range sortedKeys(c.Priorities) {
		if _, ok := canonicalPriority(c.Priorities[k]); !ok {
			bad("mapping.priorities[%s]: %q is not Low, Medium or High", k, c.Priorities[k])
		}
	}
	for _, k := range sortedKeys(c.Statuses) {
		if strings.TrimSpace(c.Statuses[k]) == "" {
			bad("mapping.statuses[%s]: empty status", k)
		}
	}
	for _, k := range sortedKeys(c.Staff) {
		if strings.TrimSpace(c.Staff[k]) == "" {
			bad("mapping.staff[%s]: empty admin username", k)
		}
	}
	if f := c.FallbackRequester; f != nil {
		e := strings.TrimSpace(f.Email)
		if a, err := mail.ParseAddress(e); e == "" {
			bad("mapping.fallback_requester.email: required (WHMCS opens no guest ticket without an email)")
		} else if err != nil || a.Address != e {
			bad("mapping.fallback_requester.email: %q is not an email address", f.Email)
		}
	}
	if c.TicketNumberField < 0 {
		bad("mapping.ticket_number_field: %d is negative", c.TicketNumberField)
	}
	target := map[int]string{}
	if c.TicketNumberField > 0 {
		target[c.TicketNumberField] = "mapping.ticket_number_field"
	}
	for _, k := range sortedKeys(c.CustomFields) {
		id := c.CustomFields[k]
		if id <= 0 {
			bad("mapping.custom_fields[%s]: field id %d is not positive", k, id)
			continue
		}
		if prev, ok := target[id]; ok {
			bad("mapping.custom_fields[%s]: field id %d is also %s", k, id, prev)
			continue
		}
		target[id] = fmt.Sprintf("mapping.custom_fields[%s]", k)
	}
	errs = append(errs, dupKeys("departments", c.Departments)...)
	errs = append(errs, dupKeys("statuses", c.Statuses)...)
	errs = append(errs, dupKeys("priorities", c.Priorities)...)
	errs = append(errs, dupKeys("staff", c.Staff)...)
	errs = append(errs, dupKeys("custom_fields", c.CustomFields)...)
	return errors.Join(errs...)
}

// noteAuthorPrefix is NoteAuthorPrefix with its default.
func (c *Config) noteAuthorPrefix() bool { return c.NoteAuthorPrefix == nil || *c.NoteAuthorPrefix }

// dupKeys reports keys that collide once trimmed and case-folded, with
// different values: the map would be ambiguous.
func dupKeys[V comparable](name string, m map[string]V) []error {
	var errs []error
	seen := make(map[string]string, len(m))
	for _, k := range sortedKeys(m) {
		n := norm(k)
		if n == "" {
			errs = append(errs, fmt.Errorf("mapping.%s: empty key", name))
			continue
		}
		if prev, ok := seen[n]; ok && m[prev] != m[k] {
			errs = append(errs, fmt.Errorf("mapping.%s[%s]: same key as %q with a different value", name, k, prev))
			continue
		}
		seen[n] = k
	}
	return errs
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// norm is how map keys and looked-up values are compared.
func norm(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// normMap returns m with normalized keys.
func normMap[V any](m map[string]V) map[string]V {
	out := make(map[string]V, len(m))
	for _, k := range sortedKeys(m) {
		out[norm(k)] = m[k]
	}
	return out
}

// canonicalPriority returns Low, Medium or High for s in any case.
func canonicalPriority(s string) (string, bool) {
	switch norm(s) {
	case "low":
		return "Low", true
	case "medium":
		return "Medium", true
	case "high":
		return "High", true
	}
	return "", false
}
