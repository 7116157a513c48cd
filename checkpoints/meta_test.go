package checkpoints

import (
	"context"
	"path/filepath"
	"testing"
)

func TestMeta(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cp.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.Meta(ctx, MetaTextProfile); err != nil || v != "" {
		t.Fatalf("Meta of a new checkpoint = %q, %v", v, err)
	}
	for _, v := range []string{"escapes=yes four_byte=unknown", "escapes=yes four_byte=yes"} {
		if err := s.SetMeta(ctx, MetaTextProfile, v); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.Meta(ctx, MetaTextProfile); err != nil || v != "escapes=yes four_byte=yes" {
		t.Fatalf("Meta after reopen = %q, %v", v, err)
	}
}
