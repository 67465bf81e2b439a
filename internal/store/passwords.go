package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// One-time password links and password changes. Hashing and token drawing live in
// internal/auth; only hashes are stored here.

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

func insertLink(ctx context.Context, tx bun.IDB, now time.Time, l PasswordLink) error {
	if len(l.Hash) == 0 || l.UserID == 0 || (l.Purpose != LinkSet && l.Purpose != LinkReset) || !l.ExpiresAt.After(now) {
		return fmt.Errorf("password link: needs a hash, a user, a purpose and an expiry after now")
	}
	_, err := tx.NewInsert().Model(&passwordTokenRow{
		TokenHash: l.Hash, UserID: l.UserID, Purpose: l.Purpose, CreatedAt: now, ExpiresAt: l.ExpiresAt.UTC(),
	}).Exec(ctx)
	return err
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

// IssuePasswordLink stores a new one-time link for an account (redress user reset-link)
// with its audit event; the account's earlier unused links stop working, so only the
// link just shown opens it. A disabled or unknown account is refused.
func (db *DB) IssuePasswordLink(ctx context.Context, by redress.AuditEvent, link PasswordLink) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		var u userRow
		if err := tx.NewSelect().Model(&u).Where("id = ?", link.UserID).Scan(ctx); err != nil {
			return notFound(err, "Account")
		}
		if u.Disabled {
			return redress.Errorf(redress.ECONFLICT, "The account %s is disabled.", u.Email)
		}
		if _, err := tx.NewUpdate().Model((*passwordTokenRow)(nil)).Set("used_at = ?", now).
			Where("user_id = ? AND used_at IS NULL", link.UserID).Exec(ctx); err != nil {
			return err
		}
		if err := insertLink(ctx, tx, now, link); err != nil {
			return err
		}
		return insertAudit(ctx, tx, now, event(by, redress.ActionPasswordLink, map[string]any{"user_id": link.UserID, "purpose": link.Purpose}))
	})
}

// AdministratorSignedIn says whether an account holding the administrator role has ever
// signed in (has had a session): until one has, serve says at each start how to issue
// a new link.
func (db *DB) AdministratorSignedIn(ctx context.Context) (bool, error) {
	return db.bun.NewSelect().TableExpr("sessions AS s").
		Where("s.user_id IN (SELECT r.user_id FROM role_assignments AS r WHERE r.role = ?)", string(redress.RoleAdministrator)).
		Exists(ctx)
}
