package authz

import (
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/casbin/casbin/v2/model"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/policies"
)

// What a second administrator must approve before an account holds it (docs/roles.md):
// a role that reads complaints or the audit trail, or that changes who holds roles. It
// is read from policies/policy.csv, not listed by hand, so a role or permission added
// there is judged by what it allows.

// guardedPrefixes are the objects that read cases or the audit trail: the case
// permissions checked where a complaint is loaded, the audit permissions, and the
// routes that serve either.
var guardedPrefixes = []string{
	"complaint.", "audit.",
	"/staff/complaints", "/api/v1/staff/complaints",
	"/oversight/", "/api/v1/audit/",
}

// guardedRoutes are objects outside those prefixes that still need a second
// administrator: whoever may grant roles could give a second account of their own the
// administrator role and approve their own requests with it.
var guardedRoutes = []string{"/admin/users/{id}/roles"}

func guarded(obj string) bool {
	for _, p := range guardedPrefixes {
		if strings.HasPrefix(obj, p) {
			return true
		}
	}
	for _, r := range guardedRoutes {
		if obj == r {
			return true
		}
	}
	return false
}

var needsApproval = sync.OnceValues(func() (map[redress.Role]bool, error) {
	return approvalRoles(policies.Policy, redress.StaffRoles)
})

// approvalRoles says which of roles policy lets do something guarded that neither
// anyone nor any account may do.
func approvalRoles(policy string, roles []redress.Role) (map[redress.Role]bool, error) {
	ps, gs, err := parsePolicy(policy)
	if err != nil {
		return nil, err
	}
	m, err := model.NewModelFromString(policies.Model)
	if err != nil {
		return nil, err
	}
	for i, role := range roles {
		gs = append(gs, []string{subject(int64(i + 1)), string(role), redress.AllUnits})
	}
	e, err := newCasbin(m, ps, gs)
	if err != nil {
		return nil, err
	}
	s := &snapshot{casbin: e}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	out := map[redress.Role]bool{}
	for _, p := range ps {
		obj := p[2]
		if !guarded(obj) {
			continue
		}
		for act := range strings.SplitSeq(p[3], "|") {
			if s.everyone(log, subject(1), obj, act) {
				continue // what anyone, or any account, may do needs no grant
			}
			for i, role := range roles {
				if s.enforce(log, subject(int64(i+1)), redress.AllUnits, obj, act) {
					out[role] = true
				}
			}
		}
	}
	return out, nil
}

// GrantNeedsApproval reports whether an administrator's grant of role waits for a
// second administrator: the role may read complaints or the audit trail, or grant
// roles. A role the policy cannot be read for, or does not know, needs approval.
func GrantNeedsApproval(role redress.Role) bool {
	m, err := needsApproval()
	if err != nil {
		return true
	}
	known := false
	for _, r := range redress.StaffRoles {
		known = known || r == role
	}
	return !known || m[role]
}
