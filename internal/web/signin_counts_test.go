package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// Refused sign-ins are counted for the metrics listener, by step: a wrong password,
// then a right password and a wrong second-factor code.
func TestSignInFailuresCounted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		login := func(password string) *http.Response {
			return s.do("POST", "/login", formType, form(url.Values{"email": {"admin@example.org"}, "password": {password}})).Result()
		}
		if res := login("not the password at all"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", res.StatusCode)
		}
		res := login(testPassword)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") == "/" {
			t.Fatalf("right password: %d %q, want the second step", res.StatusCode, res.Header.Get("Location"))
		}
		var pending string
		for _, c := range res.Cookies() {
			if c.Name == "redress_session" {
				pending = c.Value
			}
		}
		// Not a code at all, so never a right one by chance.
		rec := s.do("POST", "/login/totp", formType, form(url.Values{"code": {"abcdef"}}), "Cookie", "redress_session="+pending)
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("wrong code: %d", rec.Code)
		}
		if m := s.srv.Metrics(); m.LoginFailed.Load() != 1 || m.TOTPFailed.Load() != 1 || m.LoginLimited.Load() != 0 {
			t.Fatalf("counted %d password and %d code failures, %d refusals; want 1, 1, 0",
				m.LoginFailed.Load(), m.TOTPFailed.Load(), m.LoginLimited.Load())
		}
	})
}
