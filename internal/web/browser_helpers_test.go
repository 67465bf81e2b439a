package web_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/redress-oversight/redress/internal/web/browsertest"
)

// signInBrowser signs one of newStaff's accounts in on p, through the login form.
func signInBrowser(t *testing.T, p *browsertest.Page, base, caller string) {
	t.Helper()
	if got := p.Open(base + "/login"); got != http.StatusOK {
		t.Fatalf("login page: HTTP %d, want 200", got)
	}
	p.Type("email", caller+"@example.org")
	p.Type("password", testPassword)
	if got := p.ClickAndWait(`main form button[type=submit]`); got != http.StatusOK {
		t.Fatalf("sign in as %s: HTTP %d, want 200", caller, got)
	}
	// An account enrolled in TOTP (administrators must be) is asked for a code: the
	// next step's, as newStaff's sign-in used this one's.
	if secret, ok := testTOTP.Load(caller + "@example.org"); ok {
		code, err := totp.GenerateCode(secret.(string), time.Now().Add(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		p.Type("code", code)
		if got := p.ClickAndWait(`main form button[type=submit]`); got != http.StatusOK {
			t.Fatalf("second factor of %s: HTTP %d, want 200", caller, got)
		}
	}
}
