package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
)

// With --log-format json every line a command writes, on stdout and on
// stderr, is one JSON object, so that a log pipeline (journald, a cron
// log shipped to Loki) never meets a line it cannot parse. The logs are
// slog's JSON; the run's summary is a final event of its own (see
// runSummary); progress is logged, never drawn; a fatal error is an
// ERROR event (execute); the MySQL driver's messages go through slog
// (mysqlLogger). What is left, the text reports of validate, verify,
// rollback and adopt, passes through jsonLines: each of their lines
// becomes an event whose msg is the line.

// jsonLines is a writer that, while on() says JSON, writes each line it
// is given as one JSON object: a line that is already one passes as it
// is, any other becomes {"time":...,"level":"INFO","msg":<line>,
// "stream":<stream>}; empty lines are dropped. While on() is false it
// passes everything through. Flush writes an unfinished last line.
type jsonLines struct {
	w      io.Writer
	on     func() bool
	stream string
	mu     sync.Mutex
	buf    []byte
}

func newJSONLines(w io.Writer, stream string, on func() bool) *jsonLines {
	return &jsonLines{w: w, on: on, stream: stream}
}

func (j *jsonLines) Write(p []byte) (int, error) {
	if !j.on() {
		return j.w.Write(p)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buf = append(j.buf, p...)
	for {
		i := bytes.IndexByte(j.buf, '\n')
		if i < 0 {
			break
		}
		line := j.buf[:i]
		if err := j.line(line); err != nil {
			return len(p), err
		}
		j.buf = j.buf[i+1:]
	}
	return len(p), nil
}

// line writes one line as one JSON object.
func (j *jsonLines) line(line []byte) error {
	line = bytes.TrimRight(line, "\r")
	if len(bytes.TrimSpace(line)) == 0 {
		return nil
	}
	if isJSONObject(line) {
		_, err := j.w.Write(append(line, '\n'))
		return err
	}
	b, err := json.Marshal(struct {
		Time   string `json:"time"`
		Level  string `json:"level"`
		Msg    string `json:"msg"`
		Stream string `json:"stream"`
	}{time.Now().Format(time.RFC3339Nano), "INFO", string(line), j.stream})
	if err != nil {
		return err
	}
	_, err = j.w.Write(append(b, '\n'))
	return err
}

// Flush writes what is left of an unfinished line.
func (j *jsonLines) Flush() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.buf) == 0 {
		return nil
	}
	line := j.buf
	j.buf = nil
	if !j.on() {
		_, err := j.w.Write(line)
		return err
	}
	return j.line(line)
}

// Unwrap is the writer under it (for the progress bar, which draws on a
// terminal itself: it is never drawn in JSON mode).
func (j *jsonLines) Unwrap() io.Writer { return j.w }

func isJSONObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 1 && b[0] == '{' && json.Valid(b)
}

// mysqlLog is the logger the MySQL driver's messages go to ("packets.go:
// unexpected EOF", "closing bad idle connection"): the running command's,
// set when its flags are parsed. The driver's logger is global to the
// process; mysqlLogger is installed once and reads this.
var (
	mysqlLog     atomic.Pointer[slog.Logger]
	mysqlLogOnce sync.Once
)

// mysqlLogger routes go-sql-driver/mysql's messages through slog, as
// WARN events, so that they take --log-format like every other line.
type mysqlLogger struct{}

func (mysqlLogger) Print(v ...any) {
	l := mysqlLog.Load()
	if l == nil {
		l = slog.Default()
	}
	l.Warn("mysql driver", "message", strings.TrimSpace(fmt.Sprintln(v...)))
}

// useMySQLLogger makes log the MySQL driver's logger.
func useMySQLLogger(log *slog.Logger) {
	mysqlLogOnce.Do(func() { _ = mysql.SetLogger(mysqlLogger{}) }) // SetLogger fails only for nil
	mysqlLog.Store(log)
}
