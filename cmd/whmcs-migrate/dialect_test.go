package main

import (
	"bytes"
	"context"
	stdcsv "encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// The samples re-saved as a European Excel saves them (";"-separated,
// Windows-1252, CRLF) import exactly as the same rows in UTF-8 do, with
// source.delimiter and source.encoding set. Tickets whose text Windows-1252
// cannot hold (Japanese, emoji) are left out of both copies; what remains
// still holds non-ASCII text and attachment names.
func TestCSVDialectImportsExactly(t *testing.T) {
	samples := filepath.Join("..", "..", "samples")
	tickets := readCSVFile(t, filepath.Join(samples, "csv", "tickets.csv"))
	messages := readCSVFile(t, filepath.Join(samples, "csv", "messages.csv"))
	enc := charmap.Windows1252.NewEncoder()
	fits := func(rec []string) bool {
		for _, f := range rec {
			if _, err := enc.String(f); err != nil {
				return false
			}
		}
		return true
	}
	keep := map[string]bool{}
	for _, r := range tickets[1:] {
		keep[r[0]] = fits(r)
	}
	for _, r := range messages[1:] {
		if !fits(r) {
			keep[r[0]] = false
		}
	}
	var tk, ms [][]string
	tk = append(tk, tickets[0])
	ms = append(ms, messages[0])
	for _, r := range tickets[1:] {
		if keep[r[0]] {
			tk = append(tk, r)
		}
	}
	for _, r := range messages[1:] {
		if keep[r[0]] {
			ms = append(ms, r)
		}
	}
	if len(tk) < 40 || len(tk) == len(tickets) {
		t.Fatalf("%d of %d tickets fit Windows-1252: the test needs most, but not all", len(tk)-1, len(tickets)-1)
	}
	nonASCII := false
	for _, r := range append(tk, ms...) {
		for _, f := range r {
			if strings.ContainsAny(f, "äöüéÅß") {
				nonASCII = true
			}
		}
	}
	if !nonASCII {
		t.Fatal("no non-ASCII text left to transcode")
	}

	ref := dialectSamples(t, samples, tk, ms, "", ',', false, nil)
	win := dialectSamples(t, samples, tk, ms, "  delimiter: \";\"\n  encoding: windows-1252\n", ';', true, charmap.Windows1252)
	raw, _ := os.ReadFile(filepath.Join(win, "csv", "messages.csv"))
	if !bytes.Contains(raw, []byte("\r\n")) || !bytes.Contains(raw, []byte{0xfc}) || bytes.Contains(raw, []byte("\xc3\xbc")) {
		t.Fatal("the re-saved messages.csv is not Windows-1252 with CRLF")
	}

	want := importedState(t, ref)
	got := importedState(t, win)
	if len(want) != len(tk)-1 {
		t.Fatalf("reference import: %d tickets in WHMCS, want %d", len(want), len(tk)-1)
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("ticket %s differs:\n got %s\nwant %s", id, got[id], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d tickets imported, want %d", len(got), len(want))
	}
}

func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := stdcsv.NewReader(f)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// dialectSamples writes a samples directory (csv.yaml with extra source
// options, the seed, csv/ with attachments) holding tk and ms in the given
// dialect.
func dialectSamples(t *testing.T, samples string, tk, ms [][]string, extra string, comma rune, crlf bool, cm *charmap.Charmap) string {
	t.Helper()
	dir := t.TempDir()
	cfg, err := os.ReadFile(filepath.Join(samples, "csv.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(cfg), "  path: csv ", extra+"  path: csv ", 1)
	if !strings.Contains(text, extra) {
		t.Fatal("cannot add the source options to csv.yaml")
	}
	must(t, os.WriteFile(filepath.Join(dir, "csv.yaml"), []byte(text), 0o600))
	seed, err := os.ReadFile(filepath.Join(samples, "sandbox-seed.yaml"))
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "sandbox-seed.yaml"), seed, 0o600))
	must(t, os.CopyFS(filepath.Join(dir, "csv", "attachments"), os.DirFS(filepath.Join(samples, "csv", "attachments"))))
	for name, recs := range map[string][][]string{"tickets.csv": tk, "messages.csv": ms} {
		var b bytes.Buffer
		w := stdcsv.NewWriter(&b)
		w.Comma, w.UseCRLF = comma, crlf
		must(t, w.WriteAll(recs))
		data := b.Bytes()
		if cm != nil {
			data, err = cm.NewEncoder().Bytes(data)
			must(t, err)
		}
		must(t, os.WriteFile(filepath.Join(dir, "csv", name), data, 0o600))
	}
	return dir
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// importedState runs the demo on a samples directory and returns, per
// source ticket id, what WHMCS holds of it (JSON, WHMCS's own ids left out).
func importedState(t *testing.T, samples string) map[string]string {
	t.Helper()
	var out, errb bytes.Buffer
	g := &globals{stdout: &out, stderr: &errb, logFormat: "text", logLevel: "warn"}
	res, err := demo(context.Background(), g, demoFlags{samples: samples, noProgress: true, literal: true})
	if res != nil && res.server != nil {
		defer res.server.Close()
	}
	if err != nil {
		t.Fatalf("demo on %s: %v\n%s\n%s", samples, err, out.String(), errb.String())
	}
	state := map[string]string{}
	for _, tk := range res.server.State().Tickets {
		id := tk.ID
		tk.ID, tk.TID, tk.C = 0, "", ""
		clearStored(&tk)
		b, err := json.Marshal(tk)
		must(t, err)
		for src, wid := range res.ids {
			if wid == id {
				state[src] = string(b)
			}
		}
	}
	return state
}

// clearStored blanks the names WHMCS gives stored files and the ids of
// replies and notes, which differ between two imports of the same data.
func clearStored(tk *whmcstest.TicketState) {
	for i := range tk.Attachments {
		tk.Attachments[i].Stored = ""
	}
	for i := range tk.Replies {
		tk.Replies[i].ID = 0
		for j := range tk.Replies[i].Attachments {
			tk.Replies[i].Attachments[j].Stored = ""
		}
	}
	for i := range tk.Notes {
		tk.Notes[i].ID = 0
		for j := range tk.Notes[i].Attachments {
			tk.Notes[i].Attachments[j].Stored = ""
		}
	}
}
