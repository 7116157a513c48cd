package whmcs

// Unwrapper is a Caller that wraps another, as the policy layers (rate
// limit, retries, read-only) do. A caller that needs one layer of a
// composed stack (the *HTTP at its core, for the server's clock or a call
// without retries) finds it with Find, rather than keeping a side
// reference to it.
type Unwrapper interface {
	Caller
	Unwrap() Caller
}

// Find returns the outermost layer of c's stack that is a T (c itself
// included), unwrapping through every Unwrapper.
func Find[T Caller](c Caller) (T, bool) {
	for c != nil {
		if t, ok := c.(T); ok {
			return t, true
		}
		u, ok := c.(Unwrapper)
		if !ok {
			break
		}
		c = u.Unwrap()
	}
	var zero T
	return zero, false
}
