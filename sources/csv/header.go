package csv

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Our column names, per file.
var (
	ticketColumns = []string{
		"id", "subject", "department", "status", "priority", "email", "name",
		"client_id", "cc", "created", "updated", "number", "assignee",
	}
	messageColumns = []string{
		"ticket_id", "id", "type", "author", "name", "email", "created", "body",
		"format", "attachments",
	}
	// requiredColumns must be in the header: without them no row can be
	// read, or no ticket opened (subject), and a file without one is one
	// header error (exit 2), not one error per ticket. An empty value in a
	// present column is checked per ticket by the planner, where it is
	// reported against its ticket. The requester (email or client_id) is
	// checked by checkHeaders.
	requiredTicketColumns  = []string{"id", "subject"}
	requiredMessageColumns = []string{"ticket_id", "created", "body"}
)

// header maps our column names to field indexes in one file.
type header struct {
	file    string
	idx     map[string]int // our name -> index
	fields  int            // number of header fields
	unknown []string       // header names we do not read, in header order
	names   []string       // the header's names, trimmed, in header order
	custom  map[string]int // custom field (lower case) -> index; see useFields
}

// useFields makes the columns named in fields (the custom fields the
// mapping reads, matched case-insensitively) read as Ticket.Fields, so that
// they are no longer unknown. A field the header lacks is an error naming
// it.
func (h *header) useFields(fields []string) error {
	var missing []string
	for _, f := range fields {
		name := strings.ToLower(strings.TrimSpace(f))
		i := slices.IndexFunc(h.names, func(n string) bool { return strings.EqualFold(n, name) })
		if i < 0 {
			missing = append(missing, f)
			continue
		}
		if h.custom == nil {
			h.custom = map[string]int{}
		}
		h.custom[name] = i
		h.unknown = slices.DeleteFunc(h.unknown, func(n string) bool { return strings.EqualFold(n, name) })
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s:1: no column %s, which mapping.custom_fields reads (header: %s)",
			h.file, strings.Join(missing, ", "), boundedList(h.names, maxListed))
	}
	return nil
}

// customValues returns the custom-field values of rec, nil when none is set.
func (h *header) customValues(rec []string) map[string]string {
	var m map[string]string
	for name, i := range h.custom {
		if i >= len(rec) {
			continue
		}
		if v := strings.TrimSpace(rec[i]); v != "" {
			if m == nil {
				m = make(map[string]string, len(h.custom))
			}
			m[name] = v
		}
	}
	return m
}

// get returns the field for our column name, "" when the file has no such
// column.
func (h *header) get(rec []string, name string) string {
	i, ok := h.idx[name]
	if !ok || i >= len(rec) {
		return ""
	}
	return rec[i]
}

// has reports whether the file has the column.
func (h *header) has(name string) bool { _, ok := h.idx[name]; return ok }

// validateColumns checks the columns: map of the options. Every key must be
// one of our names.
func validateColumns(cols map[string]string) error {
	known := map[string]bool{}
	for _, c := range ticketColumns {
		known[c] = true
	}
	for _, c := range messageColumns {
		known[c] = true
	}
	var errs []error
	keys := make([]string, 0, len(cols))
	for k := range cols {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !known[strings.ToLower(strings.TrimSpace(k))] {
			errs = append(errs, fmt.Errorf("columns: unknown column %q (known: %s)", k, strings.Join(allColumns(), ", ")))
		}
		if strings.TrimSpace(cols[k]) == "" {
			errs = append(errs, fmt.Errorf("columns: %s: empty header name", k))
		}
	}
	return errors.Join(errs...)
}

func allColumns() []string {
	seen := map[string]bool{}
	var all []string
	for _, c := range append(append([]string{}, ticketColumns...), messageColumns...) {
		if !seen[c] {
			seen[c] = true
			all = append(all, c)
		}
	}
	sort.Strings(all)
	return all
}

// headerName is the header a column is read from: its rename in cols, or its
// own name. Lower case.
func headerName(cols map[string]string, name string) string {
	for k, v := range cols {
		if strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.ToLower(strings.TrimSpace(v))
		}
	}
	return name
}

// parseHeader matches a header record against our columns of one file.
func parseHeader(file string, rec []string, ours, required []string, cols map[string]string) (*header, error) {
	h := &header{file: file, idx: map[string]int{}, fields: len(rec)}
	want := map[string]string{} // header name (lower) -> our name
	for _, c := range ours {
		want[headerName(cols, c)] = c
	}
	seen := map[string]int{}
	for i, f := range rec {
		h.names = append(h.names, strings.TrimSpace(f))
		name := strings.ToLower(strings.TrimSpace(f))
		if name == "" {
			continue // a trailing comma in a spreadsheet export
		}
		if j, dup := seen[name]; dup {
			return nil, fmt.Errorf("%s:1: column %q appears twice (fields %d and %d)", file, f, j+1, i+1)
		}
		seen[name] = i
		if our, ok := want[name]; ok {
			h.idx[our] = i
		} else {
			h.unknown = append(h.unknown, strings.TrimSpace(f))
		}
	}
	var missing []string
	for _, c := range required {
		if !h.has(c) {
			if n := headerName(cols, c); n != c {
				missing = append(missing, fmt.Sprintf("%s (renamed %q)", c, n))
			} else {
				missing = append(missing, c)
			}
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s:1: missing required column %s (header: %s; rename columns with source.columns)",
			file, strings.Join(missing, ", "), boundedList(h.names, maxListed))
	}
	return h, nil
}

// maxListed is how many column names a message lists before it counts the
// rest: an export with 100,000 columns must not print a 3 MB warning.
const maxListed = 20

// boundedList joins the first max names with ", " and counts the rest
// ("a, b, ... and 99,980 more").
func boundedList(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s, ... and %s more (%s in all)", strings.Join(names[:max], ", "),
		thousands(len(names)-max), thousands(len(names)))
}

// thousands renders n with comma separators.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
