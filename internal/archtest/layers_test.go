package archtest

import (
	"go/build"
	"os"
	"path/filepath"
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
}

func TestImportsPointDown(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(dir string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); name == "testdata" || strings.HasPrefix(name, ".") && dir != root {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			return nil // no Go files here
		}
		rel, _ := filepath.Rel(root, dir)
		rel = filepath.ToSlash(rel)
		for pattern, bans := range forbidden {
			if !matches(pattern, rel) {
				continue
			}
			checked++
			for _, imp := range pkg.Imports {
				p, ok := strings.CutPrefix(imp, module+"/")
				if !ok {
					continue
				}
				for _, ban := range bans {
					if p == ban || strings.HasPrefix(p, ban+"/") {
						t.Errorf("%s imports %s: a layer below imports one above (banned: %s)", rel, p, ban)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 12 {
		t.Fatalf("only %d packages checked: the walk did not find the tree", checked)
	}
}

func matches(pattern, pkg string) bool {
	if tree, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == tree || strings.HasPrefix(pkg, tree+"/")
	}
	return pkg == pattern
}
