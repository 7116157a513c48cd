package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// Helpers to drive the real binary and the sandbox as subprocesses.

// buildBinary builds whmcs-migrate into dir, without the test's GOFLAGS
// (a -race or -cover of the test run is not the binary's).
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "whmcs-migrate")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOFLAGS=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// syncBuffer is a bytes.Buffer safe for a process's writes and our reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// sandboxProc is `whmcs-migrate sandbox` running as a subprocess: its
// WHMCS state outlives the importer processes we kill.
type sandboxProc struct {
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:port
	stderr *syncBuffer
	http   *http.Client
}

// startSandbox starts the sandbox on a free port (it prints its URL) with
// the given extra flags, and stops it when the test ends.
func startSandbox(t *testing.T, bin, seedFile string, extra ...string) *sandboxProc {
	t.Helper()
	args := append([]string{"sandbox", "--listen", "127.0.0.1:0", "--timezone", "America/Chicago", "--seed", seedFile}, extra...)
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	sb := &sandboxProc{cmd: cmd, stderr: &syncBuffer{}, http: &http.Client{Timeout: 30 * time.Second}}
	cmd.Stderr = sb.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		found := false
		for sc.Scan() {
			if u, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "API URL:"); ok && !found {
				found = true
				urls <- strings.TrimSpace(u)
			}
		}
		io.Copy(io.Discard, stdout)
		close(urls)
	}()
	select {
	case u, ok := <-urls:
		if !ok {
			t.Fatalf("sandbox exited without printing its URL; stderr:\n%s", sb.stderr)
		}
		sb.base = strings.TrimSuffix(u, "/includes/api.php")
	case <-time.After(30 * time.Second):
		t.Fatalf("sandbox printed no URL in 30s; stderr:\n%s", sb.stderr)
	}
	return sb
}

func (s *sandboxProc) apiURL() string { return s.base + "/includes/api.php" }

// state reads GET /_sandbox/state.
func (s *sandboxProc) state(t *testing.T) whmcstest.State {
	t.Helper()
	st, err := s.tryState()
	if err != nil {
		t.Fatalf("sandbox state: %v; sandbox stderr:\n%s", err, s.stderr)
	}
	return st
}

func (s *sandboxProc) tryState() (whmcstest.State, error) {
	var st whmcstest.State
	resp, err := s.http.Get(s.base + "/_sandbox/state")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("GET /_sandbox/state: %s", resp.Status)
	}
	err = json.NewDecoder(resp.Body).Decode(&st)
	return st, err
}

// runProc is one `whmcs-migrate run` subprocess.
type runProc struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	done           chan struct{}
	err            error // from Wait, once done is closed
}

func startRun(t *testing.T, bin string, args ...string) *runProc {
	t.Helper()
	return startRunEnv(t, bin, nil, args...)
}

// startRunEnv is startRun with env ("KEY=value") added to this process's
// environment.
func startRunEnv(t *testing.T, bin string, env []string, args ...string) *runProc {
	t.Helper()
	p := &runProc{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	if env != nil {
		p.cmd.Env = append(os.Environ(), env...)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait() // reaps: a zombie would still look alive to the lock's kill(pid, 0)
		close(p.done)
	}()
	t.Cleanup(func() { p.kill() })
	return p
}

func (p *runProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill SIGKILLs the process (if it still runs) and waits for it. It
// reports whether the kill interrupted it.
func (p *runProc) kill() bool {
	if p.exited() {
		return false
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// wait waits for the process's exit and returns its code.
func (p *runProc) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit):
		p.kill()
		t.Fatalf("run still going after %s; stdout:\n%s\nstderr:\n%s", limit, p.stdout, p.stderr)
	}
	return p.cmd.ProcessState.ExitCode()
}

func (p *runProc) output() string {
	return "stdout:\n" + p.stdout.String() + "\nstderr:\n" + p.stderr.String()
}
