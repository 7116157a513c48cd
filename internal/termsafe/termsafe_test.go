package termsafe

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	for in, want := range map[string]string{
		"plain": "plain",
		"é 日本 👨‍👩‍👧 ü\ttab\nline": "é 日本 👨‍👩‍👧 ü\ttab\nline",
		"\x1b]0;pwn\x07":      `\x1b]0;pwn\a`,
		"\x1b[31mred\x1b[0m":  `\x1b[31mred\x1b[0m`,
		"over\rwrite":         `over\rwrite`,
		"nul\x00 del\x7f":     `nul\x00 del\u007f`,
		"c1 \u009b31m \u009d": `c1 \u009b31m \u009d`,
		"bad \x9b byte":       `bad \x9b byte`,
		"bidi \u202egnp.exe":  `bidi \u202egnp.exe`,
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

// Nothing a control can be made of reaches the writer's output, whatever
// the chunking; multi-byte characters split across writes survive.
func TestWriter(t *testing.T) {
	in := "subject \x1b]0;pwn\x07 é日本 \r\n\x1b[31m \u009b 👍 \x9b end"
	for size := 1; size <= len(in); size++ {
		var out bytes.Buffer
		w := NewWriter(&out)
		for i := 0; i < len(in); i += size {
			n, err := w.Write([]byte(in[i:min(i+size, len(in))]))
			if err != nil || n != min(size, len(in)-i) {
				t.Fatalf("write: %d, %v", n, err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if got, want := out.String(), String(in); got != want {
			t.Fatalf("chunks of %d: %q, want %q", size, got, want)
		}
		if Raw(out.Bytes()) {
			t.Fatalf("chunks of %d: raw control in %q", size, out.String())
		}
	}
}

// JSON passes unchanged when encoding/json escaped it, and stays valid
// JSON with the same value when it holds DEL, C1 or bidi characters.
func TestWriterKeepsJSON(t *testing.T) {
	v := map[string]string{"s": "\x1b]0;pwn\x07 \r é \x7f \u009b \u202e"}
	b, _ := json.Marshal(v)
	var out bytes.Buffer
	w := NewWriter(&out)
	w.Write(b)
	var back map[string]string
	if err := json.Unmarshal(out.Bytes(), &back); err != nil || back["s"] != v["s"] {
		t.Errorf("JSON through the writer: %q, %v", out.String(), err)
	}
	if !strings.Contains(out.String(), "é") {
		t.Errorf("é escaped: %s", out.String())
	}
}
