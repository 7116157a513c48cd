// Package archtest holds the tests of the tree's shape, which the compiler
// does not check (it forbids cycles, not direction):
//
//   - the packages' imports point one way only: down from the program to
//     the engine, the planner, the readers, the journal and the client,
//     never back up (TestImportsPointDown);
//   - test support is named *test (internal/mariadbtest, whmcs/whmcstest,
//     sources/sourcetest...), and no non-test file of a product package
//     imports it or "testing" (TestTestSupportStaysOut);
//   - packages are at most two levels deep and named as their directory
//     (TestShape);
//   - internal/'s production helpers (proc, redact, scratch, termsafe) are
//     leaves below every layer (TestInternalHelpersAreLeaves);
//   - the sandbox (whmcs/sandbox), which ships in the binary, imports only
//     the standard library, the whmcs package and its seed's YAML reader
//     (TestSandboxIsAProductRoom).
//
// It has no code of its own: only tests, which read the tree with go/build.
package archtest
