package store

import (
	"context"
	"crypto/sha256"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// Sign-in sessions, API tokens and second-factor secrets. Session and token values are
// stored only as SHA-256 hashes, so a copy of the database does not let anyone in. The
// times that decide whether a session or lock still holds come from the caller's clock
// (internal/auth), so one clock decides them all.

type sessionRow struct {
	bun.BaseModel `bun:"table:sessions"`
	ID            int64      `bun:"id,pk,autoincrement"`
	TokenHash     []byte     `bun:"token_hash"`
	UserID        int64      `bun:"user_id"`
	MFAPending    bool       `bun:"mfa_pending"`
	CreatedAt     time.Time  `bun:"created_at"`
	LastSeenAt    time.Time  `bun:"last_seen_at"`
	ExpiresAt     time.Time  `bun:"expires_at"`
	EndedAt       *time.Time `bun:"ended_at"`
}

type apiTokenRow struct {
	bun.BaseModel `bun:"table:api_tokens"`
	ID            int64      `bun:"id,pk,autoincrement"`
	TokenHash     []byte     `bun:"token_hash"`
	UserID        int64      `bun:"user_id"`
	Name          string     `bun:"name"`
	CreatedAt     time.Time  `bun:"created_at"`
	LastUsedAt    *time.Time `bun:"last_used_at"`
	RevokedAt     *time.Time `bun:"revoked_at"`
}

func sha256Sum(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// Session is a sign-in session. Ended sessions stay in the table, for the record.
type Session struct {
	ID         int64
	UserID     int64
	MFAPending bool
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	Ended      bool
}

// NewSession is a session to start at a successful sign-in.
type NewSession struct {
	Hash       []byte
	UserID     int64
	MFAPending bool // the password was right; the second factor is still to come
	Now        time.Time
	ExpiresAt  time.Time // the absolute timeout
	// Attempt is the reserved attempt whose password was right (ReserveLoginAttempt);
	// the zero Reservation (sessions made by tests and tools) clears no failures.
	Attempt Reservation
	// Rehash, when set, replaces the account's password hash OldHash: the same password
	// hashed at today's cost. A password changed meanwhile is left alone.
	Rehash, OldHash string
}

// StartSession stores a session. A complete sign-in (no second factor pending) also
// clears the account's failed attempts and writes the auth.login event; a pending one
// writes auth.login_pending, takes back only its own attempt and leaves the rest to
// CompleteMFA, so that guessing codes keeps counting toward lockout however often the
// password is given again. A lock another attempt began while the password was checked
// refuses the session (ErrLockedMeanwhile; see settleSuccess).
func (db *DB) StartSession(ctx context.Context, by redress.AuditEvent, s NewSession) (int64, error) {
	now := s.Now.UTC().Truncate(time.Microsecond)
	row := sessionRow{TokenHash: s.Hash, UserID: s.UserID, MFAPending: s.MFAPending,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: s.ExpiresAt.UTC()}
	err := db.inTx(ctx, func(tx bun.Tx, _ time.Time) error {
		if err := settleSuccess(ctx, tx, s.Attempt, s.UserID, !s.MFAPending, now); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
			return err
		}
		details := map[string]any{"user_id": s.UserID, "session_id": row.ID}
		if s.Rehash != "" {
			res, err := tx.NewUpdate().Model((*userRow)(nil)).Set("password_hash = ?", s.Rehash).
				Where("id = ? AND password_hash = ?", s.UserID, s.OldHash).Exec(ctx)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 1 {
				details["rehashed"] = true
			}
		}
		if s.MFAPending {
			// The password step is on the record too, though sign-in is not complete.
			return insertAudit(ctx, tx, now, event(by, redress.ActionLoginPending, details))
		}
		details["mfa"] = false
		return insertAudit(ctx, tx, now, event(by, redress.ActionLogin, details))
	})
	if err != nil {
		return 0, err
	}
	return row.ID, err
}

// SessionByHash finds a session by the hash of its token, ended or not.
func (db *DB) SessionByHash(ctx context.Context, hash []byte) (Session, error) {
	var r sessionRow
	if err := db.bun.NewSelect().Model(&r).Where("token_hash = ?", hash).Scan(ctx); err != nil {
		return Session{}, notFound(err, "Session")
	}
	return Session{ID: r.ID, UserID: r.UserID, MFAPending: r.MFAPending, CreatedAt: r.CreatedAt,
		LastSeenAt: r.LastSeenAt, ExpiresAt: r.ExpiresAt, Ended: r.EndedAt != nil}, nil
}

// TouchSession records that a session was used at at.
func (db *DB) TouchSession(ctx context.Context, id int64, at time.Time) error {
	_, err := db.bun.NewUpdate().Model((*sessionRow)(nil)).Set("last_seen_at = ?", at.UTC().Truncate(time.Microsecond)).
		Where("id = ? AND ended_at IS NULL", id).Exec(ctx)
	return err
}

// EndSession ends one session (signing out) and writes the auth.logout event; a
// session already ended is left as it is, without an event.
func (db *DB) EndSession(ctx context.Context, by redress.AuditEvent, s Session, now time.Time) error {
	now = now.UTC().Truncate(time.Microsecond)
	return db.inTx(ctx, func(tx bun.Tx, _ time.Time) error {
		res, err := tx.NewUpdate().Model((*sessionRow)(nil)).Set("ended_at = ?", now).
			Where("id = ? AND ended_at IS NULL", s.ID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return insertAudit(ctx, tx, now, event(by, redress.ActionLogout, map[string]any{"user_id": s.UserID, "session_id": s.ID}))
	})
}

// endSessions ends every open session of a user but keep (0: all) and counts them.
func endSessions(ctx context.Context, tx bun.IDB, now time.Time, userID, keep int64) (int64, error) {
	res, err := tx.NewUpdate().Model((*sessionRow)(nil)).Set("ended_at = ?", now).
		Where("user_id = ? AND ended_at IS NULL AND id <> ?", userID, keep).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// CountOpenSessions counts a user's sessions not ended (expired ones included).
func (db *DB) CountOpenSessions(ctx context.Context, userID int64) (int, error) {
	n, err := db.bun.NewSelect().Model((*sessionRow)(nil)).Where("user_id = ? AND ended_at IS NULL", userID).Count(ctx)
	return int(n), err
}

// CompleteMFA finishes a sign-in waiting for its second factor: the code of 30-second
// step was right, in the reserved attempt r. A step not later than the last one
// accepted is a replay (redress.ErrSignInCodeUsed); a lock another attempt began meanwhile refuses it
// (ErrLockedMeanwhile).
func (db *DB) CompleteMFA(ctx context.Context, by redress.AuditEvent, s Session, step int64, r Reservation, now time.Time) error {
	now = now.UTC().Truncate(time.Microsecond)
	return db.inTx(ctx, func(tx bun.Tx, _ time.Time) error {
		if err := useStep(ctx, tx, s.UserID, step); err != nil {
			return err
		}
		if err := settleSuccess(ctx, tx, r, s.UserID, true, now); err != nil {
			return err
		}
		res, err := tx.NewUpdate().Model((*sessionRow)(nil)).Set("mfa_pending = ?", false).Set("last_seen_at = ?", now).
			Where("id = ? AND ended_at IS NULL AND mfa_pending = ?", s.ID, true).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return redress.Errorf(redress.EUNAUTHORIZED, "Please sign in again.")
		}
		return insertAudit(ctx, tx, now, event(by, redress.ActionLogin,
			map[string]any{"user_id": s.UserID, "session_id": s.ID, "mfa": true}))
	})
}

func useStep(ctx context.Context, tx bun.Tx, userID, step int64) error {
	res, err := tx.NewUpdate().Model((*userRow)(nil)).Set("totp_last_step = ?", step).
		Where("id = ? AND totp_last_step < ?", userID, step).Exec(ctx)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return redress.ErrSignInCodeUsed
	}
	return nil
}

// SetPendingTOTP stores a sealed secret being enrolled, replacing any earlier one.
func (db *DB) SetPendingTOTP(ctx context.Context, userID int64, sealed []byte) error {
	res, err := db.bun.NewUpdate().Model((*userRow)(nil)).Set("totp_pending = ?", sealed).Where("id = ?", userID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return redress.Errorf(redress.ENOTFOUND, "Account not found.")
	}
	return nil
}

// ConfirmTOTP makes the pending secret (sealed again as sealed) the account's second
// factor, once a code of step from it was right, and writes auth.mfa_enrolled.
func (db *DB) ConfirmTOTP(ctx context.Context, by redress.AuditEvent, userID int64, sealed []byte, step int64) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		// A new secret starts its own sequence of steps; only codes later than the one
		// just used are accepted from now on.
		if _, err := tx.NewUpdate().Model((*userRow)(nil)).Set("totp_sealed = ?", sealed).Set("totp_pending = NULL").
			Set("totp_last_step = ?", step).Where("id = ?", userID).Exec(ctx); err != nil {
			return err
		}
		return insertAudit(ctx, tx, now, event(by, redress.ActionMFAEnrolled, map[string]any{"user_id": userID}))
	})
}

// APIToken is what is known of an API token; its value is not.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
	RevokedAt  time.Time // zero: not revoked
}

func (r apiTokenRow) token() APIToken {
	return APIToken{ID: r.ID, UserID: r.UserID, Name: r.Name, CreatedAt: r.CreatedAt,
		LastUsedAt: derefTime(r.LastUsedAt), RevokedAt: derefTime(r.RevokedAt)}
}

// CreateAPIToken stores a token for the account by the hash of its value.
func (db *DB) CreateAPIToken(ctx context.Context, by redress.AuditEvent, userID int64, name string, hash []byte) (int64, error) {
	row := apiTokenRow{TokenHash: hash, UserID: userID, Name: name}
	err := db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		var u userRow
		if err := tx.NewSelect().Model(&u).Column("id", "disabled").Where("id = ?", userID).Scan(ctx); err != nil {
			return notFound(err, "Account")
		} else if u.Disabled {
			return redress.Errorf(redress.EINVALID, "The account is disabled.")
		}
		row.CreatedAt = now
		if _, err := tx.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
			return err
		}
		return insertAudit(ctx, tx, now, event(by, redress.ActionTokenCreated,
			map[string]any{"user_id": userID, "token_id": row.ID, "name": name}))
	})
	return row.ID, err
}

// RevokeAPIToken stops a token from working. Revoking it again changes nothing.
func (db *DB) RevokeAPIToken(ctx context.Context, by redress.AuditEvent, id int64) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		var row apiTokenRow
		if err := tx.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
			return notFound(err, "Token")
		}
		if row.RevokedAt != nil {
			return nil
		}
		if _, err := tx.NewUpdate().Model((*apiTokenRow)(nil)).Set("revoked_at = ?", now).Where("id = ?", id).Exec(ctx); err != nil {
			return err
		}
		return insertAudit(ctx, tx, now, event(by, redress.ActionTokenRevoked,
			map[string]any{"user_id": row.UserID, "token_id": id, "name": row.Name}))
	})
}

// APITokenByHash finds a token by the hash of its value, revoked or not.
func (db *DB) APITokenByHash(ctx context.Context, hash []byte) (APIToken, error) {
	var row apiTokenRow
	if err := db.bun.NewSelect().Model(&row).Where("token_hash = ?", hash).Scan(ctx); err != nil {
		return APIToken{}, notFound(err, "Token")
	}
	return row.token(), nil
}

// APIToken loads a token by id.
func (db *DB) APIToken(ctx context.Context, id int64) (APIToken, error) {
	var row apiTokenRow
	if err := db.bun.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return APIToken{}, notFound(err, "Token")
	}
	return row.token(), nil
}

// TouchAPIToken records that a token was used at at.
func (db *DB) TouchAPIToken(ctx context.Context, id int64, at time.Time) error {
	_, err := db.bun.NewUpdate().Model((*apiTokenRow)(nil)).Set("last_used_at = ?", at.UTC().Truncate(time.Microsecond)).
		Where("id = ?", id).Exec(ctx)
	return err
}

// ListAPITokens returns an account's tokens, oldest first.
func (db *DB) ListAPITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	var rows []apiTokenRow
	if err := db.bun.NewSelect().Model(&rows).Where("user_id = ?", userID).Order("id").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]APIToken, len(rows))
	for i, r := range rows {
		out[i] = r.token()
	}
	return out, nil
}
