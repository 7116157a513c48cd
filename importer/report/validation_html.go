package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

//go:embed validation.html.tmpl
var reportHTML string

// reportTemplate is the validation report page: self-contained (inline
// style and script, no external asset or URL), every value escaped by
// html/template.
var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"size":     FormatSize,
	"duration": FormatDuration,
	"calls":    sortedCalls,
	"help":     codeHelp,
	"plural":   Plural,
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
func (r *Validation) WriteHTML(w io.Writer) error {
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
	order := map[string]int{whmcs.ActionOpenTicket: 0, whmcs.ActionAddTicketReply: 1, whmcs.ActionAddTicketNote: 2, whmcs.ActionUpdateTicket: 3, whmcs.ActionGetClients: 4}
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

// codeHelp is a code's explanation and fix, for the reports' pages; nil
// for a code without one.
func codeHelp(code string) *sources.CodeHelp {
	if h, ok := sources.Code(code).Help(); ok {
		return &h
	}
	return nil
}
