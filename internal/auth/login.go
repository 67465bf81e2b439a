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
// account after as many failures, is ErrLocked. With a second factor enrolled the
// session waits for it (Principal.MFAPending) and LoginTOTP completes it.
func (s *Service) Login(ctx context.Context, m Meta, email, password string) (LoginResult, error) {
	now, p := s.now(), s.policy()
	email = redress.NormalizeEmail(email)
	acct, err := s.DB.AccountByEmail(ctx, email)
	if isNotFound(err) {
		// The same work, the same answers and the same lockout as for a real account.
		until, err := s.DB.ThrottledUntil(ctx, email)
		if err != nil {
			return LoginResult{}, err
		}
		if now.Before(until) {
			return LoginResult{}, s.refuseLocked(ctx, m, 0)
		}
		verifyDummy(password)
		return LoginResult{}, s.loginFailed(ctx, m, store.LoginFailure{Email: email, Reason: "no_account"})
	} else if err != nil {
		return LoginResult{}, err
	}
	if now.Before(acct.LockedUntil) {
		return LoginResult{}, s.refuseLocked(ctx, m, acct.ID)
	}
	reason := ""
	switch {
	case acct.PasswordHash == "":
		verifyDummy(password)
		reason = "no_password"
	case !VerifyPassword(password, acct.PasswordHash):
		reason = "password"
	case acct.Disabled:
		reason = "disabled"
	}
	if reason != "" {
		return LoginResult{}, s.loginFailed(ctx, m, store.LoginFailure{UserID: acct.ID, Reason: reason})
	}
	token, hash := newSecret()
	pending := acct.MFAEnrolled
	id, err := s.DB.StartSession(ctx, m.as(acct.ID).by(), store.NewSession{
		Hash: hash, UserID: acct.ID, MFAPending: pending, Now: now, ExpiresAt: now.Add(p.AbsoluteTimeout),
	})
	if err != nil {
		return LoginResult{}, err
	}
	pr, err := s.principal(ctx, acct.User, id, 0, pending)
	if err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Principal: pr, SessionToken: token}, nil
}

// loginFailed records a failed attempt and answers it: ErrLocked if this failure
// started a lock, ErrLoginFailed (or ErrCode, for a second factor) otherwise.
func (s *Service) loginFailed(ctx context.Context, m Meta, f store.LoginFailure) error {
	f.Now, f.LockFor = s.now(), s.policy().lockFor
	until, err := s.DB.RecordLoginFailure(ctx, m.by(), f)
	switch {
	case err != nil:
		return err
	case !until.IsZero():
		return ErrLocked
	case strings.HasPrefix(f.Reason, "totp"):
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
	if now.Before(acct.LockedUntil) {
		return Principal{}, s.refuseLocked(ctx, m, acct.ID)
	}
	secret, err := s.openTOTP(acct.TOTPSealed, confirmedContext(acct.ID))
	if err != nil {
		return Principal{}, err
	}
	failed := store.LoginFailure{UserID: acct.ID, Reason: "totp"}
	step, ok := matchCode(secret, code, now)
	if !ok {
		return Principal{}, s.loginFailed(ctx, m, failed)
	}
	if err := s.DB.CompleteMFA(ctx, m.as(acct.ID).by(), sess, step, now); errIs(err, store.ErrCodeUsed) {
		failed.Reason = "totp_replayed"
		return Principal{}, s.loginFailed(ctx, m, failed)
	} else if err != nil {
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
