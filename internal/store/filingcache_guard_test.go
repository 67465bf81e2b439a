package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The tables FilingView reads, by the row types this package maps them to
// (TestFilingTablesMoveTheVersion finds the tables from the view's own queries).
var (
	filingRowTypes = []string{"agencyRow", "agreementRow", "listingRow", "sheetRow", "routingRow", "unitRow", "unitClockRow"}
	filingSQL      = regexp.MustCompile(`(?is)\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE)\s+"?(agencies|agreements|agreement_listings|registry_sheets|routing_rules|units|unit_clocks)\b`)
)

// notFilingWriters are exported methods the source check below takes for writers of
// what filing reads, but are not, each with why.
// (None today: SaveOffice, which checks the agency ids an office names, does so in a
// function of its own that writes nothing.)
var notFilingWriters = map[string]string{}

// TestFilingWritersDropTheView: every exported method that writes (itself or through
// the functions it calls) a table the filing cache reads must call filingChanged, so
// the process that made the change files with it at once. The triggers of migration
// 110 move the version whatever the path, so other processes notice anyway; this
// check keeps the writing process's own filings from a stale second.
//
// It reads this package's source: a function writes such a table when it names one
// of their row types and builds an INSERT, UPDATE or DELETE, or holds such SQL naming
// one of them.
func TestFilingWritersDropTheView(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	type fn struct {
		direct, drops bool
		calls         []string
	}
	funcs := map[string]*fn{}
	for _, p := range pkgs {
		for _, file := range p.Files {
			for _, d := range file.Decls {
				decl, ok := d.(*ast.FuncDecl)
				if !ok || decl.Body == nil {
					continue
				}
				f := funcs[decl.Name.Name]
				if f == nil {
					f = &fn{}
					funcs[decl.Name.Name] = f
				}
				namesRow, builds := false, false
				ast.Inspect(decl.Body, func(n ast.Node) bool {
					switch n := n.(type) {
					case *ast.Ident:
						namesRow = namesRow || slices.Contains(filingRowTypes, n.Name)
					case *ast.BasicLit:
						f.direct = f.direct || (n.Kind == token.STRING && filingSQL.MatchString(n.Value))
					case *ast.CallExpr:
						var name string
						switch fun := n.Fun.(type) {
						case *ast.Ident:
							name = fun.Name
						case *ast.SelectorExpr:
							name = fun.Sel.Name
						case *ast.IndexExpr: // a generic function given its type
							if id, ok := fun.X.(*ast.Ident); ok {
								name = id.Name
							}
						}
						builds = builds || name == "NewInsert" || name == "NewUpdate" || name == "NewDelete"
						f.drops = f.drops || name == "filingChanged"
						f.calls = append(f.calls, name)
					}
					return true
				})
				f.direct = f.direct || (namesRow && builds)
			}
		}
	}
	memo := map[string]bool{}
	var writes func(name string, seen map[string]bool) bool
	writes = func(name string, seen map[string]bool) bool {
		f, ok := funcs[name]
		if !ok || seen[name] {
			return false
		}
		if w, ok := memo[name]; ok {
			return w
		}
		seen[name] = true
		w := f.direct
		for _, c := range f.calls {
			w = w || writes(c, seen)
		}
		memo[name] = w
		return w
	}
	var writers []string
	for name, f := range funcs {
		if !ast.IsExported(name) || !writes(name, map[string]bool{}) {
			continue
		}
		writers = append(writers, name)
		if _, ok := notFilingWriters[name]; ok {
			continue
		}
		if !f.drops {
			t.Errorf("%s writes a table the filing cache reads but does not call db.filingChanged() after its transaction", name)
		}
	}
	slices.Sort(writers)
	t.Logf("writers of what filing reads: %v", writers)
	// The check must find the writers there are, or it finds nothing.
	for _, known := range []string{"ApplySheet", "ReplaceRoutingRules", "ReplaceUnitClocks", "SaveUnit"} {
		if !slices.Contains(writers, known) {
			t.Errorf("the source check misses %s (found %v)", known, writers)
		}
	}
	for name := range notFilingWriters {
		if !slices.Contains(writers, name) {
			t.Errorf("notFilingWriters lists %s, which the check no longer takes for a writer: remove it", name)
		}
	}
}

// SetEagerListings sets how many listings a filing view loads whole, until the test ends.
func SetEagerListings(t testing.TB, n int64) {
	old := eagerListings
	eagerListings = n
	t.Cleanup(func() { eagerListings = old })
}
