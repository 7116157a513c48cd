// Package scratch is a command's own directory for the temporary copies of
// customer data its source makes (the CSV reader's decoded copy of a file
// in another encoding, its message index on disk): one directory per
// process, <parent>/whmcs-migrate-<pid>-<random>, 0700, removed when the
// command ends. A command killed before it could remove its directory
// (SIGKILL, a power cut) leaves it behind; the next command on the same
// host removes it, once the process that made it is gone. A directory
// whose process still runs is never touched.
//
// The command (cmd) decides the parent and passes the directory down
// (sources.Env.TempDir); nothing below it calls os.TempDir.
package scratch
