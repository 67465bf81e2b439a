package web_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/redress"
)

// testTOTP holds each account's enrolled TOTP secret, by email, so a browser walk can
// sign an administrator in with a code as a person would.
var testTOTP sync.Map // email → secret

// signInAccount signs u in with password and returns the session token. An account
// whose role requires a second factor (administrators, by default) enrols TOTP for real
// first, as the account page does, and completes sign-in with a code: the tests go the
// default way, not around it. Enrolment uses the previous 30-second step's code (codes
// of one step either side are accepted), sign-in this step's, and a later sign-in in a
// browser the next step's: replay protection wants each step later than the last.
func signInAccount(t testing.TB, a *auth.Service, u redress.User, roles []redress.Role, password string) string {
	t.Helper()
	ctx, m := context.Background(), auth.Meta{Actor: "test"}
	required, err := a.MFARequiredRoles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	needs, secret := false, ""
	for _, r := range roles {
		for _, q := range required {
			needs = needs || r == q
		}
	}
	if needs {
		if secret, _, err = a.BeginTOTP(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		// The previous step's code, so that sign-in can use this step's and a browser
		// the next one; tried again once should the step turn between the two lines.
		for try := 0; ; try++ {
			code, _ := totp.GenerateCode(secret, time.Now().Add(-30*time.Second))
			err := a.ConfirmTOTP(ctx, m, u.ID, code)
			if err == nil {
				break
			} else if try > 0 {
				t.Fatal(err)
			}
		}
		testTOTP.Store(u.Email, secret)
	}
	res, err := a.Login(ctx, m, u.Email, password)
	if err != nil {
		t.Fatal(err)
	}
	if needs {
		code, _ := totp.GenerateCode(secret, time.Now())
		if _, err := a.LoginTOTP(ctx, m, res.SessionToken, code); err != nil {
			t.Fatal(err)
		}
	}
	return res.SessionToken
}
