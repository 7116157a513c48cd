package whmcs

import "errors"

// ErrUndated is wrapped by the errors that say WHMCS does not keep the
// dates it is sent: `created` exists from WHMCS 8.0 on; before, it is
// ignored like any unknown parameter and every message is dated "now".
var ErrUndated = errors.New("WHMCS does not keep `created` dates (before 8.0)")
