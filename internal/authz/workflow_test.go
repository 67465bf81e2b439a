package authz

import (
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/workflow"
)

const (
	intake       = redress.RoleIntake
	investigator = redress.RoleInvestigator
	supervisor   = redress.RoleSupervisor
)

// wantMoves is who may make which transition from which status: the state machine and
// the policy together, written out by hand. A pair not listed is refused to everyone;
// oversight auditors and administrators make no transition at all.
var wantMoves = map[string]map[workflow.Transition][]redress.Role{
	"received": {
		"triage":                 {intake, supervisor},
		"close_administratively": {intake, supervisor},
		"withdraw":               {investigator, supervisor},
	},
	"triaged": {
		"start_review":           {investigator, supervisor},
		"refer":                  {investigator, supervisor},
		"ask_complainant":        {intake, investigator, supervisor},
		"close_administratively": {intake, supervisor},
		"withdraw":               {investigator, supervisor},
	},
	"under_review": {
		"refer":            {investigator, supervisor},
		"ask_complainant":  {intake, investigator, supervisor},
		"propose_findings": {investigator, supervisor},
		"propose_closure":  {investigator, supervisor},
		"withdraw":         {investigator, supervisor},
	},
	"referred": {
		"referral_answered": {investigator, supervisor},
		"propose_closure":   {investigator, supervisor},
		"withdraw":          {investigator, supervisor},
	},
	"waiting_on_complainant": {
		"complainant_replied": {investigator, supervisor},
		"propose_closure":     {investigator, supervisor},
		"withdraw":            {investigator, supervisor},
	},
	"findings_proposed": {
		"return_findings": {supervisor},
		"approve_close":   {supervisor},
		"withdraw":        {investigator, supervisor},
	},
	"closed":    {"reopen": {supervisor}},
	"withdrawn": {"reopen": {supervisor}},
	"reopened": {
		"start_review": {investigator, supervisor},
		"withdraw":     {investigator, supervisor},
	},
}

// unitEnforcer holds every staff role, each in unit tx, one account per role.
func unitEnforcer(t *testing.T) (*Enforcer, map[redress.Role]string) {
	t.Helper()
	e := &Enforcer{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	subjects := map[redress.Role]string{}
	var as []store.Assignment
	for i, r := range redress.StaffRoles {
		as = append(as, store.Assignment{UserID: int64(i + 1), Role: r, Unit: "tx"})
		subjects[r] = subject(int64(i + 1))
	}
	s, err := build(as, e.log)
	if err != nil {
		t.Fatal(err)
	}
	e.snap.Store(s)
	return e, subjects
}

// Every status × every transition × every staff role: possible in the state machine
// and allowed by the policy, exactly as wantMoves says. A change to either shows here.
func TestTransitionsByRole(t *testing.T) {
	e, subjects := unitEnforcer(t)
	if len(wantMoves) != len(workflow.States) {
		t.Fatalf("the table covers %d statuses, the workflow has %d", len(wantMoves), len(workflow.States))
	}
	for _, from := range workflow.States {
		if _, ok := wantMoves[from]; !ok {
			t.Errorf("status %s is missing from the table", from)
		}
		for _, tr := range workflow.Transitions {
			for _, role := range redress.StaffRoles {
				_, err := workflow.Next(from, tr)
				may := e.Allowed(subjects[role], "tx", workflow.Permission, string(tr))
				want := slices.Contains(wantMoves[from][tr], role)
				if got := err == nil && may; got != want {
					t.Errorf("%s: %s from %s = %v (state machine: %v, policy: %v), want %v",
						role, tr, from, got, err == nil, may, want)
				}
				// A role held in tx makes no transition in another unit.
				if e.Allowed(subjects[role], "fl", workflow.Permission, string(tr)) {
					t.Errorf("%s held in tx may %s in fl", role, tr)
				}
			}
		}
	}
}

// The policy names only real transitions under complaint.transition, and every
// transition can be made by someone.
func TestPolicyTransitionsExist(t *testing.T) {
	granted := map[workflow.Transition]bool{}
	for _, p := range policyPairs(t) {
		if p[0] != workflow.Permission {
			continue
		}
		tr := workflow.Transition(p[1])
		if !workflow.ValidTransition(tr) {
			t.Errorf("policy.csv grants %s %q: no such transition", workflow.Permission, p[1])
		}
		granted[tr] = true
	}
	for _, tr := range workflow.Transitions {
		if !granted[tr] {
			t.Errorf("no role may %s", tr)
		}
	}
}

// The other case permissions the web layer checks, role by role.
func TestCasePermissionsByRole(t *testing.T) {
	handlers := []redress.Role{intake, investigator, supervisor}
	reviewers := []redress.Role{investigator, supervisor}
	e, subjects := unitEnforcer(t)
	for _, c := range []struct {
		obj, acts string
		roles     []redress.Role
	}{
		{"complaint.read", "read", append(slices.Clone(handlers), redress.RoleAuditor)},
		{"complaint.narrative", "read", handlers},
		{"complaint.identity", "reveal", handlers},
		{"complaint.triage", "edit", []redress.Role{intake, supervisor}},
		{"complaint.assign", "assign", []redress.Role{intake, supervisor}},
		{"complaint.enter", "create", []redress.Role{intake, supervisor}},
		{"complaint.assign", "reassign", []redress.Role{supervisor}},
		{"complaint.note", "read|add", handlers},
		{"complaint.evidence", "read|add", handlers},
		{"complaint.message", "read|send", reviewers},
		{"complaint.referral", "read|add|answer", reviewers},
		{"complaint.findings", "edit", reviewers},
	} {
		for act := range strings.SplitSeq(c.acts, "|") {
			for _, role := range redress.StaffRoles {
				if got, want := e.Allowed(subjects[role], "tx", c.obj, act), slices.Contains(c.roles, role); got != want {
					t.Errorf("%s: %s %s = %v, want %v", role, act, c.obj, got, want)
				}
			}
		}
	}
}
