package web_test

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/ice/icetest"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// Issue 13, point 4: steps that answer. The agency picker of triage, save and mark
// triaged as one step, each reason box inside its step's form, reasoning per finding
// and the outcome letter previewed and edited in the complainant's language.

// agencyRadios are the agency ids a case page offers as the triage's choice of agency,
// and which one is checked ("" for none).
var agencyRadio = regexp.MustCompile(`<input type="radio" id="agency-[a-z0-9]+" name="agency_id" value="([0-9]*)"( checked)?>`)

func agencyChoices(page string) (ids []string, checked string) {
	for _, m := range agencyRadio.FindAllStringSubmatch(page, -1) {
		if m[1] != "" {
			ids = append(ids, m[1])
		}
		if m[2] != "" {
			checked = m[1]
		}
	}
	return ids, checked
}

// TestTriageAgencyPicker: with ICE's real sheets loaded (over a thousand agencies), the
// case page stays light and finds agencies by a fragment of their name on the server:
// one match is chosen, several are offered to choose from (and say so), none says so,
// in the officer's language; what triage submits is the agency's id.
func TestTriageAgencyPicker(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := withSheets(t, db)
		ctx := context.Background()
		cat := mustCatalog(t)
		if _, err := db.ApplySheet(ctx, icetest.Read(t, icetest.JulyPending), "operator", ""); err != nil {
			t.Fatal(err)
		}
		// ICE's sheets hold some 700 agencies; the registry grows past a thousand as the
		// program does. A later sheet adds 500 more, with the real ones still listed.
		more := icetest.Read(t, icetest.July)
		more.FileName, more.SHA256, more.AsOf = "participatingAgencies07252025pm.xlsx", "grown", more.AsOf.AddDate(0, 0, 7)
		for i := range 500 {
			more.Rows = append(more.Rows, redress.SheetRow{Row: 5000 + i, State: "OH", AgencyName: fmt.Sprintf("Township %03d Police Department", i),
				AgencyType: "Municipal", Model: redress.ModelTFM, SignedRaw: "2025-07-01", SignedOn: redress.Date{Year: 2025, Month: 7, Day: 1}, MOAListed: true})
		}
		if _, err := db.ApplySheet(ctx, more, "operator", ""); err != nil {
			t.Fatal(err)
		}
		all, err := db.ListAgencies(ctx, "", "", 0)
		if err != nil || len(all) < 1000 {
			t.Fatalf("the registry holds %d agencies (%v); the picker is meant for a thousand or more", len(all), err)
		}
		base := "/staff/complaints/" + strconv.FormatInt(s.txCase, 10)

		plain := s.get("intake", base).Body.String()
		if ids, _ := agencyChoices(plain); len(ids) != 0 || strings.Contains(plain, "Melbourne Beach") {
			t.Fatalf("the case page lists agencies before any search: %v", ids)
		}
		if !strings.Contains(plain, `name="agency_q"`) {
			t.Fatal("the case page has no agency search")
		}

		// One match: chosen.
		mb := melbourneBeach(t, db).AgencyID
		page := s.get("intake", base+"?agency_q="+url.QueryEscape("melbourne  beach")).Body.String()
		ids, checked := agencyChoices(page)
		if len(ids) != 1 || checked != strconv.FormatInt(mb, 10) || !has(page, cat, "en", "case.agency_found", "Count", 1, "Query", "melbourne  beach") {
			t.Fatalf("one match: choices %v, checked %q\n%s", ids, checked, page)
		}

		// Several: a list to choose from, nothing chosen, and more than shown said so.
		page = s.get("intake", base+"?agency_q=sheriff").Body.String()
		ids, checked = agencyChoices(page)
		if len(ids) != 25 || checked != "" || !has(page, cat, "en", "case.agency_found", "Count", 25, "Query", "sheriff") || !has(page, cat, "en", "case.agency_more") {
			t.Fatalf("many matches: %d choices, checked %q", len(ids), checked)
		}
		t.Logf("case page: %d bytes; with 25 agencies found: %d bytes", len(plain), len(page))
		if len(page)-len(plain) > 20_000 {
			t.Errorf("the agency choices weigh %d bytes", len(page)-len(plain))
		}

		// None: said so, in the officer's language.
		page = s.get("intake", base+"?agency_q=Qzxv&lang=es").Body.String()
		if ids, _ := agencyChoices(page); len(ids) != 0 || !has(page, cat, "es", "case.agency_none", "Query", "Qzxv") {
			t.Fatalf("no match: choices %v\n%s", ids, page)
		}

		// The choice is submitted as the id.
		s.mustPost("intake", base+"/triage", url.Values{"agency_id": {strconv.FormatInt(mb, 10)}}, 303)
		if c, _, _ := db.Complaint(ctx, s.txCase); c.AgencyID != mb {
			t.Fatalf("agency %d after triage, want %d", c.AgencyID, mb)
		}
		// "Keep the agency as it is" submits no id and keeps it.
		s.mustPost("intake", base+"/triage", url.Values{"agency_id": {""}, "priority": {"urgent"}}, 303)
		if c, _, _ := db.Complaint(ctx, s.txCase); c.AgencyID != mb {
			t.Fatalf("agency %d after keeping it, want %d", c.AgencyID, mb)
		}
	})
}

// TestTriageAndMarkTriaged: the triage form saves its fields and makes the triage step
// in one POST, offered (ticked) while the case is received; when the step is not
// possible from the case's status, nothing of the form is saved.
func TestTriageAndMarkTriaged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		base := "/staff/complaints/" + strconv.FormatInt(s.txCase, 10)
		page := s.get("supervisor", base).Body.String()
		if !strings.Contains(page, `name="mark_triaged" value="yes" checked`) {
			t.Fatal("a received case's triage form does not offer to mark it triaged")
		}
		if strings.Contains(page, `name="transition" value="triage"`) {
			t.Error("the triage step is still offered on its own beside the triage form")
		}
		triaged := s.auditCount(redress.ActionTriaged, s.txCase)
		body := s.mustPost("supervisor", base+"/triage", url.Values{"priority": {"urgent"}, "mark_triaged": {"yes"}}, 303)
		_ = body
		c, _, _ := db.Complaint(ctx, s.txCase)
		st, _ := db.CaseState(ctx, s.txCase)
		if c.Status != redress.StatusTriaged || st.Priority != "urgent" {
			t.Fatalf("after save and mark: status %s, priority %s", c.Status, st.Priority)
		}
		if s.auditCount(redress.ActionTriaged, s.txCase) != triaged+1 || s.auditCount(redress.ActionTransition, s.txCase) != 1 {
			t.Fatalf("audit: triaged %d, transitions %d", s.auditCount(redress.ActionTriaged, s.txCase), s.auditCount(redress.ActionTransition, s.txCase))
		}
		rec := s.get("supervisor", base+"?done=triage_marked")
		if !has(rec.Body.String(), mustCatalog(t), "en", "case.done.triage_marked") {
			t.Error("the page does not say the triage was saved and marked")
		}
		if strings.Contains(rec.Body.String(), `name="mark_triaged"`) {
			t.Error("a triaged case is offered the triage step again")
		}

		// Under review, triage is no longer a step: marking fails, and the priority
		// posted with it is not saved.
		s.mustPost("supervisor", base+"/transition", url.Values{"transition": {"start_review"}}, 303)
		code, page := s.post("supervisor", base+"/triage", url.Values{"priority": {"normal"}, "mark_triaged": {"yes"}})
		if code != 409 || !strings.Contains(page, "error-summary") {
			t.Fatalf("marking an under-review case triaged: %d", code)
		}
		// A refused step keeps the reason typed for it.
		code, page = s.post("supervisor", base+"/transition", url.Values{"transition": {"propose_closure"}, "reason": {"No answer came in 30 days."}})
		if code != 422 || !strings.Contains(page, `name="reason" rows="2" maxlength="2000">No answer came in 30 days.</textarea>`) {
			t.Fatalf("a refused closure (no disposition): %d; the reason typed is not kept", code)
		}
		if st, _ := db.CaseState(ctx, s.txCase); st.Priority != "urgent" {
			t.Fatalf("the fields were saved though the step failed: priority %s", st.Priority)
		}
		if n := s.auditCount(redress.ActionTriaged, s.txCase); n != triaged+1 {
			t.Fatalf("a triage event was recorded for the failed step: %d", n)
		}
		// The same fields without the step are saved.
		s.mustPost("supervisor", base+"/triage", url.Values{"priority": {"normal"}}, 303)
		if st, _ := db.CaseState(ctx, s.txCase); st.Priority != "normal" {
			t.Fatalf("priority %s after saving without the step", st.Priority)
		}
	})
}

// formChunk splits a page into its forms (forms do not nest).
var formChunk = regexp.MustCompile(`(?s)<form [^>]*>.*?</form>`)

// TestReasonsInsideTheirForms: every reason box on the case page is a labelled
// textarea inside the form, and the fieldset, of the step it is the reason for, with
// that step's button; each step that needs a reason has exactly one.
func TestReasonsInsideTheirForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		base := "/staff/complaints/" + strconv.FormatInt(s.txCase, 10)
		cat := mustCatalog(t)
		check := func(when string, wantReasons []string) {
			t.Helper()
			page := s.get("supervisor", base).Body.String()
			if n := strings.Count(page, `name="reason"`); n != len(wantReasons) {
				t.Errorf("%s: %d reason boxes, want %d", when, n, len(wantReasons))
			}
			var seen []string
			for _, f := range formChunk.FindAllString(page, -1) {
				if !strings.Contains(f, `name="reason"`) {
					continue
				}
				m := regexp.MustCompile(`name="transition" value="([a-z_]+)"`).FindStringSubmatch(f)
				if m == nil {
					t.Errorf("%s: a reason box in a form of no step:\n%s", when, f)
					continue
				}
				tr := m[1]
				seen = append(seen, tr)
				id := "reason-" + tr
				start, end := strings.Index(f, "<fieldset>"), strings.LastIndex(f, "</fieldset>")
				if start < 0 || end < start {
					t.Errorf("%s: the step %s has no fieldset:\n%s", when, tr, f)
					continue
				}
				fieldset := f[start:end]
				if strings.Count(f, `name="reason"`) != 1 || !strings.Contains(fieldset, `<textarea id="`+id+`" name="reason"`) ||
					!strings.Contains(fieldset, `<label for="`+id+`">`) ||
					!strings.Contains(fieldset, `<button type="submit" class="secondary">`+html.EscapeString(cat.T("en", "transition."+tr, nil))+`</button>`) {
					t.Errorf("%s: the reason of %s is not a labelled box beside its button:\n%s", when, tr, f)
				}
			}
			if strings.Join(seen, ",") != strings.Join(wantReasons, ",") {
				t.Errorf("%s: reasons for %v, want %v", when, seen, wantReasons)
			}
		}
		check("received", []string{"close_administratively", "withdraw"})
		s.mustPost("supervisor", base+"/triage", url.Values{"mark_triaged": {"yes"}}, 303)
		s.mustPost("supervisor", base+"/transition", url.Values{"transition": {"start_review"}}, 303)
		check("under review", []string{"propose_closure", "withdraw"})
	})
}

// TestFindingReasoning: findings are proposed with their reasoning, one per allegation
// (a missing one names its allegation and keeps what was typed); the case page and its
// history show the reasoning to those who may read staff's words, never to an auditor.
func TestFindingReasoning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		cat := mustCatalog(t)
		base := "/staff/complaints/" + strconv.FormatInt(s.txCase, 10)
		s.mustPost("supervisor", base+"/triage", url.Values{"mark_triaged": {"yes"}}, 303)
		s.mustPost("supervisor", base+"/transition", url.Values{"transition": {"start_review"}}, 303)
		c, _, _ := db.Complaint(ctx, s.txCase)
		if len(c.Allegations) < 2 {
			t.Fatalf("fixture: %d allegations", len(c.Allegations))
		}
		first, second := c.Allegations[0], c.Allegations[1]
		fid, sid := strconv.FormatInt(first.ID, 10), strconv.FormatInt(second.ID, 10)
		why := map[int64]string{first.ID: "Booking log 7 shows the hold ran 52 hours past release.", second.ID: "No record either way of the language spoken."}
		f := url.Values{"transition": {"propose_findings"}, "finding_" + fid: {"sustained"}, "finding_" + sid: {"not_sustained"},
			"reasoning_" + fid: {why[first.ID]}}
		code, page := s.post("investigator", base+"/transition", f)
		if code != 422 || !has(page, cat, "en", "case.reasoning_missing", "List", cat.T("en", "category."+string(second.Category), nil)) {
			t.Fatalf("a finding without reasoning: %d", code)
		}
		if !strings.Contains(page, html.EscapeString(why[first.ID])+"</textarea>") {
			t.Error("the reasoning typed for the other allegation was not kept")
		}
		// The API asks for the reasoning too, by allegation.
		api := func(body string) (int, string) {
			rec := s.cfReq("investigator", "POST", "/api/v1/staff/complaints/"+strconv.FormatInt(s.txCase, 10)+"/transition", "application/json", []byte(body))
			return rec.Code, rec.Body.String()
		}
		if code, body := api(`{"transition":"propose_findings","findings":{"` + fid + `":"sustained","` + sid + `":"not_sustained"},"reasoning":{"` + fid + `":"x"}}`); code != 422 || !strings.Contains(body, "reasoning."+sid) {
			t.Fatalf("API findings without reasoning: %d %s", code, body)
		}
		f.Set("reasoning_"+sid, why[second.ID])
		s.mustPost("investigator", base+"/transition", f, 303)
		st, _ := db.CaseState(ctx, s.txCase)
		if st.FindingReasons[first.ID] != why[first.ID] || st.FindingReasons[second.ID] != why[second.ID] {
			t.Fatalf("stored reasoning %v", st.FindingReasons)
		}
		for _, caller := range []string{"supervisor", "investigator"} {
			page := s.get(caller, base).Body.String()
			history := page[strings.Index(page, `class="timeline"`):]
			facts := page[:strings.Index(page, `class="case-side"`)]
			for _, w := range why {
				if !strings.Contains(facts, html.EscapeString(w)) || !strings.Contains(history, html.EscapeString(w)) {
					t.Errorf("%s's case page does not show %q with the findings and in the history", caller, w)
				}
			}
		}
		for _, p := range []string{base, "/oversight/audit/complaints/" + strconv.FormatInt(s.txCase, 10), "/api/v1/audit/events?complaint=" + c.TrackingNumber} {
			got := s.get("auditor", p).Body.String()
			for _, w := range why {
				if strings.Contains(got, html.EscapeString(w)) || strings.Contains(got, w) {
					t.Errorf("the auditor reads reasoning on %s", p)
				}
			}
		}
	})
}

// TestOutcomeLetterPreview: while findings wait for approval, the case page shows the
// letter as the complainant will read it, in Spanish for a Spanish complaint, with the
// proposer's own paragraph; the approver edits it and approves; the status page and
// API show the approved paragraph under the standard words, and nothing before.
func TestOutcomeLetterPreview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		addApprover(t, s)
		ctx := context.Background()
		cat := mustCatalog(t)
		cid, tracking, receipt := s.filed() // filed in Spanish
		base := "/staff/complaints/" + strconv.FormatInt(cid, 10)
		s.mustPost("supervisor", base+"/triage", url.Values{"mark_triaged": {"yes"}}, 303)
		s.mustPost("supervisor", base+"/transition", url.Values{"transition": {"start_review"}}, 303)
		c, _, _ := db.Complaint(ctx, cid)
		const drafted = "Lamentamos lo que pasó. Hablamos con la cárcel sobre los intérpretes."
		const edited = "Lamentamos mucho lo que pasó. La cárcel cambiará cómo da intérpretes."
		f := url.Values{"transition": {"propose_findings"}, "letter": {drafted}}
		for _, a := range c.Allegations {
			id := strconv.FormatInt(a.ID, 10)
			f.Set("finding_"+id, "sustained")
			f.Set("reasoning_"+id, "The booking log shows it.")
		}
		s.mustPost("supervisor", base+"/transition", f, 303)

		page := s.get("approver", base).Body.String()
		i := strings.Index(page, `<div class="letter" lang="es">`)
		if i < 0 {
			t.Fatal("no letter preview in Spanish on the case page")
		}
		letter := page[i : strings.Index(page[i:], "</section>")+i]
		for _, key := range []string{"outcome.title", "outcome.findings_made", "outcome.findings_made.help", "outcome.finding.sustained", "outcome.letter_title", "outcome.next"} {
			if !has(letter, cat, "es", key) {
				t.Errorf("the preview lacks the Spanish %s", key)
			}
		}
		if !strings.Contains(letter, html.EscapeString(drafted)) || !has(letter, cat, "es", "category."+string(c.Allegations[0].Category)) {
			t.Errorf("the preview lacks the paragraph or the allegation:\n%s", letter)
		}
		if !strings.Contains(page, `lang="es" aria-describedby="letter-approve_close-hint">`+html.EscapeString(drafted)+`</textarea>`) {
			t.Error("the approval form does not offer the paragraph to edit")
		}
		if got := s.get("auditor", base).Body.String(); strings.Contains(got, html.EscapeString(drafted)) || strings.Contains(got, `class="letter"`) {
			t.Error("the auditor reads the letter's paragraph")
		}

		// Not before approval.
		if st := s.apiStatus(tracking, receipt, ""); st.Outcome != nil {
			t.Fatal("an outcome before approval")
		}
		if p := s.statusPage(tracking, receipt, "es"); strings.Contains(p, html.EscapeString(drafted)) {
			t.Fatal("the paragraph shows before approval")
		}

		s.mustPost("approver", base+"/transition", url.Values{"transition": {"approve_close"}, "letter": {edited}}, 303)
		p := s.statusPage(tracking, receipt, "es")
		j := strings.Index(p, `id="outcome-letter"`)
		if j < 0 || !strings.Contains(p[j:], html.EscapeString(edited)) || strings.Contains(p, html.EscapeString(drafted)) ||
			j < strings.Index(p, html.EscapeString(cat.T("es", "outcome.findings_made.help", nil))) {
			t.Fatalf("the status page does not show the approved paragraph under the standard words")
		}
		rec := s.postJSON("/api/v1/complaints/status", map[string]string{"tracking_number": tracking, "receipt_code": receipt})
		if !strings.Contains(rec.Body.String(), `"letter":"`+edited+`"`) {
			t.Fatalf("the status API lacks the paragraph: %s", rec.Body)
		}
	})
}
