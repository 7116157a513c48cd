package main

import "context"

// runValidateFromRun is `run --dry-run`: the validate command with run's
// flags. No write is possible: validate's client is read-only.
func runValidateFromRun(ctx context.Context, g *globals, f runFlags) error {
	vf := validateFlags{report: f.report, html: f.html, offline: f.offline, target: f.target,
		applyDept: f.applyDept, maxProblems: 20}
	return runValidate(ctx, g, f.config, vf)
}
