package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestHandlersDoNotWrite reads internal/web's source: web may hold the store's handle
// (a *store.DB field) only to call methods that read; writes go through a service, which
// writes the change and its audit event in one transaction. Handing the handle to
// anything else would let that write, so it counts too.
func TestHandlersDoNotWrite(t *testing.T) {
	x := exceptionsFor(t, ruleWrites)
	dir := filepath.Join(moduleRoot(t), "internal", "web")
	files := parseWeb(t, dir)

	handles := map[string]bool{}
	for _, f := range files {
		ast.Inspect(f.ast, func(n ast.Node) bool {
			st, ok := n.(*ast.StructType)
			if !ok {
				return true
			}
			for _, field := range st.Fields.List {
				if !isStoreDB(field.Type) {
					continue
				}
				if len(field.Names) == 0 {
					t.Errorf("%s: %s embeds *store.DB, which hands every store method, writes too, to web", ruleWrites, f.name)
				}
				for _, name := range field.Names {
					handles[name.Name] = true
				}
			}
			return true
		})
	}

	for _, f := range files {
		for _, decl := range f.ast.Decls {
			fn := "package level"
			if fd, ok := decl.(*ast.FuncDecl); ok {
				fn = fd.Name.Name
			}
			receivers := map[*ast.SelectorExpr]bool{}
			ast.Inspect(decl, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				method, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				handle, ok := method.X.(*ast.SelectorExpr)
				if !ok || !handles[handle.Sel.Name] {
					return true
				}
				receivers[handle] = true
				name := method.Sel.Name
				if !slices.Contains(storeReads, name) && !x.excused("internal/web", name) {
					t.Errorf("%s: %s (%s) calls the store's %s, which is not in storeReads; a write goes through a service (if it only reads, add it to storeReads in internal/archtest)",
						ruleWrites, fn, f.name, name)
				}
				return true
			})
			ast.Inspect(decl, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.SelectorExpr:
					if handles[n.Sel.Name] && !receivers[n] && !isStoreDB(n) && !x.excused(fn, n.Sel.Name) {
						t.Errorf("%s: %s (%s) hands the store's handle %s on; build services in cmd/redress and call them",
							ruleWrites, fn, f.name, n.Sel.Name)
					}
				case *ast.Field:
					// A parameter or result of type *store.DB: the handle travels. The
					// field that holds it is the one place allowed.
					if isStoreDB(n.Type) && !isStructField(decl, n) {
						t.Errorf("%s: %s (%s) takes or returns a *store.DB", ruleWrites, fn, f.name)
					}
				}
				return true
			})
		}
	}
	if len(handles) == 0 && importsStore(files) {
		t.Logf("web imports the store but holds no *store.DB: only its types")
	}
}

type parsed struct {
	name string
	ast  *ast.File
}

func parseWeb(t *testing.T, dir string) []parsed {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []parsed
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, parsed{name, f})
	}
	if len(files) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	return files
}

// isStoreDB matches the type expression *store.DB (or store.DB).
func isStoreDB(e ast.Expr) bool {
	if star, ok := e.(*ast.StarExpr); ok {
		e = star.X
	}
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "store" && sel.Sel.Name == "DB"
}

// isStructField says whether field is a field of a struct type declared in decl.
func isStructField(decl ast.Decl, field *ast.Field) bool {
	found := false
	ast.Inspect(decl, func(n ast.Node) bool {
		if st, ok := n.(*ast.StructType); ok && slices.Contains(st.Fields.List, field) {
			found = true
		}
		return !found
	})
	return found
}

func importsStore(files []parsed) bool {
	for _, f := range files {
		for _, imp := range f.ast.Imports {
			if imp.Path.Value == `"`+module+`/internal/store"` {
				return true
			}
		}
	}
	return false
}
