package store

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// Staff accounts, review units and role assignments. Password hashing, token drawing and
// the lockout policy live in internal/auth; store keeps their results. Every change
// to who may do what (roles, units, disabled accounts, the second-factor policy) bumps
// authz_version in its own transaction, so every process can tell its Casbin enforcer is
// stale (see AuthzVersion).
//
// Methods that change accounts take `by`, an audit event naming who acts (Actor,
// ActorRole, RequestID); the store fills in the action and details of each event it
// writes, since they depend on ids the transaction makes.

type userRow struct {
	bun.BaseModel `bun:"table:users"`
	ID            int64      `bun:"id,pk,autoincrement"`
	Email         string     `bun:"email"`
	Name          string     `bun:"name"`
	PasswordHash  string     `bun:"password_hash"`
	PasswordSetAt *time.Time `bun:"password_set_at"`
	TOTPSealed    []byte     `bun:"totp_sealed"`
	TOTPPending   []byte     `bun:"totp_pending"`
	TOTPLastStep  int64      `bun:"totp_last_step"`
	Disabled      bool       `bun:"disabled"`
	FailedLogins  int        `bun:"failed_logins"`
	LockedUntil   *time.Time `bun:"locked_until"`
	CreatedAt     time.Time  `bun:"created_at"`
}

func (r userRow) user() redress.User {
	u := redress.User{
		ID: r.ID, Email: r.Email, Name: r.Name, Disabled: r.Disabled,
		HasPassword: r.PasswordHash != "", MFAEnrolled: len(r.TOTPSealed) > 0, CreatedAt: r.CreatedAt,
	}
	if r.LockedUntil != nil {
		u.LockedUntil = *r.LockedUntil
	}
	return u
}

// Account is a user as the auth package sees it, with what never leaves store and auth.
type Account struct {
	redress.User
	PasswordHash string
	TOTPSealed   []byte // confirmed second-factor secret, sealed
	TOTPPending  []byte // secret being enrolled, sealed
	TOTPLastStep int64  // the last 30-second step whose code was accepted
	FailedLogins int
}

func utcPtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC().Truncate(time.Microsecond)
	return &t
}

func derefTime(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return *p
}

func event(by redress.AuditEvent, action string, details map[string]any) redress.AuditEvent {
	ev := by
	ev.Action = action
	ev.Details = maps.Clone(by.Details)
	if ev.Details == nil {
		ev.Details = map[string]any{}
	}
	maps.Copy(ev.Details, details)
	return ev
}

// lockAuthz serializes changes to accounts and assignments. On PostgreSQL the row lock
// on authz_version makes concurrent check-then-write transactions (two processes creating
// the first administrator, say) take turns; SQLite's write transactions already do.
func (db *DB) lockAuthz(ctx context.Context, tx bun.Tx) error {
	if db.Dialect != PostgreSQL {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT version FROM authz_version WHERE id = 1 FOR UPDATE")
	return err
}

func bumpAuthz(ctx context.Context, tx bun.IDB) error {
	_, err := tx.ExecContext(ctx, "UPDATE authz_version SET version = version + 1 WHERE id = 1")
	return err
}

// AuthzVersion returns the counter every change of roles, units, disabled accounts and
// the second-factor policy increases. A process whose enforcer was built at an older
// version reloads it.
func (db *DB) AuthzVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := db.bun.QueryRowContext(ctx, "SELECT version FROM authz_version WHERE id = 1").Scan(&v); err != nil {
		return 0, fmt.Errorf("authz version: %w", err)
	}
	return v, nil
}

// CreateUser adds an account without a password and the one-time link that sets it.
// An address already in use is ECONFLICT.
func (db *DB) CreateUser(ctx context.Context, by redress.AuditEvent, email, name string, link PasswordLink) (redress.User, error) {
	var u redress.User
	err := db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		if err := db.lockAuthz(ctx, tx); err != nil {
			return err
		}
		var err error
		u, err = insertUser(ctx, tx, now, by, email, name, link)
		return err
	})
	return u, err
}

func insertUser(ctx context.Context, tx bun.Tx, now time.Time, by redress.AuditEvent, email, name string, link PasswordLink) (redress.User, error) {
	taken, err := tx.NewSelect().Model((*userRow)(nil)).Where("email = ?", email).Exists(ctx)
	if err != nil {
		return redress.User{}, err
	} else if taken {
		return redress.User{}, &redress.Error{Code: redress.ECONFLICT, Key: "error.email_taken",
			Message: "An account with this email already exists."}
	}
	row := userRow{Email: email, Name: name, CreatedAt: now}
	if _, err := tx.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
		return redress.User{}, err
	}
	link.UserID = row.ID
	if err := insertLink(ctx, tx, now, link); err != nil {
		return redress.User{}, err
	}
	return row.user(), insertAudit(ctx, tx, now, event(by, redress.ActionUserCreated, map[string]any{"user_id": row.ID}))
}

// EnsureFirstAdmin gives the service an administrator when no enabled account holds
// that role: it creates the account for email (or, if an enabled account has that
// address, grants it the role) with the role in every unit, and stores link for its
// password. created is false when an administrator already exists.
func (db *DB) EnsureFirstAdmin(ctx context.Context, by redress.AuditEvent, email, name string, link PasswordLink) (created bool, err error) {
	err = db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		if err := db.lockAuthz(ctx, tx); err != nil {
			return err
		}
		has, err := tx.NewSelect().Model((*roleRow)(nil)).
			Where("role = ?", string(redress.RoleAdministrator)).
			Where("user_id IN (SELECT id FROM users WHERE disabled = ?)", false).Exists(ctx)
		if err != nil || has {
			return err
		}
		var row userRow
		err = tx.NewSelect().Model(&row).Where("email = ?", email).Scan(ctx)
		switch {
		case err == nil && row.Disabled:
			return redress.Errorf(redress.ECONFLICT, "The administrator email %s belongs to a disabled account; choose another address.", email)
		case err == nil:
			link.UserID = row.ID
			if row.PasswordHash != "" {
				link.Purpose = LinkReset
			}
			if err := insertLink(ctx, tx, now, link); err != nil {
				return err
			}
		default:
			if err := notFound(err, "Account"); redress.ErrorCode(err) != redress.ENOTFOUND {
				return err
			}
			u, err := insertUser(ctx, tx, now, by, email, name, link)
			if err != nil {
				return err
			}
			row.ID = u.ID
		}
		if err := insertRole(ctx, tx, now, by, row.ID, redress.RoleAdministrator, redress.AllUnits); err != nil {
			return err
		}
		created = true
		return bumpAuthz(ctx, tx)
	})
	return created, err
}

// rolesOf fills in the roles of users, in role then unit order.
func rolesOf(ctx context.Context, q bun.IDB, users []redress.User) error {
	if len(users) == 0 {
		return nil
	}
	ids := make([]int64, len(users))
	at := make(map[int64]int, len(users))
	for i, u := range users {
		ids[i], at[u.ID] = u.ID, i
	}
	var rows []roleRow
	if err := q.NewSelect().Model(&rows).Where("user_id IN (?)", bun.In(ids)).Order("user_id", "role", "unit").Scan(ctx); err != nil {
		return err
	}
	for _, r := range rows {
		u := &users[at[r.UserID]]
		u.Roles = append(u.Roles, redress.RoleAssignment{Role: redress.Role(r.Role), Unit: r.Unit})
	}
	return nil
}

func (db *DB) account(ctx context.Context, where string, arg any) (Account, error) {
	var row userRow
	if err := db.bun.NewSelect().Model(&row).Where(where, arg).Scan(ctx); err != nil {
		return Account{}, notFound(err, "Account")
	}
	users := []redress.User{row.user()}
	if err := rolesOf(ctx, db.bun, users); err != nil {
		return Account{}, err
	}
	return Account{
		User: users[0], PasswordHash: row.PasswordHash, TOTPSealed: row.TOTPSealed,
		TOTPPending: row.TOTPPending, TOTPLastStep: row.TOTPLastStep, FailedLogins: row.FailedLogins,
	}, nil
}

// Account loads an account by id, with its roles and secrets.
func (db *DB) Account(ctx context.Context, id int64) (Account, error) {
	return db.account(ctx, "id = ?", id)
}

// AccountByEmail loads an account by its (normalized) address.
func (db *DB) AccountByEmail(ctx context.Context, email string) (Account, error) {
	return db.account(ctx, "email = ?", email)
}

// User loads an account by id, with its roles.
func (db *DB) User(ctx context.Context, id int64) (redress.User, error) {
	a, err := db.Account(ctx, id)
	return a.User, err
}

// UserByEmail loads an account by its (normalized) address, with its roles.
func (db *DB) UserByEmail(ctx context.Context, email string) (redress.User, error) {
	a, err := db.AccountByEmail(ctx, email)
	return a.User, err
}

// ListUsers returns every account, by email, with its roles.
func (db *DB) ListUsers(ctx context.Context) ([]redress.User, error) {
	var rows []userRow
	if err := db.bun.NewSelect().Model(&rows).Order("email").Scan(ctx); err != nil {
		return nil, err
	}
	users := make([]redress.User, len(rows))
	for i, r := range rows {
		users[i] = r.user()
	}
	return users, rolesOf(ctx, db.bun, users)
}

// DisableUser disables an account and ends its sessions. Its API tokens stop working
// too, since every use checks the account. Disabling a disabled account changes nothing.
func (db *DB) DisableUser(ctx context.Context, by redress.AuditEvent, id int64) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		if err := db.lockAuthz(ctx, tx); err != nil {
			return err
		}
		var row userRow
		if err := tx.NewSelect().Model(&row).Column("id", "disabled").Where("id = ?", id).Scan(ctx); err != nil {
			return notFound(err, "Account")
		}
		if row.Disabled {
			return nil
		}
		if _, err := tx.NewUpdate().Model((*userRow)(nil)).Set("disabled = ?", true).Where("id = ?", id).Exec(ctx); err != nil {
			return err
		}
		if err := adminLeft(ctx, tx, id, false); err != nil {
			return err
		}
		ended, err := endSessions(ctx, tx, now, id, 0)
		if err != nil {
			return err
		}
		if err := insertAudit(ctx, tx, now, event(by, redress.ActionUserDisabled,
			map[string]any{"user_id": id, "sessions_ended": ended})); err != nil {
			return err
		}
		return bumpAuthz(ctx, tx)
	})
}

// adminLeft refuses a change that leaves no enabled administrator when userID held the
// role: nobody could then manage accounts from the web pages.
func adminLeft(ctx context.Context, tx bun.Tx, userID int64, wasAdmin bool) error {
	admin := string(redress.RoleAdministrator)
	if !wasAdmin {
		held, err := tx.NewSelect().Model((*roleRow)(nil)).Where("user_id = ? AND role = ?", userID, admin).Exists(ctx)
		if err != nil || !held {
			return err
		}
	}
	left, err := tx.NewSelect().Model((*roleRow)(nil)).Where("role = ?", admin).
		Where("user_id IN (SELECT id FROM users WHERE disabled = ?)", false).Exists(ctx)
	if err != nil || left {
		return err
	}
	return &redress.Error{Code: redress.ECONFLICT, Key: "error.last_admin",
		Message: "This is the last enabled administrator: make someone else an administrator first."}
}
