package policies_test

import (
	"encoding/csv"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/casbin/casbin/v2/model"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/policies"
)

// What the policy decides is tested in internal/authz (every role by every route, and
// docs/roles.md). Here: the files are well formed and keep their own rules.

// buildingBlocks are roles the policy defines for others to inherit; no one holds them.
var buildingBlocks = []string{"case_reader", "case_handler"}

func TestModel(t *testing.T) {
	m, err := model.NewModelFromString(policies.Model)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]int{"r": 4, "p": 4} {
		if got := len(m[key][key].Tokens); got != want {
			t.Errorf("%s has %d fields, want %d (sub, dom, obj, act)", key, got, want)
		}
	}
	if v := m["g"]["g"].Value; v != "_, _, _" {
		t.Errorf("g = %q, want roles held in a domain (_, _, _)", v)
	}
}

type rules struct {
	p [][]string // subject, unit, object, actions
	g [][]string // role, inherited role, unit
}

func readPolicy(t *testing.T) rules {
	t.Helper()
	r := csv.NewReader(strings.NewReader(policies.Policy))
	r.Comment, r.FieldsPerRecord, r.TrimLeadingSpace = '#', -1, true
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out rules
	for _, rec := range recs {
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		switch {
		case rec[0] == "p" && len(rec) == 5:
			out.p = append(out.p, rec[1:])
		case rec[0] == "g" && len(rec) == 4:
			out.g = append(out.g, rec[1:])
		default:
			t.Errorf("malformed rule %q", rec)
		}
	}
	return out
}

var (
	methods    = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}
	permission = regexp.MustCompile(`^[a-z]+(\.[a-z_]+)+$`)
	verb       = regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`) // read, reveal, or a transition: start_review
)

func TestPolicyRules(t *testing.T) {
	pol := readPolicy(t)
	staffRoles := make([]string, len(redress.StaffRoles))
	for i, r := range redress.StaffRoles {
		staffRoles[i] = string(r)
	}
	subjects := slices.Concat([]string{redress.SubjectPublic, "staff"}, buildingBlocks, staffRoles)

	seen := map[string]bool{}
	for _, p := range pol.p {
		sub, unit, obj, acts := p[0], p[1], p[2], p[3]
		if !slices.Contains(subjects, sub) {
			t.Errorf("%q: unknown subject %s", p, sub)
		}
		if unit != redress.AllUnits {
			t.Errorf("%q: a role's rights hold in whatever unit it is held; write *", p)
		}
		route := strings.HasPrefix(obj, "/")
		if !route && !permission.MatchString(obj) {
			t.Errorf("%q: object is neither a route template nor a permission like complaint.read", p)
		}
		if !route && (sub == redress.SubjectPublic || sub == "staff") {
			t.Errorf("%q: record permissions belong to roles, not to everyone", p)
		}
		for a := range strings.SplitSeq(acts, "|") {
			if route && !slices.Contains(methods, a) || !route && !verb.MatchString(a) {
				t.Errorf("%q: action %q", p, a)
			}
			key := sub + " " + obj + " " + a
			if seen[key] {
				t.Errorf("%q: %s may already %s %s", p, sub, a, obj)
			}
			seen[key] = true
		}
	}
	for _, g := range pol.g {
		role, parent, unit := g[0], g[1], g[2]
		if !slices.Contains(buildingBlocks, parent) {
			t.Errorf("%q: roles inherit only building blocks %q", g, buildingBlocks)
		}
		if !slices.Contains(staffRoles, role) && !slices.Contains(buildingBlocks, role) {
			t.Errorf("%q: %s is not a role", g, role)
		}
		if unit != redress.AllUnits {
			t.Errorf("%q: inheritance holds in every unit; write *", g)
		}
	}

	// Every staff role appears, and every building block is both defined and used.
	for _, r := range staffRoles {
		if len(grants(pol, r)) == 0 {
			t.Errorf("the policy gives %s nothing", r)
		}
	}
	for _, b := range buildingBlocks {
		used := slices.ContainsFunc(pol.g, func(g []string) bool { return g[1] == b })
		if !used || !slices.ContainsFunc(pol.p, func(p []string) bool { return p[0] == b }) {
			t.Errorf("building block %s is unused or empty", b)
		}
	}
}

// Separation of duties, whatever the inheritance: administrators never reach case
// content; oversight auditors never the narrative or identity.
func TestSeparationOfDuties(t *testing.T) {
	pol := readPolicy(t)
	for _, c := range []struct {
		role      redress.Role
		forbidden []string
	}{
		{redress.RoleAdministrator, []string{"complaint.", "/staff/complaints", "/api/v1/staff/complaints"}},
		{redress.RoleAuditor, []string{"complaint.narrative", "complaint.identity", "/identity"}},
	} {
		for _, p := range grants(pol, string(c.role)) {
			for _, f := range c.forbidden {
				if strings.Contains(p[2], f) {
					t.Errorf("%s may %s %s", c.role, p[3], p[2])
					break
				}
			}
		}
	}
}

// grants lists the p rules a role has, itself or through the roles it inherits.
func grants(pol rules, role string) [][]string {
	roles := []string{role}
	for i := 0; i < len(roles); i++ {
		for _, g := range pol.g {
			if g[0] == roles[i] && !slices.Contains(roles, g[1]) {
				roles = append(roles, g[1])
			}
		}
	}
	var out [][]string
	for _, p := range pol.p {
		if slices.Contains(roles, p[0]) {
			out = append(out, p)
		}
	}
	return out
}
