package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer/validate"
	"github.com/whmcs-migrate/whmcs-migrate/internal/redact"
	"github.com/whmcs-migrate/whmcs-migrate/internal/scratch"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/all"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/policy"
)

// app is what a subcommand works with once its config is loaded: the one
// place where config and flags become option structs and where the
// client's policy layers are composed.
type app struct {
	g   *globals
	cfg *Config
	log *slog.Logger
	// checkpointFrom says where cfg.Checkpoint came from (--checkpoint,
	// $WHMCS_MIGRATE_CHECKPOINT, the config), for messages.
	checkpointFrom string
}

// configFlag adds --config to cmd. loadApp refuses an empty one.
func configFlag(cmd *cobra.Command, path *string) {
	cmd.Flags().StringVarP(path, "config", "c", "", "config `FILE` (YAML; required)")
}

// loadApp loads the config at path and applies the command's overrides
// of target: (none for commands that do not talk to WHMCS), once.
func loadApp(g *globals, path string, target ...targetFlags) (*app, error) {
	if path == "" {
		return nil, usageError{errors.New(`required flag "config" not set: --config FILE`)}
	}
	cfg, err := LoadConfig(path, all.Registry())
	if err != nil {
		return nil, err
	}
	for _, t := range target {
		if err := t.apply(cfg); err != nil {
			return nil, err
		}
	}
	from, err := applyCheckpointPath(g, cfg)
	if err != nil {
		return nil, err
	}
	return &app{g: g, cfg: cfg, log: g.logger(), checkpointFrom: from}, nil
}

// redact removes the source's secrets (DSN passwords) from text.
func (a *app) redact(text string) string {
	if r := a.cfg.Source.Factory.Redact; r != nil {
		return r(a.cfg.Source.Options, text)
	}
	return text
}

// redactErr is err with the source's secrets removed from its text. The
// chain stays whole for errors.Is and errors.As: exit codes come from it.
func (a *app) redactErr(err error) error { return redact.Error(err, a.redact) }

// openSource opens the configured source.
func (a *app) openSource(ctx context.Context) (sources.Source, error) {
	loc := a.cfg.Source.Location
	if a.cfg.Source.Timezone == "" {
		loc = nil // unset: UTC, except for a source that needs the zone given
	}
	tmp, err := a.tempDir()
	if err != nil {
		return nil, err
	}
	src, err := a.cfg.Source.Factory.Open(ctx, a.cfg.Source.Options, sources.Env{
		Dir: a.cfg.Dir, Location: loc, Logger: a.log, Fields: slices.Sorted(maps.Keys(a.cfg.Mapping.CustomFields)),
		TempDir: tmp,
	})
	if err != nil {
		err = a.redactErr(fmt.Errorf("open %s source: %w", a.cfg.Source.Type, err))
		if errors.Is(err, sources.ErrConfig) {
			return nil, &ConfigError{fmt.Errorf("%s: source: %w", a.cfg.File, err)}
		}
		return nil, err
	}
	return src, nil
}

// tempDir is the command's scratch directory, for every temporary copy of
// customer data (a source's decoded copy, its index on disk): made on first
// use in $TMPDIR (os.TempDir()) as whmcs-migrate-<pid>-<random>, after
// removing what killed commands left there, and removed when the command
// ends (execute). See internal/scratch.
func (a *app) tempDir() (string, error) {
	if a.g.scratch == nil {
		d, err := scratch.New(scratch.Options{Parent: os.TempDir(), Logger: a.log})
		if err != nil {
			return "", err
		}
		a.g.scratch = d
	}
	return a.g.scratch.Path(), nil
}

// client builds the WHMCS client from the config's target: HTTP, then
// (readOnly: validate, verify) the read-only layer, then the policy layers
// (policy.Stack, whose order the tests share): counting innermost, then
// (rate: auto) the adaptive concurrency limiter, then the shared rate
// limiter (with auto: max_rate), then retries (each retry waits for the limiter
// again). Layers are found later by unwrapping (whmcs.Find): the HTTP layer
// for the server's clock, the counter for the stats.
func (a *app) client(readOnly bool) (*whmcs.Client, error) {
	if err := a.cfg.CheckTarget(); err != nil {
		return nil, err
	}
	t := a.cfg.Target
	h, err := whmcs.NewHTTP(whmcs.Options{
		URL: t.URL, Identifier: t.Identifier, Secret: t.Secret, Username: t.Username, Password: t.Password,
		AccessKey: t.AccessKey, Location: t.Location, Timeout: time.Duration(t.Timeout), MaxConns: t.Concurrency,
		CAFile: a.cfg.Path(t.CAFile), InsecureSkipVerify: t.Insecure, UserAgent: "whmcs-migrate", Logger: a.log,
	})
	if err != nil {
		return nil, &ConfigError{fmt.Errorf("%s: target: %w", a.cfg.File, err)}
	}
	var c whmcs.Caller = h
	if readOnly {
		c = whmcs.ReadOnly(c)
	}
	// rate: auto: as many calls at once as WHMCS serves without queueing
	// them, up to the workers; max_rate, when set, above it.
	c = policy.Stack(c, policy.StackOptions{Auto: t.Rate.Auto, Max: t.Concurrency, Rate: t.Rate.PerSecond,
		MaxRate: t.MaxRate, Burst: t.Burst, Logger: a.log})
	return whmcs.NewClient(c, t.Location), nil
}

// planner builds the mapping planner every command shares, so that what
// validate checks, run sends and verify expects are the same plan. client
// (nil offline) looks requesters up when the config says clients:
// match_email, and tells the WHMCS server's clock for dates in the future.
// tune, when given, adjusts the options before the planner is built
// (validate adds what it read of the target).
func (a *app) planner(client *whmcs.Client, lk lookups, applyDept bool, tune ...func(*mapping.Options)) (*mapping.Planner, error) {
	o := mapping.Options{Config: a.cfg.Mapping, ApplyDepartmentChanges: applyDept, ApplyEdits: a.cfg.Sync.ApplyEdits,
		TargetLocation: a.cfg.Target.Location, Now: serverNow(client),
		Clients: lk.clients, Contacts: lk.contacts, Admins: lk.admins,
		MaxRequestSize: a.cfg.Target.MaxRequestBytes, RequestOverhead: requestOverhead(client)}
	for _, f := range tune {
		f(&o)
	}
	p, err := mapping.NewPlanner(o)
	if err != nil {
		return nil, &ConfigError{fmt.Errorf("%s: %w", a.cfg.File, err)}
	}
	return p, nil
}

// requestOverhead is the bytes the credentials add to each request of
// client (0 offline: the planner's estimate).
func requestOverhead(client *whmcs.Client) int64 {
	if client == nil {
		return 0
	}
	if h, ok := whmcs.Find[*whmcs.HTTP](client.Caller()); ok {
		return h.CredentialsSize()
	}
	return 0
}

// lookups are the WHMCS look-ups a command's planner makes: requesters
// and contacts (match_email), assignees' admin ids (mapping.staff), and
// the target the mapping is checked against (departments, statuses,
// admin users). They are built once, before the preflight, so that its
// permission check of their actions is their own first read, whose
// answer they keep: see reads.
type lookups struct {
	clients  mapping.ClientResolver
	contacts mapping.ContactResolver
	admins   mapping.AdminResolver
	// target reads what WHMCS holds for the mapping check, each list once;
	// admins answers from its admin list.
	target *validate.TargetReader
}

// lookups builds the look-ups the config needs; none offline (nil client).
func (a *app) lookups(client *whmcs.Client) lookups {
	var lk lookups
	if client == nil {
		return lk
	}
	lk.target = validate.NewTargetReader(client)
	if a.cfg.Mapping.Clients == mapping.ClientsMatchEmail {
		lk.clients = mapping.NewClientResolver(client)
		// Behind an interface of its own, so that a batched lookup can
		// replace it.
		lk.contacts = mapping.NewContactResolver(client)
	}
	if len(a.cfg.Mapping.Staff) > 0 {
		// Assignees map through mapping.staff to an admin id, found in the
		// admin list the mapping check reads.
		lk.admins = lk.target.Admins()
	}
	return lk
}

// reads are the look-ups' first reads by action, for
// whmcs.PreflightOptions.Reads.
func (lk lookups) reads() map[string]func(context.Context) error {
	m := map[string]func(context.Context) error{}
	if lk.target != nil {
		maps.Copy(m, lk.target.Reads())
	}
	for action, r := range map[string]any{whmcs.ActionGetClients: lk.clients, whmcs.ActionGetContacts: lk.contacts} {
		if p, ok := r.(mapping.Preloader); ok {
			m[action] = p.Preload
		}
	}
	return m
}

// statsOf is the call counts of client's policy layers (nil offline).
func statsOf(client *whmcs.Client) *policy.Stats {
	if client == nil {
		return nil
	}
	return policy.StatsOf(client.Caller())
}

// Clock sources, as the validation report names them.
const (
	clockWHMCS = "whmcs" // the WHMCS server's, from its answers' Date header
	clockLocal = "local" // this machine's: offline, or no answer had a Date yet
)

// serverNow returns the WHMCS server's clock as client's answers tell it:
// the local clock plus the offset the latest answer's Date header showed
// (whmcs.HTTP.ServerClockOffset, found by unwrapping client's layers), or
// the local clock while no answer has told it, and offline (nil).
func serverNow(client *whmcs.Client) func() time.Time {
	return func() time.Time {
		now := time.Now()
		if d, ok := serverClock(client); ok {
			return now.Add(d)
		}
		return now
	}
}

// serverClock is the server clock's offset client's answers showed.
func serverClock(client *whmcs.Client) (time.Duration, bool) {
	if client == nil {
		return 0, false
	}
	h, ok := whmcs.Find[*whmcs.HTTP](client.Caller())
	if !ok {
		return 0, false
	}
	return h.ServerClockOffset()
}

// clockSource says which clock serverNow(client) reads: clockWHMCS or
// clockLocal.
func clockSource(client *whmcs.Client) string {
	if _, ok := serverClock(client); ok {
		return clockWHMCS
	}
	return clockLocal
}

// logServerClock says whose clock dates are judged against, once the
// preflight's answers told it.
func (a *app) logServerClock(client *whmcs.Client) {
	if d, ok := serverClock(client); ok && d != 0 {
		a.log.Info("the WHMCS server's clock differs from this machine's; dates are judged against WHMCS's", "offset", d.Round(time.Second).String())
	} else if !ok {
		a.log.Warn("WHMCS's answers had no Date header; dates in the future are judged against this machine's clock")
	}
}

// Actions the commands send, for the preflight's permission check.
var (
	// writeActions are run's.
	writeActions = []string{whmcs.ActionOpenTicket, whmcs.ActionAddTicketReply, whmcs.ActionAddTicketNote, whmcs.ActionUpdateTicket}
	// reconcileActions are the reads run needs to settle a write whose
	// answer was lost, and to read the canary back.
	reconcileActions = []string{whmcs.ActionGetTicket, whmcs.ActionGetTickets}
)

// runActions are the actions a run may send with this config.
func (a *app) runActions() []string {
	acts := append(slices.Clone(writeActions), reconcileActions...)
	if a.cfg.Mapping.Clients == mapping.ClientsMatchEmail {
		acts = append(acts, whmcs.ActionGetClients, whmcs.ActionGetContacts)
	}
	// What the mapping is checked against, before the first write (the
	// admin list also gives the assignees' admin ids).
	acts = append(acts, whmcs.ActionGetSupportDepartments, whmcs.ActionGetSupportStatuses, whmcs.ActionGetAdminUsers)
	if a.cfg.Sync.ApplyEdits {
		acts = append(acts, whmcs.ActionUpdateTicketReply)
	}
	return acts
}

// preflight checks, before the command's first write (and before
// validate's and verify's reads), that WHMCS answers, as WHMCS, to these
// credentials, in a version that keeps dates, with a role that allows
// actions: see whmcs.Preflight. The version it read is kept in store
// (when given) for status. Its first answer also tells the WHMCS server's
// clock. tune adjusts its options (checkpointTarget.option: which WHMCS
// the checkpoint belongs to).
func (a *app) preflight(ctx context.Context, client *whmcs.Client, actions []string, allowUndated bool, store *checkpoints.Store, lk lookups, tune ...func(*whmcs.PreflightOptions)) (*whmcs.PreflightResult, error) {
	o := whmcs.PreflightOptions{Actions: actions, AllowUndated: allowUndated, Reads: lk.reads()}
	for _, f := range tune {
		f(&o)
	}
	res, err := whmcs.Preflight(ctx, client, o)
	if err != nil {
		return res, fmt.Errorf("preflight: %w", err)
	}
	a.logServerClock(client)
	version := res.Version
	if version == "" {
		version = "unknown (the API role denies GetWHMCSDetails)"
	}
	a.log.Info("WHMCS preflight passed", "version", version, "actions_checked", len(res.Checked),
		"calls", res.Calls, "took", res.Elapsed.Round(time.Millisecond).String())
	if len(res.Skipped) > 0 {
		a.log.Info("write permissions are not checked by a read-only command; run checks them before its first write", "not_checked", strings.Join(res.Skipped, ","))
	}
	if store != nil {
		if err := store.SetMeta(ctx, checkpoints.MetaWHMCSVersion, res.Version); err != nil {
			return res, err
		}
	}
	return res, nil
}

// checkZone compares target.timezone with the zone WHMCS shows, without
// writing (whmcs.CheckZone: GetAdminDetails' requesttime against its Date
// header), after the preflight and before anything is written or
// compared. A disagreement is a config error; evidence WHMCS does not give
// (a role that denies GetAdminDetails) is said and passed over. Rollback
// does not check: deleting needs no zone, least of all after an import
// into the wrong one.
func (a *app) checkZone(ctx context.Context, client *whmcs.Client) error {
	zc, err := whmcs.CheckZone(ctx, client)
	switch {
	case errors.Is(err, whmcs.ErrZoneMismatch):
		return &ConfigError{fmt.Errorf("%s: %w", a.cfg.File, err)}
	case err != nil:
		return fmt.Errorf("preflight: %w", err)
	case !zc.Checked:
		a.log.Warn("WHMCS's time zone is not cross-checked; make sure target.timezone is PHP's date.timezone of the WHMCS install",
			"reason", zc.Reason, "timezone", a.cfg.Target.Timezone)
	default:
		a.log.Info("WHMCS's clock agrees with target.timezone", "timezone", a.cfg.Target.Timezone, "requesttime", zc.RequestTime)
	}
	return nil
}

// session is what run, verify and demo work with: the client (with its
// policy layers), the checkpoint (with its run lock, for a command that
// writes), the source and the planner, opened in that order.
type session struct {
	client  *whmcs.Client
	store   *checkpoints.Store
	release func() error // the run lock's, nil when not taken
	src     sources.Source
	planner *mapping.Planner
	lookups lookups // the planner's, for the preflight
}

// openOptions say how a command opens its session.
type openOptions struct {
	// readOnly: the client refuses writes (verify).
	readOnly bool
	// applyDept is --apply-department-changes.
	applyDept bool
	// lock takes the checkpoint's run lock as soon as the checkpoint is
	// open: before the source is read and before the preflight's first
	// call, so that a run that cannot proceed (another run holds the
	// checkpoint) makes no call and names the holder.
	lock bool
	// create makes the checkpoint when it is missing (run, adopt, demo);
	// otherwise a missing one is an error naming it (openCheckpoint).
	create bool
	// checkMapping leaves the planner to checkMapping, after the
	// preflight: it is built with what WHMCS holds (run, demo).
	checkMapping bool
}

// open opens a session. A read-only one (verify) has a client that
// refuses writes and a planner that does not size requests.
func (a *app) open(ctx context.Context, o openOptions) (_ *session, err error) {
	s := &session{}
	defer func() {
		if err != nil {
			a.warnClose("session", s.Close)
		}
	}()
	if s.client, err = a.client(o.readOnly); err != nil {
		return nil, err
	}
	open := a.openCheckpoint
	if o.create {
		open = a.createCheckpoint
	}
	if s.store, err = open(); err != nil {
		return nil, err
	}
	if o.lock {
		if s.release, err = s.store.Lock(ctx); err != nil {
			return nil, err
		}
	}
	if s.src, err = a.openSource(ctx); err != nil {
		return nil, err
	}
	s.lookups = a.lookups(s.client)
	if o.checkMapping {
		return s, nil
	}
	var tune []func(*mapping.Options)
	if o.readOnly {
		// verify compares what WHMCS holds: the request size limit decides
		// only whether to send, so it neither applies nor reads files.
		tune = append(tune, func(o *mapping.Options) { o.MaxRequestSize = -1 })
	}
	if a.cfg.Mapping.HasDepartmentNames() && s.lookups.target != nil {
		// Department names resolve with WHMCS's list, read only then.
		names, err := s.lookups.target.DepartmentNames(ctx)
		if err != nil {
			return nil, fmt.Errorf("resolve the mapping's department names: %w", err)
		}
		tune = append(tune, func(o *mapping.Options) { o.DepartmentNames = names })
	}
	if s.planner, err = a.planner(s.client, s.lookups, o.applyDept, tune...); err != nil {
		return nil, err
	}
	return s, nil
}

// checkMapping builds the session's planner with what WHMCS holds
// (departments, statuses, admin users: validate's checks, read once, by
// the preflight already), after the preflight and before the first
// write. A ticket that needs something WHMCS lacks then fails its plan,
// before any of its calls, with validate's code and text; the names
// WHMCS lacks are listed once, on stderr. When not one department the
// mapping names exists, no ticket could be opened: it returns a
// *ConfigError (exit 2) listing every missing name, and nothing is
// written.
func (a *app) checkMapping(ctx context.Context, s *session, applyDept bool) error {
	t, err := s.lookups.target.Target(ctx)
	if err != nil {
		return fmt.Errorf("check the mapping against WHMCS: %w", err)
	}
	if s.planner, err = a.planner(s.client, s.lookups, applyDept, t.Apply); err != nil {
		return err
	}
	missing, noDept := s.planner.Unknown()
	if noDept {
		return &ConfigError{fmt.Errorf("%s: not one department of the mapping exists in WHMCS, so no ticket could be opened; nothing was written. Fix the mapping (WHMCS: Setup > Support > Support Departments; validate lists every problem). Missing in WHMCS:\n  %s",
			a.cfg.File, strings.Join(missing, "\n  "))}
	}
	if len(missing) > 0 {
		fmt.Fprintf(a.g.stderr, "The mapping names what WHMCS lacks; the tickets that need it fail before any of their calls (validate lists them):\n  %s\n", strings.Join(missing, "\n  "))
		a.log.Warn("the mapping names what WHMCS lacks", "missing", len(missing))
	}
	return nil
}

// Close closes the source, releases the lock and closes the checkpoint.
func (s *session) Close() error {
	var errs []error
	if s.src != nil {
		errs = append(errs, s.src.Close())
	}
	if s.release != nil {
		errs = append(errs, s.release())
	}
	if s.store != nil {
		errs = append(errs, s.store.Close())
	}
	return errors.Join(errs...)
}
