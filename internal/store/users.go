package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// Staff accounts, review units and role assignments. Password hashing, token drawing and
// the lockout policy live in internal/auth; this file stores their results. Every change
// to who may do what (roles, units, disabled accounts, the second-factor policy) bumps
// authz_version in its own transaction, so every process can tell its Casbin enforcer is
// stale (see AuthzVersion).
//
// Methods that change accounts take `by`, an audit event naming who acts (Actor,
// ActorRole, RequestID); the store fills in the action and details of each event it
// writes, since they depend on ids the transaction makes.

type unitRow struct {
	bun.BaseModel `bun:"table:units"`
	ID            int64     `bun:"id,pk,autoincrement"`
	Name          string    `bun:"name"`
	Title         string    `bun:"title"`
	States        string    `bun:"states"`
	AgencyIDs     string    `bun:"agency_ids"`
	CreatedAt     time.Time `bun:"created_at"`
}

func (r unitRow) unit() redress.Unit {
	u := redress.Unit{ID: r.ID, Name: r.Name, Title: r.Title, States: strings.Fields(r.States)}
	for _, f := range strings.Fields(r.AgencyIDs) {
		if id, err := strconv.ParseInt(f, 10, 64); err == nil {
			u.AgencyIDs = append(u.AgencyIDs, id)
		}
	}
	return u
}

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

type roleRow struct {
	bun.BaseModel `bun:"table:role_assignments"`
	UserID        int64     `bun:"user_id,pk"`
	Role          string    `bun:"role,pk"`
	Unit          string    `bun:"unit,pk"`
	CreatedAt     time.Time `bun:"created_at"`
}

type passwordTokenRow struct {
	bun.BaseModel `bun:"table:password_tokens"`
	ID            int64      `bun:"id,pk,autoincrement"`
	TokenHash     []byte     `bun:"token_hash"`
	UserID        int64      `bun:"user_id"`
	Purpose       string     `bun:"purpose"`
	CreatedAt     time.Time  `bun:"created_at"`
	ExpiresAt     time.Time  `bun:"expires_at"`
	UsedAt        *time.Time `bun:"used_at"`
}

type mfaRequiredRow struct {
	bun.BaseModel `bun:"table:mfa_required_roles"`
	Role          string `bun:"role,pk"`
}

type loginThrottleRow struct {
	bun.BaseModel `bun:"table:login_throttle"`
	EmailHash     []byte     `bun:"email_hash,pk"`
	Failures      int        `bun:"failures"`
	LockedUntil   *time.Time `bun:"locked_until"`
	UpdatedAt     time.Time  `bun:"updated_at"`
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

// Assignment is one role held in one unit, as the authorization enforcer loads it.
type Assignment struct {
	UserID int64
	Role   redress.Role
	Unit   string
}

// Purposes of one-time password links.
const (
	LinkSet   = "set"   // a new account's first password
	LinkReset = "reset" // a forgotten password
)

// PasswordLink is a one-time link to set a password. Only the SHA-256 of its token is
// stored; the token itself is in the link alone.
type PasswordLink struct {
	ID        int64
	UserID    int64
	Hash      []byte
	Purpose   string
	CreatedAt time.Time
	ExpiresAt time.Time
	Used      bool
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

func insertLink(ctx context.Context, tx bun.IDB, now time.Time, l PasswordLink) error {
	if len(l.Hash) == 0 || l.UserID == 0 || (l.Purpose != LinkSet && l.Purpose != LinkReset) || !l.ExpiresAt.After(now) {
		return fmt.Errorf("password link: needs a hash, a user, a purpose and an expiry after now")
	}
	_, err := tx.NewInsert().Model(&passwordTokenRow{
		TokenHash: l.Hash, UserID: l.UserID, Purpose: l.Purpose, CreatedAt: now, ExpiresAt: l.ExpiresAt.UTC(),
	}).Exec(ctx)
	return err
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

// SaveUnit creates the unit named u.Name, or replaces its title, states and agencies.
// Agencies it names must be in the registry.
func (db *DB) SaveUnit(ctx context.Context, by redress.AuditEvent, u redress.Unit) (redress.Unit, error) {
	var states, agencies []string
	states = append(states, u.States...)
	for _, id := range u.AgencyIDs {
		agencies = append(agencies, strconv.FormatInt(id, 10))
	}
	row := unitRow{Name: u.Name, Title: u.Title, States: strings.Join(states, " "), AgencyIDs: strings.Join(agencies, " ")}
	err := db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		if err := db.lockAuthz(ctx, tx); err != nil {
			return err
		}
		if len(u.AgencyIDs) > 0 {
			n, err := tx.NewSelect().Model((*agencyRow)(nil)).Where("id IN (?)", bun.In(u.AgencyIDs)).Count(ctx)
			if err != nil {
				return err
			} else if int(n) != len(u.AgencyIDs) {
				var fe redress.FieldErrors
				fe.Add("agencies", "unknown_agency")
				return fe.Err()
			}
		}
		var old unitRow
		err := tx.NewSelect().Model(&old).Where("name = ?", u.Name).Scan(ctx)
		created := false
		switch err := notFound(err, "Unit"); {
		case err == nil:
			row.ID, row.CreatedAt = old.ID, old.CreatedAt
			if _, err := tx.NewUpdate().Model(&row).Column("title", "states", "agency_ids").WherePK().Exec(ctx); err != nil {
				return err
			}
		case redress.ErrorCode(err) == redress.ENOTFOUND:
			row.CreatedAt, created = now, true
			if _, err := tx.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
				return err
			}
		default:
			return err
		}
		// Old and new values of what changed (of everything, for a new unit).
		before, after := map[string]any{}, map[string]any{}
		for _, f := range []struct{ name, old, new string }{
			{"title", old.Title, row.Title}, {"states", old.States, row.States}, {"agency_ids", old.AgencyIDs, row.AgencyIDs},
		} {
			if created || f.old != f.new {
				if !created {
					before[f.name] = f.old
				}
				after[f.name] = f.new
			}
		}
		if err := insertAudit(ctx, tx, now, event(by, redress.ActionUnitSaved, map[string]any{
			"unit": row.Name, "created": created, "old": before, "new": after,
		})); err != nil {
			return err
		}
		return bumpAuthz(ctx, tx)
	})
	if err != nil {
		return redress.Unit{}, err
	}
	return row.unit(), nil
}

// ListUnits returns every review unit in name order, the order redress.UnitFor needs.
func (db *DB) ListUnits(ctx context.Context) ([]redress.Unit, error) {
	var rows []unitRow
	if err := db.bun.NewSelect().Model(&rows).Order("name").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list units: %w", err)
	}
	out := make([]redress.Unit, len(rows))
	for i, r := range rows {
		out[i] = r.unit()
	}
	return out, nil
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

// QueuePasswordReset stores a reset link for the account and queues the email that
// carries it, unless the account already had max reset links made in the hour before,
// so the form cannot be used to flood a mailbox. queued says which; the audit event
// (auth.password_reset_requested) is written either way.
func (db *DB) QueuePasswordReset(ctx context.Context, by redress.AuditEvent, link PasswordLink, mail redress.OutboundMail, max int) (queued bool, err error) {
	err = db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		recent, err := tx.NewSelect().Model((*passwordTokenRow)(nil)).
			Where("user_id = ? AND purpose = ? AND created_at > ?", link.UserID, LinkReset, now.Add(-time.Hour)).Count(ctx)
		if err != nil {
			return err
		}
		if int(recent) >= max {
			return insertAudit(ctx, tx, now, event(by, redress.ActionPasswordReset,
				map[string]any{"user_id": link.UserID, "queued": false, "reason": "too_many"}))
		}
		link.Purpose = LinkReset
		if err := insertLink(ctx, tx, now, link); err != nil {
			return err
		}
		if err := InsertOutbox(ctx, tx, now, mail); err != nil {
			return err
		}
		queued = true
		return insertAudit(ctx, tx, now, event(by, redress.ActionPasswordReset, map[string]any{"user_id": link.UserID, "queued": true}))
	})
	return queued, err
}

// PasswordLinkByHash finds a link by the hash of its token, used or not.
func (db *DB) PasswordLinkByHash(ctx context.Context, hash []byte) (PasswordLink, error) {
	var row passwordTokenRow
	if err := db.bun.NewSelect().Model(&row).Where("token_hash = ?", hash).Scan(ctx); err != nil {
		return PasswordLink{}, notFound(err, "Link")
	}
	return PasswordLink{ID: row.ID, UserID: row.UserID, Hash: row.TokenHash, Purpose: row.Purpose,
		CreatedAt: row.CreatedAt, ExpiresAt: row.ExpiresAt, Used: row.UsedAt != nil}, nil
}

// UsePasswordLink sets the password of the link's account (hash made by internal/auth)
// and uses the link up, once: of two requests racing with the same link one gets
// redress.ErrPasswordLinkUsed. It also uses up the account's other links, clears its
// lockout and ends all its sessions. now is the caller's clock, for the expiry.
func (db *DB) UsePasswordLink(ctx context.Context, by redress.AuditEvent, link PasswordLink, passwordHash string, now time.Time) error {
	return db.inTx(ctx, func(tx bun.Tx, _ time.Time) error {
		now := now.UTC().Truncate(time.Microsecond)
		res, err := tx.NewUpdate().Model((*passwordTokenRow)(nil)).Set("used_at = ?", now).
			Where("id = ? AND used_at IS NULL AND expires_at > ?", link.ID, now).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return redress.ErrPasswordLinkUsed
		}
		if _, err := tx.NewUpdate().Model((*passwordTokenRow)(nil)).Set("used_at = ?", now).
			Where("user_id = ? AND used_at IS NULL", link.UserID).Exec(ctx); err != nil {
			return err
		}
		return setPassword(ctx, tx, now, by, link.UserID, passwordHash, map[string]any{"via": link.Purpose + "_link"})
	})
}

// ChangePassword replaces an account's password hash and ends all its sessions.
func (db *DB) ChangePassword(ctx context.Context, by redress.AuditEvent, userID int64, passwordHash string, now time.Time) error {
	return db.inTx(ctx, func(tx bun.Tx, _ time.Time) error {
		return setPassword(ctx, tx, now.UTC().Truncate(time.Microsecond), by, userID, passwordHash, map[string]any{"via": "change"})
	})
}

func setPassword(ctx context.Context, tx bun.Tx, now time.Time, by redress.AuditEvent, userID int64, hash string, details map[string]any) error {
	if hash == "" {
		return fmt.Errorf("set password: empty hash")
	}
	res, err := tx.NewUpdate().Model((*userRow)(nil)).
		Set("password_hash = ?", hash).Set("password_set_at = ?", now).
		Set("failed_logins = 0").Set("locked_until = NULL").
		Where("id = ?", userID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return redress.Errorf(redress.ENOTFOUND, "Account not found.")
	}
	ended, err := endSessions(ctx, tx, now, userID, 0)
	if err != nil {
		return err
	}
	details["user_id"], details["sessions_ended"] = userID, ended
	return insertAudit(ctx, tx, now, event(by, redress.ActionPasswordChanged, details))
}

// LoginAttempt is one sign-in attempt (a password or a second-factor code) to count
// before it is checked.
type LoginAttempt struct {
	UserID int64  // 0 for an address without an account
	Email  string // used, hashed, only when UserID is 0
	Now    time.Time
	// LockFor says, from the number of consecutive failures including this one, how
	// long sign-in is then refused (0: not at all).
	LockFor func(failures int) time.Duration
}

// Reservation is an attempt counted as a failure before it is checked. Count is the
// consecutive failures with it; LockedUntil is the lock it began (zero: none), in force
// at once so that no other attempt is checked while this one is.
type Reservation struct {
	LoginAttempt
	Count       int
	LockedUntil time.Time
}

// ReserveLoginAttempt counts an attempt before its password or code is checked, in one
// transaction that holds the account's row (or the address's login_throttle row), so
// attempts sent at once are counted one after another: ok is false, and nothing is
// counted, when a lock is in force. When the count reaches a lock (LockFor), the lock
// begins with the reservation, not when the check fails: however many attempts arrive
// together, no more are checked than the policy allows. Addresses without an account
// are counted the same way, so lockout does not tell which addresses have accounts.
func (db *DB) ReserveLoginAttempt(ctx context.Context, a LoginAttempt) (r Reservation, ok bool, err error) {
	now := a.Now.UTC().Truncate(time.Microsecond)
	r.LoginAttempt = a
	err = db.inTx(ctx, func(tx bun.Tx, _ time.Time) error {
		var q *bun.UpdateQuery
		if a.UserID != 0 {
			q = tx.NewUpdate().Model((*userRow)(nil)).Set("failed_logins = failed_logins + 1").Where("id = ?", a.UserID)
		} else {
			h := EmailHash(a.Email)
			if _, err := tx.NewDelete().Model((*loginThrottleRow)(nil)).Where("updated_at < ?", now.Add(-24*time.Hour)).Exec(ctx); err != nil {
				return err
			}
			if _, err := tx.NewInsert().Model(&loginThrottleRow{EmailHash: h, UpdatedAt: now}).On("CONFLICT (email_hash) DO NOTHING").Exec(ctx); err != nil {
				return err
			}
			q = tx.NewUpdate().Model((*loginThrottleRow)(nil)).Set("failures = failures + 1").Set("updated_at = ?", now).Where("email_hash = ?", h)
		}
		// On PostgreSQL the UPDATE holds the row until commit; SQLite's transactions
		// take the write lock first (_txlock=immediate). Either way the next attempt
		// reads this one's count and lock.
		res, err := q.Where("locked_until IS NULL OR locked_until <= ?", now).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		ok = true
		if a.UserID != 0 {
			var row userRow
			if err := tx.NewSelect().Model(&row).Column("failed_logins").Where("id = ?", a.UserID).Scan(ctx); err != nil {
				return err
			}
			r.Count = row.FailedLogins
		} else {
			var row loginThrottleRow
			if err := tx.NewSelect().Model(&row).Column("failures").Where("email_hash = ?", EmailHash(a.Email)).Scan(ctx); err != nil {
				return err
			}
			r.Count = row.Failures
		}
		d := a.LockFor(r.Count)
		if d <= 0 {
			return nil
		}
		r.LockedUntil = now.Add(d)
		if a.UserID != 0 {
			_, err = tx.NewUpdate().Model((*userRow)(nil)).Set("locked_until = ?", r.LockedUntil).Where("id = ?", a.UserID).Exec(ctx)
		} else {
			_, err = tx.NewUpdate().Model((*loginThrottleRow)(nil)).Set("locked_until = ?", r.LockedUntil).Where("email_hash = ?", EmailHash(a.Email)).Exec(ctx)
		}
		return err
	})
	if err != nil {
		return Reservation{}, false, err
	}
	return r, ok, nil
}

// RecordLoginFailure writes the audit events of a reserved attempt that failed (reason:
// "password", "totp", "disabled", "no_password", "no_account"…): auth.login_failed, and
// auth.lockout when the reservation began a lock. It returns until when sign-in is
// locked (zero when this attempt began no lock). The failure was counted already.
func (db *DB) RecordLoginFailure(ctx context.Context, by redress.AuditEvent, r Reservation, reason string) (lockedUntil time.Time, err error) {
	now := r.Now.UTC().Truncate(time.Microsecond)
	details := map[string]any{"reason": reason, "failures": r.Count}
	if r.UserID != 0 {
		details["user_id"] = r.UserID
	}
	events := []redress.AuditEvent{event(by, redress.ActionLoginFailed, details)}
	if !r.LockedUntil.IsZero() {
		lock := map[string]any{"failures": r.Count, "until": r.LockedUntil.UTC().Format(time.RFC3339),
			"seconds": int(r.LockedUntil.Sub(now).Seconds())}
		if r.UserID != 0 {
			lock["user_id"] = r.UserID
		} else {
			lock["account"] = false
		}
		events = append(events, event(by, redress.ActionLockout, lock))
	}
	err = db.inTx(ctx, func(tx bun.Tx, _ time.Time) error { return insertAudit(ctx, tx, now, events...) })
	return r.LockedUntil, err
}

// ReleaseLoginAttempt takes back a reserved attempt that was never checked (the server
// was too busy to hash): its count, and the lock it began, when no attempt was counted
// after it. Later attempts' count stands.
func (db *DB) ReleaseLoginAttempt(ctx context.Context, r Reservation) error {
	if r.Count == 0 {
		return nil
	}
	return db.inTx(ctx, func(tx bun.Tx, _ time.Time) error {
		if r.UserID != 0 {
			_, err := tx.NewUpdate().Model((*userRow)(nil)).Set("failed_logins = failed_logins - 1").Set("locked_until = NULL").
				Where("id = ? AND failed_logins = ?", r.UserID, r.Count).Exec(ctx)
			return err
		}
		_, err := tx.NewUpdate().Model((*loginThrottleRow)(nil)).Set("failures = failures - 1").Set("locked_until = NULL").
			Where("email_hash = ? AND failures = ?", EmailHash(r.Email), r.Count).Exec(ctx)
		return err
	})
}

// settleSuccess ends the count of a reserved attempt that succeeded, in the transaction
// that signs in: a complete sign-in clears the failures and the lock this attempt began,
// a pending one (second factor to come) takes back only its own count. Either only when
// no attempt was counted after it; otherwise their count stands, and if one of them
// began a lock that is in force, the sign-in is refused (ErrLockedMeanwhile): a success
// never lifts a lock another attempt began.
func settleSuccess(ctx context.Context, tx bun.Tx, r Reservation, userID int64, complete bool, now time.Time) error {
	if r.Count > 0 && r.UserID == userID {
		q := tx.NewUpdate().Model((*userRow)(nil)).Set("locked_until = NULL").
			Where("id = ? AND failed_logins = ?", userID, r.Count)
		if complete {
			q = q.Set("failed_logins = 0")
		} else {
			q = q.Set("failed_logins = failed_logins - 1")
		}
		res, err := q.Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
	}
	var row userRow
	if err := tx.NewSelect().Model(&row).Column("locked_until").Where("id = ?", userID).Scan(ctx); err != nil {
		return notFound(err, "Account")
	}
	if row.LockedUntil != nil && row.LockedUntil.After(now) {
		return redress.ErrLockedMeanwhile
	}
	return nil
}

// ThrottledUntil returns until when sign-in with an address that has no account is
// refused (zero when it is not).
func (db *DB) ThrottledUntil(ctx context.Context, email string) (time.Time, error) {
	var row loginThrottleRow
	err := db.bun.NewSelect().Model(&row).Where("email_hash = ?", EmailHash(email)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	} else if err != nil {
		return time.Time{}, err
	}
	return derefTime(row.LockedUntil), nil
}

// EmailHash is how login_throttle names an address: a throttle table must not become a
// list of the addresses people tried.
func EmailHash(email string) []byte {
	return sha256Sum("login-throttle:" + redress.NormalizeEmail(email))
}
