package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/all"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// app is what a subcommand works with once its config is loaded: the one
// place where config and flags become option structs and where the
// client's policy layers are composed.
type app struct {
	g   *globals
	cfg *Config
	log *slog.Logger
	// server is the HTTP layer of the latest client built, whose answers'
	// Date headers tell the WHMCS server's clock; nil offline.
	server *whmcs.HTTP
}

// configFlag adds --config to cmd. loadApp refuses an empty one.
func configFlag(cmd *cobra.Command, path *string) {
	cmd.Flags().StringVarP(path, "config", "c", "", "config `FILE` (YAML; required)")
}

func loadApp(g *globals, path string) (*app, error) {
	if path == "" {
		return nil, usageError{errors.New(`required flag "config" not set: --config FILE`)}
	}
	cfg, err := LoadConfig(path, all.Registry())
	if err != nil {
		return nil, err
	}
	return &app{g: g, cfg: cfg, log: g.logger()}, nil
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
func (a *app) redactErr(err error) error {
	if err == nil {
		return nil
	}
	if msg := err.Error(); a.redact(msg) != msg {
		return redactedError{msg: a.redact(msg), err: err}
	}
	return err
}

// redactedError is an error whose text had secrets removed.
type redactedError struct {
	msg string
	err error
}

func (r redactedError) Error() string { return r.msg }
func (r redactedError) Unwrap() error { return r.err }

// openSource opens the configured source.
func (a *app) openSource(ctx context.Context) (sources.Source, error) {
	src, err := a.cfg.Source.Factory.Open(ctx, a.cfg.Source.Options, sources.Env{
		Dir: a.cfg.Dir, Location: a.cfg.Source.Location, Logger: a.log,
	})
	if err != nil {
		return nil, a.redactErr(fmt.Errorf("open %s source: %w", a.cfg.Source.Type, err))
	}
	return src, nil
}

// clientOptions are the per-command choices about the WHMCS client.
type clientOptions struct {
	ReadOnly    bool     // dry-run: every write refused before it is sent
	Rate        *float64 // overrides target.rate
	Concurrency int      // sizes the connection pool
	Insecure    bool
}

// client builds the WHMCS client: HTTP, then (for dry-run) the read-only
// layer, then the policy layers (count, rate limit, retry). Stats count
// what went through.
func (a *app) client(o clientOptions) (*whmcs.Client, *importer.Stats, error) {
	if err := a.cfg.CheckTarget(); err != nil {
		return nil, nil, err
	}
	t := a.cfg.Target
	conc := o.Concurrency
	if conc == 0 {
		conc = t.Concurrency
	}
	h, err := whmcs.NewHTTP(whmcs.Options{
		URL: t.URL, Identifier: t.Identifier, Secret: t.Secret, Username: t.Username, Password: t.Password,
		AccessKey: t.AccessKey, Location: t.Location, Timeout: time.Duration(t.Timeout), MaxConns: conc,
		CAFile: a.cfg.Path(t.CAFile), InsecureSkipVerify: o.Insecure, UserAgent: "whmcs-migrate", Logger: a.log,
	})
	if err != nil {
		return nil, nil, &ConfigError{fmt.Errorf("%s: target: %w", a.cfg.File, err)}
	}
	a.server = h
	var c whmcs.Caller = h
	if o.ReadOnly {
		c = whmcs.ReadOnly(c)
	}
	r := *t.Rate
	if o.Rate != nil {
		r = *o.Rate
	}
	st := importer.NewStats()
	c = importer.WithPolicy(c, importer.Policy{Rate: r, Burst: t.Burst, Logger: a.log}, st)
	return whmcs.NewClient(c, t.Location), st, nil
}

// planner builds the mapping planner every command shares, so that what
// validate checks, run sends and verify expects are the same plan. client
// looks requesters up when the config says clients: match_email.
//
// Its clock, for dates in the future, is the WHMCS server's (whmcsNow).
func (a *app) planner(client *whmcs.Client, applyDept bool) (*mapping.Planner, error) {
	o := mapping.Options{Config: a.cfg.Mapping, ApplyDepartmentChanges: applyDept, TargetLocation: a.cfg.Target.Location,
		Now: a.whmcsNow}
	if a.cfg.Mapping.Clients == mapping.ClientsMatchEmail {
		o.Clients = mapping.NewClientResolver(client)
	}
	p, err := mapping.NewPlanner(o)
	if err != nil {
		return nil, &ConfigError{err}
	}
	return p, nil
}

// Clock sources, as the validation report names them.
const (
	clockWHMCS = "whmcs" // the WHMCS server's, from its answers' Date header
	clockLocal = "local" // this machine's: offline, or no answer had a Date yet
)

// whmcsNow is the WHMCS server's clock: the local clock plus the offset
// the latest answer's Date header showed (see whmcs.HTTP.ServerClockOffset),
// or the local clock while no answer has told it.
func (a *app) whmcsNow() time.Time {
	now := time.Now()
	if a.server != nil {
		if d, ok := a.server.ServerClockOffset(); ok {
			return now.Add(d)
		}
	}
	return now
}

// clockSource says which clock whmcsNow is reading: clockWHMCS or clockLocal.
func (a *app) clockSource() string {
	if a.server != nil {
		if _, ok := a.server.ServerClockOffset(); ok {
			return clockWHMCS
		}
	}
	return clockLocal
}

// learnServerClock makes one read call, so that the planner judges dates
// against the WHMCS server's clock from the first ticket on: any answer
// carries a Date header, an error's too, so the call's own error is of no
// interest here (the run meets any real problem at its first write).
func (a *app) learnServerClock(ctx context.Context, client *whmcs.Client) {
	if a.server == nil {
		return
	}
	if _, ok := a.server.ServerClockOffset(); ok {
		return
	}
	client.GetSupportDepartments(ctx) //nolint:errcheck // only its Date header is wanted
	if d, ok := a.server.ServerClockOffset(); ok && d != 0 {
		a.log.Info("the WHMCS server's clock differs from this machine's; dates are judged against WHMCS's", "offset", d.Round(time.Second).String())
	} else if !ok {
		a.log.Warn("WHMCS's answer had no Date header; dates in the future are judged against this machine's clock")
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
		acts = append(acts, whmcs.ActionGetClients)
	}
	return acts
}

// preflight checks, before the command's first write (and before
// validate's and verify's reads), that WHMCS answers, as WHMCS, to these
// credentials, in a version that keeps dates, with a role that allows
// actions: see whmcs.Preflight. The version it read is kept in store
// (when given) for status. Its first answer also tells the WHMCS server's
// clock.
func (a *app) preflight(ctx context.Context, client *whmcs.Client, actions []string, allowUndated bool, store *checkpoints.Store) (*whmcs.PreflightResult, error) {
	res, err := whmcs.Preflight(ctx, client, whmcs.PreflightOptions{Actions: actions, AllowUndated: allowUndated})
	if err != nil {
		return res, fmt.Errorf("preflight: %w", err)
	}
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

// session is what run, verify and demo work with: the client (with its
// policy layers and their stats), the checkpoint, the source and the
// planner, opened in that order.
type session struct {
	client  *whmcs.Client
	stats   *importer.Stats
	store   *checkpoints.Store
	src     sources.Source
	planner *mapping.Planner
}

// open opens a session. applyDept is --apply-department-changes.
func (a *app) open(ctx context.Context, co clientOptions, applyDept bool) (_ *session, err error) {
	s := &session{}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if s.client, s.stats, err = a.client(co); err != nil {
		return nil, err
	}
	if s.store, err = a.openCheckpoint(); err != nil {
		return nil, err
	}
	if s.src, err = a.openSource(ctx); err != nil {
		return nil, err
	}
	if s.planner, err = a.planner(s.client, applyDept); err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes the source and the checkpoint.
func (s *session) Close() error {
	var errs []error
	if s.src != nil {
		errs = append(errs, s.src.Close())
	}
	if s.store != nil {
		errs = append(errs, s.store.Close())
	}
	return errors.Join(errs...)
}

// openCheckpoint opens the configured checkpoint.
func (a *app) openCheckpoint() (*checkpoints.Store, error) {
	return checkpoints.Open(a.cfg.Checkpoint)
}
