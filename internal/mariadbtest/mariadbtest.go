// Package mariadbtest starts a throwaway MariaDB server for tests and
// benchmarks: a fresh data directory in a temporary folder, its own unix
// socket, no network port, root without a password. It is test support
// only; nothing in the product imports it.
//
// A package shares one server across its tests from TestMain:
//
//	var srv *mariadbtest.Server
//	var srvErr error
//
//	func TestMain(m *testing.M) {
//		srv, srvErr = mariadbtest.Start(mariadbtest.Options{})
//		code := m.Run()
//		srv.Stop()
//		os.Exit(code)
//	}
//
// and each test calls Require(t, srv, srvErr), which skips the test when the
// binaries are not installed, except when WHMCS_MIGRATE_REQUIRE_MYSQL=1 (CI),
// where it fails it.
package mariadbtest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
)

// RequireEnv is the environment variable that turns a missing server into a
// test failure instead of a skip.
const RequireEnv = "WHMCS_MIGRATE_REQUIRE_MYSQL"

// ErrNotInstalled is returned by Start when mariadbd or mariadb-install-db
// cannot be found.
var ErrNotInstalled = errors.New("mariadbd or mariadb-install-db not installed (Debian: apt-get install mariadb-server)")

// Options tune Start. The zero value is fine.
type Options struct {
	// StartTimeout bounds the wait for the server's socket (default 60s).
	StartTimeout time.Duration
	// Args are extra mariadbd arguments ("--innodb-buffer-pool-size=256M").
	Args []string
}

// Server is a running throwaway mariadbd.
type Server struct {
	dir    string
	socket string
	cmd    *exec.Cmd
	log    string
	done   chan struct{}
	once   sync.Once
	waitEr error
}

// Start initialises a data directory in a new temporary folder and starts
// mariadbd on a unix socket inside it. It returns ErrNotInstalled (wrapped)
// when the binaries are missing.
func Start(opts Options) (*Server, error) {
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 60 * time.Second
	}
	mariadbd, err := lookPath("mariadbd", "mysqld")
	if err != nil {
		return nil, err
	}
	installDB, err := lookPath("mariadb-install-db", "mysql_install_db")
	if err != nil {
		return nil, err
	}
	// A short path: unix socket paths are limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "mdbt")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, socket: filepath.Join(dir, "s.sock"), log: filepath.Join(dir, "err.log"), done: make(chan struct{})}
	data := filepath.Join(dir, "data")
	common := []string{"--no-defaults"}
	var user []string
	if os.Geteuid() == 0 {
		user = []string{"--user=root"}
	}
	args := append(append(append([]string{}, common...), user...),
		"--auth-root-authentication-method=normal", "--skip-test-db", "--datadir="+data)
	inst := exec.Command(installDB, args...)
	if out, err := inst.CombinedOutput(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("mariadb-install-db: %w\n%s", err, out)
	}
	dargs := append(append(append([]string{}, common...), user...),
		"--datadir="+data, "--socket="+s.socket, "--skip-networking",
		"--pid-file="+filepath.Join(dir, "mariadbd.pid"), "--log-error="+s.log,
		"--innodb-buffer-pool-size=128M", "--innodb-log-file-size=64M",
		"--innodb-flush-log-at-trx-commit=0", "--skip-log-bin", "--max-allowed-packet=64M",
		"--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci")
	dargs = append(dargs, opts.Args...)
	s.cmd = exec.Command(mariadbd, dargs...)
	var stderr bytes.Buffer
	s.cmd.Stderr = &stderr
	if err := s.cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("start mariadbd: %w", err)
	}
	go func() { s.waitEr = s.cmd.Wait(); close(s.done) }()

	deadline := time.Now().Add(opts.StartTimeout)
	for {
		select {
		case <-s.done:
			logText, _ := os.ReadFile(s.log)
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("mariadbd exited during startup: %v\n%s%s", s.waitEr, stderr.String(), tail(logText))
		default:
		}
		if c, err := net.DialTimeout("unix", s.socket, time.Second); err == nil {
			_ = c.Close()
			if err := s.ping(); err == nil {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			logText, _ := os.ReadFile(s.log)
			s.Stop()
			return nil, fmt.Errorf("mariadbd did not accept connections within %s\n%s", opts.StartTimeout, tail(logText))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *Server) ping() error {
	db, err := sql.Open("mysql", s.DSN(""))
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }() // an admin connection's pool: nothing to lose
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

func lookPath(names ...string) (string, error) {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
		for _, d := range []string{"/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"} {
			p := filepath.Join(d, n)
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("%s: %w", names[0], ErrNotInstalled)
}

func tail(b []byte) string {
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// Socket is the server's unix socket path.
func (s *Server) Socket() string { return s.socket }

// DSN returns a go-sql-driver DSN for root on database db ("" = none).
func (s *Server) DSN(db string) string {
	cfg := gomysql.NewConfig()
	cfg.User = "root"
	cfg.Net = "unix"
	cfg.Addr = s.socket
	cfg.DBName = db
	return cfg.FormatDSN()
}

// CreateDatabase creates a fresh, empty database with a unique name and
// returns its name. Statements run with sql_mode=” as the helpdesks
// themselves do.
func (s *Server) CreateDatabase(prefix string) (string, error) {
	db, err := sql.Open("mysql", s.DSN(""))
	if err != nil {
		return "", err
	}
	defer func() { _ = db.Close() }() // an admin connection's pool: nothing to lose
	name := fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano())
	if _, err := db.Exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4"); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return name, nil
}

// Open opens database name as root with multiStatements on and
// sql_mode=”, for loading fixtures.
func (s *Server) Open(name string) (*sql.DB, error) {
	cfg, err := gomysql.ParseDSN(s.DSN(name))
	if err != nil {
		return nil, err
	}
	cfg.MultiStatements = true
	cfg.Params = map[string]string{"sql_mode": "''"}
	if err := cfg.Apply(gomysql.Charset("utf8mb4", "")); err != nil {
		return nil, err
	}
	c, err := gomysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(c), nil
}

// Exec runs a script of ;-separated statements (multiStatements) on db.
func Exec(db *sql.DB, script string) error {
	if strings.TrimSpace(script) == "" {
		return nil
	}
	_, err := db.Exec(script)
	return err
}

// Stop shuts the server down and removes its directory. It is safe on a nil
// server and safe to call twice.
func (s *Server) Stop() {
	if s == nil {
		return
	}
	s.once.Do(func() {
		if s.cmd != nil && s.cmd.Process != nil {
			_ = s.cmd.Process.Signal(syscall.SIGTERM) // clean shutdown
			select {
			case <-s.done:
			case <-time.After(30 * time.Second):
				_ = s.cmd.Process.Kill()
				<-s.done
			}
		}
		_ = os.RemoveAll(s.dir)
	})
}

// Require skips t when the server could not be started because it is not
// installed, fails it when WHMCS_MIGRATE_REQUIRE_MYSQL=1 or the start failed
// for another reason, and returns srv otherwise.
func Require(t testing.TB, srv *Server, startErr error) *Server {
	t.Helper()
	if srv != nil {
		return srv
	}
	if startErr == nil {
		startErr = errors.New("server not started")
	}
	if errors.Is(startErr, ErrNotInstalled) && os.Getenv(RequireEnv) != "1" {
		t.Skipf("no MariaDB: %v (set %s=1 to make this a failure)", startErr, RequireEnv)
	}
	t.Fatalf("no MariaDB: %v", startErr)
	return nil
}
