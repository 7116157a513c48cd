// Package termsafe keeps data from acting on a terminal. Ticket subjects,
// ids, names and WHMCS's answers can hold control characters and ANSI/OSC
// escape sequences ("\x1b]0;title\a", "\x1b[31m", "\r" that overwrites a
// line); printed raw they would be executed by the terminal. Writer, which
// cmd wraps around every command's stdout and stderr, is the one place they
// are made visible: each is written as a Go-style escape (\x1b, \r, \a,
// \u009b), never raw, while newlines, tabs and printable text in any
// script (é, 日本, emoji) pass unchanged.
//
// The escapes it writes are also valid inside a JSON string, so JSON
// output (which encoding/json has escaped already) stays valid and
// unchanged. It must not be used for files the user asked for (reports),
// only for what reaches a terminal.
package termsafe
