package mariadbtest

import (
	"os"
	"testing"
)

var (
	srv    *Server
	srvErr error
)

func TestMain(m *testing.M) {
	srv, srvErr = Start(Options{})
	code := m.Run()
	srv.Stop()
	os.Exit(code)
}

func TestServerRuns(t *testing.T) {
	s := Require(t, srv, srvErr)
	name, err := s.CreateDatabase("t")
	if err != nil {
		t.Fatal(err)
	}
	db, err := s.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := Exec(db, "CREATE TABLE x (id int, s varchar(10)); INSERT INTO x VALUES (1, 'Zoë')"); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := db.QueryRow("SELECT s FROM x WHERE id = 1").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "Zoë" {
		t.Fatalf("got %q, want Zoë", got)
	}
}
