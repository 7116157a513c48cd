package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/sandbox"
)

// newSandboxCmd is `whmcs-migrate sandbox`: an in-memory WHMCS to rehearse
// a migration against.
func newSandboxCmd() *cobra.Command {
	var (
		listen, timezone, seedFile string
		ticketMask                 string
		faults                     sandbox.Faults
		capacity                   sandbox.Capacity
		logRequests, literal       bool
		version                    string
		denyActions                []string
		postMaxSize                string
	)
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Serve an in-memory WHMCS API to rehearse a migration against",
		Long: `Serve an in-memory WHMCS (POST /includes/api.php) that implements the ticket
calls whmcs-migrate uses, with WHMCS's validations and error messages.
Nothing is persisted: stopping the sandbox forgets every ticket.

Text is stored as a real WHMCS stores it: its input sanitiser turns <>&"'
into HTML entities (&lt;&gt;&amp;&quot;&#039;) before the call runs, and
tables in MySQL utf8 (3-byte) store each character above U+FFFF (emoji) as
"?". GetTicket returns what was stored, so a migration that compares what it
sent with what WHMCS holds is proven against both. --literal stores text
exactly as sent instead.

It prints its API URL and credentials. GET /_sandbox/state dumps every ticket,
reply, note, attachment (name, size, sha256) and the emails WHMCS would have
sent to clients, as JSON. POST /_sandbox/change makes the changes people make
in WHMCS while a migration syncs, to rehearse a cut-over: action=customer-reply,
admin-reply, note, status, priority, department, flag, cc, delete or merge,
with ticketid and message, admin, status, priority, deptid, flag, cc or into.

Faults can be injected to rehearse failures: --latency, --fail-rate (HTML 500
pages), --throttle-rate (429 with Retry-After), --max-rps (429 above it) and
--drop-rate (the call is processed, then the connection is closed without an
answer) and --html-rate (HTTP 200 with an HTML maintenance page, not
processed). They are drawn from a generator seeded with --fault-seed.

--workers models WHMCS's PHP worker pool: at most that many calls run at once,
each for --service-time, the others queue; a call that waited --queue-timeout
is answered 503 with an HTML page. POST /_sandbox/capacity with workers=N
resizes the pool while it runs; the state dump's "queue" has the queueing
delays.

--whmcs-version sets the version GetWHMCSDetails reports; below 8.0 the
created parameter is ignored, as those versions do. --deny-actions makes the
API role refuse the listed actions (403 Invalid Permissions). --ticket-mask
is WHMCS's Ticket Mask setting: the default, six digits, holds 900,000
ticket numbers, and OpenTicket answers "Unable to generate ticket number" as
they run out (as WHMCS 8.3+ does): more tickets need a longer mask, in the
sandbox as in WHMCS. --timezone is the server's PHP date.timezone: dates without an offset are
read in it, and GetAdminDetails' requesttime is written in it.
--post-max-size is PHP's post_max_size (default 8M): a
larger POST arrives empty, so WHMCS answers 403 Authentication Failed.

Exit status: 0 stopped by Ctrl-C or SIGTERM; 2 usage error; 1 the address
cannot be listened on or the seed cannot be read.`,
		Example: `  whmcs-migrate sandbox --seed samples/sandbox-seed.yaml
  whmcs-migrate sandbox --listen 127.0.0.1:0 --timezone America/Chicago
  whmcs-migrate sandbox --latency 200ms --throttle-rate 0.05 --drop-rate 0.01 --fault-seed 7`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			loc := time.UTC
			if timezone != "" {
				l, err := time.LoadLocation(timezone)
				if err != nil {
					return fmt.Errorf("--timezone: %w", err)
				}
				loc = l
			}
			if len(ticketMask) > 15 {
				return usageError{fmt.Errorf("--ticket-mask %q: at most 15 characters", ticketMask)}
			}
			maxBody, err := report.ParseSize(postMaxSize)
			if err != nil {
				return usageError{fmt.Errorf("--post-max-size: %w", err)}
			}
			if maxBody == 0 {
				maxBody = -1 // 0: no limit
			}
			opts := sandbox.Options{TimeZone: loc, Faults: faults, Capacity: capacity, Version: version, DeniedActions: denyActions,
				Sanitize: !literal, ThreeByte: !literal, TicketMask: ticketMask, MaxBodyBytes: maxBody}
			if seedFile != "" {
				seed, err := sandbox.LoadSeed(seedFile)
				if err != nil {
					return err
				}
				opts.Seed = seed
			}
			if logRequests {
				opts.Logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			}
			sb, err := sandbox.New(opts)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serveSandbox(ctx, cmd, sb, listen, loc, denyActions)
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:8080", "`ADDR` to listen on (host:port; port 0 picks a free one)")
	f.StringVar(&timezone, "timezone", "", "the simulated WHMCS server's time `ZONE`, e.g. Europe/Paris (default UTC)")
	f.StringVar(&seedFile, "seed", "", "YAML or JSON `FILE` with departments, statuses, clients and admins (default built-in)")
	f.DurationVar(&faults.Latency, "latency", 0, "delay added to every API request, e.g. 200ms")
	f.Float64Var(&faults.FailRate, "fail-rate", 0, "probability (0-1) of answering an HTML 500 page without processing")
	f.Float64Var(&faults.ThrottleRate, "throttle-rate", 0, "probability (0-1) of answering 429 with Retry-After: 1 without processing")
	f.Float64Var(&faults.MaxRPS, "max-rps", 0, "answer 429 above this many requests per second (0: no limit)")
	f.Float64Var(&faults.DropRate, "drop-rate", 0, "probability (0-1) of processing a call, then closing the connection without an answer")
	f.Float64Var(&faults.HTMLRate, "html-rate", 0, "probability (0-1) of answering HTTP 200 with an HTML maintenance page without processing")
	f.Int64Var(&faults.Seed, "fault-seed", 1, "seed of the fault generator (same seed, same faults for the same request sequence)")
	f.IntVar(&capacity.Workers, "workers", 0, "WHMCS's worker pool: at most this many calls run at once, the rest queue (0: no pool)")
	f.DurationVar(&capacity.ServiceTime, "service-time", 0, "with --workers: how long each call holds a worker, e.g. 40ms")
	f.DurationVar(&capacity.QueueTimeout, "queue-timeout", 0, "with --workers: answer 503 (HTML) to a call that waited this long for a worker (0: wait for ever)")
	f.BoolVar(&logRequests, "log-requests", false, "log one line per API request to stderr")
	f.BoolVar(&literal, "literal", false, "store text exactly as sent (without it: sanitised into HTML entities and emoji stored as ?, as real WHMCS installs do)")
	f.StringVar(&version, "whmcs-version", sandbox.DefaultVersion, "the WHMCS `VERSION` to simulate (below 8.0, created is ignored)")
	f.StringVar(&ticketMask, "ticket-mask", sandbox.DefaultTicketMask, "the `MASK` ticket numbers are made from, WHMCS's Ticket Mask (%n a digit, %A %a a letter, %y %m %d the date, %i the id; at most 15 characters), e.g. %n%n%n%n%n%n%n (9,000,000 numbers) for over 900,000 tickets")
	f.StringVar(&postMaxSize, "post-max-size", "8M", "PHP's post_max_size: a larger POST arrives empty and WHMCS answers Authentication Failed (`SIZE`, e.g. 2M; 0 = no limit)")
	f.StringSliceVar(&denyActions, "deny-actions", nil, "comma-separated API `ACTIONS` the credential's role refuses, e.g. AddTicketNote,GetWHMCSDetails")
	return cmd
}

// serveSandbox serves sb on listen until ctx ends, after a banner with its
// URL, credentials and storage mode; denied are the actions its role refuses.
func serveSandbox(ctx context.Context, cmd *cobra.Command, sb *sandbox.Server, listen string, loc *time.Location, denied []string) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	base := "http://" + ln.Addr().String()
	sb.URL = base // its default System URL (GetConfigurationValue)
	out := cmd.OutOrStdout()
	storage := sb.Storage()
	fmt.Fprintf(out, "WHMCS %s sandbox (in memory, time zone %s)\n", storage.Version, loc)
	fmt.Fprintf(out, "  API URL:    %s/includes/api.php\n", base)
	fmt.Fprintf(out, "  identifier: %s\n", sb.Identifier)
	fmt.Fprintf(out, "  secret:     %s\n", sb.Secret) // the sandbox's own fixed credentials, not a user secret
	fmt.Fprintf(out, "  state:      %s/_sandbox/state\n", base)
	fmt.Fprintf(out, "  changes:    POST %s/_sandbox/change (people's changes in WHMCS)\n", base)
	fmt.Fprintf(out, "  text:       %s\n", storage)
	if len(denied) > 0 {
		fmt.Fprintf(out, "  denied:     %s\n", strings.Join(denied, ", "))
	}
	fmt.Fprintln(out, "Press Ctrl-C to stop.")

	srv := &http.Server{Handler: sb.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("sandbox: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// The connections still open after 5 s are cut: the sandbox stops.
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("sandbox: %w", err)
	}
	fmt.Fprintln(out, "sandbox stopped")
	return nil
}
