package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"testing"

	_ "github.com/go-sql-driver/mysql"
)

// The MySQL driver's own messages go through the command's slog logger:
// with --log-format json they are JSON objects like every other line.
func TestMySQLDriverLogsThroughSlog(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			// Half a handshake packet header, then gone: the driver logs
			// the broken read itself.
			c.Write([]byte{0x4a, 0x00})
			c.Close()
		}
	}()
	var b bytes.Buffer
	useMySQLLogger(slog.New(slog.NewJSONHandler(&b, nil)))
	defer mysqlLog.Store(nil)
	db, err := sql.Open("mysql", "u:p@tcp("+ln.Addr().String()+")/db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ping(); err == nil {
		t.Fatal("ping of a broken server succeeded")
	}
	if b.Len() == 0 {
		t.Fatal("the driver logged nothing through slog")
	}
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil || m["msg"] != "mysql driver" || m["message"] == "" {
			t.Errorf("driver line %q: %v", line, err)
		}
	}
}
