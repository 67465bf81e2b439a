package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/reports"
	"github.com/redress-oversight/redress/internal/seed"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/web/browsertest"
)

// TestBrowserDashboard: an oversight auditor, in a real Chromium, opens the dashboard
// over a generated year of complaints under ICE's real sheets, drills down from every
// state to a state, an agency and an agreement, opens its report card and downloads
// its CSV; axe-core finds no serious or critical violation on any page. The first
// screens of the dashboard and the card are saved as oversight-dashboard-1280x900.png
// and report-card-1280x900.png (the README's docs/img/). SQLite only, as TestBrowser.
func TestBrowserDashboard(t *testing.T) {
	b := browsertest.Start(t)
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	s := withSheets(t, db)
	ctx := context.Background()
	if _, err := seed.Run(ctx, seed.Deps{DB: db, Box: s.box, Deadlines: deadline.Defaults(), Accounts: s.auth,
		AuditKey: testAuditKey, Actor: "test"}, seed.Options{Complaints: 600, Years: 1, Force: true, RandSeed: 15}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.srv)
	t.Cleanup(ts.Close)

	p := b.NewPage(t, "en-US,en")
	signInBrowser(t, p, ts.URL, "auditor")
	// The last full quarter of the generated year (the server's own clock is the tests'
	// fixed day, before it).
	q := reports.LastFullQuarter(time.Now(), time.UTC).String()
	if got := p.Open(ts.URL + "/oversight?period=" + q); got != http.StatusOK {
		t.Fatalf("dashboard: HTTP %d", got)
	}
	main := p.Text("main")
	for _, want := range []string{"Oversight dashboard", "Complaints received and closed by month", "By state", "The numbers as a table"} {
		if !strings.Contains(main, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	p.CheckAccessibility("dashboard")
	p.Screenshot("oversight-dashboard")
	p.Screen(1280, 900)
	p.ScreenshotScreen(filepath.Join(b.Dir, "oversight-dashboard-1280x900.png"))

	// All → state → agency → agreement, each by the first row's link.
	for _, by := range []string{"by_state", "by_agency", "by_agreement"} {
		// The link's own address, followed: a click waits on the layout of a long page.
		js := `document.querySelector('table[aria-labelledby="t-` + by + `-title"] tbody th a').href`
		if by == "by_agency" {
			// An agency with an agreement on the state's page ("Agency — JEM"): some of the
			// generated agencies' complaints fall under none in a given quarter.
			js = `(() => { const ags = [...document.querySelectorAll('table[aria-labelledby="t-by_agreement-title"] tbody th a')].map(a => a.textContent);
				const rows = [...document.querySelectorAll('table[aria-labelledby="t-by_agency-title"] tbody th a')];
				return (rows.find(a => ags.some(g => g.startsWith(a.textContent + " "))) || rows[0]).href; })()`
		}
		href := browsertest.Run(p, chromedp.Evaluate[string](js))
		start := time.Now()
		if got := p.Open(href); got != http.StatusOK {
			t.Fatalf("drilling down %s to %s: HTTP %d", by, href, got)
		}
		t.Logf("%s: %s in %s", by, href, time.Since(start).Round(time.Millisecond))
		p.CheckAccessibility("dashboard-" + by)
	}
	if !strings.Contains(p.Text("nav.drill"), "#") {
		t.Errorf("the path does not reach an agreement: %q", p.Text("nav.drill"))
	}
	if got := p.ClickAndWait(`main p.actions a.button[href^="/oversight/agreements/"]`); got != http.StatusOK {
		t.Fatalf("report card: HTTP %d", got)
	}
	card := p.Text("main")
	for _, want := range []string{"Report card:", "History in ICE's sheets", "Against agreements of the same model", "Audit log of this agreement"} {
		if !strings.Contains(card, want) {
			t.Errorf("the report card lacks %q", want)
		}
	}
	p.CheckAccessibility("report-card")
	p.Screenshot("report-card")
	p.Screen(1280, 900)
	p.ScreenshotScreen(filepath.Join(b.Dir, "report-card-1280x900.png"))

	// Its CSV, downloaded by the browser through the button.
	dir := t.TempDir()
	p.Do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
			BrowserContextID: chromedp.FromContext(ctx).BrowserContextID})
		return err
	}))
	p.Click(`a[href^="/api/v1/reports/peers?"][href*="format=csv"]`)
	var got []byte
	for range 100 { // the download ends on its own; this only bounds the wait
		if files, _ := filepath.Glob(filepath.Join(dir, "*.csv")); len(files) == 1 {
			if got, _ = os.ReadFile(files[0]); len(got) > 0 {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.HasPrefix(string(got), "measure,agreement,model_median,agreements\n") || !strings.Contains(string(got), "close_median,") {
		t.Errorf("the downloaded CSV: %q", got)
	}
}

// TestBrowserOversightPages: the other pages of issue 15 in a real Chromium, over a
// generated year: the public transparency report in English and Spanish at phone width
// (no sign-in), and the early warning as a supervisor reads it. axe-core finds no
// serious or critical violation on any. SQLite only, as TestBrowser.
func TestBrowserOversightPages(t *testing.T) {
	b := browsertest.Start(t)
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	s := withSheets(t, db)
	if _, err := seed.Run(context.Background(), seed.Deps{DB: db, Box: s.box, Deadlines: deadline.Defaults(), Accounts: s.auth,
		AuditKey: testAuditKey, Actor: "test"}, seed.Options{Complaints: 400, Years: 2, Force: true, RandSeed: 16}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.srv)
	t.Cleanup(ts.Close)

	for lang, want := range map[string]string{"en": "fewer than 5", "es": "menos de 5"} {
		p := b.NewPage(t, lang)
		p.Screen(360, 740)
		if got := p.Open(ts.URL + "/transparency?lang=" + lang); got != http.StatusOK {
			t.Fatalf("transparency (%s): HTTP %d", lang, got)
		}
		if p.Lang() != lang || !strings.Contains(p.Text("main"), want) {
			t.Errorf("transparency (%s): lang %q, the page has no %q", lang, p.Lang(), want)
		}
		p.CheckAccessibility("transparency-" + lang)
		p.Screenshot("transparency-" + lang)
	}

	p := b.NewPage(t, "en-US,en")
	signInBrowser(t, p, ts.URL, "supervisor")
	if got := p.Open(ts.URL + "/oversight/warnings"); got != http.StatusOK {
		t.Fatalf("early warning: HTTP %d", got)
	}
	p.CheckAccessibility("warnings")
	p.Screenshot("warnings")
}
