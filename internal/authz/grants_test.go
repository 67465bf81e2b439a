package authz

import (
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/policies"
)

// Which grants wait for a second administrator is read from the policy: every role the
// shipped policy lets read complaints or the audit trail, or grant roles, does; a role
// that only manages units would not, and one the policy does not know always does.
func TestGrantNeedsApproval(t *testing.T) {
	for _, role := range redress.StaffRoles {
		if !GrantNeedsApproval(role) {
			t.Errorf("%s: granted without a second administrator", role)
		}
	}
	if !GrantNeedsApproval("registry_clerk") {
		t.Error("a role the policy does not know: granted without a second administrator")
	}

	clerk := redress.Role("unit_clerk")
	policy := policies.Policy + "\np, unit_clerk, *, /admin/units, GET|POST\n"
	got, err := approvalRoles(policy, append([]redress.Role{clerk}, redress.StaffRoles...))
	if err != nil {
		t.Fatal(err)
	}
	if got[clerk] {
		t.Error("a role that only manages units needs a second administrator")
	}
	for _, role := range redress.StaffRoles {
		if !got[role] {
			t.Errorf("%s: not judged as reading cases, the audit trail or roles", role)
		}
	}
	// The same role, once the policy lets it read the audit log, needs one.
	got, err = approvalRoles(policy+"p, unit_clerk, *, audit.log, read\n", []redress.Role{clerk})
	if err != nil || !got[clerk] {
		t.Errorf("a role that reads the audit log: needs approval %v (%v)", got[clerk], err)
	}
}
