package archtest

import (
	"go/build"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/whmcs-migrate/whmcs-migrate"

// forbidden maps a package (or a tree, with "/...") to the project
// packages it must not import, directly, from its non-test files. Together
// with the Go compiler's ban on cycles they make following one ticket from
// its source row to its API call a walk down: sources -> mapping ->
// importer -> whmcs, with checkpoints beside, and cmd on top.
var forbidden = map[string][]string{
	"sources/...":       {"mapping", "importer", "checkpoints", "whmcs", "cmd"},
	"checkpoints":       {"sources", "mapping", "importer", "whmcs", "cmd"},
	"whmcs/...":         {"sources", "mapping", "importer", "checkpoints", "cmd"},
	"mapping/...":       {"importer", "checkpoints", "cmd"},
	"importer":          {"importer/validate", "importer/verify", "importer/rollback", "cmd"},
	"importer/report":   {"importer", "importer/validate", "importer/verify", "importer/rollback", "mapping", "checkpoints", "cmd"},
	"importer/validate": {"importer/verify", "importer/rollback", "cmd"},
	"importer/verify":   {"importer/validate", "importer/rollback", "cmd"},
	"importer/rollback": {"importer/validate", "importer/verify", "cmd"},
	// internal/: nothing there imports the program; the production
	// helpers (see TestInternalHelpersAreLeaves) import no layer at all.
	"internal/...": {"cmd"},
}

// layers are the project's top-level rooms, which internal/'s production
// helpers sit below.
var layers = []string{"sources", "mapping", "importer", "checkpoints", "whmcs", "cmd"}

// pkg is one package of the tree, as its non-test files build.
type pkg struct {
	rel     string   // path in the module: "whmcs/sandbox"
	name    string   // package clause
	imports []string // non-test files' imports
}

// module lists the tree's packages (walking from the module root, as
// go/build sees them with the default build context).
func walk(t *testing.T) []pkg {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []pkg
	err = filepath.WalkDir(root, func(dir string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); name == "testdata" || strings.HasPrefix(name, ".") && dir != root {
			return filepath.SkipDir
		}
		p, err := build.ImportDir(dir, 0)
		if err != nil {
			return nil // no Go files here (or only tests: archtest)
		}
		rel, _ := filepath.Rel(root, dir)
		pkgs = append(pkgs, pkg{rel: filepath.ToSlash(rel), name: p.Name, imports: p.Imports})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 25 {
		t.Fatalf("only %d packages found: the walk did not find the tree", len(pkgs))
	}
	return pkgs
}

// project returns imp's path in the module ("whmcs/sandbox", "." for the
// root), or false for
// a package from elsewhere.
func project(imp string) (string, bool) {
	if imp == module {
		return ".", true
	}
	return strings.CutPrefix(imp, module+"/")
}

// testSupport reports whether the package at rel is test support: its
// name ends in "test" (internal/mariadbtest, whmcs/whmcstest,
// sources/sourcetest). That is the rule by which a reader, and this test,
// tell test support from product code.
func testSupport(rel string) bool {
	return strings.HasSuffix(path.Base(rel), "test")
}

func TestImportsPointDown(t *testing.T) {
	checked := 0
	for _, p := range walk(t) {
		for pattern, bans := range forbidden {
			if !matches(pattern, p.rel) {
				continue
			}
			checked++
			for _, imp := range p.imports {
				q, ok := project(imp)
				if !ok {
					continue
				}
				for _, ban := range bans {
					if q == ban || strings.HasPrefix(q, ban+"/") {
						t.Errorf("%s imports %s: a layer below imports one above (banned: %s)", p.rel, q, ban)
					}
				}
			}
		}
	}
	if checked < 12 {
		t.Fatalf("only %d packages checked: the walk did not find the tree", checked)
	}
}

// TestTestSupportStaysOut checks that test support never ships: no non-test
// file of a product package imports a test-support package, and a package
// whose non-test files import "testing" is named as test support.
func TestTestSupportStaysOut(t *testing.T) {
	support := 0
	for _, p := range walk(t) {
		if testSupport(p.rel) {
			support++
			continue
		}
		for _, imp := range p.imports {
			if imp == "testing" {
				t.Errorf("%s imports testing in a non-test file: test support is named *test (package %stest), product code does not import testing", p.rel, path.Base(p.rel))
			}
			if q, ok := project(imp); ok && testSupport(q) {
				t.Errorf("%s imports %s: product code imports no test support (*test packages)", p.rel, q)
			}
		}
	}
	if support < 8 {
		t.Fatalf("only %d test-support packages found: the rule no longer names them", support)
	}
}

// TestShape checks the tree's shape: packages at most two levels deep
// (no internal/x/y), each named as its directory (but main and the
// module root's doc package, whmcsmigrate), so that
// testSupport's rule on the path is a rule on the name.
func TestShape(t *testing.T) {
	for _, p := range walk(t) {
		if strings.Count(p.rel, "/") > 1 {
			t.Errorf("%s: more than two levels deep", p.rel)
		}
		if p.name != "main" && p.rel != "." && p.name != path.Base(p.rel) {
			t.Errorf("%s: package %s is not named as its directory", p.rel, p.name)
		}
	}
}

// TestInternalHelpersAreLeaves checks internal/'s production helpers
// (redact, termsafe, proc, scratch): they are leaves below every layer,
// importing no project package but one another, so that any layer may use
// them without a cycle or an arrow up.
func TestInternalHelpersAreLeaves(t *testing.T) {
	helpers := 0
	for _, p := range walk(t) {
		if !matches("internal/...", p.rel) || testSupport(p.rel) {
			continue
		}
		helpers++
		for _, imp := range p.imports {
			q, ok := project(imp)
			if ok && !(matches("internal/...", q) && !testSupport(q)) {
				t.Errorf("%s imports %s: internal/'s production helpers import no layer (%s)", p.rel, q, strings.Join(layers, ", "))
			}
		}
	}
	if helpers < 4 {
		t.Fatalf("only %d production helpers found in internal/", helpers)
	}
}

// sandboxMay is what the sandbox, a product room, may import beyond the
// standard library: the client package it answers (its types, its
// options) and the YAML reader of its seed file. Not the engine, the
// planner, the sources, the checkpoints, the policy layers or test support:
// it is a WHMCS, not a part of the migration.
var sandboxMay = []string{module + "/whmcs", "go.yaml.in/yaml/v3"}

func TestSandboxIsAProductRoom(t *testing.T) {
	found := false
	for _, p := range walk(t) {
		if p.rel != "whmcs/sandbox" {
			continue
		}
		found = true
		for _, imp := range p.imports {
			std := !strings.Contains(strings.Split(imp, "/")[0], ".")
			if imp == "testing" || !std && !slices.Contains(sandboxMay, imp) {
				t.Errorf("whmcs/sandbox imports %s: the sandbox imports only the standard library (but testing) and %s", imp, strings.Join(sandboxMay, ", "))
			}
		}
	}
	if !found {
		t.Fatal("whmcs/sandbox not found")
	}
}

func matches(pattern, pkg string) bool {
	if tree, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == tree || strings.HasPrefix(pkg, tree+"/")
	}
	return pkg == pattern
}
