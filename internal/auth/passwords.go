package auth

import (
	"context"
	"strings"

	"github.com/redress-oversight/redress/internal/mail"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// SetPasswordWithToken sets a password through a one-time link ("set" for a new account,
// "reset" after RequestPasswordReset). The link works once and until it expires; using
// it ends every session of the account and lifts any lockout.
func (s *Service) SetPasswordWithToken(ctx context.Context, m Meta, token, password string) (redress.User, error) {
	if token == "" {
		return redress.User{}, redress.ErrPasswordLinkUsed
	}
	link, err := s.DB.PasswordLinkByHash(ctx, HashToken(token))
	if isNotFound(err) {
		return redress.User{}, redress.ErrPasswordLinkUsed
	} else if err != nil {
		return redress.User{}, err
	}
	now := s.now()
	if link.Used || !now.Before(link.ExpiresAt) {
		return redress.User{}, redress.ErrPasswordLinkUsed
	}
	acct, err := s.DB.Account(ctx, link.UserID)
	if err != nil {
		return redress.User{}, err
	}
	if acct.Disabled {
		return redress.User{}, redress.ErrPasswordLinkUsed
	}
	if err := s.CheckPassword(password, acct.Email); err != nil {
		return redress.User{}, err
	}
	hash, err := s.hasher().Hash(ctx, password)
	if err != nil {
		return redress.User{}, err
	}
	if err := s.DB.UsePasswordLink(ctx, m.as(acct.ID).by(), link, hash, now); err != nil {
		return redress.User{}, err
	}
	return s.DB.User(ctx, acct.ID)
}

// ErrWrongPassword answers a password change whose current password is wrong: an
// authentication failure (EUNAUTHORIZED) that names the field, so the form can say so.
var ErrWrongPassword = &redress.Error{Code: redress.EUNAUTHORIZED, Key: "rule.password_wrong",
	Message: "The current password is not right.", Fields: redress.FieldErrors{{Field: "old_password", Rule: "password_wrong"}}}

// ChangePassword replaces a signed-in person's password, given the current one, and
// ends ALL sessions of the account, this one too: the caller starts a fresh session
// (Login) for the person who changed it. A wrong current password (ErrWrongPassword)
// counts toward lockout.
func (s *Service) ChangePassword(ctx context.Context, m Meta, userID int64, old, newPassword string) error {
	acct, err := s.DB.Account(ctx, userID)
	if err != nil {
		return err
	}
	if acct.Disabled {
		return ErrSignIn
	}
	h := s.hasher()
	if h.full() {
		return ErrBusy
	}
	r, ok, err := s.DB.ReserveLoginAttempt(ctx, store.LoginAttempt{UserID: acct.ID, Now: s.now(), LockFor: s.policy().lockFor})
	if err != nil {
		return err
	} else if !ok {
		return s.refuseLocked(ctx, m, acct.ID)
	}
	right := false
	if acct.PasswordHash == "" {
		err = h.verifyDummy(ctx, old)
	} else {
		right, err = h.Verify(ctx, old, acct.PasswordHash)
	}
	if err != nil {
		return s.unreserve(ctx, r, err)
	}
	if !right {
		if err := s.loginFailed(ctx, m, r, "password_change"); err != ErrLoginFailed {
			return err // ErrLocked, or the database's error
		}
		return ErrWrongPassword
	}
	// The current password was right: a refusal from here on takes the attempt back.
	if err := s.CheckPassword(newPassword, acct.Email); err != nil {
		return s.unreserve(ctx, r, err)
	}
	hash, err := h.Hash(ctx, newPassword)
	if err != nil {
		return s.unreserve(ctx, r, err)
	}
	// Setting the password clears the failures, this attempt's among them.
	return s.DB.ChangePassword(ctx, m.as(acct.ID).by(), acct.ID, hash, s.now())
}

// RequestPasswordReset emails a one-time reset link (valid Policy.ResetLinkTTL) through
// the outbox, in the same transaction as the link, when email belongs to an enabled
// account, and at most Policy.ResetsPerHour times an hour per account. The answer is the
// same nil whether or not anything was sent, so the form does not reveal which
// addresses have accounts.
//
// Every request is an audit event (auth.password_reset_requested, with queued true or
// false). For an address without an account the event holds no trace of the address:
// what was typed may be a mistyped password or someone else's address, and a hash of
// it would be undone by guessing.
func (s *Service) RequestPasswordReset(ctx context.Context, m Meta, email, lang string) error {
	by := m.by()
	by.Actor = redress.ActorPublic // whoever typed the address; it proves nothing of who they are
	refused := func(details map[string]any) error {
		by.Action, by.Details = redress.ActionPasswordReset, details
		details["queued"] = false
		return s.DB.RecordAudit(ctx, by)
	}
	acct, err := s.DB.AccountByEmail(ctx, redress.NormalizeEmail(email))
	if isNotFound(err) {
		return refused(map[string]any{"reason": "no_account"})
	} else if err != nil {
		return err
	}
	if acct.Disabled {
		return refused(map[string]any{"reason": "disabled", "user_id": acct.ID})
	}
	p, now := s.policy(), s.now()
	token, hash := newSecret()
	msg := s.resetMail(lang, acct.Email, s.SetPasswordURL(token), int(p.ResetLinkTTL.Minutes()))
	link := store.PasswordLink{UserID: acct.ID, Hash: hash, Purpose: store.LinkReset, ExpiresAt: now.Add(p.ResetLinkTTL)}
	_, err = s.DB.QueuePasswordReset(ctx, by, link, msg, p.ResetsPerHour)
	return err
}

// resetMail composes the reset email in lang (English when there is no such catalog),
// addressed, sealed, to the account.
func (s *Service) resetMail(lang, to, link string, minutes int) redress.OutboundMail {
	cat := s.Catalog
	if !cat.Supported(lang) {
		lang = "en"
	}
	data := map[string]any{"Link": link, "Minutes": minutes}
	paragraphs := []string{
		cat.T(lang, "email.reset.requested", nil),
		cat.T(lang, "email.reset.link", data),
		cat.T(lang, "email.reset.once", nil),
		cat.T(lang, "email.reset.ignore", nil),
		cat.T(lang, "email.footer.automatic", nil),
	}
	m := redress.OutboundMail{Kind: redress.MailPasswordReset, Language: lang,
		Subject: cat.T(lang, "email.reset.subject", nil), Body: strings.Join(paragraphs, "\n\n") + "\n"}
	mail.SealRecipient(s.Box, &m, to)
	return m
}

// IssuePasswordLink makes a new one-time link for the account of email (a first
// password while it has none, else a reset), valid Policy.LinkTTL: the operator's way
// to replace a first administrator's link that was missed or expired. The account's
// earlier unused links stop working. The token goes in SetPasswordURL.
func (s *Service) IssuePasswordLink(ctx context.Context, m Meta, email string) (token string, u redress.User, err error) {
	u, err = s.DB.UserByEmail(ctx, redress.NormalizeEmail(email))
	if err != nil {
		return "", redress.User{}, err
	}
	purpose := store.LinkSet
	if u.HasPassword {
		purpose = store.LinkReset
	}
	token, hash := newSecret()
	link := store.PasswordLink{UserID: u.ID, Hash: hash, Purpose: purpose, ExpiresAt: s.now().Add(s.policy().LinkTTL)}
	if err := s.DB.IssuePasswordLink(ctx, m.by(), link); err != nil {
		return "", redress.User{}, err
	}
	return token, u, nil
}

// AdministratorSignedIn says whether an administrator has ever signed in.
func (s *Service) AdministratorSignedIn(ctx context.Context) (bool, error) {
	return s.DB.AdministratorSignedIn(ctx)
}
