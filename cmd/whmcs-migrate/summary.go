package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// runSummary is what run's summary adds to the report's own text: what
// WHMCS changed of the text it was sent (learned by the canary and the
// read-backs: the checkpoint's text profile), and where each report was
// written. With --log-format json it is, with the report's counts, the
// run's final event (emit), also when the run failed before its report.
type runSummary struct {
	rep *report.Import
	// fourByte counts the tickets written with characters above U+FFFF
	// (importer.TicketResult.FourByte), named is four_byte_text: name.
	fourByte atomic.Int64
	named    bool
	profile  whmcs.TextProfile
	// reports are the files written, in order: flag and path.
	reports   []reportFile
	remaining string
}

type reportFile struct{ Flag, Path string }

// ticket counts res's four-byte text, for a ticket that was written.
func (s *runSummary) ticket(res importer.TicketResult) {
	if res.FourByte > 0 && res.Outcome != importer.Failed && res.Outcome != importer.Unchanged {
		s.fourByte.Add(1)
	}
}

// learn reads what the checkpoint knows of how WHMCS stores text.
func (s *runSummary) learn(ctx context.Context, store *checkpoints.Store, fourByteText string) {
	s.named = fourByteText == mapping.FourByteName
	if v, err := store.Meta(ctx, checkpoints.MetaTextProfile); err == nil {
		s.profile = whmcs.ParseTextProfile(v)
	}
}

// wrote records a report file written.
func (s *runSummary) wrote(flag, path string) {
	if path != "" {
		s.reports = append(s.reports, reportFile{flag, path})
	}
}

// changed is what WHMCS changed of the text it was sent, in words, one
// line each; none when it changed nothing (or nothing is known).
func (s *runSummary) changed() []string {
	var out []string
	n := int(s.fourByte.Load())
	switch {
	case n == 0:
	case s.named:
		out = append(out, fmt.Sprintf("%s held emoji (characters above U+FFFF), sent as their names (mapping.four_byte_text: name)",
			report.Plural(n, "ticket", "tickets")))
	case s.profile.FoldsFourByte == whmcs.ObservedYes:
		out = append(out, fmt.Sprintf("%s held emoji WHMCS stores as ? (its tables are utf8, not utf8mb4); mapping.four_byte_text: name sends their names instead",
			report.Plural(n, "ticket", "tickets")))
	case s.profile.FoldsFourByte == whmcs.ObservedUnknown:
		out = append(out, fmt.Sprintf("%s held emoji, which a WHMCS with utf8 (not utf8mb4) tables stores as ?; mapping.four_byte_text: name sends their names instead",
			report.Plural(n, "ticket", "tickets")))
	}
	if s.profile.Escapes == whmcs.ObservedYes {
		out = append(out, `WHMCS stores <>&"' as HTML entities (its input sanitiser); verify compares them decoded`)
	}
	return out
}

// writeText writes the summary's own lines, after the report's.
func (s *runSummary) writeText(w io.Writer) {
	for _, c := range s.changed() {
		fmt.Fprintf(w, "  changed    %s\n", c)
	}
	for _, r := range s.reports {
		fmt.Fprintf(w, "  report     %s (%s)\n", r.Path, r.Flag)
	}
}

// outcome is the run's outcome in one word: ok, failed_tickets,
// interrupted or fatal.
func outcome(code int) string {
	switch code {
	case exitOK:
		return "ok"
	case exitIncomplete:
		return "failed_tickets"
	case exitInterrupted:
		return "interrupted"
	case exitUsage:
		return "usage"
	}
	return "fatal"
}

// emit logs the run's final event: its counts, calls, outcome and report
// paths (--log-format json: the summary's only form).
func (s *runSummary) emit(ctx context.Context, log *slog.Logger, err error) {
	code := exitCode(ctx, err)
	attrs := []any{"event", "summary", "outcome", outcome(code), "exit_status", code}
	rep := s.rep
	if rep == nil {
		rep = &report.Import{}
	}
	var calls int64
	for _, n := range rep.Calls {
		calls += n
	}
	attrs = append(attrs, "run_id", rep.RunID, "tickets", rep.Tickets, "calls_total", calls, "calls", orEmpty(rep.Calls),
		"failed_calls", orEmpty(rep.FailedCalls), "retries", rep.Retries, "throttled", rep.Throttled,
		"reconciled", rep.Reconciled, "elapsed_seconds", rep.ElapsedSeconds, "calls_per_second", rep.CallsPerSecond,
		"pacing", rep.Pacing, "text_profile", rep.TextProfile)
	if rep.Stopped != "" {
		attrs = append(attrs, "stopped", rep.Stopped)
	}
	if ch := s.changed(); len(ch) > 0 {
		attrs = append(attrs, "whmcs_changed", ch)
	}
	reports := map[string]string{}
	for _, r := range s.reports {
		reports[strings.TrimPrefix(r.Flag, "--")] = r.Path
	}
	attrs = append(attrs, "reports", reports)
	if s.remaining != "" {
		attrs = append(attrs, "remaining", s.remaining)
	}
	if err != nil {
		attrs = append(attrs, "error", err.Error())
	}
	lvl := slog.LevelInfo
	if code != exitOK {
		lvl = slog.LevelError
	}
	log.Log(ctx, lvl, "run summary", attrs...)
}

func orEmpty(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}
