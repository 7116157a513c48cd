package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
)

// checkpointEnv names the checkpoint in the environment, for cron: it
// overrides the config's checkpoint:, and --checkpoint overrides it.
const checkpointEnv = "WHMCS_MIGRATE_CHECKPOINT"

// addCheckpointFlag adds --checkpoint to every command that reads a
// config (has --config), bound to g.checkpoint.
func addCheckpointFlag(cmd *cobra.Command, g *globals) {
	if cmd.Flags().Lookup("config") == nil {
		return
	}
	cmd.Flags().StringVar(&g.checkpoint, "checkpoint", "",
		"the checkpoint `FILE`, over the config's checkpoint: and $"+checkpointEnv+" (relative to the current directory)")
}

// applyCheckpointPath sets cfg.Checkpoint from --checkpoint, else from
// $WHMCS_MIGRATE_CHECKPOINT, else leaves the config's (resolved against
// the config file's directory, default migration.db). A flag's or the
// variable's relative path is relative to the current directory, as any
// path on a command line. It returns where the path came from, for
// messages.
func applyCheckpointPath(g *globals, cfg *Config) (string, error) {
	from, path := "", ""
	switch {
	case g.checkpoint != "":
		from, path = "--checkpoint", g.checkpoint
	case os.Getenv(checkpointEnv) != "":
		from, path = "$"+checkpointEnv, os.Getenv(checkpointEnv)
	default:
		return "checkpoint: in " + cfg.File, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", usageError{fmt.Errorf("%s %s: %w", from, path, err)}
	}
	cfg.Checkpoint = abs
	return from, nil
}

// openCheckpoint opens the checkpoint, which must exist: only run and
// adopt (and demo's throwaway one) create one (createCheckpoint). A
// missing one is an error naming the path and where it came from, never
// a new empty file: a mistyped path must not read as "nothing imported"
// (verify) nor "nothing to delete" (rollback).
func (a *app) openCheckpoint() (*checkpoints.Store, error) {
	if err := a.checkpointExists(); err != nil {
		return nil, err
	}
	return checkpoints.Open(a.cfg.Checkpoint)
}

// checkpointExists returns an error when the checkpoint does not exist,
// naming its path and where the path came from.
func (a *app) checkpointExists() error {
	path := a.cfg.Checkpoint
	_, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		from := a.checkpointFrom
		if from == "" {
			from = "checkpoint: in " + a.cfg.File
		}
		return fmt.Errorf("checkpoint %s does not exist: no run has used it yet, or %s names another file (only run and adopt create a checkpoint)", path, from)
	case err != nil:
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return nil
}

// createCheckpoint opens the checkpoint, creating it when missing: run,
// adopt and demo.
func (a *app) createCheckpoint() (*checkpoints.Store, error) {
	return checkpoints.Open(a.cfg.Checkpoint)
}
