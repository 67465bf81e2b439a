package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// hasRole reports whether the enforcer would load role in unit for the account.
func hasRole(t *testing.T, db *store.DB, userID int64, role redress.Role, unit string) bool {
	t.Helper()
	as, err := db.RoleAssignments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if a.UserID == userID && a.Role == role && a.Unit == unit {
			return true
		}
	}
	return false
}

// A requested role takes effect only when a second administrator approves it: not the
// requester, not the account receiving it, not an account without the administrator
// role; and a decided grant stays decided.
func TestRoleGrantTwoAdministrators(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b, c, x := newUser(t, db, "a@example.org"), newUser(t, db, "b@example.org"), newUser(t, db, "c@example.org"), newUser(t, db, "x@example.org")
		for _, u := range []redress.User{a, b} {
			if err := db.AddRole(ctx, operator, u.ID, redress.RoleAdministrator, "*"); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.AddRole(ctx, operator, c.ID, redress.RoleInvestigator, "*"); err != nil {
			t.Fatal(err)
		}
		before, _ := db.AuthzVersion(ctx)

		if _, err := db.RequestRole(ctx, operator, a.ID, a.ID, redress.RoleSupervisor, "*"); err != redress.ErrOwnAccount {
			t.Fatalf("asking for one's own account: %v, want ErrOwnAccount", err)
		}
		g, err := db.RequestRole(ctx, operator, a.ID, x.ID, redress.RoleSupervisor, "*")
		if err != nil || g.State != redress.GrantPending || g.ID == 0 {
			t.Fatalf("request: %+v %v", g, err)
		}
		if again, err := db.RequestRole(ctx, operator, b.ID, x.ID, redress.RoleSupervisor, "*"); err != nil || again.ID != g.ID {
			t.Fatalf("asking again: %+v %v, want the same waiting grant %d", again, err, g.ID)
		}
		if hasRole(t, db, x.ID, redress.RoleSupervisor, "*") {
			t.Fatal("a requested role took effect before approval")
		}
		if v, _ := db.AuthzVersion(ctx); v != before {
			t.Errorf("a request changed the authorization version %d → %d", before, v)
		}
		pending, err := db.PendingRoleGrants(ctx)
		if err != nil || len(pending) != 1 || pending[0].UserEmail != "x@example.org" || pending[0].RequestedByEmail != "a@example.org" || pending[0].UserHasPassword {
			t.Fatalf("pending: %+v %v", pending, err)
		}

		if _, err := db.DecideRoleGrant(ctx, operator, a.ID, g.ID, true); err != redress.ErrOwnRequest {
			t.Errorf("the requester approving: %v, want ErrOwnRequest", err)
		}
		if _, err := db.DecideRoleGrant(ctx, operator, c.ID, g.ID, true); err != redress.ErrNotApprover {
			t.Errorf("an investigator approving: %v, want ErrNotApprover", err)
		}
		if hasRole(t, db, x.ID, redress.RoleSupervisor, "*") {
			t.Fatal("a refused approval granted the role")
		}
		got, err := db.DecideRoleGrant(ctx, operator, b.ID, g.ID, true)
		if err != nil || got.State != redress.GrantApproved || got.DecidedBy != b.ID {
			t.Fatalf("approval by the second administrator: %+v %v", got, err)
		}
		if !hasRole(t, db, x.ID, redress.RoleSupervisor, "*") {
			t.Fatal("the approved role is not held")
		}
		if v, _ := db.AuthzVersion(ctx); v == before {
			t.Error("the approval did not change the authorization version")
		}
		if _, err := db.DecideRoleGrant(ctx, operator, b.ID, g.ID, false); err != redress.ErrGrantDecided {
			t.Errorf("rejecting an approved grant: %v, want ErrGrantDecided", err)
		}

		// b asks a role for a's account: a may not approve it (it is for a), nor b (b asked).
		g2, err := db.RequestRole(ctx, operator, b.ID, a.ID, redress.RoleSupervisor, "*")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.DecideRoleGrant(ctx, operator, a.ID, g2.ID, true); err != redress.ErrOwnAccount {
			t.Errorf("approving a grant for oneself: %v, want ErrOwnAccount", err)
		}
		// Rejected by another administrator, withdrawn by the requester.
		if got, err := db.DecideRoleGrant(ctx, operator, a.ID, g2.ID, false); err != nil || got.State != redress.GrantRejected {
			t.Errorf("rejection: %+v %v", got, err)
		}
		g3, err := db.RequestRole(ctx, operator, a.ID, c.ID, redress.RoleAuditor, "*")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := db.DecideRoleGrant(ctx, operator, a.ID, g3.ID, false); err != nil || got.State != redress.GrantWithdrawn {
			t.Errorf("withdrawal: %+v %v", got, err)
		}
		if hasRole(t, db, a.ID, redress.RoleSupervisor, "*") || hasRole(t, db, c.ID, redress.RoleAuditor, "*") {
			t.Error("a rejected or withdrawn grant took effect")
		}
		if pending, _ := db.PendingRoleGrants(ctx); len(pending) != 0 {
			t.Errorf("still pending: %+v", pending)
		}

		counts := map[string]int64{}
		for _, action := range []string{redress.ActionRoleRequested, redress.ActionRoleApproved, redress.ActionRoleRejected, redress.ActionRoleWithdrawn} {
			if counts[action], err = db.CountAudit(ctx, action); err != nil {
				t.Fatal(err)
			}
		}
		want := map[string]int64{redress.ActionRoleRequested: 3, redress.ActionRoleApproved: 1, redress.ActionRoleRejected: 1, redress.ActionRoleWithdrawn: 1}
		for k, v := range want {
			if counts[k] != v {
				t.Errorf("%s events: %d, want %d", k, counts[k], v)
			}
		}
	})
}

// The table refuses a self-request and a self-approval even when written by hand.
func TestRoleGrantConstraints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b := newUser(t, db, "a@example.org"), newUser(t, db, "b@example.org")
		now := db.Now()
		_, err := db.Bun().ExecContext(ctx, "INSERT INTO role_grants (user_id, role, unit, requested_by, requested_at) VALUES (?, 'supervisor', '*', ?, ?)", a.ID, a.ID, now)
		if err == nil {
			t.Error("the table stored a request for the requester's own account")
		}
		_, err = db.Bun().ExecContext(ctx, "INSERT INTO role_grants (user_id, role, unit, requested_by, requested_at, state, decided_by, decided_at) VALUES (?, 'supervisor', '*', ?, ?, 'approved', ?, ?)", a.ID, b.ID, now, b.ID, now)
		if err == nil {
			t.Error("the table stored a grant approved by its requester")
		}
		_, err = db.Bun().ExecContext(ctx, "INSERT INTO role_grants (user_id, role, unit, requested_by, requested_at, state, decided_by, decided_at) VALUES (?, 'supervisor', '*', ?, ?, 'approved', ?, ?)", a.ID, b.ID, now, a.ID, now)
		if err == nil {
			t.Error("the table stored a grant approved by the account receiving it")
		}
	})
}

// Two administrators approving the same grant at once: one approval, one role, one
// event.
func TestRoleGrantApproveConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b, c, x := newUser(t, db, "a@example.org"), newUser(t, db, "b@example.org"), newUser(t, db, "c@example.org"), newUser(t, db, "x@example.org")
		for _, u := range []redress.User{a, b, c} {
			if err := db.AddRole(ctx, operator, u.ID, redress.RoleAdministrator, "*"); err != nil {
				t.Fatal(err)
			}
		}
		g, err := db.RequestRole(ctx, operator, a.ID, x.ID, redress.RoleInvestigator, "tx-none")
		if redress.ErrorCode(err) != redress.EINVALID {
			t.Fatalf("a grant in a unit that does not exist: %v", err)
		}
		if g, err = db.RequestRole(ctx, operator, a.ID, x.ID, redress.RoleInvestigator, "*"); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, approver := range []int64{b.ID, c.ID} {
			wg.Go(func() { _, errs[i] = db.DecideRoleGrant(ctx, operator, approver, g.ID, true) })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case err != redress.ErrGrantDecided:
				t.Errorf("concurrent approval: %v", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d approvals succeeded, want 1 (%v)", ok, errs)
		}
		if n, _ := db.CountAudit(ctx, redress.ActionRoleApproved); n != 1 {
			t.Errorf("%d approval events, want 1", n)
		}
	})
}
