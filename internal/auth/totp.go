package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/redress-oversight/redress/internal/redress"
)

// The second factor is TOTP (RFC 6238) as authenticator apps know it: SHA-1, 6 digits,
// 30-second steps, one step of clock drift either way. Secrets are 20 random bytes,
// sealed with the service's secret key and bound to the account, so a sealed secret
// copied onto another account does not open.

const (
	totpIssuer = "Redress"
	totpPeriod = 30
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

func confirmedContext(userID int64) string { return "totp:" + strconv.FormatInt(userID, 10) }
func pendingContext(userID int64) string   { return "totp-pending:" + strconv.FormatInt(userID, 10) }

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// openTOTP opens a sealed secret and returns it in base32, as totp expects it.
func (s *Service) openTOTP(sealed []byte, context string) (string, error) {
	if len(sealed) == 0 {
		return "", fmt.Errorf("auth: no second-factor secret")
	}
	raw, err := s.Box.Open(sealed, context)
	if err != nil {
		return "", fmt.Errorf("auth: open second-factor secret: %w", err)
	}
	return b32.EncodeToString(raw), nil
}

func keyURL(secret, email string) (string, error) {
	raw, err := b32.DecodeString(secret)
	if err != nil {
		return "", err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: email, Period: totpPeriod,
		Secret: raw, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", err
	}
	return key.URL(), nil
}

// BeginTOTP starts (or starts again) enrolling an authenticator app: it draws a secret,
// keeps it sealed as pending, and returns it (base32, for typing in) and its otpauth://
// URL (for the QR code). Nothing changes for sign-in until ConfirmTOTP.
func (s *Service) BeginTOTP(ctx context.Context, userID int64) (secret, otpauthURL string, err error) {
	u, err := s.DB.User(ctx, userID)
	if err != nil {
		return "", "", err
	}
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return "", "", err
	}
	secret = b32.EncodeToString(raw)
	if otpauthURL, err = keyURL(secret, u.Email); err != nil {
		return "", "", err
	}
	if err := s.DB.SetPendingTOTP(ctx, userID, s.Box.Seal(raw, pendingContext(userID))); err != nil {
		return "", "", err
	}
	return secret, otpauthURL, nil
}

// errNoPending means there is no enrolment under way.
var errNoPending = &redress.Error{Code: redress.ENOTFOUND, Key: "error.totp_not_started",
	Message: "Start setting up the authenticator app again."}

// PendingTOTP returns the secret being enrolled and its otpauth:// URL, to draw the
// enrolment page again (after a wrong code, say) without drawing a new secret.
func (s *Service) PendingTOTP(ctx context.Context, userID int64) (secret, otpauthURL string, err error) {
	acct, err := s.DB.Account(ctx, userID)
	if err != nil {
		return "", "", err
	}
	if len(acct.TOTPPending) == 0 {
		return "", "", errNoPending
	}
	if secret, err = s.openTOTP(acct.TOTPPending, pendingContext(userID)); err != nil {
		return "", "", err
	}
	otpauthURL, err = keyURL(secret, acct.Email)
	return secret, otpauthURL, err
}

// PendingTOTPURL returns the otpauth:// URL of the secret being enrolled, for its QR code.
func (s *Service) PendingTOTPURL(ctx context.Context, userID int64) (string, error) {
	_, u, err := s.PendingTOTP(ctx, userID)
	return u, err
}

// ConfirmTOTP finishes enrolment once the app shows a right code for the pending secret:
// from then on sign-in asks for a code. A wrong code is EINVALID and changes nothing.
func (s *Service) ConfirmTOTP(ctx context.Context, m Meta, userID int64, code string) error {
	secret, _, err := s.PendingTOTP(ctx, userID)
	if err != nil {
		return err
	}
	step, ok := matchCode(secret, code, s.now())
	if !ok {
		return &redress.Error{Code: redress.EINVALID, Key: ErrCode.Key, Message: ErrCode.Message,
			Fields: redress.FieldErrors{{Field: "code", Rule: "totp_code"}}}
	}
	raw, err := b32.DecodeString(secret)
	if err != nil {
		return err
	}
	return s.DB.ConfirmTOTP(ctx, m.by(), userID, s.Box.Seal(raw, confirmedContext(userID)), step)
}

// matchCode checks a 6-digit code against the steps around now and returns the step it
// belongs to, for replay protection.
func matchCode(secret, code string, now time.Time) (step int64, ok bool) {
	code = strings.Join(strings.Fields(code), "")
	if len(code) != 6 || !isDigits(code) {
		return 0, false
	}
	for _, d := range []int64{0, -1, 1} {
		at := now.Add(time.Duration(d) * totpPeriod * time.Second)
		want, err := totp.GenerateCodeCustom(secret, at, totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return at.Unix() / totpPeriod, true
		}
	}
	return 0, false
}
