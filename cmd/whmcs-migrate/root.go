package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/internal/scratch"
	"github.com/whmcs-migrate/whmcs-migrate/internal/termsafe"
)

// Exit statuses: one table, in --help and the README.
const (
	exitOK          = 0
	exitFatal       = 1
	exitUsage       = 2
	exitIncomplete  = 3 // finished, but some tickets failed (run), are invalid (validate) or differ (verify)
	exitInterrupted = 130
)

const exitHelp = `Exit status:
  0    success: everything done, valid, or matching
  1    fatal error (authentication, checkpoint I/O, source unreadable, an unfinished rollback)
  2    usage or config error (or the checkpoint belongs to another WHMCS)
  3    finished with failed tickets (run), invalid tickets (validate) or differences (verify)
  130  interrupted (Ctrl-C): in-flight calls finished, the journal is flushed; run again to resume`

// errIncomplete is returned by a command that finished but must exit 3.
var errIncomplete = errors.New("incomplete")

// globals are the flags every subcommand shares. They flow into option
// structs; nothing reads them as package state.
type globals struct {
	logFormat string
	logLevel  string
	stdout    io.Writer
	stderr    io.Writer
	// scratch is the command's temporary directory, made when first
	// needed (app.tempDir) and removed when the command ends.
	scratch *scratch.Dir
	// checkpoint is --checkpoint (addCheckpointFlag).
	checkpoint string
}

// json reports whether --log-format json was given.
func (g *globals) json() bool { return g.logFormat == "json" }

func (g *globals) logger() *slog.Logger {
	lvl := slog.LevelInfo
	switch strings.ToLower(g.logLevel) {
	case "debug":
		lvl = slog.LevelDebug
	case "warn":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	}
	o := &slog.HandlerOptions{Level: lvl}
	if g.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(g.stderr, o))
	}
	return slog.New(slog.NewTextHandler(g.stderr, o))
}

func newRootCmd(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "whmcs-migrate",
		Short: "Move a helpdesk's ticket history into WHMCS, and keep it in sync",
		Long: `whmcs-migrate replays every ticket of a helpdesk (CSV export, osTicket, HESK,
an older WHMCS, custom SQL) into WHMCS through its API: OpenTicket with the
first message, AddTicketReply / AddTicketNote for every later entry, backdated,
then the ticket's real status. Nobody is emailed (noemail on every call), and a
checkpoint journal makes every run resumable and every write happen once.

` + exitHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Without a command: help; with an unknown one, a usage error.
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())}
			}
			return cmd.Help()
		},
	}
	root.Version = currentVersion().String()
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.PersistentFlags().Var(newEnumFlag(&g.logFormat, "text", logFormats...), "log-format",
		"log `FORMAT`: text, or json (every line on stdout and stderr one JSON object)")
	root.PersistentFlags().Var(newEnumFlag(&g.logLevel, "info", logLevels...), "log-level", "log `LEVEL`: debug, info, warn or error")
	// The MySQL driver's messages take --log-format too.
	root.PersistentPreRun = func(*cobra.Command, []string) { useMySQLLogger(g.logger()) }
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	for _, c := range commands(g) {
		addCheckpointFlag(c, g)
		root.AddCommand(c)
	}
	plainDefaults(root)
	return root
}

// plainDefaults gives string flags the one form of default every other
// flag's help uses, (default X), not pflag's (default "X").
func plainDefaults(cmd *cobra.Command) {
	fix := func(f *pflag.Flag) {
		if f.Value.Type() == "string" && f.DefValue != "" {
			f.Usage += " (default " + f.DefValue + ")"
			f.DefValue = "" // pflag prints no second, quoted, default
		}
	}
	cmd.Flags().VisitAll(fix)
	cmd.PersistentFlags().VisitAll(fix)
	for _, c := range cmd.Commands() {
		plainDefaults(c)
	}
}

func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	// Every command's output goes through termsafe: control characters
	// and escape sequences from the data (subjects, ids, names, WHMCS's
	// answers) are shown as \x1b, \r..., never executed by the terminal.
	safeOut, safeErr := termsafe.NewWriter(stdout), termsafe.NewWriter(stderr)
	defer safeOut.Flush()
	defer safeErr.Flush()
	// Above it, with --log-format json, every line one JSON object (see
	// jsonLines); flushed first.
	g := &globals{}
	jsonOut := newJSONLines(safeOut, "stdout", g.json)
	jsonErr := newJSONLines(safeErr, "stderr", g.json)
	defer func() { _ = jsonErr.Flush() }()
	defer func() { _ = jsonOut.Flush() }()
	stdout, stderr = jsonOut, jsonErr
	g.stdout, g.stderr = stdout, stderr
	root := newRootCmd(g)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if rerr := g.scratch.Remove(); rerr != nil {
		g.logger().Warn("could not remove the temporary directory", "dir", g.scratch.Path(), "error", rerr)
	}
	code := exitCode(ctx, err)
	if err != nil && !errors.Is(err, errIncomplete) {
		if g.json() {
			g.logger().Error("whmcs-migrate: "+err.Error(), "error", err.Error(), "exit_status", code)
		} else {
			fmt.Fprintln(stderr, "whmcs-migrate:", err)
		}
	}
	return code
}

func exitCode(ctx context.Context, err error) int {
	var ce *ConfigError
	var ue usageError
	switch {
	case err == nil:
		if ctx.Err() != nil {
			return exitInterrupted
		}
		return exitOK
	case ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, importer.ErrInterrupted)):
		return exitInterrupted
	case errors.Is(err, errIncomplete):
		return exitIncomplete
	case errors.As(err, &ce), errors.As(err, &ue):
		return exitUsage
	case importer.IsFatal(err):
		return exitFatal // authentication, the checkpoint locked, a failed canary
	}
	// Everything else stopped the command too: I/O, the source, WHMCS
	// unreachable.
	return exitFatal
}

// usageError is a command line cobra could not take: an unknown command
// or flag, a flag's bad value, arguments where there should be none.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// noArgs is cobra.NoArgs, its refusal a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.NoArgs(cmd, args); err != nil {
		return usageError{err}
	}
	return nil
}

func commands(g *globals) []*cobra.Command {
	return []*cobra.Command{
		newRunCmd(g),
		newStatusCmd(g),
		newDemoCmd(g),
		newValidateCmd(g),
		newVerifyCmd(g),
		newRollbackCmd(g),
		newAdoptCmd(g),
		newSandboxCmd(),
		newVersionCmd(g),
	}
}
