package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// Grants that wait for a second administrator (docs/roles.md). The rules that make the
// wait worth anything (nobody asks for their own account, nobody approves their own
// request or a grant to themselves, only an enabled administrator approves) are checked
// here, inside the transaction that writes the decision, so two requests racing cannot
// slip past them; the migration repeats them as CHECK constraints.

type roleGrantRow struct {
	bun.BaseModel `bun:"table:role_grants"`
	ID            int64      `bun:"id,pk,autoincrement"`
	UserID        int64      `bun:"user_id"`
	Role          string     `bun:"role"`
	Unit          string     `bun:"unit"`
	RequestedBy   int64      `bun:"requested_by"`
	RequestedAt   time.Time  `bun:"requested_at"`
	State         string     `bun:"state"`
	DecidedBy     *int64     `bun:"decided_by"`
	DecidedAt     *time.Time `bun:"decided_at"`
}

func (r roleGrantRow) grant() redress.RoleGrant {
	g := redress.RoleGrant{ID: r.ID, UserID: r.UserID, Role: redress.Role(r.Role), Unit: r.Unit,
		RequestedBy: r.RequestedBy, RequestedAt: r.RequestedAt, State: r.State, DecidedAt: derefTime(r.DecidedAt)}
	if r.DecidedBy != nil {
		g.DecidedBy = *r.DecidedBy
	}
	return g
}

// checkGrantee refuses a grant to an account or in a unit that does not exist.
func checkGrantee(ctx context.Context, tx bun.Tx, userID int64, unit string) error {
	if ok, err := tx.NewSelect().Model((*userRow)(nil)).Where("id = ?", userID).Exists(ctx); err != nil {
		return err
	} else if !ok {
		return redress.Errorf(redress.ENOTFOUND, "Account not found.")
	}
	if unit == redress.AllUnits {
		return nil
	}
	if ok, err := tx.NewSelect().Model((*unitRow)(nil)).Where("name = ?", unit).Exists(ctx); err != nil {
		return err
	} else if !ok {
		var fe redress.FieldErrors
		fe.Add("unit", "unknown_unit", unit)
		return fe.Err()
	}
	return nil
}

func holdsRole(ctx context.Context, tx bun.IDB, userID int64, role redress.Role, unit string) (bool, error) {
	return tx.NewSelect().Model((*roleRow)(nil)).
		Where("user_id = ? AND role = ? AND unit = ?", userID, string(role), unit).Exists(ctx)
}

// RequestRole asks for role in unit for userID on behalf of the administrator
// requester; the role takes effect only when another administrator approves
// (DecideRoleGrant). A role already held is returned as an approved grant with ID 0
// and changes nothing; a request already waiting is returned as it is, without a
// second event. Asking for one's own account is ErrOwnAccount.
func (db *DB) RequestRole(ctx context.Context, by redress.AuditEvent, requester, userID int64, role redress.Role, unit string) (redress.RoleGrant, error) {
	var g redress.RoleGrant
	err := db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		if requester == userID {
			return redress.ErrOwnAccount
		}
		if err := db.lockAuthz(ctx, tx); err != nil {
			return err
		}
		if err := checkGrantee(ctx, tx, userID, unit); err != nil {
			return err
		}
		if held, err := holdsRole(ctx, tx, userID, role, unit); err != nil {
			return err
		} else if held {
			g = redress.RoleGrant{UserID: userID, Role: role, Unit: unit, State: redress.GrantApproved}
			return nil
		}
		var row roleGrantRow
		err := tx.NewSelect().Model(&row).
			Where("user_id = ? AND role = ? AND unit = ? AND state = ?", userID, string(role), unit, redress.GrantPending).Scan(ctx)
		if err == nil {
			g = row.grant()
			return nil
		} else if err := notFound(err, "Grant"); redress.ErrorCode(err) != redress.ENOTFOUND {
			return err
		}
		row = roleGrantRow{UserID: userID, Role: string(role), Unit: unit, RequestedBy: requester,
			RequestedAt: now, State: redress.GrantPending}
		if _, err := tx.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
			return err
		}
		g = row.grant()
		return insertAudit(ctx, tx, now, event(by, redress.ActionRoleRequested,
			map[string]any{"grant_id": row.ID, "user_id": userID, "role": string(role), "unit": unit}))
	})
	return g, err
}

// DecideRoleGrant approves or turns down a waiting grant, as the administrator
// decider. Approving needs someone other than the requester (ErrOwnRequest) and other
// than the account receiving the role (ErrOwnAccount), who holds the administrator
// role in an enabled account (ErrNotApprover); the role then takes effect. Turning a
// grant down is open to any administrator: by the requester it is a withdrawal. A
// grant already decided is ErrGrantDecided.
func (db *DB) DecideRoleGrant(ctx context.Context, by redress.AuditEvent, decider, grantID int64, approve bool) (redress.RoleGrant, error) {
	var g redress.RoleGrant
	err := db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		if err := db.lockAuthz(ctx, tx); err != nil {
			return err
		}
		var row roleGrantRow
		if err := tx.NewSelect().Model(&row).Where("id = ?", grantID).Scan(ctx); err != nil {
			return notFound(err, "Grant")
		}
		g = row.grant()
		if row.State != redress.GrantPending {
			return redress.ErrGrantDecided
		}
		state, action := redress.GrantRejected, redress.ActionRoleRejected
		switch {
		case approve && decider == row.RequestedBy:
			return redress.ErrOwnRequest
		case approve && decider == row.UserID:
			return redress.ErrOwnAccount
		case approve:
			ok, err := tx.NewSelect().Model((*roleRow)(nil)).
				Where("user_id = ? AND role = ?", decider, string(redress.RoleAdministrator)).
				Where("user_id IN (SELECT id FROM users WHERE disabled = ?)", false).Exists(ctx)
			if err != nil {
				return err
			} else if !ok {
				return redress.ErrNotApprover
			}
			state, action = redress.GrantApproved, redress.ActionRoleApproved
		case decider == row.RequestedBy:
			state, action = redress.GrantWithdrawn, redress.ActionRoleWithdrawn
		}
		res, err := tx.NewUpdate().Model((*roleGrantRow)(nil)).
			Set("state = ?", state).Set("decided_by = ?", decider).Set("decided_at = ?", now).
			Where("id = ? AND state = ?", grantID, redress.GrantPending).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return redress.ErrGrantDecided
		}
		g.State, g.DecidedBy, g.DecidedAt = state, decider, now
		details := map[string]any{"grant_id": row.ID, "user_id": row.UserID, "role": row.Role, "unit": row.Unit,
			"requested_by": row.RequestedBy}
		if err := insertAudit(ctx, tx, now, event(by, action, details)); err != nil {
			return err
		}
		if state != redress.GrantApproved {
			return nil
		}
		if held, err := holdsRole(ctx, tx, row.UserID, g.Role, row.Unit); err != nil || held {
			return err
		}
		if err := insertRole(ctx, tx, now, by, row.UserID, g.Role, row.Unit); err != nil {
			return err
		}
		return bumpAuthz(ctx, tx)
	})
	return g, err
}

// PendingRoleGrants returns the grants waiting for a decision, oldest first, with the
// addresses of the account and of the requester.
func (db *DB) PendingRoleGrants(ctx context.Context) ([]redress.RoleGrant, error) {
	var rows []struct {
		roleGrantRow
		UserEmail      string `bun:"user_email"`
		UserPassword   bool   `bun:"user_has_password"`
		RequestedEmail string `bun:"requested_by_email"`
	}
	err := db.bun.NewSelect().TableExpr("role_grants AS g").
		ColumnExpr("g.*, u.email AS user_email, u.password_hash <> '' AS user_has_password, r.email AS requested_by_email").
		Join("JOIN users AS u ON u.id = g.user_id").
		Join("JOIN users AS r ON r.id = g.requested_by").
		Where("g.state = ?", redress.GrantPending).
		OrderExpr("g.requested_at, g.id").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("pending role grants: %w", err)
	}
	out := make([]redress.RoleGrant, len(rows))
	for i, r := range rows {
		out[i] = r.grant()
		out[i].UserEmail, out[i].UserHasPassword, out[i].RequestedByEmail = r.UserEmail, r.UserPassword, r.RequestedEmail
	}
	return out, nil
}
