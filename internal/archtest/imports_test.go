package archtest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const module = "github.com/redress-oversight/redress"

// layers places every package of the module (paths without the module prefix). A package
// imports packages of its own layer or a higher number, never a lower one: data flows
// from cmd down to the vocabulary. docs/architecture.md shows the same numbers.
var layers = map[string]int{
	"cmd/redress":       0, // builds every service and runs a subcommand
	"internal/archtest": 0, // imported by nobody

	"internal/web":             1,
	"internal/web/browsertest": 1,
	"internal/bench":           1, // drives the service over HTTP, as a client
	"internal/metrics":         1, // serves Prometheus' text over HTTP, on its own listener

	// What staff and complainants do.
	"internal/auth":     2,
	"internal/casefile": 2,
	"internal/casework": 2,
	"internal/seed":     2,
	// Oversight (issue 15): measures, the transparency report, the early warning.
	"internal/oversight": 2,
	// Issue 15, oversight dashboard: the measures' tables, exports and reports.
	"internal/reports": 2,

	// Services the ones above build on.
	"internal/authz":    3,
	"internal/intake":   2,
	"internal/audit":    3,
	"internal/mail":     3,
	"internal/registry": 3,
	"internal/limit":    3,

	"internal/store":           4,
	"internal/store/storetest": 4,

	// Pure logic and settings: no database, no network.
	"internal/deadline":    5,
	"internal/workflow":    5,
	"internal/ice":         5,
	"internal/ice/icetest": 5,
	"internal/secret":      5,
	"internal/i18n":        5,
	"internal/config":      5,
	"internal/logtest":     5,
	// Issue 15, oversight dashboard: SVG charts drawn on the server.
	"internal/chart": 5,
	// Transparency report (issue 15): small counts hidden, complements chosen.
	"internal/suppress": 5,

	// The vocabulary, and the files the binary carries.
	"internal/redress": 6,
	"migrations":       6,
	"policies":         6,
	"templates":        6,
}

// Rules, as named in docs/architecture.md and in failure messages.
const (
	ruleUpward  = "nothing imports upward"
	ruleDomain  = "the domain imports only the standard library"
	ruleDialect = "only the store knows the dialect"
	ruleHTTP    = "services never import net/http"
	ruleWrites  = "handlers never write"
)

// An exception is a place where today's code breaks a rule. Each says why and which
// point of issue 11 (or what else) removes it; once it is removed, the test fails until
// the exception is deleted too, so the list only shrinks.
type exception struct {
	rule string
	from string // the package, or for handlers never write the web function
	what string // the import, or the store method web calls or the handle it passes on
	why  string
}

var known = []exception{
	{ruleHTTP, "internal/authz", "net/http", "the Casbin middleware for mux routes sits beside the enforcer (DESIGN.md); no point of issue 11 moves it into web"},
	{ruleHTTP, "internal/authz", "github.com/gorilla/mux", "the middleware reads the route template; goes with the middleware"},
	{ruleHTTP, "internal/casefile", "net/http", "http.DetectContentType sniffs evidence uploads; no point of issue 11 moves it (web could sniff and pass the type)"},

	{ruleWrites, "internal/web", "Ready", "/readyz proves the database takes a write (a probe row, no case data); no point of issue 11 moves it"},
}

// storeReads are the store methods web may call: each only reads.
var storeReads = []string{
	"Agency", "Agreement", "AgreementHistory", "AgreementsForAgency", "AllUnitClocks", "AuditVerification",
	"CaseState", "ChangedAgreements", "Clocks", "Complaint", "ComplaintAgencies", "ComplaintAgreements",
	"ComplaintByTracking", "ListAgencies", "ListAgreements", "ListAudit", "ListUnits",
	"RecentAuditVerifications", "Referrals", "RoutingRules", "RunningAuditVerification",
	"SearchAudit", "SearchComplaints", "SheetRecords",
}

// dialectImports are what speaks SQL or a dialect: a path equal to one, or under it.
// database/sql/driver is not among them: its Valuer lets a domain type say how it is
// written without knowing where.
var dialectImports = []string{
	"github.com/uptrace/bun", "github.com/lib/pq", "modernc.org/sqlite",
}

// speaksDialect: database/sql itself, or anything under dialectImports.
func speaksDialect(path string) bool {
	return path == "database/sql" || under(path, dialectImports)
}

// dialectAllowed may import them: the store, and the test helper that makes schemas.
var dialectAllowed = []string{"internal/store", "internal/store/storetest"}

// httpImports are the web's tools; no package under web needs them.
var httpImports = []string{"net/http", "github.com/gorilla/mux"}

// exceptions hands out the known exceptions of one rule and reports, at the end of the
// test, those no finding used.
type exceptions struct {
	t    *testing.T
	rule string
	used map[exception]bool
}

func exceptionsFor(t *testing.T, rule string) *exceptions {
	x := &exceptions{t: t, rule: rule, used: map[exception]bool{}}
	t.Cleanup(func() {
		for _, e := range known {
			if e.rule == rule && !x.used[e] {
				t.Errorf("known exception to %q no longer happens: %s → %s; delete it from known in %s and from docs/architecture.md",
					rule, e.from, e.what, "internal/archtest/imports_test.go")
			}
		}
	})
	return x
}

// excused says whether from → what is a known exception, and marks it used.
func (x *exceptions) excused(from, what string) bool {
	for _, e := range known {
		if e.rule == x.rule && e.from == from && e.what == what {
			x.used[e] = true
			return true
		}
	}
	return false
}

type pkg struct {
	path    string // without the module prefix for the module's own packages
	imports []string
}

var (
	listOnce sync.Once
	listed   []pkg
	listErr  error
)

// moduleRoot is the directory holding go.mod, found upward from the test's directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// packages lists the module's packages and their non-test imports from `go list`, the
// build's own view of the graph (build tags, generated files and all).
func packages(t *testing.T) []pkg {
	t.Helper()
	root := moduleRoot(t)
	listOnce.Do(func() {
		cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...")
		cmd.Dir = root
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			listErr = fmt.Errorf("go list: %v\n%s", err, stderr.String())
			return
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 0 {
				continue
			}
			p := pkg{path: own(f[0])}
			for _, imp := range f[1:] {
				p.imports = append(p.imports, own(imp))
			}
			listed = append(listed, p)
		}
	})
	if listErr != nil {
		t.Fatal(listErr)
	}
	if len(listed) < 10 {
		t.Fatalf("go list found %d packages; expected the whole module", len(listed))
	}
	return listed
}

// own strips the module prefix from the module's own packages.
func own(path string) string {
	return strings.TrimPrefix(path, module+"/")
}

// isStd: the standard library's import paths have no dot in their first element; every
// other module's do, and ours was stripped by own.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".") && !hasOwnRoot(first)
}

func hasOwnRoot(first string) bool {
	return first == "cmd" || first == "internal" || first == "migrations" || first == "policies" || first == "templates"
}

func under(path string, roots []string) bool {
	for _, r := range roots {
		if path == r || strings.HasPrefix(path, r+"/") {
			return true
		}
	}
	return false
}

func TestEveryPackageHasALayer(t *testing.T) {
	var seen []string
	for _, p := range packages(t) {
		seen = append(seen, p.path)
		if _, ok := layers[p.path]; !ok {
			t.Errorf("package %s has no layer: give it one in layers (internal/archtest/imports_test.go) and a row in docs/architecture.md", p.path)
		}
	}
	for path := range layers {
		if !slices.Contains(seen, path) {
			t.Errorf("layers names %s, which go list does not find: delete it there and in docs/architecture.md", path)
		}
	}
}

func TestNothingImportsUpward(t *testing.T) {
	x := exceptionsFor(t, ruleUpward)
	for _, p := range packages(t) {
		from, ok := layers[p.path]
		if !ok {
			continue // TestEveryPackageHasALayer says so
		}
		for _, imp := range p.imports {
			to, ok := layers[imp]
			if !ok || to >= from || x.excused(p.path, imp) {
				continue
			}
			t.Errorf("%s: %s (layer %d) imports %s (layer %d), a layer above it; move what it needs down, or the work up",
				ruleUpward, p.path, from, imp, to)
		}
	}
}

func TestDomainImportsOnlyStandardLibrary(t *testing.T) {
	x := exceptionsFor(t, ruleDomain)
	for _, p := range packages(t) {
		if p.path != "internal/redress" {
			continue
		}
		for _, imp := range p.imports {
			if !isStd(imp) && !x.excused(p.path, imp) {
				t.Errorf("%s: internal/redress imports %s", ruleDomain, imp)
			}
		}
		return
	}
	t.Fatal("go list does not find internal/redress")
}

func TestOnlyStoreKnowsTheDialect(t *testing.T) {
	x := exceptionsFor(t, ruleDialect)
	for _, p := range packages(t) {
		if slices.Contains(dialectAllowed, p.path) {
			continue
		}
		for _, imp := range p.imports {
			if speaksDialect(imp) && !x.excused(p.path, imp) {
				t.Errorf("%s: %s imports %s; SQL and drivers stay in internal/store", ruleDialect, p.path, imp)
			}
		}
	}
}

func TestServicesDoNotImportHTTP(t *testing.T) {
	x := exceptionsFor(t, ruleHTTP)
	for _, p := range packages(t) {
		if layer, ok := layers[p.path]; !ok || layer < 2 {
			continue
		}
		for _, imp := range p.imports {
			if under(imp, httpImports) && !x.excused(p.path, imp) {
				t.Errorf("%s: %s (layer %d) imports %s; requests and responses stay in internal/web",
					ruleHTTP, p.path, layers[p.path], imp)
			}
		}
	}
}

// TestArchitectureDocListsEveryPackage keeps the map's table and the layers above the same.
func TestArchitectureDocListsEveryPackage(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(moduleRoot(t), "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z0-9/]+)` \\| ([0-9]) \\|")
	inDoc := map[string]int{}
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		n, _ := strconv.Atoi(m[2])
		inDoc[m[1]] = n
	}
	for path, layer := range layers {
		got, ok := inDoc[path]
		switch {
		case !ok:
			t.Errorf("docs/architecture.md has no row \"| `%s` | %d | …\"", path, layer)
		case got != layer:
			t.Errorf("docs/architecture.md puts %s in layer %d; the test says %d", path, got, layer)
		}
	}
	for path := range inDoc {
		if _, ok := layers[path]; !ok {
			t.Errorf("docs/architecture.md lists %s, which has no layer in the test", path)
		}
	}
}
