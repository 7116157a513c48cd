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

// A problem names its ticket by id, and its origin only when that says
// more: a ticket named by its origin is not named twice.
func TestProblemString(t *testing.T) {
	for _, tc := range []struct {
		p    Problem
		want string
	}{
		{Problem{Ticket: "T7", Origin: "tickets.csv:55", Field: "id", Code: CodeDuplicateTicket, Message: "m"}, "ticket T7 (tickets.csv:55) field id: m [duplicate_ticket]"},
		{Problem{Ticket: "tickets.csv:55", Origin: "tickets.csv:55", Code: CodeCSVParse, Message: "m"}, "ticket tickets.csv:55: m [csv_parse]"},
		{Problem{Ticket: "T7", Entry: "e2", Origin: "messages.csv:9", Code: CodeBadDate, Message: "m"}, "ticket T7 entry e2 (messages.csv:9): m [bad_date]"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}
