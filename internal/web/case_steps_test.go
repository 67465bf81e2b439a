package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// TestTriageAgreementPageAndAPI: the case page says why a complaint has no agreement
// and offers the agency's agreements; triage sets one (page, with a reason; a missing
// reason is a 422 in the officer's language), the API corrects and clears it, and the
// clocks of the MOA start and stop with it.
func TestTriageAgreementPageAndAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		base := "/staff/complaints/" + strconv.FormatInt(s.txCase, 10)
		// Name the agency; Harris's one JEM follows it. Then clear it by hand to see the
		// reason shown, and set it again from the page.
		agency := mustAgencies(t, db, "TX")[0]
		if code, body := s.post("intake", base+"/triage", url.Values{"agency_id": {strconv.FormatInt(agency.ID, 10)}}); code != 303 {
			t.Fatalf("triage: %d\n%s", code, body)
		}
		c, _, _ := db.Complaint(ctx, s.txCase)
		jem := c.AgreementID
		if jem == 0 {
			t.Fatal("Harris's agreement did not follow the agency")
		}
		hasClock := func(name string) bool {
			ks, _ := db.Clocks(ctx, s.txCase)
			for _, k := range ks {
				if k.Name == name && k.MetAt.IsZero() {
					return true
				}
			}
			return false
		}
		api := func(body string) (int, string) {
			rec := s.cfReq("supervisor", "POST", "/api/v1/staff/complaints/"+strconv.FormatInt(s.txCase, 10)+"/triage", "application/json", []byte(body))
			return rec.Code, rec.Body.String()
		}
		if code, body := api(`{"clear_agreement":true}`); code != 422 || !strings.Contains(body, "agreement_reason") {
			t.Fatalf("clearing without a reason: %d %s", code, body)
		}
		if code, body := api(`{"clear_agreement":true,"agreement_reason":"Conduct at a festival, not under the MOA."}`); code != 200 {
			t.Fatalf("clearing: %d %s", code, body)
		}
		if c, _, _ = db.Complaint(ctx, s.txCase); c.AgreementID != 0 || c.Attribution != redress.AttributionCleared || hasClock("notify_ice") {
			t.Fatalf("after clearing: agreement %d, attribution %q, notify_ice running %v", c.AgreementID, c.Attribution, hasClock("notify_ice"))
		}
		page := s.do("GET", base, "", nil, "Cookie", "redress_session="+s.cookies["intake"]).Body.String()
		if !strings.Contains(page, "staff found that none applies") || !strings.Contains(page, `<option value="`+strconv.FormatInt(jem, 10)+`">Jail Enforcement Model, active, signed 2020-01-10`) {
			t.Fatalf("the case page does not say why there is no agreement or offer the agency's:\n%s", page)
		}
		es := s.send("intake", "POST", base+"/triage", url.Values{"agreement_id": {strconv.FormatInt(jem, 10)}}, "es")
		if es.Code != 422 || !strings.Contains(es.Body.String(), "Por qué") {
			t.Fatalf("setting without a reason, in Spanish: %d\n%s", es.Code, es.Body.String())
		}
		if code, body := s.post("intake", base+"/triage", url.Values{"agreement_id": {strconv.FormatInt(jem, 10)},
			"agreement_reason": {"Held in the county jail on a detainer."}}); code != 303 {
			t.Fatalf("setting the agreement: %d\n%s", code, body)
		}
		if c, _, _ = db.Complaint(ctx, s.txCase); c.AgreementID != jem || !hasClock("notify_ice") {
			t.Fatalf("after setting: agreement %d, notify_ice running %v", c.AgreementID, hasClock("notify_ice"))
		}
		evs, _ := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: s.txCase, Action: redress.ActionTriaged})
		last, _ := json.Marshal(evs[len(evs)-1].Details)
		if !strings.Contains(string(last), `"agreement_reason":"Held in the county jail on a detainer."`) || !strings.Contains(string(last), `"clocks_started":["notify_ice"]`) {
			t.Fatalf("triage event details %s", last)
		}
		// Another agency's agreement, or none that exists, is refused.
		if code, body := api(`{"agreement_id":99999,"agreement_reason":"x"}`); code != 422 || !strings.Contains(body, "Choose one of this agency's agreements.") {
			t.Fatalf("an unknown agreement: %d %s", code, body)
		}
	})
}

// TestResultsReportedPageAndAPI: a JEM case resolved informally offers the form to
// record that the results were reported to ICE; the API records it, the case page
// then says so and offers the form no more; a second report is a 409.
func TestResultsReportedPageAndAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		jem := s.resolvedJEM()
		base := "/staff/complaints/" + strconv.FormatInt(jem, 10)
		page := s.do("GET", base, "", nil, "Cookie", "redress_session="+s.cookies["investigator"]).Body.String()
		if !strings.Contains(page, `action="`+base+`/results"`) {
			t.Fatal("the case page offers no form to record the results report")
		}
		today := officeToday()
		api := "/api/v1/staff/complaints/" + strconv.FormatInt(jem, 10) + "/results"
		if rec := s.cfReq("investigator", "POST", api, "application/json", []byte(`{"reported_on":"`+today+`","method":"email"}`)); rec.Code != 200 {
			t.Fatalf("results report: %d %s", rec.Code, rec.Body)
		}
		page = s.do("GET", base, "", nil, "Cookie", "redress_session="+s.cookies["investigator"]).Body.String()
		if !strings.Contains(page, "Results reported to ICE on "+today+" (by email)") || strings.Contains(page, `action="`+base+`/results"`) {
			t.Fatal("after the report the case page does not say so, or still offers the form")
		}
		if rec := s.cfReq("investigator", "POST", api, "application/json", []byte(`{"reported_on":"`+today+`","method":"email"}`)); rec.Code != 409 {
			t.Fatalf("a second report: %d %s", rec.Code, rec.Body)
		}
	})
}

// resolvedJEM files a complaint about Harris County (a JEM) and closes it resolved
// informally, so a report of its results to ICE is owed.
func (s *staff) resolvedJEM() int64 {
	s.t.Helper()
	id := s.fileIn("TX", s.agency.ID)
	s.mustPost("intake", "/staff/complaints/"+strconv.FormatInt(id, 10)+"/transition", url.Values{"transition": {"close_administratively"},
		"disposition": {"resolved_informally"}, "reason": {"Property returned."}}, 303)
	return id
}

// officeToday is today in the office's zone (the default deadlines').
func officeToday() string { return redress.DateOf(time.Now().In(deadline.DefaultLocation)).String() }

// TestQueueAgreementNotSet: the queue filters the complaints no agreement is tied to
// (model=none, page and API), the ones triage must attribute.
func TestQueueAgreementNotSet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		none, _, _ := db.Complaint(ctx, s.txCase) // filed without an agency: no agreement
		tied, _, _ := db.Complaint(ctx, s.fileIn("TX", s.agency.ID))
		if none.AgreementID != 0 || tied.AgreementID == 0 {
			t.Fatalf("fixture: agreements %d and %d", none.AgreementID, tied.AgreementID)
		}
		page := s.queueGet("supervisor", "/staff/complaints?model=none", "").Body.String()
		if got := pageTracking(page); !slices.Contains(got, none.TrackingNumber) || slices.Contains(got, tied.TrackingNumber) {
			t.Fatalf("model=none lists %v; want %s and not %s", got, none.TrackingNumber, tied.TrackingNumber)
		}
		if !strings.Contains(page, ">Agreement not set</option>") {
			t.Error("the queue's model filter offers no \"Agreement not set\"")
		}
		api := s.queueGet("supervisor", "/api/v1/staff/complaints?model=NONE", "").Body.String()
		if !strings.Contains(api, none.TrackingNumber) || strings.Contains(api, tied.TrackingNumber) {
			t.Fatalf("API model=NONE: %s", api)
		}
	})
}

// TestStaffTimesInOfficeZone: staff dates are the office's (America/New_York by default),
// not UTC's: a clock due 2026-12-05 04:59:59 UTC is due on Dec 4 there. The case
// history says what happened in words, with the time of day and the zone.
func TestStaffTimesInOfficeZone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		due := time.Date(2026, 12, 5, 4, 59, 59, 0, time.UTC)
		if err := db.Triage(ctx, store.TriageChange{ComplaintID: s.txCase, Audit: redress.AuditEvent{Actor: "test", Action: redress.ActionTriaged},
			StartClocks: []redress.Clock{{Name: "notify_ice", StartedAt: due.Add(-48 * time.Hour), DueAt: due}}}); err != nil {
			t.Fatal(err)
		}
		cat, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		page := s.do("GET", "/staff/complaints/"+strconv.FormatInt(s.txCase, 10), "", nil, "Cookie", "redress_session="+s.cookies["supervisor"]).Body.String()
		office, utc := cat.Date("en", 2026, time.December, 4), cat.Date("en", 2026, time.December, 5)
		i := strings.Index(page, cat.T("en", "clock.notify_ice", nil))
		if i < 0 {
			t.Fatal("no notify_ice row on the case page")
		}
		row := page[i:min(len(page), i+300)]
		if !strings.Contains(row, office) || strings.Contains(row, utc) {
			t.Fatalf("the clock's row reads %q; want the office's date %q, not UTC's %q", row, office, utc)
		}
		// The history: words, not codes; the time of day with the zone.
		hist := page[strings.Index(page, `<ol class="timeline">`):]
		hist = hist[:strings.Index(hist, "</ol>")]
		if strings.Contains(hist, "complaint.filed") || !strings.Contains(hist, cat.T("en", "audit.action.complaint.filed", nil)) ||
			!(strings.Contains(hist, " EST") || strings.Contains(hist, " EDT")) {
			t.Fatalf("the history reads:\n%s", hist)
		}
	})
}

// TestStepsAnswer: after a step the case page says what was done, in the officer's
// language; the supervisor who proposed findings is not offered the approval, another
// supervisor is.
func TestStepsAnswer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		base := "/staff/complaints/" + strconv.FormatInt(s.txCase, 10)
		rec := s.send("supervisor", "POST", base+"/transition", url.Values{"transition": {"triage"}}, "en")
		if rec.Code != 303 || !strings.Contains(rec.Header().Get("Location"), "done=transition%3Atriage") {
			t.Fatalf("triage: %d, Location %q", rec.Code, rec.Header().Get("Location"))
		}
		page := s.do("GET", rec.Header().Get("Location"), "", nil, "Cookie", "redress_session="+s.cookies["supervisor"]).Body.String()
		if !strings.Contains(page, `<p class="flash" role="status">Done: Mark triaged.</p>`) {
			t.Fatal("the case page does not say the step was taken")
		}
		rec = s.send("supervisor", "POST", base+"/assign", url.Values{"assignee": {strconv.FormatInt(s.users["investigator"].ID, 10)}}, "es")
		page = s.do("GET", rec.Header().Get("Location"), "", nil, "Cookie", "redress_session="+s.cookies["supervisor"], "Accept-Language", "es").Body.String()
		if !strings.Contains(page, "Asignada.") {
			t.Fatalf("assignment (%d %s): the page does not say so in Spanish", rec.Code, rec.Header().Get("Location"))
		}
		s.mustPost("supervisor", base+"/transition", url.Values{"transition": {"start_review"}}, 303)
		s.proposeFindings("supervisor", s.txCase, "sustained", "sustained")
		approve := `value="approve_close"`
		if page := s.do("GET", base, "", nil, "Cookie", "redress_session="+s.cookies["supervisor"]).Body.String(); strings.Contains(page, approve) {
			t.Error("the supervisor who proposed the findings is offered the approval")
		}
		s.signIn("supervisor2", redress.RoleSupervisor, "tx")
		if page := s.do("GET", base, "", nil, "Cookie", "redress_session="+s.cookies["supervisor2"]).Body.String(); !strings.Contains(page, approve) {
			t.Error("another supervisor is not offered the approval")
		}
	})
}

// TestFindingsLeftBlank: a proposal with one allegation's finding left blank is refused
// (422), names that allegation, and keeps the finding chosen for the other.
func TestFindingsLeftBlank(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		base := "/staff/complaints/" + strconv.FormatInt(s.txCase, 10)
		s.mustPost("supervisor", base+"/transition", url.Values{"transition": {"triage"}}, 303)
		s.mustPost("supervisor", base+"/transition", url.Values{"transition": {"start_review"}}, 303)
		c, _, _ := db.Complaint(ctx, s.txCase)
		if len(c.Allegations) < 2 {
			t.Fatalf("fixture: %d allegations", len(c.Allegations))
		}
		first, second := c.Allegations[0], c.Allegations[1]
		code, page := s.post("investigator", base+"/transition", url.Values{"transition": {"propose_findings"},
			"finding_" + strconv.FormatInt(first.ID, 10): {"sustained"}})
		cat, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		if code != 422 || !strings.Contains(page, "Choose a finding for: "+cat.T("en", "category."+string(second.Category), nil)+".") {
			t.Fatalf("a blank finding: %d; the page does not name %s", code, second.Category)
		}
		if !strings.Contains(page, `<option value="sustained" selected>`) {
			t.Error("the finding chosen for the other allegation was not kept")
		}
	})
}
