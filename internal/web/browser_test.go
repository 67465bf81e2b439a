package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/web/browsertest"
)

var (
	trackingRE = regexp.MustCompile(`^[A-Z0-9-]{6,}$`)
	receiptRE  = regexp.MustCompile(`^[A-Z0-9]{5}(-[A-Z0-9]{5}){3}$`)
)

// TestBrowser files a complaint and checks its status in a real Chromium, once in Spanish
// and once in English, as a person would: clicking labels, typing, making a mistake and
// correcting it. Every page is screenshot at phone and desktop width and checked with
// axe-core; a serious or critical accessibility violation fails the test.
//
// SQLite only: the pages do not depend on the dialect, which TestPages and the store tests
// cover on both, and a second run in the browser would only slow CI down.
func TestBrowser(t *testing.T) {
	start := time.Now()
	b := browsertest.Start(t)
	e := newEnv(t, storetest.Open(t, storetest.SQLiteDSN(t)))
	ts := httptest.NewServer(e.srv)
	t.Cleanup(ts.Close)
	catalog, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"es", "en"} {
		t.Run(lang, func(t *testing.T) { fileAndCheck(t, b, ts.URL, catalog, lang) })
	}
	t.Logf("browser test took %s", time.Since(start).Round(100*time.Millisecond))
}

var narratives = map[string]string{
	"es": "Mi hermano quedó detenido dos días después de pagar la fianza. Nadie le explicó nada en español.",
	"en": "My brother was held two days after his bail was paid. Nobody explained anything to him.",
}

func fileAndCheck(t *testing.T, b *browsertest.Browser, base string, catalog *i18n.Catalog, lang string) {
	tr := func(id string) string { return catalog.T(lang, id, nil) }
	// Both visitors' browsers ask for Spanish; the English one switches language.
	p := b.NewPage(t, "es-US,es,en")
	step := 0
	look := func(name string) {
		t.Helper()
		step++
		shot := fmt.Sprintf("%s-%02d-%s", lang, step, name)
		p.Screenshot(shot)
		p.CheckAccessibility(shot)
	}
	wantStatus := func(what string, got, want int64) {
		t.Helper()
		if got != want {
			t.Fatalf("%s: HTTP %d, want %d", what, got, want)
		}
	}

	wantStatus("landing", p.Open(base+"/"), http.StatusOK)
	if lang != "es" {
		wantStatus("language switch", p.ClickAndWait(`nav.lang a[hreflang="`+lang+`"]`), http.StatusOK)
	}
	if got := p.Lang(); got != lang {
		t.Fatalf("landing page in %q, want %q", got, lang)
	}
	look("landing")

	wantStatus("form", p.ClickAndWait(`main a[href="/complaint"]`), http.StatusOK)
	if h := p.Text("h1"); h != tr("form.title") || p.Lang() != lang {
		t.Fatalf("form page: %q in %q", h, p.Lang())
	}
	look("form")

	// Fill the form with two mistakes: no category ticked, and an email without a domain.
	p.Tick("filer-relative")
	p.TypeDate("incident_date", "2025-07-20")
	p.Choose("state", "Texas")
	wantStatus("show agencies", p.ClickAndWait(`button[name="step"][value="agencies"]`), http.StatusOK)
	if p.Value("state") != "TX" || p.Value("incident_date") != "2025-07-20" {
		t.Fatal("showing the agencies lost the state or the date")
	}
	p.Choose("agency_id", "Harris County Sheriff")
	p.Type("place", "Harris County Jail, 1200 Baker St")
	p.Type("narrative", narratives[lang])
	p.Tick("fn-detainer")
	p.Tick("in_custody-yes")
	p.Tick("held_past_release-yes")
	p.Type("name", "Ana Gómez")
	p.Type("email", "ana@")
	p.Tick("consent-dhs_crcl")
	wantStatus("form with mistakes", p.ClickAndWait(`button[name="step"][value="file"]`), http.StatusUnprocessableEntity)
	summary := p.Text(".error-summary")
	for _, want := range []string{tr("form.errors_title"), tr("rule.required_one"), tr("rule.email")} {
		if !strings.Contains(summary, want) {
			t.Errorf("error summary lacks %q: %q", want, summary)
		}
	}
	if p.Text("#categories-error") != tr("rule.required_one") || p.Text("#email-error") != tr("rule.email") {
		t.Error("the messages are not next to their fields")
	}
	if p.Value("narrative") != narratives[lang] || p.Value("agency_id") == "" || p.Value("name") != "Ana Gómez" {
		t.Error("the redrawn form lost what was entered")
	}
	look("form-errors")

	// Correct both, and send.
	p.Tick("cat-held_past_release")
	p.Tick("cat-no_interpreter")
	p.Type("email", "ana@example.org")
	wantStatus("corrected form", p.ClickAndWait(`button[name="step"][value="file"]`), http.StatusCreated)
	if h := p.Text("h1"); h != tr("receipt.title") {
		t.Fatalf("receipt page: %q", h)
	}
	tracking, code := p.Text("#tracking-number"), p.Text("#receipt-code")
	if !trackingRE.MatchString(tracking) || !receiptRE.MatchString(code) {
		t.Fatalf("receipt page shows tracking %q and code %q", tracking, code)
	}
	look("receipt")

	wantStatus("status form", p.ClickAndWait(`main a[href="/status"]`), http.StatusOK)
	if p.Lang() != lang {
		t.Fatalf("status form in %q", p.Lang())
	}
	look("status-form")
	p.Type("tracking_number", tracking)
	p.Type("receipt_code", code)
	wantStatus("status", p.ClickAndWait(`main form button[type="submit"]`), http.StatusOK)
	if got := p.Text(".status"); got != tr("status.received") {
		t.Fatalf("status %q, want %q", got, tr("status.received"))
	}
	if !strings.Contains(p.Text("main"), tracking) {
		t.Error("status page does not repeat the tracking number")
	}
	look("status")

	// Switching language on the result keeps the result.
	other := map[string]string{"es": "en", "en": "es"}[lang]
	wantStatus("switch on the result", p.ClickAndWait(`nav.lang button[value="`+other+`"]`), http.StatusOK)
	if got := p.Text(".status"); p.Lang() != other || got != catalog.T(other, "status.received", nil) {
		t.Fatalf("after switching to %s: %q in %q", other, got, p.Lang())
	}
	look("status-switched")
}
