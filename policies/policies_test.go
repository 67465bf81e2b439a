package policies_test

import (
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	stringadapter "github.com/casbin/casbin/v2/persist/string-adapter"
	"github.com/casbin/casbin/v2/util"

	"github.com/redress-oversight/redress/policies"
)

// The embedded files must load and say what the public may do; the full role × route
// table arrives with staff accounts.
func TestPolicyLoads(t *testing.T) {
	m, err := model.NewModelFromString(policies.Model)
	if err != nil {
		t.Fatal(err)
	}
	e, err := casbin.NewEnforcer(m, stringadapter.NewAdapter(policies.Policy))
	if err != nil {
		t.Fatal(err)
	}
	// A role granted in unit "*" holds in every unit.
	e.AddNamedDomainMatchingFunc("g", "KeyMatch", util.KeyMatch)
	for _, tc := range []struct {
		sub, obj, act string
		want          bool
	}{
		{"anyone", "/api/v1/complaints", "POST", true},
		{"anyone", "/api/v1/complaints/status", "POST", true},
		{"public", "/api/v1/complaints/status", "POST", false},
		{"anyone", "/api/v1/complaints", "DELETE", false},
		{"anyone", "/api/v1/agreements", "GET", true},
	} {
		got, err := e.Enforce(tc.sub, "TX", tc.obj, tc.act)
		if err != nil || got != tc.want {
			t.Errorf("%s %s %s = %v (%v), want %v", tc.sub, tc.act, tc.obj, got, err, tc.want)
		}
	}
}
