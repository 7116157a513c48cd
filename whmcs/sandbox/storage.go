package sandbox

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// How a real WHMCS stores text (Options.Sanitize, Options.ThreeByte) and
// which version it claims to be (Options.Version).

// DefaultVersion is the WHMCS version the sandbox reports when
// Options.Version is empty.
const DefaultVersion = "8.13.1"

// htmlSpecialChars is PHP's htmlspecialchars($v, ENT_QUOTES) with
// double_encode on: an existing entity is encoded again ("&amp;" becomes
// "&amp;amp;"). A Replacer replaces in one pass, so "&" is not re-read.
// Kept here, apart from the client package, so that the sandbox's idea of
// WHMCS's sanitiser is independent of the client's.
var htmlSpecialChars = strings.NewReplacer(
	"&", "&amp;",
	"<", "&lt;",
	">", "&gt;",
	`"`, "&quot;",
	"'", "&#039;",
)

// rawParams are the request parameters WHMCS's sanitiser leaves alone.
var rawParams = map[string]bool{
	"action": true, "identifier": true, "secret": true, "username": true,
	"password": true, "accesskey": true, "responsetype": true,
}

// fold3 stores s as a MySQL utf8 (utf8mb3) column does in non-strict mode:
// every character above U+FFFF (a four-byte UTF-8 sequence) becomes "?".
// Invalid bytes are kept as they are.
func fold3(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r > 0xFFFF }) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRuneInString(s[i:])
		if size == 4 {
			b.WriteByte('?')
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// StoredText is how a sandbox with these options stores a text parameter
// s and returns it from GetTicket, GetTickets and GetClients: entities for
// <>&"' under Sanitize, "?" for each character above U+FFFF under
// ThreeByte, s itself under neither. Tests use it to compute the state
// they expect.
func (o Options) StoredText(s string) string { return o.storage().StoredText(s) }

// StoredFileName is how a sandbox with these options stores an attachment's
// file name: the name travels base64-encoded in the attachments parameter,
// so the sanitiser never sees it, but a utf8mb3 table still folds it
// (ThreeByte).
func (o Options) StoredFileName(name string) string { return o.storage().StoredFileName(name) }

// StoredText is how a sandbox in this mode stores s (see
// Options.StoredText). With State.Storage, it serves a test that reads the
// state dump over HTTP.
func (st Storage) StoredText(s string) string {
	if st.Sanitize {
		s = htmlSpecialChars.Replace(s)
	}
	if st.ThreeByte {
		s = fold3(s)
	}
	return s
}

// StoredFileName is how a sandbox in this mode stores an attachment's file
// name (see Options.StoredFileName).
func (st Storage) StoredFileName(name string) string {
	if st.ThreeByte {
		return fold3(name)
	}
	return name
}

func (o Options) storage() Storage {
	return Storage{Sanitize: o.Sanitize, ThreeByte: o.ThreeByte, Version: o.Version}
}

// StoredText is s.Options().StoredText(v): how this sandbox stores v.
func (s *Server) StoredText(v string) string { return s.opts.StoredText(v) }

// StoredFileName is how this sandbox stores an attachment named name.
func (s *Server) StoredFileName(name string) string { return s.opts.StoredFileName(name) }

// Storage is how the sandbox stores text and which WHMCS it claims to be.
type Storage struct {
	// Sanitize: <>&"' are stored as HTML entities (htmlspecialchars).
	Sanitize bool `json:"sanitize"`
	// ThreeByte: characters above U+FFFF are stored as "?" (MySQL utf8mb3).
	ThreeByte bool `json:"three_byte"`
	// Version is the WHMCS version GetWHMCSDetails reports.
	Version string `json:"version"`
}

// Storage returns the sandbox's storage mode.
func (s *Server) Storage() Storage { return s.opts.storage() }

// String describes the mode in one line, e.g. for a banner.
func (st Storage) String() string {
	var parts []string
	if st.Sanitize {
		parts = append(parts, `sanitised (<>&"' stored as entities)`)
	}
	if st.ThreeByte {
		parts = append(parts, "utf8 3-byte (emoji stored as ?)")
	}
	if len(parts) == 0 {
		return "literal"
	}
	return strings.Join(parts, ", ")
}

// storeParams returns p as WHMCS's input layer hands it to an API call:
// every value but rawParams' sanitised and folded (StoredText); and, for
// a WHMCS older than 8.0, without created, which those versions do not
// know and so ignore.
func (s *Server) storeParams(p url.Values) url.Values {
	if !s.opts.Sanitize && !s.opts.ThreeByte && !s.preV8 {
		return p
	}
	out := make(url.Values, len(p))
	for k, vs := range p {
		if rawParams[k] || (!s.opts.Sanitize && !s.opts.ThreeByte) {
			out[k] = vs
			continue
		}
		nv := make([]string, len(vs))
		for i, v := range vs {
			nv[i] = s.opts.StoredText(v)
		}
		out[k] = nv
	}
	if s.preV8 {
		delete(out, "created")
	}
	return out
}

var versionRE = regexp.MustCompile(`^(\d+)\.(\d+)(?:\.(\d+))?$`)

// parseVersion checks v (digits.digits[.digits]) and reports whether it is
// older than 8.0.
func parseVersion(v string) (preV8 bool, err error) {
	m := versionRE.FindStringSubmatch(v)
	if m == nil {
		return false, fmt.Errorf("sandbox: Version %q: want digits.digits[.digits], e.g. %s", v, DefaultVersion)
	}
	major, err := strconv.Atoi(m[1])
	if err != nil {
		return false, fmt.Errorf("sandbox: Version %q: %w", v, err)
	}
	return major < 8, nil
}

// canonicalVersion is WHMCS's canonicalversion for v: three parts and the
// release maturity, "8.13.1-release.1".
func canonicalVersion(v string) string {
	if strings.Count(v, ".") == 1 {
		v += ".0"
	}
	return v + "-release.1"
}

// storedSeed is the seed as WHMCS holds it: entered through the same
// input layer as the API's parameters, so sanitised and folded like them.
// The caller's seed is not modified.
func storedSeed(o Options) *Seed {
	if !o.Sanitize && !o.ThreeByte {
		return o.Seed
	}
	t := o.StoredText
	in := o.Seed
	out := &Seed{
		Departments: slices.Clone(in.Departments),
		Statuses:    slices.Clone(in.Statuses),
		Clients:     slices.Clone(in.Clients),
		Admins:      slices.Clone(in.Admins),
		Contacts:    slices.Clone(in.Contacts),
		Services:    slices.Clone(in.Services),
		Domains:     slices.Clone(in.Domains),
	}
	for i := range out.Departments {
		d := &out.Departments[i]
		d.Name = t(d.Name)
	}
	for i := range out.Statuses {
		st := &out.Statuses[i]
		st.Title = t(st.Title)
	}
	for i := range out.Clients {
		c := &out.Clients[i]
		c.FirstName, c.LastName, c.Email, c.CompanyName, c.Status = t(c.FirstName), t(c.LastName), t(c.Email), t(c.CompanyName), t(c.Status)
	}
	for i := range out.Admins {
		a := &out.Admins[i]
		a.Username, a.FirstName, a.LastName, a.Email = t(a.Username), t(a.FirstName), t(a.LastName), t(a.Email)
		a.Departments = slices.Clone(a.Departments)
	}
	for i := range out.Contacts {
		c := &out.Contacts[i]
		c.FirstName, c.LastName, c.Email = t(c.FirstName), t(c.LastName), t(c.Email)
	}
	return out
}

func (c *call) getWHMCSDetails() (any, *apiError) {
	v := c.s.opts.Version
	return obj{{"result", "success"}, {"whmcs", obj{{"version", v}, {"canonicalversion", canonicalVersion(v)}}}}, nil
}
