package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/web/browsertest"
)

// TestBrowserReceipt walks the complainant's side at 360 px, in each language: "Show
// agencies" comes back to the list, the form with errors and the receipt pass axe, the
// anonymous choice with an email typed is explained on the receipt, the receipt code
// sits on one line, and printed the receipt shows the codes, the date and where to
// check, and no navigation.
func TestBrowserReceipt(t *testing.T) {
	b := browsertest.Start(t)
	e := newEnv(t, storetest.Open(t, storetest.SQLiteDSN(t)))
	ts := httptest.NewServer(e.srv)
	t.Cleanup(ts.Close)
	cat := mustCatalog(t)
	for _, lang := range []string{"en", "es"} {
		t.Run(lang, func(t *testing.T) {
			p := b.NewPage(t, lang)
			eval := func(js string) bool { t.Helper(); return browsertest.Run(p, chromedp.Evaluate[bool](js)) }
			if got := p.Open(ts.URL + "/complaint?lang=" + lang); got != http.StatusOK {
				t.Fatalf("form: %d", got)
			}
			p.Choose("state", "Texas")
			if got := p.ClickAndWait(`button[name="step"][value="agencies"]`); got != http.StatusOK {
				t.Fatalf("show agencies: %d", got)
			}
			if loc := p.Location(); !strings.HasSuffix(loc, "/complaint#agencies") {
				t.Fatalf("after show agencies the page is at %s, not the agency list", loc)
			}
			if !eval(`window.scrollY > 200 && Math.abs(document.getElementById("agencies").getBoundingClientRect().top) < 50`) {
				t.Error("after show agencies the list is not on screen")
			}

			// Errors: no filer, no category, no narrative.
			p.TypeDate("incident_date", "2025-07-20")
			if got := p.ClickAndWait(`button[name="step"][value="file"]`); got != http.StatusUnprocessableEntity {
				t.Fatalf("form with errors: %d", got)
			}
			p.CheckAccessibility(lang + "-receipt-walk-form-errors")

			p.Tick("filer-relative")
			p.Choose("agency_id", "Harris County Sheriff")
			p.Tick("cat-held_past_release")
			p.Type("narrative", narratives[lang])
			p.Tick("anonymous-yes")
			p.Type("email", "ana@example.org")
			if got := p.ClickAndWait(`button[name="step"][value="file"]`); got != http.StatusCreated {
				t.Fatalf("filing: %d", got)
			}
			if got := p.Text("#contact-dropped"); got != cat.T(lang, "receipt.contact_dropped", nil) {
				t.Errorf("receipt: anonymous notice %q", got)
			}
			if code := p.Text("#receipt-code"); !receiptRE.MatchString(code) {
				t.Fatalf("receipt code %q", code)
			}
			p.CheckAccessibility(lang + "-receipt-walk-receipt")

			// At 360 px the receipt code is one line: its groups share one top, and its
			// box is one line high and inside the screen.
			if !eval(`(() => {
				const e = document.getElementById("receipt-code");
				const tops = new Set([...e.querySelectorAll(".grp")].map(g => Math.round(g.getBoundingClientRect().top)));
				const r = e.getBoundingClientRect(), lh = parseFloat(getComputedStyle(e).fontSize) * 1.6;
				return window.innerWidth === 360 && tops.size === 1 && r.height <= lh && e.scrollWidth <= e.clientWidth && r.right <= window.innerWidth;
			})()`) {
				t.Error("the receipt code does not sit on one line at 360 px")
			}

			// Printed: codes, date and where to check; no navigation, no steps, no buttons.
			media := func(m string) {
				p.Do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
					return err
				}))
			}
			media("print")
			for _, sel := range []string{"#tracking-number", "#receipt-code", "#received-on", "#print-check", "h1"} {
				if !eval(`document.querySelector("` + sel + `").checkVisibility()`) {
					t.Errorf("printed, %s is not shown", sel)
				}
			}
			for _, sel := range []string{"header.site", "nav.lang", "footer.site", "ol.steps", ".actions", "#contact-dropped"} {
				if eval(`document.querySelector("` + sel + `").checkVisibility()`) {
					t.Errorf("printed, %s is shown", sel)
				}
			}
			want := cat.T(lang, "receipt.print_check", map[string]any{"URL": "https://redress.example/status"})
			if got := p.Text("#print-check"); got != want {
				t.Errorf("printed, where to check says %q", got)
			}
			media("")
			if eval(`document.getElementById("print-check").checkVisibility()`) || !eval(`document.querySelector("header.site").checkVisibility()`) {
				t.Error("on screen, the print-only line shows")
			}
		})
	}
}
