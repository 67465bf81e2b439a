package authz

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/policies"
)

var update = flag.Bool("update", false, "rewrite the tables of docs/roles.md from policies/policy.csv")

const (
	rolesDoc   = "../../docs/roles.md"
	readme     = "../../README.md"
	tableBegin = "<!-- tables: begin -->"
	tableEnd   = "<!-- tables: end -->"
	colAnyone  = "anyone"
	colAccount = "any account"
)

// verdicts is what each column of the tables may do, from the policy itself.
type verdicts struct {
	e       *Enforcer
	columns []string
	subject map[string]string
}

func newVerdicts(t *testing.T) verdicts {
	t.Helper()
	v := verdicts{e: &Enforcer{log: slog.New(slog.NewTextHandler(io.Discard, nil))},
		columns: []string{colAnyone, colAccount}, subject: map[string]string{colAccount: "user:999999"}}
	var as []store.Assignment
	for i, r := range redress.StaffRoles {
		as = append(as, store.Assignment{UserID: int64(i + 1), Role: r, Unit: redress.AllUnits})
		v.columns = append(v.columns, string(r))
		v.subject[string(r)] = subject(int64(i + 1))
	}
	s, err := build(as, v.e.log)
	if err != nil {
		t.Fatal(err)
	}
	v.e.snap.Store(s)
	return v
}

// may says whether the column's caller may do act on obj (in a unit it holds roles in).
func (v verdicts) may(column, obj, act string) bool {
	if column == colAnyone {
		return v.e.Public(obj, act)
	}
	return v.e.Allowed(v.subject[column], "tx", obj, act)
}

// policyPairs lists the policy's (object, action) pairs, in the file's order.
func policyPairs(t *testing.T) [][2]string {
	t.Helper()
	ps, _, err := parsePolicy(policies.Policy)
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]string
	for _, p := range ps {
		for a := range strings.SplitSeq(p[3], "|") {
			if pair := [2]string{p[2], a}; !slices.Contains(out, pair) {
				out = append(out, pair)
			}
		}
	}
	return out
}

// docRow is one row of a table in docs/roles.md: actions on an object, and a verdict
// per column.
type docRow struct {
	line    int
	acts    []string
	obj     string
	verdict map[string]bool
}

// parseDoc reads every table of docs/roles.md whose first column is "Methods" or
// "Action".
func parseDoc(t *testing.T, text string, columns []string) []docRow {
	t.Helper()
	var rows []docRow
	var header []string
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			header = nil
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for j := range cells {
			cells[j] = strings.Trim(strings.TrimSpace(cells[j]), "`")
		}
		switch {
		case header == nil:
			if cells[0] != "Methods" && cells[0] != "Action" {
				header = []string{"skip"}
				continue
			}
			header = cells
			if !slices.Equal(header[2:], columns) {
				t.Fatalf("docs/roles.md line %d: columns %q, want %q", i+1, header[2:], columns)
			}
		case header[0] == "skip" || strings.HasPrefix(cells[0], "---"):
		case len(cells) != len(header):
			t.Errorf("docs/roles.md line %d: %d cells, want %d", i+1, len(cells), len(header))
		default:
			r := docRow{line: i + 1, obj: cells[1], verdict: map[string]bool{}}
			for a := range strings.SplitSeq(cells[0], ",") {
				r.acts = append(r.acts, strings.TrimSpace(a))
			}
			for j, c := range cells[2:] {
				if c != "yes" && c != "no" {
					t.Errorf("docs/roles.md line %d: %q in column %s, want yes or no", i+1, c, header[j+2])
				}
				r.verdict[header[j+2]] = c == "yes"
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// docs/roles.md shows exactly what the policy decides: every route and permission of
// the policy, each role's verdict right. With -update it is rewritten from the policy.
func TestRolesDoc(t *testing.T) {
	v := newVerdicts(t)
	raw, err := os.ReadFile(rolesDoc)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	if *update {
		before, rest, ok1 := strings.Cut(text, tableBegin)
		_, after, ok2 := strings.Cut(rest, tableEnd)
		if !ok1 || !ok2 {
			t.Fatalf("docs/roles.md has no %s … %s", tableBegin, tableEnd)
		}
		text = before + tableBegin + "\n" + v.tables(policyPairs(t)) + tableEnd + after
		if err := os.WriteFile(rolesDoc, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	rows := parseDoc(t, text, v.columns)
	documented := map[[2]string]int{}
	for _, r := range rows {
		for _, act := range r.acts {
			pair := [2]string{r.obj, act}
			if l, dup := documented[pair]; dup {
				t.Errorf("docs/roles.md line %d: %s %s already on line %d", r.line, act, r.obj, l)
			}
			documented[pair] = r.line
			for _, col := range v.columns {
				if got, want := r.verdict[col], v.may(col, r.obj, act); got != want {
					t.Errorf("docs/roles.md line %d: %s %s for %s says %v, the policy %v", r.line, act, r.obj, col, got, want)
				}
			}
		}
	}
	for _, pair := range policyPairs(t) {
		if _, ok := documented[pair]; !ok {
			t.Errorf("docs/roles.md does not show %s %s", pair[1], pair[0])
		}
		delete(documented, pair)
	}
	for pair, line := range documented {
		t.Errorf("docs/roles.md line %d: %s %s is not in the policy", line, pair[1], pair[0])
	}
	if t.Failed() && !*update {
		t.Log("regenerate the tables with: go test ./internal/authz -run TestRolesDoc -update")
	}
}

// tables writes the two tables: routes, then permissions checked on records. Methods
// of one route with the same verdicts share a row.
func (v verdicts) tables(pairs [][2]string) string {
	var b strings.Builder
	header := func(first, second string) {
		fmt.Fprintf(&b, "| %s | %s |", first, second)
		for _, c := range v.columns {
			if c == colAnyone || c == colAccount {
				fmt.Fprintf(&b, " %s |", c)
			} else {
				fmt.Fprintf(&b, " `%s` |", c)
			}
		}
		b.WriteString("\n|---|---|" + strings.Repeat("---|", len(v.columns)) + "\n")
	}
	table := func(routes bool) {
		type row struct {
			obj      string
			acts     []string
			verdicts string
		}
		var rows []row
		for _, p := range pairs {
			if strings.HasPrefix(p[0], "/") != routes {
				continue
			}
			var cells []string
			for _, c := range v.columns {
				cells = append(cells, map[bool]string{true: "yes", false: "no"}[v.may(c, p[0], p[1])])
			}
			vs := strings.Join(cells, " | ")
			if i := slices.IndexFunc(rows, func(r row) bool { return r.obj == p[0] && r.verdicts == vs }); i >= 0 {
				rows[i].acts = append(rows[i].acts, p[1])
			} else {
				rows = append(rows, row{p[0], []string{p[1]}, vs})
			}
		}
		for _, r := range rows {
			fmt.Fprintf(&b, "| %s | `%s` | %s |\n", strings.Join(r.acts, ", "), r.obj, r.verdicts)
		}
	}
	b.WriteString("### Pages and API routes\n\n")
	header("Methods", "Route")
	table(true)
	b.WriteString("\n### Case permissions\n\nChecked where a complaint is loaded, in the complaint's unit.\n\n")
	header("Action", "Permission")
	table(false)
	return b.String()
}

// Every staff role has a column in docs/roles.md (checked above) and a row in the
// README's short table, and the README names no other.
func TestReadmeRoles(t *testing.T) {
	raw, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	var named []redress.Role
	in := false
	for line := range strings.SplitSeq(string(raw), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "| Role |"):
			in = true
		case in && strings.HasPrefix(line, "|---"):
		case in && strings.HasPrefix(line, "|"):
			first := strings.TrimSpace(strings.Split(strings.Trim(line, "|"), "|")[0])
			for n := range strings.SplitSeq(first, ",") {
				named = append(named, redress.Role(strings.ReplaceAll(strings.TrimSpace(n), " ", "_")))
			}
		default:
			in = false
		}
	}
	for _, r := range redress.StaffRoles {
		if !slices.Contains(named, r) {
			t.Errorf("README's roles table does not name %s", strings.ReplaceAll(string(r), "_", " "))
		}
	}
	for _, r := range named {
		if !slices.Contains(redress.StaffRoles, r) {
			t.Errorf("README's roles table names %q, which is no staff role", r)
		}
	}
}
