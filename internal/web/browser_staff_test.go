package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/web/browsertest"
)

// TestBrowserStaff signs an investigator in, in a real Chromium: their role requires a
// second factor, so the first sign-in leads to setting up an authenticator app; then
// they sign out and in again with a code, and see the complaints of their unit (Texas)
// and not those of another (Florida). Every page is checked with axe-core.
// SQLite only, as TestBrowser.
func TestBrowserStaff(t *testing.T) {
	b := browsertest.Start(t)
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	s := newStaff(t, db)
	ctx := context.Background()
	if err := s.auth.SetMFARequired(ctx, auth.Meta{Actor: "test"}, redress.RoleInvestigator, true); err != nil {
		t.Fatal(err)
	}
	txCase, _, err := db.Complaint(ctx, s.txCase)
	if err != nil {
		t.Fatal(err)
	}
	flCase, _, err := db.Complaint(ctx, s.flCase)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.srv)
	t.Cleanup(ts.Close)

	p := b.NewPage(t, "en-US,en")
	look := func(name string) {
		t.Helper()
		p.Screenshot("staff-" + name)
		p.CheckAccessibility("staff-" + name)
	}
	want := func(what string, got int64, status int64) {
		t.Helper()
		if got != status {
			t.Fatalf("%s: HTTP %d, want %d", what, got, status)
		}
	}
	signIn := func() {
		want("login page", p.Open(ts.URL+"/login"), http.StatusOK)
		p.Type("email", "investigator@example.org")
		p.Type("password", testPassword)
	}

	signIn()
	look("01-login")
	want("sign in", p.ClickAndWait(`main form button[type=submit]`), http.StatusOK)
	if h := p.Text("h1"); h != "Set up an authenticator app" {
		t.Fatalf("after the password, the page is %q, want the second-factor set-up", h)
	}
	look("02-mfa-setup")
	secret := strings.TrimSpace(p.Text("#totp-secret"))
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatalf("secret %q: %v", secret, err)
	}
	p.Type("code", code)
	want("confirm code", p.ClickAndWait(`main form button[type=submit]`), http.StatusOK)
	if !strings.Contains(p.Text("main"), "Your authenticator app is set up.") {
		t.Fatalf("no confirmation: %q", p.Text("main"))
	}

	want("sign out", p.ClickAndWait(`nav.staff form button`), http.StatusOK)
	signIn()
	want("sign in again", p.ClickAndWait(`main form button[type=submit]`), http.StatusOK)
	if h := p.Text("h1"); h != "Second step" {
		t.Fatalf("after the password, the page is %q, want the code step", h)
	}
	look("03-totp")
	// The next 30-second step's code: the one above may not be used twice.
	code, err = totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	p.Type("code", code)
	want("code", p.ClickAndWait(`main form button[type=submit]`), http.StatusOK)

	want("complaints", p.Open(ts.URL+"/staff/complaints"), http.StatusOK)
	list := p.Text("main")
	if !strings.Contains(list, txCase.TrackingNumber) {
		t.Fatalf("the Texas investigator does not see the Texas complaint %s:\n%s", txCase.TrackingNumber, list)
	}
	if strings.Contains(list, flCase.TrackingNumber) {
		t.Fatalf("the Texas investigator sees the Florida complaint %s", flCase.TrackingNumber)
	}
	look("04-queue")

	want("case", p.ClickAndWait(`main a[href="/staff/complaints/`+itoa(txCase.ID)+`"]`), http.StatusOK)
	if strings.Contains(p.Text("main"), "ana@example.org") {
		t.Fatal("identity shown before it was asked for")
	}
	look("05-case")
	want("reveal", p.ClickAndWait(`main form[action$="/identity"] button`), http.StatusOK)
	if !strings.Contains(p.Text("#identity"), "ana@example.org") {
		t.Fatalf("identity not shown after asking: %q", p.Text("main"))
	}
	want("another unit's case", p.Open(ts.URL+"/staff/complaints/"+itoa(flCase.ID)), http.StatusForbidden)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
