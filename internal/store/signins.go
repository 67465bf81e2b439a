package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// Sign-in attempt counting and lockout, reserved before a password or code is checked
// so that concurrent guesses cannot slip past the limit.

type loginThrottleRow struct {
	bun.BaseModel `bun:"table:login_throttle"`
	EmailHash     []byte     `bun:"email_hash,pk"`
	Failures      int        `bun:"failures"`
	LockedUntil   *time.Time `bun:"locked_until"`
	UpdatedAt     time.Time  `bun:"updated_at"`
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
