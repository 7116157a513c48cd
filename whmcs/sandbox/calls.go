// calls.go holds what the sandbox's calls share: reading `created`
// dates, emails, attachments and custom fields, and the formats they
// answer in. The calls are in ticketwrites.go, ticketreads.go and
// lookups.go.

package sandbox

import (
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const dateLayout = "2006-01-02 15:04:05"

var isoRE = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$`)

// parseCreated reads `created`: "YYYY-MM-DD HH:MM:SS" or ISO 8601. A time
// without an offset is server-local; one with an offset is converted to
// the server's zone. Seconds are kept, fractions dropped (WHMCS stores
// DATETIME).
func parseCreated(v string, loc *time.Location) (time.Time, bool) {
	m := isoRE.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return time.Time{}, false
	}
	n := func(s string) int { i, _ := strconv.Atoi(s); return i }
	y, mo, d, h, mi, s := n(m[1]), n(m[2]), n(m[3]), n(m[4]), n(m[5]), n(m[6])
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 {
		return time.Time{}, false
	}
	zone := loc
	if off := m[8]; off == "Z" {
		zone = time.UTC
	} else if off != "" {
		off = strings.ReplaceAll(off, ":", "")
		oh, om := n(off[1:3]), 0
		if len(off) == 5 {
			om = n(off[3:5])
		}
		if oh > 14 || om > 59 {
			return time.Time{}, false
		}
		secs := oh*3600 + om*60
		if off[0] == '-' {
			secs = -secs
		}
		zone = time.FixedZone("", secs)
	}
	t := time.Date(y, time.Month(mo), d, h, mi, s, 0, zone)
	if t.Day() != d { // 2024-02-30 normalised into March
		return time.Time{}, false
	}
	return t.In(loc), true
}

// created returns the call's created date, or now when absent. future is
// the call's own "cannot be in the future" message.
func (c *call) created(future string) (time.Time, *apiError) {
	v := c.str("created")
	if v == "" {
		return c.now, nil
	}
	t, ok := parseCreated(v, c.s.loc)
	if !ok {
		return time.Time{}, bizErr("Invalid Date Format")
	}
	if t.After(c.now) {
		return time.Time{}, bizErr(future)
	}
	return t, nil
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

func (c *call) files() ([]storedFile, *apiError) {
	if !c.has("attachments") {
		return nil, nil
	}
	in, err := decodeAttachments(c.str("attachments"))
	if err != nil {
		return nil, bizErr("Unable to decode attachments")
	}
	return c.st.storeFiles(in, c.s.opts.StoredFileName), nil
}

func (c *call) customFields() (map[int]string, *apiError) {
	if !c.has("customfields") {
		return nil, nil
	}
	m, err := decodeCustomFields(c.str("customfields"))
	if err != nil {
		return nil, bizErr("Unable to decode custom fields")
	}
	return m, nil
}

var priorities = []string{"Low", "Medium", "High"}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

func fmtDate(t time.Time, loc *time.Location) string { return t.In(loc).Format(dateLayout) }
