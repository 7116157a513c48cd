package validate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// Defaults of Config.
var (
	// DefaultAllowedExtensions are WHMCS's default allowed attachment
	// file types (Setup > General Settings > Support).
	DefaultAllowedExtensions = []string{".jpg", ".gif", ".jpeg", ".png", ".txt", ".pdf"}
)

const (
	// DefaultMaxAttachmentSize is PHP's default upload_max_filesize (2M).
	DefaultMaxAttachmentSize = 2 << 20
	// DefaultAssumedLatency is the time one WHMCS API call is assumed to
	// take, for the duration estimate: a write on a typical WHMCS answers in
	// 150-500 ms.
	DefaultAssumedLatency = 300 * time.Millisecond
)

// CheckpointReader is what validation reads from a checkpoint:
// *checkpoints.Store implements it.
type CheckpointReader interface {
	// Ticket returns the checkpoint's state of a source ticket, nil when
	// it has never seen it.
	Ticket(ctx context.Context, sourceID string) (*checkpoints.Ticket, error)
}

var _ CheckpointReader = (*checkpoints.Store)(nil)

// Config configures Tickets.
type Config struct {
	Source sources.Source
	// Planner plans every ticket as run would: built from the same config
	// (and, online, with what Target read of WHMCS applied to its options,
	// and a Now fixed at Clock).
	Planner *mapping.Planner
	// Target is what WHMCS holds that the mapping is checked against (see
	// ReadTarget); nil = offline: WHMCS's defaults only.
	Target *Target
	// Clock is the time the planner judges future dates against, for the
	// report.
	Clock time.Time
	// Links checks that a ticket's linked service or domain is its
	// client's in WHMCS (see NewLinkChecker); nil = not checked (offline).
	Links LinkChecker
	// LooksUpClients says the planner looks requesters up (clients:
	// match_email): the plan counts the GetClients calls its resolver
	// says the distinct emails cost (mapping.Planner.ClientLookupCalls).
	LooksUpClients bool
	// Store is the checkpoint, to plan already imported tickets as run
	// would (only their new entries); nil = every ticket is new.
	Store CheckpointReader
	// Adopter, online, looks for the tickets the checkpoint does not know
	// in WHMCS, as run does before opening them (importer.Adopter; build
	// it with importer.NewPreviewAdopter): those found would be adopted,
	// not imported again. nil = not looked for (offline).
	Adopter *importer.Adopter
	// Rate (calls/s, 0 = unlimited) and Concurrency (workers, default
	// importer.DefaultConcurrency) are run's, for the duration estimate.
	Rate        float64
	Concurrency int
	// Auto says run paces with rate: auto (Concurrency is then its
	// bound, Rate its max_rate): the estimate adds auto's slow start
	// (EstimateAutoSeconds).
	Auto bool
	// AssumedLatency is one call's duration for the estimate
	// (default DefaultAssumedLatency). LatencyMeasured says it is the
	// mean of the calls this validation made to WHMCS, not the default.
	AssumedLatency  time.Duration
	LatencyMeasured bool
	// AllowedExtensions is the attachment allow-list, ".pdf" or "pdf",
	// case-insensitive; nil = DefaultAllowedExtensions.
	AllowedExtensions []string
	// MaxAttachmentSize is the largest encoded attachment request, in
	// bytes (0 = DefaultMaxAttachmentSize; negative = no limit).
	MaxAttachmentSize int64
	// Workers plans tickets in parallel (default max(GOMAXPROCS,
	// Concurrency)); client lookups overlap with them.
	Workers int
	Logger  *slog.Logger
}

// ticketResult is what validation keeps of one ticket: its problems and
// its share of the plan, not the ticket.
type ticketResult struct {
	id           string
	problems     []report.Problem
	invalid      bool
	skipped      bool                      // already imported, unchanged
	adopt        bool                      // already in WHMCS: run would adopt it
	calls        [mapping.StepEdit + 1]int // by StepKind
	entries      int
	attachments  int
	attBytes     int64
	attReqBytes  int64
	lookupEmail  string // requester email run would look up, "" = none
	hasWarnings  bool
	nonEmptyPlan bool
}

// validator is the state of one Tickets call.
type validator struct {
	o       Config
	allowed map[string]bool
	maxSize int64
}

// Tickets reads the whole source through o.Planner, the planner run uses, and
// reports every problem, per ticket and entry, with the plan run would
// execute for the valid tickets. It never writes: its only calls to WHMCS
// are the planner's client lookups (give it a client over whmcs.ReadOnly).
//
// Data problems are in the report, never errors. The error is for what
// stops the validation: the source failing, WHMCS not answering a read,
// the checkpoint unreadable, ctx cancelled.
func Tickets(ctx context.Context, o Config) (*report.Validation, error) {
	if o.Source == nil || o.Planner == nil {
		return nil, errors.New("validate: Source and Planner are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = importer.DefaultConcurrency
	}
	if o.AssumedLatency <= 0 {
		o.AssumedLatency = DefaultAssumedLatency
	}
	if o.Workers <= 0 {
		o.Workers = max(runtime.GOMAXPROCS(0), o.Concurrency)
	}
	v := &validator{o: o, maxSize: o.MaxAttachmentSize}
	if v.maxSize == 0 {
		v.maxSize = DefaultMaxAttachmentSize
	}
	exts := o.AllowedExtensions
	if exts == nil {
		exts = DefaultAllowedExtensions
	}
	v.allowed = make(map[string]bool, len(exts))
	for _, e := range exts {
		e = strings.ToLower(strings.TrimSpace(e))
		if e != "" && !strings.HasPrefix(e, ".") {
			e = "." + e
		}
		v.allowed[e] = true
	}

	results, err := v.run(ctx)
	if err != nil {
		return nil, err
	}
	var left []sources.Omission
	if om, ok := o.Source.(sources.Omitter); ok {
		if left, err = om.Omitted(ctx); err != nil {
			return nil, fmt.Errorf("validate: count the rows the source leaves out: %w", err)
		}
	}
	rep := v.report(results, left)
	rep.GeneratedAt = time.Now().UTC()
	rep.Offline = o.Target == nil
	rep.Clock = o.Clock
	return rep, nil
}

// run streams the source to the workers; results keep the source order.
func (v *validator) run(ctx context.Context) ([]*ticketResult, error) {
	type job struct {
		t *sources.Ticket
		r *ticketResult
	}
	var results []*ticketResult // appended by the producer only
	err := importer.Pool(ctx, v.o.Workers, func(ctx context.Context, emit func(job) error) error {
		last := time.Now()
		for t, err := range v.o.Source.Tickets(ctx, sources.ReadOptions{}) {
			if err != nil {
				return fmt.Errorf("validate: read source: %w", err)
			}
			r := &ticketResult{id: t.ID}
			results = append(results, r)
			if err := emit(job{t, r}); err != nil {
				return err
			}
			if time.Since(last) > 10*time.Second {
				last = time.Now()
				v.o.Logger.Info("validating", "tickets", len(results))
			}
		}
		return nil
	}, func(ctx context.Context, j job) error {
		return v.ticket(ctx, j.t, j.r)
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// ticket plans one ticket as run would and fills r.
func (v *validator) ticket(ctx context.Context, t *sources.Ticket, r *ticketResult) error {
	var prior *mapping.Prior
	imported := false
	if v.o.Store != nil && !t.ThreadSkipped {
		ct, err := v.o.Store.Ticket(ctx, t.ID)
		if err != nil {
			return fmt.Errorf("validate: %w", err)
		}
		if ct != nil && ct.WHMCSID != 0 {
			prior = &mapping.Prior{TicketID: ct.WHMCSID, Status: ct.Status, Priority: ct.Priority, DeptID: ct.DeptID,
				Entries: make(map[string]string, len(ct.Entries)), Fields: ct.Fields}
			for k, e := range ct.Entries {
				prior.Entries[k] = e.Hash
				if e.Kind == "open" {
					prior.Opening = k
				}
			}
			imported = ct.State == checkpoints.StateImported
		}
	}
	p, err := v.o.Planner.Plan(ctx, t, prior)
	if err != nil {
		return fmt.Errorf("validate: %w", err)
	}
	// The mapping's departments, statuses and staff are checked against
	// WHMCS by the planner (Target.Apply), as run checks them.
	probs := p.Problems
	if len(p.Steps) > 0 && p.Steps[0].Open != nil && v.o.Links != nil {
		o := p.Steps[0].Open
		var has bool
		var what string
		var err error
		switch {
		case o.ServiceID != 0:
			what = fmt.Sprintf("service %d (S%d)", o.ServiceID, o.ServiceID)
			has, err = v.o.Links.HasService(ctx, o.ClientID, o.ServiceID)
		case o.DomainID != 0:
			what = fmt.Sprintf("domain %d (D%d)", o.DomainID, o.DomainID)
			has, err = v.o.Links.HasDomain(ctx, o.ClientID, o.DomainID)
		default:
			has = true
		}
		if err != nil {
			return err
		}
		if !has {
			probs = append(probs, sources.Problem{Severity: sources.Error, Code: sources.CodeUnknownService, Ticket: t.ID, Origin: t.Origin,
				Field: "service", Message: fmt.Sprintf("the ticket is linked to %s, which WHMCS client %d does not have", what, o.ClientID)})
		}
	}
	for i := range p.Steps {
		st := &p.Steps[i]
		r.calls[st.Kind]++
		if st.Entry == nil {
			continue
		}
		r.entries++
		for _, a := range st.Entry.Attachments {
			probs = v.attachment(probs, t, st, a, r)
		}
	}
	probs = append(probs, p.Drift...)
	if prior == nil && v.o.Adopter != nil && !sources.HasErrors(probs) {
		tk, err := v.o.Adopter.Find(ctx, t.ID, p)
		var amb *importer.AmbiguousError
		switch {
		case errors.As(err, &amb):
			probs = append(probs, sources.Problem{Severity: sources.Error, Code: sources.CodeAdoptAmbiguous, Ticket: t.ID, Origin: t.Origin,
				Message: amb.Error() + "; run fails the ticket"})
		case err != nil:
			return fmt.Errorf("validate: look for ticket %s in WHMCS: %w", t.ID, err)
		case tk != nil:
			r.adopt = true
		}
	}
	if imported && len(p.Steps) == 0 && !sources.HasErrors(probs) {
		r.skipped = true
		probs = append(probs, sources.Problem{Severity: sources.Warning, Code: sources.CodeAlreadyImported, Ticket: t.ID, Origin: t.Origin,
			Message: fmt.Sprintf("already imported as WHMCS ticket %d and unchanged: run will skip it", prior.TicketID)})
	}
	r.invalid = sources.HasErrors(probs)
	r.problems = make([]report.Problem, len(probs))
	for i, p := range probs {
		r.problems[i] = report.Problem{Ticket: p.Ticket, Entry: p.Entry, Severity: string(p.Severity),
			Code: string(p.Code), Message: p.Message, Origin: p.Origin, Field: p.Field}
		if p.Severity == sources.Warning {
			r.hasWarnings = true
		}
	}
	r.nonEmptyPlan = len(p.Steps) > 0
	if v.o.LooksUpClients && t.ClientID == 0 && prior == nil {
		r.lookupEmail = strings.ToLower(strings.TrimSpace(t.Requester.Email))
	}
	return nil
}

// attachment counts one attachment of a step and checks its extension and
// size.
func (v *validator) attachment(probs []sources.Problem, t *sources.Ticket, st *mapping.Step, a sources.Attachment, r *ticketResult) []sources.Problem {
	add := func(code sources.Code, format string, args ...any) {
		probs = append(probs, sources.Problem{Severity: sources.Warning, Code: code, Ticket: t.ID, Entry: st.EntryKey,
			Origin: st.Entry.Origin, Field: "attachments", Message: fmt.Sprintf(format, args...)})
	}
	ext := strings.ToLower(filepath.Ext(a.Name))
	if !v.allowed[ext] {
		add(sources.CodeAttachmentExtension, "attachment %q: extension %q is not among the allowed %s; WHMCS may refuse it",
			a.Name, ext, strings.Join(sortedSet(v.allowed), " "))
	}
	size := a.Size
	if size < 0 && a.Open != nil {
		size = measure(a)
	}
	r.attachments++
	if size < 0 {
		return probs
	}
	req := AttachmentRequestSize(a.Name, size)
	r.attBytes += size
	r.attReqBytes += req
	if v.maxSize > 0 && req > v.maxSize {
		add(sources.CodeAttachmentTooLarge, "attachment %q: %s on disk is about %s in the request (base64 in JSON in base64, form-encoded), over the %s limit",
			a.Name, report.FormatSize(size), report.FormatSize(req), report.FormatSize(v.maxSize))
	}
	return probs
}

// measure reads an attachment to learn its size; -1 when it cannot be read
// (the source reports missing files itself).
func measure(a sources.Attachment) int64 {
	rc, err := a.Open()
	if err != nil {
		return -1
	}
	defer rc.Close()
	n, err := io.Copy(io.Discard, rc)
	if err != nil {
		return -1
	}
	return n
}

// AttachmentRequestSize is the bytes one attachment of size bytes adds to
// a WHMCS request's attachments parameter, exactly: its bytes
// base64-encoded inside a JSON item, the JSON base64-encoded again
// (whmcs.EncodeAttachments), then form-encoded; about 16/9 of size. It is
// whmcs.AttachmentsSize, the one home of that computation.
func AttachmentRequestSize(name string, size int64) int64 {
	return whmcs.AttachmentsSize([]whmcs.FileInfo{{Name: name, Size: min(size, 1<<50)}})
}

// report aggregates the results in source order, after the rows the
// source left out (info, one problem per kind, its CodeCount counting the
// rows).
func (v *validator) report(results []*ticketResult, left []sources.Omission) *report.Validation {
	total := len(left)
	for _, r := range results {
		total += len(r.problems)
	}
	rep := &report.Validation{Problems: make([]report.Problem, 0, total)}
	rep.Plan.Calls = map[string]int{}
	type ck struct{ code, sev string }
	counts := map[ck]*report.CodeCount{}
	for _, o := range left {
		p := o.Problem
		rep.Problems = append(rep.Problems, report.Problem{Ticket: p.Ticket, Entry: p.Entry, Severity: string(sources.Info),
			Code: string(p.Code), Message: p.Message, Origin: p.Origin, Field: p.Field})
		rep.Summary.Infos++
		rep.Summary.LeftOut += o.Count
		k := ck{string(p.Code), string(sources.Info)}
		if counts[k] == nil {
			counts[k] = &report.CodeCount{Code: string(p.Code), Severity: string(sources.Info)}
		}
		counts[k].Count += o.Count
	}
	emails := map[string]bool{}
	for _, r := range results {
		rep.Tickets.Total++
		if r.hasWarnings {
			rep.Tickets.WithWarnings++
		}
		touched := map[ck]bool{}
		rep.Problems = append(rep.Problems, r.problems...)
		for _, p := range r.problems {
			switch p.Severity {
			case string(sources.Error):
				rep.Summary.Errors++
			case string(sources.Info):
				rep.Summary.Infos++
			default:
				rep.Summary.Warnings++
			}
			k := ck{p.Code, p.Severity}
			c := counts[k]
			if c == nil {
				c = &report.CodeCount{Code: p.Code, Severity: p.Severity}
				counts[k] = c
			}
			c.Count++
			if !touched[k] {
				touched[k] = true
				c.Tickets++
			}
		}
		r.problems = nil // in rep.Problems now
		if r.invalid {
			rep.Tickets.Invalid++
			continue
		}
		rep.Tickets.Valid++
		if r.skipped {
			rep.Tickets.AlreadyImported++
			continue
		}
		if r.adopt {
			rep.Tickets.AlreadyInWHMCS++
		}
		if r.nonEmptyPlan {
			rep.Plan.Tickets++
		}
		rep.Plan.Entries += r.entries
		rep.Plan.Attachments += r.attachments
		rep.Plan.AttachmentBytes += r.attBytes
		rep.Plan.AttachmentRequestBytes += r.attReqBytes
		for k, n := range r.calls {
			if n > 0 {
				rep.Plan.Calls[mapping.StepKind(k).String()] += n
				rep.Plan.TotalCalls += n
			}
		}
		if r.lookupEmail != "" {
			emails[r.lookupEmail] = true
		}
	}
	if n := v.o.Planner.ClientLookupCalls(len(emails)); n > 0 {
		rep.Plan.Calls[whmcs.ActionGetClients] = n
		rep.Plan.TotalCalls += n
	}
	for _, c := range counts {
		rep.Summary.ByCode = append(rep.Summary.ByCode, *c)
	}
	sort.Slice(rep.Summary.ByCode, func(i, j int) bool {
		a, b := rep.Summary.ByCode[i], rep.Summary.ByCode[j]
		if a.Severity != b.Severity {
			rank := map[string]int{string(sources.Error): 0, string(sources.Warning): 1, string(sources.Info): 2}
			return rank[a.Severity] < rank[b.Severity]
		}
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Code < b.Code
	})
	if rep.Summary.ByCode == nil {
		rep.Summary.ByCode = []report.CodeCount{}
	}
	rep.Plan.Rate = v.o.Rate
	rep.Plan.Concurrency = v.o.Concurrency
	rep.Plan.AssumedLatencySeconds = v.o.AssumedLatency.Seconds()
	rep.Plan.LatencyMeasured = v.o.LatencyMeasured
	rep.Plan.Auto = v.o.Auto
	if v.o.Auto {
		rep.Plan.EstimatedSeconds = EstimateAutoSeconds(rep.Plan.TotalCalls, rep.Plan.Tickets, v.o.Rate, v.o.Concurrency, v.o.AssumedLatency)
	} else {
		rep.Plan.EstimatedSeconds = EstimateSeconds(rep.Plan.TotalCalls, rep.Plan.Tickets, v.o.Rate, v.o.Concurrency, v.o.AssumedLatency)
	}
	return rep
}

// EstimateSeconds estimates how long calls take: each worker makes one
// call at a time, each taking latency, and one ticket's calls are
// sequential, so the throughput is min(concurrency, tickets)/latency calls
// per second, capped by rate when rate > 0. Retries, throttling and
// attachment uploads are not counted.
func EstimateSeconds(calls, tickets int, rate float64, concurrency int, latency time.Duration) float64 {
	if calls == 0 {
		return 0
	}
	workers := max(min(concurrency, tickets), 1)
	perSec := float64(workers) / latency.Seconds()
	if rate > 0 && rate < perSec {
		perSec = rate
	}
	return float64(calls) / perSec
}

// EstimateAutoSeconds estimates how long calls take under rate: auto
// bounded by concurrency (rate, when > 0, is max_rate): EstimateSeconds,
// assuming WHMCS serves that many calls at once as fast as unloaded (auto
// lowers the bound when it does not, and the run takes longer), plus what
// auto's slow start costs: the limit starts at 1 and grows each round
// trip, doubling up to 8 and by half beyond (policy.Adapt), so each round
// trip below the bound loses the share of it left unused.
func EstimateAutoSeconds(calls, tickets int, rate float64, concurrency int, latency time.Duration) float64 {
	if calls == 0 {
		return 0
	}
	est := EstimateSeconds(calls, tickets, rate, concurrency, latency)
	bound := float64(max(min(concurrency, tickets), 1))
	if rate > 0 {
		bound = min(bound, max(rate*latency.Seconds(), 1))
	}
	for l := 1.0; l < bound; {
		est += (1 - l/bound) * latency.Seconds()
		if l < 8 {
			l *= 2
		} else {
			l *= 1.5
		}
	}
	return est
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
