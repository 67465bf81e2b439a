package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// Role assignments and the second-factor policy by role. Each change bumps authz_version
// (see AuthzVersion) so every process reloads its Casbin enforcer.

type roleRow struct {
	bun.BaseModel `bun:"table:role_assignments"`
	UserID        int64     `bun:"user_id,pk"`
	Role          string    `bun:"role,pk"`
	Unit          string    `bun:"unit,pk"`
	CreatedAt     time.Time `bun:"created_at"`
}

type mfaRequiredRow struct {
	bun.BaseModel `bun:"table:mfa_required_roles"`
	Role          string `bun:"role,pk"`
}

// Assignment is one role held in one unit, as the authorization enforcer loads it.
type Assignment struct {
	UserID int64
	Role   redress.Role
	Unit   string
}

// RoleAssignments returns the roles of every enabled account, by user, role and unit.
func (db *DB) RoleAssignments(ctx context.Context) ([]Assignment, error) {
	var rows []roleRow
	err := db.bun.NewSelect().Model(&rows).
		Where("user_id IN (SELECT id FROM users WHERE disabled = ?)", false).
		Order("user_id", "role", "unit").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("role assignments: %w", err)
	}
	out := make([]Assignment, len(rows))
	for i, r := range rows {
		out[i] = Assignment{UserID: r.UserID, Role: redress.Role(r.Role), Unit: r.Unit}
	}
	return out, nil
}

// AddRole grants role in unit (a unit's name, or "*") at once. The unit must exist;
// holding the role already changes nothing. Administrators' grants through the pages
// go through RequestRole instead; this is the command line's (break-glass) path.
func (db *DB) AddRole(ctx context.Context, by redress.AuditEvent, userID int64, role redress.Role, unit string) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		if err := db.lockAuthz(ctx, tx); err != nil {
			return err
		}
		if err := checkGrantee(ctx, tx, userID, unit); err != nil {
			return err
		}
		held, err := holdsRole(ctx, tx, userID, role, unit)
		if err != nil || held {
			return err
		}
		if err := insertRole(ctx, tx, now, by, userID, role, unit); err != nil {
			return err
		}
		return bumpAuthz(ctx, tx)
	})
}

func insertRole(ctx context.Context, tx bun.Tx, now time.Time, by redress.AuditEvent, userID int64, role redress.Role, unit string) error {
	if _, err := tx.NewInsert().Model(&roleRow{UserID: userID, Role: string(role), Unit: unit, CreatedAt: now}).Exec(ctx); err != nil {
		return err
	}
	return insertAudit(ctx, tx, now, event(by, redress.ActionRoleAdded,
		map[string]any{"user_id": userID, "role": string(role), "unit": unit}))
}

// RemoveRole takes back a role held in unit; one not held is ENOTFOUND.
func (db *DB) RemoveRole(ctx context.Context, by redress.AuditEvent, userID int64, role redress.Role, unit string) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		if err := db.lockAuthz(ctx, tx); err != nil {
			return err
		}
		res, err := tx.NewDelete().Model((*roleRow)(nil)).
			Where("user_id = ? AND role = ? AND unit = ?", userID, string(role), unit).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return redress.Errorf(redress.ENOTFOUND, "The account does not hold this role in this unit.")
		}
		if role == redress.RoleAdministrator {
			if err := adminLeft(ctx, tx, userID, true); err != nil {
				return err
			}
		}
		if err := insertAudit(ctx, tx, now, event(by, redress.ActionRoleRemoved,
			map[string]any{"user_id": userID, "role": string(role), "unit": unit})); err != nil {
			return err
		}
		return bumpAuthz(ctx, tx)
	})
}

// SetMFARequired says whether holders of role must use a second factor. Setting what
// is already set changes nothing and writes no event.
func (db *DB) SetMFARequired(ctx context.Context, by redress.AuditEvent, role redress.Role, required bool) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		if err := db.lockAuthz(ctx, tx); err != nil {
			return err
		}
		is, err := tx.NewSelect().Model((*mfaRequiredRow)(nil)).Where("role = ?", string(role)).Exists(ctx)
		if err != nil || is == required {
			return err
		}
		if required {
			_, err = tx.NewInsert().Model(&mfaRequiredRow{Role: string(role)}).Exec(ctx)
		} else {
			_, err = tx.NewDelete().Model((*mfaRequiredRow)(nil)).Where("role = ?", string(role)).Exec(ctx)
		}
		if err != nil {
			return err
		}
		if err := insertAudit(ctx, tx, now, event(by, redress.ActionMFAPolicyChanged,
			map[string]any{"role": string(role), "required": required})); err != nil {
			return err
		}
		return bumpAuthz(ctx, tx)
	})
}

// MFARequiredRoles returns the roles whose holders must use a second factor.
func (db *DB) MFARequiredRoles(ctx context.Context) ([]redress.Role, error) {
	var rows []mfaRequiredRow
	if err := db.bun.NewSelect().Model(&rows).Order("role").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]redress.Role, len(rows))
	for i, r := range rows {
		out[i] = redress.Role(r.Role)
	}
	return out, nil
}
