package report

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// verifyJSON is the --report shape of a Verify.
type verifyJSON struct {
	Tickets struct {
		Checked   int `json:"checked"`
		Matching  int `json:"matching"`
		Differing int `json:"differing"`
		Missing   int `json:"missing"`
		Deleted   int `json:"deleted_in_whmcs"`
	} `json:"tickets"`
	Differences    []Difference `json:"differences"`
	OpenConflicts  []Conflict   `json:"open_conflicts"`
	ElapsedSeconds float64      `json:"elapsed_seconds"`
	TextProfile    string       `json:"text_profile"`
	Interrupted    bool         `json:"interrupted,omitempty"` // what was checked before Ctrl-C
}

// JSON renders the report as {"tickets": {"checked", "matching",
// "differing", "missing", "deleted_in_whmcs"}, "differences": [{"ticket",
// "whmcs_id", "field", "entry", "expected", "actual"}], "open_conflicts":
// [Conflict], "elapsed_seconds", "interrupted" (only when true)}.
func (r *Verify) JSON() ([]byte, error) {
	var j verifyJSON
	j.Tickets.Checked, j.Tickets.Matching, j.Tickets.Differing, j.Tickets.Missing = r.Checked, r.Matching, r.Differing, r.Missing
	j.Tickets.Deleted = r.Deleted
	j.OpenConflicts = r.OpenConflicts
	if j.OpenConflicts == nil {
		j.OpenConflicts = []Conflict{}
	}
	j.Differences = r.Differences
	if j.Differences == nil {
		j.Differences = []Difference{}
	}
	j.ElapsedSeconds = r.Elapsed.Seconds()
	j.TextProfile = r.Text.Describe()
	j.Interrupted = r.Interrupted
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode verify report: %w", err)
	}
	return append(b, '\n'), nil
}

// termWidth is how much of an expected or actual value the terminal
// summary shows.
const termWidth = 100

// TextDifferences is how many differences the terminal summary shows at
// most; the report files hold them all.
const TextDifferences = 20

// WriteText writes the terminal summary, sized for a screen: the counts,
// the tickets not imported on one line (the first few ids), then at most
// TextDifferences other differences, each under its ticket, and how many
// more the report files hold.
func (r *Verify) WriteText(w io.Writer) error {
	var b strings.Builder
	if r.Interrupted {
		b.WriteString("Interrupted: what follows is what was checked so far.\n")
	}
	fmt.Fprintf(&b, "Verified %s: %d matching, %d differing.", Plural(r.Checked, "ticket", "tickets"), r.Matching, r.Differing)
	if r.Missing > 0 {
		fmt.Fprintf(&b, " %s not imported.", Plural(r.Missing, "source ticket", "source tickets"))
	}
	if r.Deleted > 0 {
		fmt.Fprintf(&b, " %s deleted in WHMCS.", Plural(r.Deleted, "source ticket", "source tickets"))
	}
	b.WriteByte('\n')
	fmt.Fprintf(&b, "Texts compared as this WHMCS stores them: %s.\n", r.Text.Describe())
	var missing []string
	for _, d := range r.Differences {
		if d.Field == FieldNotImported {
			missing = append(missing, d.Ticket)
		}
	}
	if len(missing) > 0 {
		const ids = 10
		fmt.Fprintf(&b, "\nNot imported: %s", strings.Join(missing[:min(ids, len(missing))], ", "))
		if len(missing) > ids {
			fmt.Fprintf(&b, " and %d more", len(missing)-ids)
		}
		b.WriteString(" (run imports them)\n")
	}
	var deleted []string
	for _, d := range r.Differences {
		if d.Field == FieldDeletedInWHMCS {
			deleted = append(deleted, fmt.Sprintf("%s (WHMCS %d, %s)", d.Ticket, d.WHMCSID, d.Actual))
		}
	}
	if len(deleted) > 0 {
		const ids = 10
		fmt.Fprintf(&b, "\nDeleted in WHMCS: %s", strings.Join(deleted[:min(ids, len(deleted))], ", "))
		if len(deleted) > ids {
			fmt.Fprintf(&b, " and %d more", len(deleted)-ids)
		}
		b.WriteString(" (runs skip them; run --only ID --reimport creates one again)\n")
	}
	if n := len(r.OpenConflicts); n > 0 {
		fmt.Fprintf(&b, "\nOpen conflicts (%d; WHMCS's value kept over the source's):\n", n)
		for i, c := range r.OpenConflicts {
			if i == 10 {
				fmt.Fprintf(&b, "  ... and %d more (status --log-format json lists them all)\n", n-i)
				break
			}
			fmt.Fprintf(&b, "  %s (WHMCS %d) %s: WHMCS %q, source %q (%s)\n", c.Ticket, c.WHMCSID, c.Field, c.WHMCS, c.Source, c.Reason)
		}
	}
	last := ""
	shown, more := 0, 0
	moreTickets := map[string]bool{}
	for _, d := range r.Differences {
		if d.Field == FieldNotImported || d.Field == FieldDeletedInWHMCS {
			continue
		}
		if shown == TextDifferences {
			more++
			moreTickets[d.Ticket] = true
			continue
		}
		if shown == 0 {
			b.WriteByte('\n')
		}
		shown++
		if head := d.Ticket + "\x00" + fmt.Sprint(d.WHMCSID); head != last {
			last = head
			if d.WHMCSID != 0 {
				fmt.Fprintf(&b, "ticket %s (WHMCS %d):\n", d.Ticket, d.WHMCSID)
			} else {
				fmt.Fprintf(&b, "ticket %s:\n", d.Ticket)
			}
		}
		field := d.Field
		if d.Entry != "" {
			field += " [" + d.Entry + "]"
		}
		fmt.Fprintf(&b, "  %s: expected %s; WHMCS has %s\n", field, clip(d.Expected), clip(d.Actual))
	}
	if more > 0 {
		fmt.Fprintf(&b, "\n... and %s more on %s: the JSON and HTML reports list them all.\n",
			Plural(more, "difference", "differences"), Plural(len(moreTickets), "ticket", "tickets"))
	}
	if r.OK() && !r.Interrupted {
		b.WriteString("Everything matches.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Plural renders a count with its noun: "1 ticket", "2 tickets".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func clip(s string) string {
	s = strings.ReplaceAll(s, "\n", "⏎")
	if utf8.RuneCountInString(s) <= termWidth {
		return s
	}
	return string([]rune(s)[:termWidth]) + "…"
}

// WriteHTML writes the report as a self-contained page (inline style, no
// external asset), in the look of the validation report: the counts, then
// every difference in a table.
func (r *Verify) WriteHTML(w io.Writer) error {
	data := struct {
		*Verify
		GeneratedAt time.Time
		Zone        string
	}{r, time.Now(), "UTC"}
	if r.Location != nil {
		data.Zone = r.Location.String()
	}
	if err := verifyTemplate.Execute(w, data); err != nil {
		return fmt.Errorf("render HTML verify report: %w", err)
	}
	return nil
}

var verifyTemplate = template.Must(template.New("verify").Funcs(template.FuncMap{"ticketURL": TicketURL, "plural": Plural}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>whmcs-migrate verification report</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.v { white-space: pre-wrap; max-width: 40em; word-break: break-word; }
.ok { color: #1b6e20; font-weight: bold; } .bad { color: #b00020; font-weight: bold; }
.muted { color: #666; }
header { position: sticky; top: 0; z-index: 2; background: #fff; border-bottom: 1px solid #ccc; padding: .3em 0; }
header h1 { margin: 0 0 .2em; }
#differences thead th { position: sticky; top: var(--head, 4.5em); z-index: 1; }
</style>
</head>
<body>
<header>
<h1>whmcs-migrate verification report</h1>
<label>Search <input id="q" type="search" placeholder="ticket, #number, field, text" size="32"></label>
<span id="shown" class="muted">{{len .Differences}} differences</span>
</header>
<p class="muted">Generated {{.GeneratedAt.Format "2006-01-02 15:04:05 MST"}}; WHMCS read with read calls only; dates in {{.Zone}}.</p>
{{if .Interrupted}}<p class="bad">Interrupted: this is what was checked before the pass stopped.</p>{{end}}
{{if .OK}}<p class="ok">{{if eq .Checked 1}}The ticket checked matches{{else}}All {{.Checked}} tickets checked match{{end}} their source.</p>{{else}}<p class="bad">{{.Differing}} of {{plural .Checked "ticket" "tickets"}} checked differ{{if .Missing}}; {{plural .Missing "source ticket is" "source tickets are"}} not imported{{end}}.</p>{{end}}

<h2>Summary</h2>
<table id="summary">
<tr><th>Checked</th><td class="n">{{.Checked}}</td></tr>
<tr><th>Matching</th><td class="n">{{.Matching}}</td></tr>
<tr><th>Differing</th><td class="n">{{.Differing}}</td></tr>
<tr><th>Not imported</th><td class="n">{{.Missing}}</td></tr>
<tr><th>Deleted in WHMCS</th><td class="n">{{.Deleted}}</td></tr>
<tr><th>Open conflicts</th><td class="n">{{len .OpenConflicts}}</td></tr>
<tr><th>Differences</th><td class="n">{{len .Differences}}</td></tr>
</table>

<h2>Differences</h2>
{{if .Differences}}
<table id="differences">
<thead><tr><th>Ticket</th><th>WHMCS ticket</th><th>Field</th><th>Entry</th><th>Expected (source)</th><th>Actual (WHMCS)</th></tr></thead>
<tbody>
{{range .Differences}}<tr data-field="{{.Field}}"><td>{{.Ticket}}</td><td>{{if .WHMCSID}}{{with ticketURL $.AdminURL .WHMCSID}}<a href="{{.}}">{{end}}{{if .TID}}#{{.TID}}{{else}}id {{.WHMCSID}}{{end}}{{if $.AdminURL}}</a>{{end}}{{end}}</td><td>{{.Field}}</td><td>{{.Entry}}</td><td class="v">{{.Expected}}</td><td class="v">{{.Actual}}</td></tr>
{{end}}</tbody></table>
{{else}}<p>No differences.</p>{{end}}
<script>
(function () {
  var q = document.getElementById("q"), shown = document.getElementById("shown");
  var rows = document.querySelectorAll("#differences tbody tr");
  document.documentElement.style.setProperty("--head", document.querySelector("header").offsetHeight + "px");
  function apply() {
    var n = 0, text = q.value.trim().toLowerCase();
    for (var i = 0; i < rows.length; i++) {
      var ok = !text || rows[i].textContent.toLowerCase().indexOf(text) >= 0;
      rows[i].hidden = !ok;
      if (ok) n++;
    }
    shown.textContent = n + " of " + rows.length + " differences shown";
  }
  q.addEventListener("input", apply);
  // A link may carry a search: verify.html#q=A3
  if (location.hash.indexOf("#q=") === 0) q.value = decodeURIComponent(location.hash.slice(3));
  apply();
})();
</script>
</body>
</html>
`))
