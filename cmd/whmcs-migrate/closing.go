package main

// warnClose calls close and logs its error as a warning: the deferred
// closes and unlocks of what a command opened, once its work is durable in
// the checkpoint or its answer is given, when the command's own error (or
// its success) is what the exit status must say. what names it in the log.
func (a *app) warnClose(what string, close func() error) {
	if err := close(); err != nil {
		a.log.Warn("close "+what, "error", err)
	}
}
