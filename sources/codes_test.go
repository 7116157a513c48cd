package sources

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strconv"
	"testing"
)

// TestCodes checks codes.go: every constant is a Code with a comment, and
// the values are distinct snake_case words.
func TestCodes(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "codes.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	seen := map[string]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			name := vs.Names[0].Name
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Code" || len(vs.Names) != 1 || len(vs.Values) != 1 {
				t.Errorf("%s: want one constant of type Code", name)
				continue
			}
			if vs.Doc == nil {
				t.Errorf("%s has no comment", name)
			}
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if !ok {
				t.Errorf("%s: value is not a string literal", name)
				continue
			}
			v, _ := strconv.Unquote(lit.Value)
			if !snake.MatchString(v) {
				t.Errorf("%s = %q is not snake_case", name, v)
			}
			if other, dup := seen[v]; dup {
				t.Errorf("%s and %s are both %q", name, other, v)
			}
			seen[v] = name
			if h, ok := Code(v).Help(); !ok || h.What == "" || h.Fix == "" {
				t.Errorf("%s has no explanation and fix in codes_help.go", name)
			}
		}
	}
	if len(codeHelp) != len(seen) {
		t.Errorf("codes_help.go explains %d codes, codes.go has %d", len(codeHelp), len(seen))
	}
	if len(seen) < 40 {
		t.Errorf("found %d codes in codes.go; is the parse right?", len(seen))
	}
}
