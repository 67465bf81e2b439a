package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/web/browsertest"
)

// TestBrowserRegistry opens the registry's history as an oversight auditor, in a real
// Chromium, with ICE's June and July sheets loaded, and checks it with axe-core: a
// search, a page of changed agreements, and a refused filter. SQLite only, as
// TestBrowser.
func TestBrowserRegistry(t *testing.T) {
	b := browsertest.Start(t)
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	s := withSheets(t, db)
	ts := httptest.NewServer(s.srv)
	t.Cleanup(ts.Close)

	p := b.NewPage(t, "en-US,en")
	if got := p.Open(ts.URL + "/login"); got != http.StatusOK {
		t.Fatalf("login page: HTTP %d", got)
	}
	p.Type("email", "auditor@example.org")
	p.Type("password", testPassword)
	if got := p.ClickAndWait(`main form button[type=submit]`); got != http.StatusOK {
		t.Fatalf("sign in: HTTP %d", got)
	}
	for _, c := range []struct {
		name, path, text string
		status           int64
	}{
		{"01-search", "/staff/registry?state=FL&q=melbourne+beach", "Signing date 2025-05-13 → 2025-04-14", http.StatusOK},
		{"02-page", "/staff/registry?page=2", "Page 2 of", http.StatusOK},
		{"03-refused", "/staff/registry?state=ZZ", "Choose a U.S. state or territory.", http.StatusUnprocessableEntity},
	} {
		if got := p.Open(ts.URL + c.path); got != c.status {
			t.Fatalf("%s: HTTP %d, want %d", c.path, got, c.status)
		}
		if !strings.Contains(p.Text("main"), c.text) {
			t.Errorf("%s lacks %q", c.path, c.text)
		}
		p.Screenshot("registry-" + c.name)
		p.CheckAccessibility("registry-" + c.name)
	}
}
