package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// retargetFlag adds --retarget to a command that uses the checkpoint
// against WHMCS (run, verify, rollback).
func retargetFlag(fl *pflag.FlagSet, p *bool) {
	fl.BoolVar(p, "retarget", false, "use the checkpoint with the WHMCS target.url names although it belongs to another (a WHMCS that moved to a new URL), and record this one")
}

// checkpointTarget holds a checkpoint to the WHMCS it belongs to: the
// preflight reads which WHMCS answers and refuses another one before any
// write (whmcs.PreflightOptions.Expect), and keep records it.
type checkpointTarget struct {
	a        *app
	store    *checkpoints.Store
	recorded whmcs.Identity // Site "": none recorded yet
	retarget bool           // --retarget
	record   bool           // the command writes (run, rollback --yes)
}

// checkpointTarget reads which WHMCS store belongs to. record: the command
// writes, and records the WHMCS when the checkpoint has none yet.
func (a *app) checkpointTarget(ctx context.Context, store *checkpoints.Store, retarget, record bool) (*checkpointTarget, error) {
	site, systemURL, err := store.Target(ctx)
	if err != nil {
		return nil, err
	}
	return &checkpointTarget{a: a, store: store, recorded: whmcs.Identity{Site: site, SystemURL: systemURL},
		retarget: retarget, record: record}, nil
}

// option is the preflight's part: read which WHMCS answers, and expect
// the checkpoint's (unless none is recorded, or --retarget).
func (t *checkpointTarget) option() func(*whmcs.PreflightOptions) {
	return func(o *whmcs.PreflightOptions) {
		o.Identify = true
		if t.recorded.Site != "" && !t.retarget {
			want := t.recorded
			o.Expect = &want
		}
	}
}

// refusal turns the preflight's *whmcs.TargetError into the config error
// (exit 2) that names both WHMCS and the way out; other errors are
// returned as they are.
func (t *checkpointTarget) refusal(err error) error {
	var te *whmcs.TargetError
	if !errors.As(err, &te) {
		return err
	}
	return &ConfigError{&otherTargetError{err: err, msg: fmt.Sprintf("checkpoint %s belongs to the WHMCS at %s, but target.url in %s reaches %s: refused before any write "+
		"(a checkpoint used against another WHMCS would skip its tickets as already imported, or act on tickets that are not its own). "+
		"Give this WHMCS its own checkpoint (checkpoint: in the config), or, if it is the same WHMCS moved to a new URL, pass --retarget",
		t.store.Path(), te.Expected, t.a.cfg.File, te.Found)}}
}

// otherTargetError is the refusal's text, with the preflight's error in
// its chain (errors.Is(err, whmcs.ErrOtherTarget)).
type otherTargetError struct {
	err error
	msg string
}

func (e *otherTargetError) Error() string { return e.msg }
func (e *otherTargetError) Unwrap() error { return e.err }

// keep records the WHMCS the preflight found: on the first command that
// writes with this checkpoint (a checkpoint of an earlier version, which
// recorded none, is adopted by the WHMCS it is used with, said in an info
// line), when --retarget moved it, or when the install's System URL became
// readable at the same site.
func (t *checkpointTarget) keep(ctx context.Context, found whmcs.Identity) error {
	rec := t.recorded
	switch {
	case found.Site == "":
		return nil
	case rec.Site == "":
		if !t.record {
			return nil
		}
		runs, err := t.store.Runs(ctx)
		if err != nil {
			return err
		}
		if len(runs) > 0 {
			t.a.log.Info("the checkpoint, made by an earlier version, did not record which WHMCS it belongs to: it now belongs to this one",
				"checkpoint", t.store.Path(), "whmcs", found.String())
		}
	case rec == found:
		return nil
	case t.retarget && !rec.Same(found):
		t.a.log.Warn("checkpoint re-targeted (--retarget)", "checkpoint", t.store.Path(), "from", rec.String(), "to", found.String())
	case rec.SystemURL == "" && t.record:
		// The same site, whose install is now known (the API role allows
		// GetConfigurationValue).
	default:
		return nil
	}
	return t.store.SetTarget(ctx, found.Site, found.SystemURL)
}
