package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/web/browsertest"
)

// TestBrowserCaseWalk follows one complaint through its whole life in a real Chromium,
// each person in their own browser: a complainant files in Spanish; the intake officer
// triages and assigns it; the investigator starts the review and asks the complainant
// a question; the complainant answers on the status page with the receipt; the
// investigator refers it to DHS CRCL and proposes findings; a supervisor approves and
// closes; the complainant reads the outcome, in Spanish. Every staff page and the
// complainant's last page are checked with axe-core, and the queue and case page are
// the README's screenshots. SQLite only, as TestBrowser.
func TestBrowserCaseWalk(t *testing.T) {
	start := time.Now()
	b := browsertest.Start(t)
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	s := newStaff(t, db)
	ts := httptest.NewServer(s.srv)
	t.Cleanup(ts.Close)
	catalog, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	es := func(id string) string { return catalog.T("es", id, nil) }
	want := func(what string, got, status int64) {
		t.Helper()
		if got != status {
			t.Fatalf("%s: HTTP %d, want %d", what, got, status)
		}
	}
	shot := 0
	look := func(p *browsertest.Page, name string) {
		t.Helper()
		shot++
		n := fmt.Sprintf("case-%02d-%s", shot, name)
		p.Screenshot(n)
		p.CheckAccessibility(n)
	}

	// The complainant files, in Spanish, and keeps the receipt.
	ana := b.NewPage(t, "es-US,es")
	want("form", ana.Open(ts.URL+"/complaint"), http.StatusOK)
	ana.Tick("filer-self")
	ana.TypeDate("incident_date", "2025-07-20")
	ana.Choose("state", "Texas")
	want("agencies", ana.ClickAndWait(`button[name="step"][value="agencies"]`), http.StatusOK)
	ana.Choose("agency_id", "Harris County Sheriff")
	ana.Type("narrative", "Me dejaron detenida dos días después de pagar la fianza y nadie me habló en español.")
	ana.Tick("cat-held_past_release")
	ana.Tick("cat-no_interpreter")
	ana.Type("name", "Ana Gómez")
	ana.Type("email", "ana@example.org")
	ana.Tick("consent-dhs_crcl")
	want("file", ana.ClickAndWait(`button[name="step"][value="file"]`), http.StatusCreated)
	tracking, receipt := ana.Text("#tracking-number"), ana.Text("#receipt-code")
	if !trackingRE.MatchString(tracking) || !receiptRE.MatchString(receipt) {
		t.Fatalf("receipt %q %q", tracking, receipt)
	}
	checkStatus := func() {
		t.Helper()
		want("status form", ana.Open(ts.URL+"/status"), http.StatusOK)
		ana.Type("tracking_number", tracking)
		ana.Type("receipt_code", receipt)
		want("status", ana.ClickAndWait(`main form button[type="submit"]`), http.StatusOK)
	}

	signIn := func(who string) *browsertest.Page {
		t.Helper()
		p := b.NewPage(t, "en-US,en")
		signInBrowser(t, p, ts.URL, who)
		return p
	}
	// step clicks the button of the workflow step named, on the case page.
	step := func(p *browsertest.Page, transition string) {
		t.Helper()
		want(transition, p.ClickAndWait(`form.step:has(input[name="transition"][value="`+transition+`"]) button[type=submit]`), http.StatusOK)
		if strings.Contains(p.Text("main"), "There is a problem") {
			t.Fatalf("%s refused: %s", transition, p.Text(".error-summary"))
		}
	}
	status := func(p *browsertest.Page) string {
		t.Helper()
		main := p.Text("main dl.facts")
		_, after, _ := strings.Cut(main, "Status")
		line, _, _ := strings.Cut(strings.TrimSpace(after), "\n")
		return strings.TrimSpace(line)
	}

	// Intake: the new complaint is in the queue; open it, triage, assign.
	intake := signIn("intake")
	want("queue", intake.Open(ts.URL+"/staff/complaints?status=received"), http.StatusOK)
	if !strings.Contains(intake.Text("main table"), tracking) {
		t.Fatalf("the new complaint %s is not in the intake queue:\n%s", tracking, intake.Text("main table"))
	}
	look(intake, "queue")
	want("case", intake.ClickAndWait(`main table a[href^="/staff/complaints/"]:not([href$="/`+itoa(s.txCase)+`"])`), http.StatusOK)
	if h := intake.Text("h1"); !strings.Contains(h, tracking) {
		t.Fatalf("opened %q, want %s", h, tracking)
	}
	caseURL := intake.Location()
	// Each reason box is a labelled textarea in the fieldset of its step's button.
	if !browsertest.Run(intake, chromedp.Evaluate[bool](`(() => { const rs = Array.from(document.querySelectorAll('textarea[name="reason"]'));
		return rs.length > 0 && rs.every(r => { const f = r.closest('fieldset'); return r.form && f && r.form.contains(f) && r.labels.length === 1 &&
			f.querySelector('button[type="submit"]') && r.form.querySelector('input[name="transition"]') }) })()`)) {
		t.Fatal("a reason box is not inside the fieldset of its step's button")
	}
	// The agency picker, from the keyboard: a name fragment and Enter find the
	// agencies; several are offered to choose from. Saved without the triage step.
	searchAgency := func(q string) {
		t.Helper()
		want("find agency", intake.Follow(chromedp.SendKeys(chromedp.ID("agency-q"), q+kb.Enter)), http.StatusOK)
	}
	searchAgency("sheriff")
	if got := intake.Text("#triage-agency-choices"); !strings.Contains(got, "2 agencies") || !strings.Contains(got, "Collier County Sheriff's Office (FL)") {
		t.Fatalf("the agencies found for \"sheriff\": %q", got)
	}
	intake.Tick("agency-" + itoa(s.multi.ID))
	intake.Click(`label[for="mark-triaged"]`) // not yet: only the agency
	want("triage", intake.ClickAndWait(`form[action$="/triage"] button[type=submit]`), http.StatusOK)
	if got := intake.Text("main dl.facts"); !strings.Contains(got, "Collier County") || status(intake) != "Received" {
		t.Fatalf("after choosing Collier without the triage step the facts read:\n%s", got)
	}
	// One match is chosen for the officer; saved with the triage step, the agency's one
	// MOA follows it.
	searchAgency("harris")
	look(intake, "agency-picker")
	intake.Choose("priority", "Urgent")
	want("triage", intake.ClickAndWait(`form[action$="/triage"] button[type=submit]`), http.StatusOK)
	if got := intake.Text("main dl.facts"); !strings.Contains(got, "Harris County") || !strings.Contains(got, "Jail Enforcement Model") || status(intake) != "Triaged" {
		t.Fatalf("after triage with the picker the facts read:\n%s", got)
	}
	intake.Choose("assignee", "investigator")
	want("assign", intake.ClickAndWait(`form[action$="/assign"] button[type=submit]`), http.StatusOK)
	if got := intake.Text("main dl.facts"); !strings.Contains(got, "investigator") || !strings.Contains(got, "Urgent") {
		t.Fatalf("after triage and assignment the facts read:\n%s", got)
	}

	// Investigator: start the review, ask the complainant a question and wait.
	inv := signIn("investigator")
	want("case", inv.Open(caseURL), http.StatusOK)
	step(inv, "start_review")
	inv.Type("message-body", "¿A qué hora pagaron la fianza?")
	want("message", inv.ClickAndWait(`form[action$="/messages"] button[type=submit]`), http.StatusOK)
	step(inv, "ask_complainant")
	if got := status(inv); got != "Waiting on the complainant" {
		t.Fatalf("status %q after asking the complainant", got)
	}

	// The complainant reads the question with the receipt and answers.
	checkStatus()
	if got := ana.Text("#messages + ol"); !strings.Contains(got, "¿A qué hora pagaron la fianza?") {
		t.Fatalf("the question is not on the status page: %q", got)
	}
	ana.Type("reply", "A las 10 de la mañana del 21 de julio.")
	want("reply", ana.ClickAndWait(`form[action="/status/reply"] button[type=submit]`), http.StatusOK)
	if strings.Contains(ana.Text("main"), es("form.errors_title")) {
		t.Fatalf("reply refused: %s", ana.Text("main"))
	}

	// The answer is on the case and the review runs again; refer, propose findings.
	want("case", inv.Open(caseURL), http.StatusOK)
	if got := inv.Text("#casefile-messages + ol"); !strings.Contains(got, "A las 10 de la mañana") {
		t.Fatalf("the reply is not on the case page: %q", got)
	}
	if got := status(inv); got != "Under review" {
		t.Fatalf("status %q after the reply, want Under review", got)
	}
	inv.Click(`details:has(form[action$="/referrals"]) > summary`)
	inv.Tick("ref-dhs_crcl")
	inv.Tick("ref-identity")
	inv.Type("ref-method", "email")
	want("refer", inv.ClickAndWait(`form[action$="/referrals"] button[type=submit]`), http.StatusOK)
	if got := inv.Text("ul.referrals"); !strings.Contains(got, "identity") {
		t.Fatalf("the referral does not say identity went with it (the complainant consented): %q", got)
	}
	for _, sel := range browsertest.Run(inv, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('select[id^="finding_"]')).map(e => e.id)`)) {
		inv.Choose(sel, "Sustained")
		inv.Type(strings.Replace(sel, "finding_", "reasoning_", 1), "The jail's video shows it.")
	}
	const letter = "Sentimos mucho lo que le pasó. La cárcel tendrá intérpretes."
	inv.Type("letter-propose_findings", letter)
	step(inv, "propose_findings")
	if got := status(inv); got != "Findings proposed" {
		t.Fatalf("status %q after proposing findings", got)
	}

	// A supervisor, not the one who proposed, approves and closes.
	sup := signIn("supervisor")
	want("case", sup.Open(caseURL), http.StatusOK)
	if got := sup.Text(`#letter .letter[lang="es"]`); !strings.Contains(got, es("outcome.findings_made")) || !strings.Contains(got, letter) {
		t.Fatalf("the letter's preview, in Spanish: %q", got)
	}
	look(sup, "letter-preview")
	step(sup, "approve_close")
	if got := status(sup); got != "Closed" {
		t.Fatalf("status %q after approval", got)
	}
	look(sup, "case-closed")

	// The complainant reads the outcome, in plain Spanish.
	checkStatus()
	got := ana.Text("main")
	for _, w := range []string{es("outcome.title"), es("outcome.findings_made"), es("outcome.finding.sustained"), letter} {
		if !strings.Contains(got, w) {
			t.Errorf("the status page lacks %q:\n%s", w, got)
		}
	}
	look(ana, "outcome-es")
	t.Logf("case walk took %s", time.Since(start).Round(100*time.Millisecond))
}
