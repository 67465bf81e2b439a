package auth

import (
	"context"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// LoginResult is a new session: its token goes into the cookie, once.
type LoginResult struct {
	Principal    Principal
	SessionToken string
}

// touchEvery is how stale last_seen_at (and a token's last_used_at) may get before a
// request writes it again: a write per request would be the busiest statement of all.
const touchEvery = time.Minute

// Login checks an email and password and starts a session. A wrong address or password
// is ErrLoginFailed, one message for both; a locked account, and an address without an
// account after as many failures, is ErrLocked; no hashing slot free is ErrBusy, and
// then nothing was checked or counted. With a second factor enrolled the session waits
// for it (Principal.MFAPending) and LoginTOTP completes it.
//
// The attempt is counted before the password is checked (store.ReserveLoginAttempt),
// so attempts sent at once cannot all be checked before the first failure is recorded.
func (s *Service) Login(ctx context.Context, m Meta, email, password string) (LoginResult, error) {
	now, p, h := s.now(), s.policy(), s.hasher()
	if h.full() {
		return LoginResult{}, ErrBusy
	}
	email = redress.NormalizeEmail(email)
	acct, err := s.DB.AccountByEmail(ctx, email)
	if err != nil && !isNotFound(err) {
		return LoginResult{}, err
	}
	// An address without an account gets the same work, answers and lockout as an
	// account, counted under a hash of the address.
	r, ok, err := s.DB.ReserveLoginAttempt(ctx, store.LoginAttempt{UserID: acct.ID, Email: email, Now: now, LockFor: p.lockFor})
	if err != nil {
		return LoginResult{}, err
	}
	if !ok {
		return LoginResult{}, s.refuseLocked(ctx, m, acct.ID)
	}
	reason, right := "", false
	switch {
	case acct.ID == 0:
		err, reason = h.verifyDummy(ctx, password), "no_account"
	case acct.PasswordHash == "":
		err, reason = h.verifyDummy(ctx, password), "no_password"
	default:
		if right, err = h.Verify(ctx, password, acct.PasswordHash); !right {
			reason = "password"
		} else if acct.Disabled {
			reason = "disabled"
		}
	}
	if err != nil {
		return LoginResult{}, s.unreserve(ctx, r, err)
	}
	if reason != "" {
		return LoginResult{}, s.loginFailed(ctx, m, r, reason)
	}
	ns := store.NewSession{UserID: acct.ID, MFAPending: acct.MFAEnrolled, Now: now, ExpiresAt: now.Add(p.AbsoluteTimeout), Attempt: r}
	if h.Outdated(acct.PasswordHash) {
		// The password is at hand only now: store it again at today's cost. When no
		// slot is free the old hash serves until the next sign-in.
		if ns.Rehash, err = h.Hash(ctx, password); err == nil {
			ns.OldHash = acct.PasswordHash
		}
	}
	token, hash := newSecret()
	ns.Hash = hash
	id, err := s.DB.StartSession(ctx, m.as(acct.ID).by(), ns)
	if errIs(err, redress.ErrLockedMeanwhile) {
		return LoginResult{}, s.refuseLocked(ctx, m, acct.ID)
	} else if err != nil {
		return LoginResult{}, err
	}
	pr, err := s.principal(ctx, acct.User, id, 0, ns.MFAPending)
	if err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Principal: pr, SessionToken: token}, nil
}

func (s *Service) hasher() *Hasher {
	if s.Hasher != nil {
		return s.Hasher
	}
	return DefaultHasher
}

// unreserve takes back an attempt that was counted but never checked (no hashing slot
// came), so a busy server does not count toward anyone's lockout, and returns why.
func (s *Service) unreserve(ctx context.Context, r store.Reservation, why error) error {
	if err := s.DB.ReleaseLoginAttempt(context.WithoutCancel(ctx), r); err != nil {
		return err
	}
	return why
}

// loginFailed records a failed attempt, counted already by its reservation, and
// answers it: ErrLocked if the attempt began a lock, ErrLoginFailed (or ErrCode, for a
// second factor) otherwise.
func (s *Service) loginFailed(ctx context.Context, m Meta, r store.Reservation, reason string) error {
	until, err := s.DB.RecordLoginFailure(ctx, m.by(), r, reason)
	switch {
	case err != nil:
		return err
	case !until.IsZero():
		return ErrLocked
	case strings.HasPrefix(reason, "totp"):
		return ErrCode
	}
	return ErrLoginFailed
}

// refuseLocked records an attempt made while sign-in is locked, without counting it:
// the lock already runs, and the password is not even checked.
func (s *Service) refuseLocked(ctx context.Context, m Meta, userID int64) error {
	details := map[string]any{"reason": "locked"}
	if userID != 0 {
		details["user_id"] = userID
	}
	ev := m.by()
	ev.Action, ev.Details = redress.ActionLoginFailed, details
	if err := s.DB.RecordAudit(ctx, ev); err != nil {
		return err
	}
	return ErrLocked
}

// session finds the open session of token, refusing it when it has ended, timed out,
// or belongs to a disabled account.
func (s *Service) session(ctx context.Context, token string) (store.Session, store.Account, error) {
	if token == "" {
		return store.Session{}, store.Account{}, ErrSignIn
	}
	now, p := s.now(), s.policy()
	sess, err := s.DB.SessionByHash(ctx, HashToken(token))
	if isNotFound(err) {
		return sess, store.Account{}, ErrSignIn
	} else if err != nil {
		return sess, store.Account{}, err
	}
	idle := p.IdleTimeout
	if sess.MFAPending {
		idle = min(idle, p.PendingTimeout)
	}
	if sess.Ended || !now.Before(sess.ExpiresAt) || !now.Before(sess.LastSeenAt.Add(idle)) {
		return sess, store.Account{}, ErrSignIn
	}
	acct, err := s.DB.Account(ctx, sess.UserID)
	if err != nil {
		return sess, acct, err
	}
	if acct.Disabled {
		return sess, acct, ErrSignIn
	}
	return sess, acct, nil
}

// Authenticate returns the principal of a session token. An unknown, ended or timed-out
// session, or one of a disabled account, is ErrSignIn. Roles are read afresh, so a role
// change shows at the next request.
func (s *Service) Authenticate(ctx context.Context, sessionToken string) (Principal, error) {
	sess, acct, err := s.session(ctx, sessionToken)
	if err != nil {
		return Principal{}, err
	}
	if now := s.now(); now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.DB.TouchSession(ctx, sess.ID, now); err != nil {
			return Principal{}, err
		}
	}
	return s.principal(ctx, acct.User, sess.ID, 0, sess.MFAPending)
}

// LoginTOTP completes a session waiting for its second factor with a code from the
// authenticator app; for a session not waiting for one it is ErrCode. A wrong code counts toward lockout like a wrong password; a code
// already used does not sign in again.
func (s *Service) LoginTOTP(ctx context.Context, m Meta, sessionToken, code string) (Principal, error) {
	sess, acct, err := s.session(ctx, sessionToken)
	if err != nil {
		return Principal{}, err
	}
	if !sess.MFAPending {
		return Principal{}, ErrCode // nothing waits for a code
	}
	now := s.now()
	secret, err := s.openTOTP(acct.TOTPSealed, confirmedContext(acct.ID))
	if err != nil {
		return Principal{}, err
	}
	r, ok, err := s.DB.ReserveLoginAttempt(ctx, store.LoginAttempt{UserID: acct.ID, Now: now, LockFor: s.policy().lockFor})
	if err != nil {
		return Principal{}, err
	} else if !ok {
		return Principal{}, s.refuseLocked(ctx, m, acct.ID)
	}
	step, ok := matchCode(secret, code, now)
	if !ok {
		return Principal{}, s.loginFailed(ctx, m, r, "totp")
	}
	switch err := s.DB.CompleteMFA(ctx, m.as(acct.ID).by(), sess, step, r, now); {
	case errIs(err, redress.ErrSignInCodeUsed):
		return Principal{}, s.loginFailed(ctx, m, r, "totp_replayed")
	case errIs(err, redress.ErrLockedMeanwhile):
		return Principal{}, s.refuseLocked(ctx, m, acct.ID)
	case err != nil:
		return Principal{}, err
	}
	return s.principal(ctx, acct.User, sess.ID, 0, false)
}

// Logout ends the session of token. An unknown or ended session is not an error: the
// person is signed out either way.
func (s *Service) Logout(ctx context.Context, m Meta, sessionToken string) error {
	if sessionToken == "" {
		return nil
	}
	sess, err := s.DB.SessionByHash(ctx, HashToken(sessionToken))
	if isNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	return s.DB.EndSession(ctx, m.as(sess.UserID).by(), sess, s.now())
}

// AuthenticateToken returns the principal of an API token (the value after "Bearer ").
// A revoked token is refused and its use recorded (token.revoked_used); so is a token of
// a disabled account, without the event.
func (s *Service) AuthenticateToken(ctx context.Context, m Meta, bearer string) (Principal, error) {
	if bearer == "" {
		return Principal{}, ErrToken
	}
	tok, err := s.DB.APITokenByHash(ctx, HashToken(bearer))
	if isNotFound(err) {
		return Principal{}, ErrToken
	} else if err != nil {
		return Principal{}, err
	}
	if !tok.RevokedAt.IsZero() {
		ev := m.by()
		ev.Action = redress.ActionTokenRevokedUse
		ev.Details = map[string]any{"token_id": tok.ID, "user_id": tok.UserID, "name": tok.Name}
		if err := s.DB.RecordAudit(ctx, ev); err != nil {
			return Principal{}, err
		}
		return Principal{}, ErrToken
	}
	u, err := s.DB.User(ctx, tok.UserID)
	if err != nil {
		return Principal{}, err
	}
	if u.Disabled {
		return Principal{}, ErrToken
	}
	if now := s.now(); now.Sub(tok.LastUsedAt) >= touchEvery {
		if err := s.DB.TouchAPIToken(ctx, tok.ID, now); err != nil {
			return Principal{}, err
		}
	}
	return s.principal(ctx, u, 0, tok.ID, false)
}
