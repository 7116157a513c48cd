package report

import (
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"
)

// Sample is the run's counters at one moment, for its timeline: the
// successful calls, all attempts (failed ones too), the throttled (429)
// attempts and the total time of the attempts so far.
type Sample struct {
	Seconds   float64 `json:"t"` // since the run started
	Calls     int64   `json:"calls"`
	Attempts  int64   `json:"attempts"`
	Throttled int64   `json:"throttled"`
	Latency   int64   `json:"latency_ns"`
}

// chart is one inline SVG line chart.
type chart struct {
	Title, Unit string
	Points      string // SVG polyline points
	Max         string // the y axis's top
	Seconds     string // the x axis's end
	Values      string // the plotted values, for the page's readers and tests
}

const chartW, chartH = 600.0, 140.0

// charts turns samples into calls per second, mean latency and throttled
// attempts per interval.
func charts(samples []Sample) []chart {
	type series struct {
		title, unit string
		v           func(a, b Sample) float64
	}
	all := []series{
		{"API calls per second", "calls/s", func(a, b Sample) float64 {
			if dt := b.Seconds - a.Seconds; dt > 0 {
				return float64(b.Calls-a.Calls) / dt
			}
			return 0
		}},
		{"Mean latency of a call", "ms", func(a, b Sample) float64 {
			if n := b.Attempts - a.Attempts; n > 0 {
				return float64(b.Latency-a.Latency) / float64(n) / 1e6
			}
			return 0
		}},
		{"Throttled attempts (HTTP 429)", "per interval", func(a, b Sample) float64 { return float64(b.Throttled - a.Throttled) }},
	}
	end := 0.0
	if len(samples) > 0 {
		end = samples[len(samples)-1].Seconds
	}
	var out []chart
	for _, s := range all {
		var xs, ys []float64
		for i := 1; i < len(samples); i++ {
			xs = append(xs, samples[i].Seconds)
			ys = append(ys, s.v(samples[i-1], samples[i]))
		}
		top := 0.0
		for _, y := range ys {
			top = max(top, y)
		}
		scale := top
		if scale == 0 {
			scale = 1
		}
		var pts, vals []string
		for i := range xs {
			x := 0.0
			if end > 0 {
				x = xs[i] / end * chartW
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, chartH-ys[i]/scale*chartH))
			vals = append(vals, strconv.FormatFloat(ys[i], 'f', 1, 64))
		}
		out = append(out, chart{Title: s.title, Unit: s.unit, Points: strings.Join(pts, " "),
			Max: strconv.FormatFloat(top, 'f', 1, 64), Seconds: strconv.FormatFloat(end, 'f', 1, 64), Values: strings.Join(vals, " ")})
	}
	return out
}

// WriteHTML writes the run as a self-contained page (inline style and
// SVG, no script, no network): its outcome counts, its calls, and charts
// of calls per second, latency and throttling over the run's time, from
// samples taken while it ran.
func (rep *Import) WriteHTML(w io.Writer, samples []Sample) error {
	data := struct {
		*Import
		GeneratedAt time.Time
		Charts      []chart
		Samples     int
		W, H, VH    float64
	}{rep, time.Now(), charts(samples), len(samples), chartW, chartH, chartH + 28}
	if err := runTemplate.Execute(w, data); err != nil {
		return fmt.Errorf("render HTML run report: %w", err)
	}
	return nil
}

var runTemplate = template.Must(template.New("run").Funcs(template.FuncMap{"calls": sortedCalls64}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>whmcs-migrate run {{.RunID}}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; margin: 0 0 .2em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
header { position: sticky; top: 0; z-index: 2; background: #fff; border-bottom: 1px solid #ccc; padding: .3em 0; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: #666; } .bad { color: #b00020; font-weight: bold; }
svg { background: #fafafa; border: 1px solid #ccc; } polyline { fill: none; stroke: #1b4f8a; stroke-width: 1.5; }
svg text { font: 11px system-ui, sans-serif; fill: #555; }
</style>
</head>
<body>
<header><h1>whmcs-migrate run {{.RunID}}</h1>
<span class="muted">Generated {{.GeneratedAt.Format "2006-01-02 15:04:05 MST"}}; {{printf "%.1f" .ElapsedSeconds}} s, {{printf "%.1f" .CallsPerSecond}} calls/s.</span></header>
{{if .Stopped}}<p class="bad">Stopped before the end: {{.Stopped}}. What follows is what the run did before it stopped.</p>{{end}}
{{if .Interrupted}}<p class="bad">Interrupted: what follows is what the run did before it stopped.</p>{{end}}

<h2>Tickets</h2>
<table id="tickets">
<tr><th>Total</th><td class="n">{{.Tickets.Total}}</td></tr>
<tr><th>Imported</th><td class="n">{{.Tickets.Imported}}</td></tr>
<tr><th>Updated</th><td class="n">{{.Tickets.Updated}}</td></tr>
<tr><th>Unchanged</th><td class="n">{{.Tickets.Unchanged}}</td></tr>
{{if .Tickets.Adopted}}<tr><th>Adopted (already in WHMCS)</th><td class="n">{{.Tickets.Adopted}}</td></tr>
{{end}}<tr><th>Failed</th><td class="n">{{.Tickets.Failed}}</td></tr>
<tr><th>Interrupted</th><td class="n">{{.Tickets.Stopped}}</td></tr>
<tr><th>Deleted in WHMCS</th><td class="n">{{.Tickets.DeletedInWHMCS}}</td></tr>
<tr><th>Skipped (deleted in WHMCS earlier)</th><td class="n">{{.Tickets.Skipped}}</td></tr>
<tr><th>Conflicts</th><td class="n">{{.Tickets.Conflicts}}</td></tr>
</table>

<h2>Calls</h2>
<table id="calls">
{{range calls .Calls}}<tr><th>{{.Action}}</th><td class="n">{{.N}}</td></tr>
{{end}}{{range calls .FailedCalls}}<tr><th>{{.Action}} failed</th><td class="n">{{.N}}</td></tr>
{{end}}<tr><th>Retries</th><td class="n">{{.Retries}}</td></tr>
<tr><th>Throttled (429)</th><td class="n">{{.Throttled}}</td></tr>
<tr><th>Reconciled (re-sent)</th><td class="n">{{.Reconciled}} ({{.Resent}})</td></tr>
</table>

<h2>Over the run's time</h2>
<p class="muted">{{.Samples}} samples; each point is the interval since the one before.</p>
{{range .Charts}}<figure class="chart" data-max="{{.Max}}" data-values="{{.Values}}">
<figcaption>{{.Title}} ({{.Unit}}), highest {{.Max}}</figcaption>
<svg width="{{$.W}}" height="{{$.VH}}" viewBox="0 -14 {{$.W}} {{$.VH}}" role="img" aria-label="{{.Title}}">
<polyline points="{{.Points}}"/>
<text x="4" y="0">{{.Max}} {{.Unit}}</text><text x="4" y="{{$.H}}">0</text>
</svg>
<div class="muted">0 s to {{.Seconds}} s</div>
</figure>
{{end}}
{{if .Failures}}<h2>Failures</h2>
<table id="failures">
<tr><th>Ticket</th><th>Step</th><th>Code</th><th>Origin</th><th>Field</th><th>Error</th></tr>
{{range .Failures}}<tr><td>{{.Ticket}}</td><td>{{.Step}}</td><td>{{.Code}}</td><td>{{.Origin}}</td><td>{{.Field}}</td><td>{{.Error}}</td></tr>
{{end}}</table>{{end}}
{{if .Conflicts}}<h2>Conflicts</h2>
<p class="muted">Changed in WHMCS since the last sync and otherwise at the source: the value kept is in bold.</p>
<table id="conflicts">
<tr><th>Ticket</th><th>WHMCS id</th><th>Field</th><th>WHMCS's value</th><th>Source's value</th><th>Kept</th><th>Why</th></tr>
{{range .Conflicts}}<tr><td>{{.Ticket}}</td><td>{{.WHMCSID}}</td><td>{{.Field}}</td><td>{{if eq .Kept "whmcs"}}<b>{{.WHMCS}}</b>{{else}}{{.WHMCS}}{{end}}</td><td>{{if eq .Kept "source"}}<b>{{.Source}}</b>{{else}}{{.Source}}{{end}}</td><td>{{.Kept}}</td><td>{{.Reason}}</td></tr>
{{end}}</table>{{end}}
{{if .DeletedInWHMCS}}<h2>Deleted in WHMCS</h2>
<table id="deleted">
<tr><th>Ticket</th><th>WHMCS id</th><th>What happened</th></tr>
{{range .DeletedInWHMCS}}<tr><td>{{.Ticket}}</td><td>{{.WHMCSID}}</td><td>{{.Reason}}</td></tr>
{{end}}</table>{{end}}
</body>
</html>
`))

// sortedCalls64 is sortedCalls for a run's int64 counts.
func sortedCalls64(m map[string]int64) []actionCount {
	n := make(map[string]int, len(m))
	for k, v := range m {
		n[k] = int(v)
	}
	return sortedCalls(n)
}
