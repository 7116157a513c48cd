package whmcs

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// bodyServer answers every call with success and keeps the last body's
// length, and answers status with msg for bodies of at least refuseFrom
// bytes (0: never).
func bodyServer(t *testing.T, refuseFrom int64, status int, msg string) (*HTTP, *atomic.Int64) {
	t.Helper()
	var last atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		last.Store(n)
		w.Header().Set("Content-Type", "application/json")
		if refuseFrom > 0 && n >= refuseFrom {
			w.WriteHeader(status)
			io.WriteString(w, `{"result":"error","message":"`+msg+`"}`)
			return
		}
		io.WriteString(w, `{"result":"success","ticketid":1,"tid":"ABC-1","c":"x","id":1}`)
	}))
	t.Cleanup(srv.Close)
	h, err := NewHTTP(Options{URL: srv.URL, Identifier: "ident", Secret: testSecret, AccessKey: testAccessKey, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	return h, &last
}

// TestBodySizeIsWhatCallSends compares BodySize, computed from the names
// and sizes of the attachments only, with the length of the body Call
// really sends, over random messages and attachments whose names hold the
// characters that change the encoding ('>', '?', '~', non-ASCII, quotes).
func TestBodySizeIsWhatCallSends(t *testing.T) {
	h, last := bodyServer(t, 0, 0, "")
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("ab>?~ \"\\é😀+/=&%\n\x01Z9.-_")
	str := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	for i := range 300 {
		var atts []Attachment
		var files []FileInfo
		for range rng.IntN(4) {
			data := make([]byte, rng.IntN(5000))
			for j := range data {
				data[j] = byte(rng.UintN(256))
			}
			name := str(1+rng.IntN(12)) + ".bin"
			atts = append(atts, Attachment{Name: name, Data: data})
			files = append(files, FileInfo{Name: name, Size: int64(len(data))})
		}
		req := &AddTicketReplyRequest{TicketID: 7, Message: str(rng.IntN(300)), Email: "a@b.example", NoEmail: true,
			Created: time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)}
		want := h.BodySize(req, files)
		req.Attachments = atts
		if got := h.BodySize(req, nil); got != want {
			t.Fatalf("case %d: BodySize with the bytes = %d, with names and sizes = %d", i, got, want)
		}
		if err := h.Call(context.Background(), req, nil); err != nil {
			t.Fatal(err)
		}
		if sent := last.Load(); sent != want {
			t.Fatalf("case %d: Call sent %d bytes, BodySize said %d", i, sent, want)
		}
	}
}

// TestLargeAuthFailureIsTooLarge: "Authentication Failed" on a request of
// LargeRequest bytes or more is KindTooLarge (not fatal, not auth), naming
// the size; on a small one it stays KindAuth. A 413 is KindTooLarge.
func TestLargeAuthFailureIsTooLarge(t *testing.T) {
	h, _ := bodyServer(t, LargeRequest, http.StatusForbidden, "Authentication Failed")
	big := &AddTicketNoteRequest{TicketID: 1, Message: strings.Repeat("x", LargeRequest)}
	err := h.Call(context.Background(), big, nil)
	if KindOf(err) != KindTooLarge || IsAuth(err) || Retryable(err) || MaybeProcessed(err) {
		t.Fatalf("large request: %v (kind %v), want too_large, not retryable, not processed", err, KindOf(err))
	}
	if !strings.Contains(err.Error(), "MiB") || !strings.Contains(err.Error(), "post_max_size") {
		t.Fatalf("message should name the size and post_max_size: %v", err)
	}

	h2, _ := bodyServer(t, 1, http.StatusForbidden, "Authentication Failed")
	if err := h2.Call(context.Background(), &AddTicketNoteRequest{TicketID: 1, Message: "small"}, nil); !IsAuth(err) {
		t.Fatalf("small request: %v, want auth", err)
	}

	h3, _ := bodyServer(t, 1, http.StatusRequestEntityTooLarge, "too big")
	if err := h3.Call(context.Background(), &AddTicketNoteRequest{TicketID: 1, Message: "small"}, nil); !IsTooLarge(err) || Retryable(err) {
		t.Fatalf("413: %v, want too_large, not retryable", err)
	}
}
