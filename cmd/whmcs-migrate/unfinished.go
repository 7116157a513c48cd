package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer"
)

// finishRollback adds to an unfinished rollback's refusal
// (importer.RollbackUnfinishedError) the command that finishes it; other
// errors are returned as they are.
func finishRollback(err error, config string) error {
	var ue *importer.RollbackUnfinishedError
	if !errors.As(err, &ue) {
		return err
	}
	var cmds []string
	for _, rb := range ue.Rollbacks {
		if c := finishCommand(rb, config); !slices.Contains(cmds, c) {
			cmds = append(cmds, c)
		}
	}
	return fmt.Errorf("%w. Finish it first: %s (it resumes where it stopped; without --yes it previews what is left)", err, strings.Join(cmds, ", then "))
}

// finishCommand is the command line that resumes rb.
func finishCommand(rb checkpoints.Rollback, config string) string {
	base := "whmcs-migrate rollback --config " + config
	switch {
	case !rb.Known:
		return base + " --run RUN_ID --yes for the run it was rolling back (status lists the runs), or " + base + " --all --yes"
	case rb.All:
		return base + " --all --yes"
	}
	return fmt.Sprintf("%s --run %d --yes", base, rb.Target)
}
