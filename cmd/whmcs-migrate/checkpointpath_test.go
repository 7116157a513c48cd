package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// Only run and adopt create a checkpoint: verify, rollback and status on a
// missing one exit 1 naming its path, create no file and make no write.
func TestMissingCheckpoint(t *testing.T) {
	s := whmcstest.NewServer(whmcstest.Options{})
	defer s.Close()
	cfg := vtConfig(t, s, "")
	path := filepath.Join(filepath.Dir(cfg), "migration.db")
	t.Setenv(checkpointEnv, "")
	for _, args := range [][]string{
		{"verify", "--config", cfg},
		{"rollback", "--config", cfg, "--all", "--yes"},
		{"rollback", "--config", cfg, "--all"},
		{"rollback", "--config", cfg, "--run", "1", "--yes"},
		{"status", "--config", cfg},
	} {
		code, out, errOut := cli(t, args...)
		if code != exitFatal {
			t.Errorf("%v: exit %d, want %d; stdout:\n%s\nstderr:\n%s", args, code, exitFatal, out, errOut)
		}
		if !strings.Contains(errOut, "checkpoint "+path+" does not exist") || !strings.Contains(errOut, "checkpoint: in "+cfg) {
			t.Errorf("%v: stderr does not name the path and where it came from:\n%s", args, errOut)
		}
		if strings.Contains(out, "Rollback ok") {
			t.Errorf("%v: %s", args, out)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatalf("%v created the checkpoint (%v)", args, err)
		}
	}
	if w := s.WriteCalls(); w != 0 {
		t.Errorf("sandbox saw %d write calls", w)
	}
	// run creates it.
	if code, _, errOut := cli(t, "run", "--config", cfg, "--no-progress"); code != exitIncomplete {
		t.Fatalf("run: exit %d\n%s", code, errOut)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("run did not create the checkpoint: %v", err)
	}
}

// --checkpoint and $WHMCS_MIGRATE_CHECKPOINT override the config's
// checkpoint: (for cron), the flag over the variable; a relative one is
// relative to the current directory.
func TestCheckpointOverride(t *testing.T) {
	s := whmcstest.NewServer(whmcstest.Options{})
	defer s.Close()
	cfg := vtConfig(t, s, "")
	configured := filepath.Join(filepath.Dir(cfg), "migration.db")
	dir := t.TempDir()
	flagPath, envPath := filepath.Join(dir, "flag.db"), filepath.Join(dir, "env.db")

	// run creates the variable's, not the config's.
	t.Setenv(checkpointEnv, envPath)
	if code, _, errOut := cli(t, "run", "--config", cfg, "--no-progress"); code != exitIncomplete {
		t.Fatalf("run: exit %d\n%s", code, errOut)
	}
	if _, err := os.Stat(envPath); err != nil {
		t.Errorf("run with $%s: %v", checkpointEnv, err)
	}
	if _, err := os.Stat(configured); !os.IsNotExist(err) {
		t.Errorf("run with $%s created the config's checkpoint too", checkpointEnv)
	}
	code, out, errOut := cli(t, "status", "--config", cfg, "--log-format", "json")
	if code != 0 || !strings.Contains(out, envPath) {
		t.Errorf("status with $%s: exit %d, stdout:\n%s\nstderr:\n%s", checkpointEnv, code, out, errOut)
	}

	// The flag wins over the variable: missing, it is named as the flag's.
	code, _, errOut = cli(t, "status", "--config", cfg, "--checkpoint", flagPath)
	if code != exitFatal || !strings.Contains(errOut, "checkpoint "+flagPath+" does not exist") || !strings.Contains(errOut, "--checkpoint") {
		t.Errorf("status --checkpoint (missing): exit %d\n%s", code, errOut)
	}
	st, err := checkpoints.Open(flagPath)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	code, out, errOut = cli(t, "status", "--config", cfg, "--checkpoint", flagPath, "--log-format", "json")
	if code != 0 || !strings.Contains(out, flagPath) {
		t.Errorf("status --checkpoint: exit %d, stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}

	// Relative to the current directory.
	t.Chdir(dir)
	t.Setenv(checkpointEnv, "")
	code, out, errOut = cli(t, "status", "--config", cfg, "--checkpoint", "env.db", "--log-format", "json")
	if code != 0 || !strings.Contains(out, envPath) {
		t.Errorf("status --checkpoint env.db in %s: exit %d, stdout:\n%s\nstderr:\n%s", dir, code, out, errOut)
	}
	t.Setenv(checkpointEnv, "flag.db")
	code, out, errOut = cli(t, "status", "--config", cfg, "--log-format", "json")
	if code != 0 || !strings.Contains(out, flagPath) {
		t.Errorf("status with $%s=flag.db: exit %d, stdout:\n%s\nstderr:\n%s", checkpointEnv, code, out, errOut)
	}
}
