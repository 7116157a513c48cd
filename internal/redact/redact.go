// Package redact removes secrets from error texts while keeping the error
// chain whole, so that errors.Is and errors.As (and the exit codes built on
// them) still see through a redacted error.
package redact

// Error returns err with clean applied to its text, or err itself when
// clean changes nothing. The original stays reachable by Unwrap.
func Error(err error, clean func(string) string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := clean(msg); red != msg {
		return redacted{msg: red, err: err}
	}
	return err
}

// redacted is an error whose text had secrets removed.
type redacted struct {
	msg string
	err error
}

func (r redacted) Error() string { return r.msg }
func (r redacted) Unwrap() error { return r.err }
