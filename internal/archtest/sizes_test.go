package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Room sizes the next engineer can read at one sitting (docs/architecture.md): a file
// of non-test code holds one topic, a function a few named steps.
const (
	maxFileLines = 500
	maxFuncLines = 80
)

// longFuncsAllowed are the functions that may run longer, by file and name: the route
// table reads best as one list of every route.
var longFuncsAllowed = map[string]bool{
	"internal/web/routes.go:routes": true,
}

// TestRoomSizes walks every non-test Go file of the module (cmd/ and internal/) and fails
// on a file over maxFileLines lines or a function over maxFuncLines.
func TestRoomSizes(t *testing.T) {
	root := moduleRoot(t)
	for _, problem := range oversized(t, root) {
		t.Error(problem)
	}
}

// oversized lists the files and functions of the tree under root that break the sizes.
func oversized(t *testing.T, root string) []string {
	t.Helper()
	var problems []string
	fset := token.NewFileSet()
	for _, top := range []string{"cmd", "internal"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			rel, _ := filepath.Rel(root, path)
			rel = filepath.ToSlash(rel)
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			if n := fset.File(f.Pos()).LineCount(); n > maxFileLines {
				problems = append(problems, fmt.Sprintf("%s has %d lines (at most %d): split it by topic", rel, n, maxFileLines))
			}
			for _, decl := range f.Decls {
				fd, ok := decl.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
				if n > maxFuncLines && !longFuncsAllowed[rel+":"+fd.Name.Name] {
					problems = append(problems, fmt.Sprintf("%s: func %s has %d lines (at most %d): read it as a few named steps", rel, fd.Name.Name, n, maxFuncLines))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return problems
}

// TestRoomSizesCatches shows the check fails where it should: a tree with one file too
// long and one function too long gives exactly those two problems, and test files and
// the route table are let be.
func TestRoomSizesCatches(t *testing.T) {
	root := t.TempDir()
	write := func(rel, body string) {
		t.Helper()
		path := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fn := func(name string, lines int) string {
		return "func " + name + "() {\n" + strings.Repeat("\t_ = 1\n", lines-2) + "}\n"
	}
	write("cmd/x/main.go", "package main\n")
	write("internal/a/long.go", "package a\n"+strings.Repeat("// filler\n", maxFileLines))
	write("internal/a/fn.go", "package a\n"+fn("short", maxFuncLines)+fn("tooLong", maxFuncLines+1))
	write("internal/a/fn_test.go", "package a\n"+fn("longTest", 3*maxFuncLines))
	write("internal/web/routes.go", "package web\n"+fn("routes", 3*maxFuncLines))
	got := oversized(t, root)
	if len(got) != 2 || !strings.Contains(got[0]+got[1], "internal/a/long.go has 501 lines") ||
		!strings.Contains(got[0]+got[1], "func tooLong has 81 lines") {
		t.Fatalf("oversized found %q; want the long file and tooLong only", got)
	}
}
