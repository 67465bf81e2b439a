// Package auth is who staff are: accounts, passwords (argon2id), the TOTP second factor,
// lockout, sessions and API tokens. What a signed-in person may do is internal/authz's.
//
// Secrets are drawn here and stored only as hashes (sessions, tokens, one-time links:
// SHA-256 of 32 random bytes) or sealed (TOTP secrets); the plain value is handed out
// once, to the person or program that needs it.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/store"
)

// Service runs accounts, sign-in and tokens. The zero Policy means the defaults.
type Service struct {
	DB        *store.DB
	Box       *secret.Box
	Catalog   *i18n.Catalog // for the reset email
	PublicURL string        // links in emails: PublicURL + "/password/set?token=..."
	// Now is the clock every expiry and lock is measured by; nil means the database's
	// clock (DB.Now), so tests that replace that one move both.
	Now    func() time.Time
	Policy Policy
	// Hasher runs argon2id within its bound; nil: DefaultHasher, shared by the process.
	Hasher *Hasher
}

// Policy is the rules of sign-in. Zero fields take the defaults in the comments.
type Policy struct {
	MinPasswordLength int           // 12
	MaxFailures       int           // 5 consecutive failures lock the account...
	LockoutBase       time.Duration // ...for 1m, doubling with each further failure...
	LockoutMax        time.Duration // ...up to 1h
	IdleTimeout       time.Duration // 30m without a request ends a session
	AbsoluteTimeout   time.Duration // 12h after sign-in a session ends regardless
	LinkTTL           time.Duration // 72h: a new account's set-password link
	ResetLinkTTL      time.Duration // 1h: a password-reset link
	ResetsPerHour     int           // 3: reset emails per account and hour, at most
	PendingTimeout    time.Duration // 10m: to enter the second factor after the password
}

func (s *Service) policy() Policy { return s.Policy.WithDefaults() }

// WithDefaults returns p with its zero fields set to the defaults.
func (p Policy) WithDefaults() Policy {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if p.MinPasswordLength <= 0 {
		p.MinPasswordLength = 12
	}
	if p.MaxFailures <= 0 {
		p.MaxFailures = 5
	}
	if p.ResetsPerHour <= 0 {
		p.ResetsPerHour = 3
	}
	def(&p.LockoutBase, time.Minute)
	def(&p.LockoutMax, time.Hour)
	def(&p.IdleTimeout, 30*time.Minute)
	def(&p.AbsoluteTimeout, 12*time.Hour)
	def(&p.LinkTTL, 72*time.Hour)
	def(&p.ResetLinkTTL, time.Hour)
	def(&p.PendingTimeout, 10*time.Minute)
	return p
}

// lockFor is how long sign-in is refused after failures consecutive failures: nothing
// below MaxFailures, then LockoutBase, doubling for each further failure, at most
// LockoutMax.
func (p Policy) lockFor(failures int) time.Duration {
	if failures < p.MaxFailures {
		return 0
	}
	d := p.LockoutBase
	for i := p.MaxFailures; i < failures && d < p.LockoutMax; i++ {
		d *= 2
	}
	return min(d, p.LockoutMax)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return s.DB.Now().UTC().Truncate(time.Microsecond)
}

// Meta says who acts and in which request, for the audit trail.
type Meta struct {
	Actor     string // "user:<id>", "cli:<os user>", "system", "public"
	Role      string // the actor's role, when it has one that matters
	RequestID string
}

func (m Meta) by() redress.AuditEvent {
	actor := m.Actor
	if actor == "" {
		actor = redress.ActorSystem
	}
	return redress.AuditEvent{Actor: actor, ActorRole: m.Role, RequestID: m.RequestID}
}

// account returns the id of the account acting, when an account acts.
func (m Meta) account() (int64, bool) {
	id, ok := strings.CutPrefix(m.Actor, "user:")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	return n, err == nil && n > 0
}

// as is m with the account as the actor: for what a person does once they have proved
// who they are (signing in, out, setting their password).
func (m Meta) as(userID int64) Meta {
	m.Actor = Subject(userID)
	return m
}

// Principal is the staff member behind a request.
type Principal struct {
	User      redress.User // with Roles filled
	SessionID int64        // 0 when authenticated by token
	TokenID   int64        // 0 when by session
	// MFAPending: the password was given, the second factor not yet; only /login/totp
	// may be used.
	MFAPending bool
	// MustEnrolMFA: a role requires a second factor the user has not enrolled; only
	// /account/mfa and /logout may be used. Never set for API tokens, which an operator
	// issues and which stand for themselves.
	MustEnrolMFA bool
}

// Subject is the Casbin subject of the principal: "user:<id>".
func (p Principal) Subject() string { return Subject(p.User.ID) }

// Subject is the Casbin subject, and audit actor, of an account.
func Subject(userID int64) string { return "user:" + strconv.FormatInt(userID, 10) }

// Errors of sign-in. Their Keys name catalog messages; none says whether an address has
// an account.
var (
	ErrLoginFailed = &redress.Error{Code: redress.EUNAUTHORIZED, Key: "error.login_failed",
		Message: "The email or password is not right."}
	ErrLocked = &redress.Error{Code: redress.EFORBIDDEN, Key: "error.login_locked",
		Message: "Too many failed attempts. Sign-in is paused for a while; please try again later."}
	ErrCode = &redress.Error{Code: redress.EUNAUTHORIZED, Key: "error.totp_code",
		Message: "The code is not right. Wait for the next code and try again."}
	ErrSignIn = &redress.Error{Code: redress.EUNAUTHORIZED, Key: "error.unauthorized",
		Message: "Please sign in to continue."}
	ErrToken = &redress.Error{Code: redress.EUNAUTHORIZED, Key: "error.token_invalid",
		Message: "This API token is not valid."}
)

// newSecret draws a session, token or link value and its SHA-256, which is all the
// database keeps.
func newSecret() (token string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is how a session, API token or link value is looked up: by its SHA-256.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// SetPasswordURL is the one-time link that sets a password with token.
func (s *Service) SetPasswordURL(token string) string {
	return strings.TrimRight(s.PublicURL, "/") + "/password/set?token=" + url.QueryEscape(token)
}

// principal builds the Principal of an account, working out whether a role it holds
// requires a second factor it lacks.
func (s *Service) principal(ctx context.Context, u redress.User, sessionID, tokenID int64, pending bool) (Principal, error) {
	p := Principal{User: u, SessionID: sessionID, TokenID: tokenID, MFAPending: pending}
	if tokenID != 0 || u.MFAEnrolled || len(u.Roles) == 0 {
		return p, nil
	}
	required, err := s.DB.MFARequiredRoles(ctx)
	if err != nil {
		return Principal{}, err
	}
	for _, ra := range u.Roles {
		if slices.Contains(required, ra.Role) {
			p.MustEnrolMFA = true
		}
	}
	return p, nil
}

func isNotFound(err error) bool { return redress.ErrorCode(err) == redress.ENOTFOUND }

// errIs reports whether err is the domain error target (same pointer).
func errIs(err error, target *redress.Error) bool {
	var e *redress.Error
	return errors.As(err, &e) && e == target
}
