package authz

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

func TestParsePolicy(t *testing.T) {
	ps, gs, err := parsePolicy("# comment\n\np, public , *, /, GET|HEAD \ng, a, b, *\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || strings.Join(ps[0], ",") != "public,*,/,GET|HEAD" || len(gs) != 1 || strings.Join(gs[0], ",") != "a,b,*" {
		t.Errorf("parsed %q %q", ps, gs)
	}
	for _, bad := range []string{
		"p, public, *, /\n",                        // a field short
		"p, public, *, /, GET, extra\n",            // a field long
		"g, a, b\n",                                // no unit
		"x, a, b, c, d\n",                          // unknown kind
		"p, public, *, /, \n",                      // empty action
		"p, public, *, /, GET\np,public,*,/,GET\n", // duplicate
		"p, public, *, \"/, GET\n",                 // broken quote
	} {
		if _, _, err := parsePolicy(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// Only staff roles in unit names or "*" are granted; anything else in the table is
// ignored with a warning, never read as a pattern or a building-block role.
func TestBuildIgnoresStrayAssignments(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	s, err := build([]store.Assignment{
		{UserID: 1, Role: redress.RoleInvestigator, Unit: "t*"},
		{UserID: 2, Role: "case_handler", Unit: "*"},
		{UserID: 3, Role: "staff", Unit: "tx"},
		{UserID: 4, Role: redress.RoleInvestigator, Unit: "tx"},
		{UserID: 4, Role: redress.RoleInvestigator, Unit: "tx"}, // twice: harmless
	}, log)
	if err != nil {
		t.Fatal(err)
	}
	e := &Enforcer{log: log}
	e.snap.Store(s)
	for _, c := range []struct {
		sub, unit string
		want      bool
	}{
		{"user:1", "tx", false}, {"user:1", "t*", false},
		{"user:2", "tx", false},
		{"user:3", "tx", false},
		{"user:4", "tx", true}, {"user:4", "tx2", false},
	} {
		if got := e.Allowed(c.sub, c.unit, "complaint.read", "read"); got != c.want {
			t.Errorf("%s in %s: %v, want %v", c.sub, c.unit, got, c.want)
		}
	}
	if n := strings.Count(logs.String(), "ignoring a role assignment"); n != 3 {
		t.Errorf("%d warnings, want 3:\n%s", n, logs.String())
	}
	if all, units := e.Units("user:4", "complaint.read", "read"); all || len(units) != 1 || units[0] != "tx" {
		t.Errorf("Units = %v %q", all, units)
	}
}

func TestCoversUnit(t *testing.T) {
	for _, c := range []struct {
		unit, assigned string
		want           bool
	}{
		{"tx", "*", true}, {"", "*", true}, {"*", "*", true},
		{"tx", "tx", true}, {"tx-north", "tx", false}, {"tx", "tx-north", false},
		{"*", "tx", false}, {"", "tx", false}, {"tx", "t*", false},
	} {
		if got := coversUnit(c.unit, c.assigned); got != c.want {
			t.Errorf("coversUnit(%q, %q) = %v", c.unit, c.assigned, got)
		}
	}
}

func TestActionIn(t *testing.T) {
	for _, c := range []struct {
		act, actions string
		want         bool
	}{
		{"GET", "GET|HEAD", true}, {"HEAD", "GET|HEAD", true}, {"POST", "GET|HEAD", false},
		{"GE", "GET", false}, {"GET|HEAD", "GET|HEAD", false}, {"", "GET", false},
		{"read", "read", true}, {"read", "unread", false},
	} {
		if got := actionIn(c.act, c.actions); got != c.want {
			t.Errorf("actionIn(%q, %q) = %v", c.act, c.actions, got)
		}
	}
	if _, err := actionInFunc("GET"); err == nil {
		t.Error("one argument: no error")
	}
	if _, err := actionInFunc("GET", 1); err == nil {
		t.Error("a number: no error")
	}
}
