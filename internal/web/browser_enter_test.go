package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/web/browsertest"
)

// TestBrowserStaffEntry is the staff walk's intake step, in a real Chromium: an intake
// officer working in English opens "Enter a complaint" from the menu, is told what is
// missing, enters a complaint a caller made by phone in Spanish, and reads out the
// receipt; the caller then checks the status with it, in Spanish, and the case page
// says who entered it from a phone call. Every page is checked with axe-core. SQLite
// only, as TestBrowser.
func TestBrowserStaffEntry(t *testing.T) {
	b := browsertest.Start(t)
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	s := newStaff(t, db)
	ts := httptest.NewServer(s.srv)
	t.Cleanup(ts.Close)
	want := func(what string, got, status int64) {
		t.Helper()
		if got != status {
			t.Fatalf("%s: HTTP %d, want %d", what, got, status)
		}
	}
	look := func(p *browsertest.Page, name string) {
		t.Helper()
		p.Screenshot("enter-" + name)
		p.CheckAccessibility("enter-" + name)
	}

	officer := b.NewPage(t, "en-US,en")
	signInBrowser(t, officer, ts.URL, "intake")
	want("entry form", officer.ClickAndWait(`nav a[href="/staff/complaints/new"]`), http.StatusOK)
	look(officer, "01-form")

	// Sent with too little: the form again, the problems listed in English.
	officer.Choose("language", "Español")
	want("incomplete", officer.ClickAndWait(`button[name="step"][value="file"]`), http.StatusUnprocessableEntity)
	if got := officer.Text(".error-summary"); !strings.Contains(got, "Who is filing?") {
		t.Fatalf("error summary: %q", got)
	}
	look(officer, "02-errors")

	officer.Tick("channel-phone")
	officer.Choose("language", "Español")
	officer.Tick("filer-self")
	officer.TypeDate("incident_date", "2025-07-20")
	officer.Choose("state", "Texas")
	want("agencies", officer.ClickAndWait(`button[name="step"][value="agencies"]`), http.StatusOK)
	officer.Choose("agency_id", "Harris County Sheriff")
	officer.Type("narrative", "Llamó por teléfono: la dejaron detenida dos días después de pagar la fianza.")
	officer.Tick("cat-held_past_release")
	officer.Tick("anonymous-yes")
	want("enter", officer.ClickAndWait(`button[name="step"][value="file"]`), http.StatusCreated)
	tracking, receipt := officer.Text("#tracking-number"), officer.Text("#receipt-code")
	if !trackingRE.MatchString(tracking) || !receiptRE.MatchString(receipt) {
		t.Fatalf("receipt %q %q", tracking, receipt)
	}
	if letter := officer.Text("#letter"); !strings.Contains(letter, "Su código de recibo es "+receipt) {
		t.Fatalf("the words to read out are not the Spanish receipt: %q", letter)
	}
	look(officer, "03-receipt")

	caller := b.NewPage(t, "es-US,es")
	want("status form", caller.Open(ts.URL+"/status"), http.StatusOK)
	caller.Type("tracking_number", tracking)
	caller.Type("receipt_code", receipt)
	want("status", caller.ClickAndWait(`main form button[type="submit"]`), http.StatusOK)
	if got := caller.Text("main"); !strings.Contains(got, tracking) || caller.Lang() != "es" {
		t.Fatalf("status page (%s): %q", caller.Lang(), got)
	}

	want("case", officer.ClickAndWait(`main a[href^="/staff/complaints/"]:not([href$="/new"])`), http.StatusOK)
	if got := officer.Text("#channel"); got != "Phone call, entered by intake" {
		t.Fatalf("the case says it came in by %q", got)
	}
	look(officer, "04-case")
}
