package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/web/browsertest"
)

// TestBrowserOffices has an administrator keep the directory of referral offices in a
// real Chromium: the empty directory, a refused address shown again with the problem,
// and the office listed once saved. Every page is checked with axe-core. SQLite only,
// as TestBrowser.
func TestBrowserOffices(t *testing.T) {
	b := browsertest.Start(t)
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	s := newStaff(t, db)
	ts := httptest.NewServer(s.srv)
	t.Cleanup(ts.Close)

	p := b.NewPage(t, "en-US,en")
	look := func(name string) {
		t.Helper()
		p.Screenshot("offices-" + name)
		p.CheckAccessibility("offices-" + name)
	}
	want := func(what string, got int64, status int64) {
		t.Helper()
		if got != status {
			t.Fatalf("%s: HTTP %d, want %d", what, got, status)
		}
	}
	signInBrowser(t, p, ts.URL, "admin") // password, then the code: administrators use a second factor

	want("directory", p.Open(ts.URL+"/admin/offices"), http.StatusOK)
	look("01-empty")
	p.Type("office-name", "DHS OIG Hotline")
	p.Type("office-email", "oig at example.gov")
	p.Tick("office-dhs_oig")
	p.Type("office-states", "TX")
	want("bad address", p.ClickAndWait(`main form[action="/admin/offices"] button[type=submit]`), http.StatusUnprocessableEntity)
	if !strings.Contains(p.Text("#errors"), "does not look like an email address") {
		t.Fatalf("the refusal does not say why: %q", p.Text("main"))
	}
	look("02-refused")
	p.Type("office-email", "oig@example.gov")
	want("save", p.ClickAndWait(`main form[action="/admin/offices"] input[name=op][value=save] ~ .actions button`), http.StatusOK)
	if list := p.Text("main table"); !strings.Contains(list, "DHS OIG Hotline") || !strings.Contains(list, "oig@example.gov") {
		t.Fatalf("the office is not listed: %q", p.Text("main"))
	}
	look("03-listed")
}
