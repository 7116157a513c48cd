package report

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// LastSuccessMetric is the metric that survives failed runs: alert on
// time() minus it.
const LastSuccessMetric = "whmcs_migrate_last_success_timestamp_seconds"

// WriteMetrics writes Prometheus text-format metrics of a run for
// node_exporter's textfile collector, atomically (temp file + rename).
// failed says the run did not finish (a fatal error, an interruption). The
// last success time survives a failed run: it is carried over from the
// previous file.
func WriteMetrics(path string, rep *Import, failed bool, start time.Time) error {
	ok := !failed && rep.Tickets.Failed == 0
	lastSuccess := previousMetric(path, LastSuccessMetric)
	if ok {
		lastSuccess = fmt.Sprint(time.Now().Unix())
	}
	var entries int64
	for _, k := range []string{whmcs.ActionOpenTicket, whmcs.ActionAddTicketReply, whmcs.ActionAddTicketNote} {
		entries += rep.Calls[k]
	}
	var b strings.Builder
	metric := func(name, help, typ string, lines ...string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
		for _, l := range lines {
			fmt.Fprintf(&b, "%s%s\n", name, l)
		}
	}
	if lastSuccess != "" {
		metric(LastSuccessMetric, "Unix time of the last run that finished with no failed ticket.", "gauge", " "+lastSuccess)
	}
	metric("whmcs_migrate_last_run_success", "1 if the last run finished with no failed ticket.", "gauge", fmt.Sprintf(" %d", b2i(ok)))
	metric("whmcs_migrate_last_run_timestamp_seconds", "Unix time the last run ended.", "gauge", fmt.Sprintf(" %d", time.Now().Unix()))
	metric("whmcs_migrate_last_run_tickets", "Tickets of the last run by outcome.", "gauge",
		fmt.Sprintf(`{outcome="imported"} %d`, rep.Tickets.Imported),
		fmt.Sprintf(`{outcome="updated"} %d`, rep.Tickets.Updated),
		fmt.Sprintf(`{outcome="unchanged"} %d`, rep.Tickets.Unchanged),
		fmt.Sprintf(`{outcome="adopted"} %d`, rep.Tickets.Adopted),
		fmt.Sprintf(`{outcome="failed"} %d`, rep.Tickets.Failed),
		fmt.Sprintf(`{outcome="deleted_in_whmcs"} %d`, rep.Tickets.DeletedInWHMCS),
		fmt.Sprintf(`{outcome="skipped_deleted"} %d`, rep.Tickets.Skipped))
	metric("whmcs_migrate_last_run_conflicts", "Cut-over conflicts the last run found (changed in WHMCS and at the source).", "gauge", fmt.Sprintf(" %d", rep.Tickets.Conflicts))
	metric("whmcs_migrate_last_run_deleted_in_whmcs", "Imported tickets the last run found deleted or merged away in WHMCS.", "gauge", fmt.Sprintf(" %d", rep.Tickets.DeletedInWHMCS))
	metric("whmcs_migrate_last_run_entries_synced", "Replies and notes (opening messages included) sent by the last run.", "gauge", fmt.Sprintf(" %d", entries))
	metric("whmcs_migrate_last_run_failures", "Tickets that failed in the last run.", "gauge", fmt.Sprintf(" %d", rep.Tickets.Failed))
	metric("whmcs_migrate_last_run_duration_seconds", "Duration of the last run.", "gauge", fmt.Sprintf(" %.3f", time.Since(start).Seconds()))
	// 0644: node_exporter usually runs as another user, and the metrics
	// hold no customer data.
	return WriteFileAtomic(path, []byte(b.String()), 0o644)
}

func previousMetric(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer func() { _ = f.Close() }() // read only
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
