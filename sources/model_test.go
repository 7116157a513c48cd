package sources

import "testing"

func TestLocalPart(t *testing.T) {
	tests := []struct {
		email, want string
	}{
		{"a@b", "a"},
		{"jane.doe@example.com", "jane.doe"},
		{"@example.com", ""}, // no local part
		{"@", ""},
		{"jane@", "jane"},
		{`"a@b"@example.com`, `"a@b"`}, // a quoted local part may hold "@"; a domain never does
		{"no-at-sign", "no-at-sign"},
		{"", ""},
		{"Ünïcødé@example.com", "Ünïcødé"},
	}
	for _, tt := range tests {
		if got := LocalPart(tt.email); got != tt.want {
			t.Errorf("LocalPart(%q) = %q, want %q", tt.email, got, tt.want)
		}
	}
}
