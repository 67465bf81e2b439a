package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// Administrators need a second factor by default: a new administrator without TOTP is
// sent to enrol before any page but the enrolment works; other roles are not, and an
// administrator can turn the requirement off on the settings page.
func TestAdminSecondFactorByDefault(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx, m := context.Background(), auth.Meta{Actor: "test"}
		required, err := s.auth.MFARequiredRoles(ctx)
		if err != nil || len(required) != 1 || required[0] != redress.RoleAdministrator {
			t.Fatalf("roles that must use a second factor on a new database: %v %v, want administrator", required, err)
		}
		u, token, err := s.auth.CreateUser(ctx, m, "fresh@example.org", "Fresh")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.auth.AddRole(ctx, m, u.ID, redress.RoleAdministrator, "*"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.auth.SetPasswordWithToken(ctx, m, token, testPassword); err != nil {
			t.Fatal(err)
		}
		res, err := s.auth.Login(ctx, m, u.Email, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.authz.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		s.cookies["fresh"] = res.SessionToken
		for _, path := range []string{"/admin/users", "/admin/settings", "/staff", "/admin/units"} {
			if rec := s.queueGet("fresh", path, "en"); rec.Code != 303 || rec.Header().Get("Location") != "/account/mfa" {
				t.Errorf("%s for an administrator without TOTP: %d %q, want 303 to /account/mfa", path, rec.Code, rec.Header().Get("Location"))
			}
		}
		if rec := s.queueGet("fresh", "/account/mfa", "en"); rec.Code != 200 {
			t.Errorf("the enrolment page: %d", rec.Code)
		}
		// An investigator without TOTP works as before.
		if rec := s.queueGet("investigator", "/staff", "en"); rec.Code != 200 {
			t.Errorf("investigator's desk: %d", rec.Code)
		}

		// The enrolled administrator turns the requirement off: the fresh one gets in.
		page := s.queueGet("admin", "/admin/settings", "en").Body.String()
		if !strings.Contains(page, `value="administrator" checked`) {
			t.Errorf("the settings page does not show administrators' second factor as required:\n%s", page)
		}
		if code, body := s.post("admin", "/admin/settings", url.Values{}); code != 303 {
			t.Fatalf("turning it off: %d %s", code, body)
		}
		if rec := s.queueGet("fresh", "/admin/users", "en"); rec.Code != 200 {
			t.Errorf("with the requirement off, /admin/users: %d", rec.Code)
		}
	})
}
