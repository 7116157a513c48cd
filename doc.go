// Package whmcsmigrate holds no code: it is the module's statement of what
// its interfaces are. whmcs-migrate is a program, not a library.
//
// # The interfaces
//
// These are kept stable, and a change to them is a change to the README's
// and the release notes' promise:
//
//   - the command line: commands, flags, exit statuses and the environment
//     variables they read (cmd/whmcs-migrate, the README's reference);
//   - the config file (its keys and their meaning; unknown keys are
//     refused, so a renamed key is a visible break, not a silent one);
//   - the checkpoint file (SQLite, package checkpoints): a checkpoint
//     written by one version is opened, migrated in place if needed, by
//     the next, since a migration can be resumed or synced across an
//     upgrade;
//   - the reports' JSON (package importer/report) and the results file,
//     which people feed to their own tools;
//   - the sandbox's HTTP endpoints (/includes/api.php as WHMCS answers it,
//     /_sandbox/state and /_sandbox/change), which rehearsal scripts drive.
//
// # The Go packages are not a stable API
//
// The packages under this module (sources, mapping, importer and its
// passes, checkpoints, whmcs, whmcs/policy, whmcs/sandbox...) can be
// imported, but their exported names are the program's internal seams, not
// a library's API: they change whenever the program's shape does (a pass
// renamed, a type split, a helper moved), with no deprecation period and
// no semantic-version promise.
//
// Why it is said here rather than enforced by moving the engine under
// internal/, as restic did: the layers' names (sources, mapping, importer,
// checkpoints, whmcs) are the map a maintainer reads the tree with, and
// the README, the issues and the layer test (internal/archtest) name them;
// moving them all under internal/ would change every import path and that
// map for no gain to users, who use the binary. internal/ holds what is
// internal by nature: the production helpers (proc, redact, scratch,
// termsafe) and the test support (named *test). Should a real library use
// appear (a source written outside this repository, say), the seam to
// stabilise is sources.Source and its registry, and that would be decided
// then, with a version promise written here.
package whmcsmigrate
