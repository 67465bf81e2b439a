package web_test

import (
	"net/http"
	"testing"

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
}
