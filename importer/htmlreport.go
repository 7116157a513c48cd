package importer

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"time"
)

//go:embed report.html.tmpl
var reportHTML string

// reportTemplate is the validation report page: self-contained (inline
// style and script, no external asset or URL), every value escaped by
// html/template.
var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"size":     FormatSize,
	"duration": formatSeconds,
	"calls":    sortedCalls,
	"codes": func(cs []CodeCount) []string {
		seen := map[string]bool{}
		var out []string
		for _, c := range cs {
			if !seen[c.Code] {
				seen[c.Code] = true
				out = append(out, c.Code)
			}
		}
		sort.Strings(out)
		return out
	},
}).Parse(reportHTML))

// WriteHTML writes the report as a self-contained HTML page: the summary,
// the plan and every problem in a table that can be filtered by code and
// severity.
func (r *ValidationReport) WriteHTML(w io.Writer) error {
	if err := reportTemplate.Execute(w, r); err != nil {
		return fmt.Errorf("render HTML report: %w", err)
	}
	return nil
}

type actionCount struct {
	Action string
	N      int
}

// sortedCalls lists calls by action in the order a ticket makes them.
func sortedCalls(m map[string]int) []actionCount {
	order := map[string]int{"OpenTicket": 0, "AddTicketReply": 1, "AddTicketNote": 2, "UpdateTicket": 3, "GetClients": 4}
	out := make([]actionCount, 0, len(m))
	for a, n := range m {
		out = append(out, actionCount{a, n})
	}
	sort.Slice(out, func(i, j int) bool {
		oi, iok := order[out[i].Action]
		oj, jok := order[out[j].Action]
		if iok != jok {
			return iok
		}
		if oi != oj {
			return oi < oj
		}
		return out[i].Action < out[j].Action
	})
	return out
}

// formatSeconds renders an estimate for people: "45s", "12m30s", "3h05m".
func formatSeconds(s float64) string {
	d := time.Duration(s * float64(time.Second)).Round(time.Second)
	switch {
	case d < time.Minute:
		return d.String()
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// FormatDuration renders an estimated number of seconds for people.
func FormatDuration(seconds float64) string { return formatSeconds(seconds) }
