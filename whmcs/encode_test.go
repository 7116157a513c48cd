package whmcs

import (
	"encoding/base64"
	"maps"
	"reflect"
	"strings"
	"testing"
)

// Vectors from research/whmcs-api.md §4 and §5, byte for byte.
func TestEncodeAttachmentsVector(t *testing.T) {
	got := EncodeAttachments([]Attachment{{Name: "sample_text_file.txt", Data: []byte("This is a sample text file contents")}})
	const want = "W3sibmFtZSI6InNhbXBsZV90ZXh0X2ZpbGUudHh0IiwiZGF0YSI6IlZHaHBjeUJwY3lCaElITmhiWEJzWlNCMFpYaDBJR1pwYkdVZ1kyOXVkR1Z1ZEhNPSJ9XQ=="
	if got != want {
		t.Fatalf("EncodeAttachments = %s\nwant                %s", got, want)
	}
}

func TestEncodeCustomFieldsVectors(t *testing.T) {
	for _, tc := range []struct {
		in       map[int]string
		php, b64 string
	}{
		{map[int]string{1: "Google"}, `a:1:{i:1;s:6:"Google";}`, "YToxOntpOjE7czo2OiJHb29nbGUiO30="},
		{map[int]string{12: "", 3: "Café"}, `a:2:{i:3;s:5:"Café";i:12;s:0:"";}`, "YToyOntpOjM7czo1OiJDYWbDqSI7aToxMjtzOjA6IiI7fQ=="},
		{map[int]string{}, `a:0:{}`, base64.StdEncoding.EncodeToString([]byte(`a:0:{}`))},
		{map[int]string{-2: `say "hi"; a:1:{}`}, `a:1:{i:-2;s:16:"say "hi"; a:1:{}";}`, ""},
	} {
		got := EncodeCustomFields(tc.in)
		raw, _ := base64.StdEncoding.DecodeString(got)
		if string(raw) != tc.php {
			t.Errorf("EncodeCustomFields(%v) serializes to %s, want %s", tc.in, raw, tc.php)
		}
		if tc.b64 != "" && got != tc.b64 {
			t.Errorf("EncodeCustomFields(%v) = %s, want %s", tc.in, got, tc.b64)
		}
		back, err := DecodeCustomFields(got)
		if err != nil || !maps.Equal(back, tc.in) {
			t.Errorf("DecodeCustomFields(EncodeCustomFields(%v)) = %v, %v", tc.in, back, err)
		}
	}
	if len(EncodeCustomFields(map[int]string{1: "x"})) == 0 {
		t.Fatal("empty")
	}
}

func TestEncodeCustomFieldsSortedForManyKeys(t *testing.T) {
	m := map[int]string{}
	for i := 50; i > 0; i-- {
		m[i*7] = strings.Repeat("é", i%4)
	}
	first := EncodeCustomFields(m)
	for range 20 {
		if got := EncodeCustomFields(m); got != first {
			t.Fatal("EncodeCustomFields is not deterministic (map order leaked)")
		}
	}
	raw, _ := base64.StdEncoding.DecodeString(first)
	if !strings.HasPrefix(string(raw), `a:50:{i:7;s:2:"é";i:14;s:4:"éé";`) {
		t.Fatalf("not sorted by key or wrong byte lengths: %.60s", raw)
	}
}

func TestAttachmentsRoundTrip(t *testing.T) {
	in := []Attachment{
		{Name: `ré"sumé\.pdf`, Data: []byte{0, 1, 2, 0xff, 0xfe}},
		{Name: "empty.txt", Data: []byte{}},
		{Name: "tab\tnew\nline<>&.txt", Data: []byte("<html>&amp;</html>")},
	}
	enc := EncodeAttachments(in)
	raw, _ := base64.StdEncoding.DecodeString(enc)
	if strings.Contains(string(raw), `\u003c`) || !strings.Contains(string(raw), `"ré\"sumé\\.pdf"`) {
		t.Errorf("unexpected JSON escaping: %s", raw)
	}
	out, err := DecodeAttachments(enc)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("got %d attachments", len(out))
	}
	for i := range in {
		if out[i].Name != in[i].Name || string(out[i].Data) != string(in[i].Data) {
			t.Errorf("item %d: got %q %q, want %q %q", i, out[i].Name, out[i].Data, in[i].Name, in[i].Data)
		}
	}
	// The documented PHP output (with \/ escapes and \u escapes) decodes too.
	php := base64.StdEncoding.EncodeToString([]byte(`[{"name":"a\/b\u00e9.txt","data":"YQ=="}]`))
	out, err = DecodeAttachments(php)
	if err != nil || !reflect.DeepEqual(out, []Attachment{{Name: "a/bé.txt", Data: []byte("a")}}) {
		t.Errorf("PHP-escaped JSON: %v, %v", out, err)
	}
}

func TestDecodeAttachmentsRejectsMalformed(t *testing.T) {
	b := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for name, in := range map[string]string{
		"not base64":         "!!!",
		"unpadded base64":    strings.TrimRight(b(`[{"name":"a","data":"YQ=="}]`), "="),
		"not JSON":           b(`hello`),
		"object not array":   b(`{"name":"a","data":"YQ=="}`),
		"null":               b(`null`),
		"array of strings":   b(`["a"]`),
		"array of null":      b(`[null]`),
		"missing name":       b(`[{"data":"YQ=="}]`),
		"filename not name":  b(`[{"filename":"a","data":"YQ=="}]`),
		"empty name":         b(`[{"name":"","data":"YQ=="}]`),
		"numeric name":       b(`[{"name":1,"data":"YQ=="}]`),
		"missing data":       b(`[{"name":"a"}]`),
		"null data":          b(`[{"name":"a","data":null}]`),
		"data not base64":    b(`[{"name":"a","data":"@@"}]`),
		"trailing data":      b(`[{"name":"a","data":"YQ=="}] []`),
		"truncated JSON":     b(`[{"name":"a","data":"YQ=="}`),
		"raw not re-encoded": b(`[{"name":"a","data":"hello world"}]`),
	} {
		if got, err := DecodeAttachments(in); err == nil {
			t.Errorf("%s: DecodeAttachments accepted %q: %v", name, in, got)
		}
	}
	if got, err := DecodeAttachments(b(`[]`)); err != nil || len(got) != 0 {
		t.Errorf("empty array: %v, %v", got, err)
	}
}

func TestDecodeCustomFields(t *testing.T) {
	b := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	ok := map[string]map[int]string{
		`a:0:{}`:                        {},
		`a:1:{i:1;s:6:"Google";}`:       {1: "Google"},
		`a:1:{s:1:"7";s:2:"ok";}`:       {7: "ok"},
		`a:2:{i:3;i:42;i:4;s:3:"a;b";}`: {3: "42", 4: "a;b"},
		`a:1:{i:5;s:8:"x";s:1:"";}`:     {5: `x";s:1:"`},
		`a:1:{i:1;s:3:"日";}`:            {1: "日"},
	}
	for in, want := range ok {
		got, err := DecodeCustomFields(b(in))
		if err != nil || !maps.Equal(got, want) {
			t.Errorf("DecodeCustomFields(%s) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{
		``,
		`a:1:{i:1;s:6:"Google";}x`,           // trailing
		`a:2:{i:1;s:6:"Google";}`,            // count too high
		`a:1:{i:1;s:6:"Google";i:2;s:0:"";}`, // count too low
		`a:1:{i:1;s:7:"Google";}`,            // length wrong
		`a:1:{i:1;s:5:"Google";}`,            // length wrong
		`a:1:{i:1;s:3:"Café";}`,              // char count, not bytes
		`a:1:{s:3:"abc";s:1:"x";}`,           // non-numeric key
		`a:1:{s:2:"01";s:1:"x";}`,            // PHP keeps "01" as a string key
		`a:2:{i:1;s:1:"a";i:1;s:1:"b";}`,     // duplicate key
		`a:1:{i:1;b:1;}`,                     // bool value
		`a:1:{i:1;N;}`,                       // null value
		`a:1:{i:1;a:0:{}}`,                   // nested array
		`s:6:"Google";`,                      // not an array
		`a:-1:{}`,                            // negative count
		`a:1:{i:x;s:1:"a";}`,                 // bad key
		`a:1:{i:1;s:1:"a"}`,                  // missing ;
		`a:1:{i:1;s:99999999999999999999:"a";}`,
		`a:9999999999:{}`,
	} {
		if got, err := DecodeCustomFields(b(in)); err == nil {
			t.Errorf("DecodeCustomFields accepted %s: %v", in, got)
		}
	}
	if _, err := DecodeCustomFields("YToxOntpOjE7czo2OiJHb29nbGUiO30"); err == nil {
		t.Error("accepted unpadded base64")
	}
	if _, err := DecodeCustomFields("a:0:{}"); err == nil {
		t.Error("accepted a raw serialized array without base64")
	}
}

// The decoders face whatever a client sends the sandbox: they must never
// panic, and what they accept must survive a round trip.
func FuzzDecodeCustomFields(f *testing.F) {
	for _, s := range []string{`a:1:{i:1;s:6:"Google";}`, `a:2:{i:3;s:5:"Café";i:12;s:0:"";}`, `a:1:{s:1:"7";i:-4;}`, `a:0:{}`, `a:1:{i:1;s:99:"x";}`} {
		f.Add(base64.StdEncoding.EncodeToString([]byte(s)))
	}
	f.Fuzz(func(t *testing.T, in string) {
		m, err := DecodeCustomFields(in)
		if err != nil {
			return
		}
		back, err := DecodeCustomFields(EncodeCustomFields(m))
		if err != nil || !maps.Equal(back, m) {
			t.Fatalf("round trip of %v: %v, %v", m, back, err)
		}
	})
}

func FuzzDecodeAttachments(f *testing.F) {
	f.Add(EncodeAttachments([]Attachment{{Name: "a.txt", Data: []byte("a")}}))
	f.Add(base64.StdEncoding.EncodeToString([]byte(`[{"name":"a\/b\u00e9","data":""}]`)))
	f.Fuzz(func(t *testing.T, in string) {
		a, err := DecodeAttachments(in)
		if err != nil {
			return
		}
		back, err := DecodeAttachments(EncodeAttachments(a))
		if err != nil || len(back) != len(a) {
			t.Fatalf("round trip of %q: %v", in, err)
		}
		for i := range a {
			if back[i].Name != strings.ToValidUTF8(a[i].Name, "\uFFFD") || string(back[i].Data) != string(a[i].Data) {
				t.Fatalf("item %d: %q → %q", i, a[i].Name, back[i].Name)
			}
		}
	})
}
