package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// An oversight auditor reads a case de-identified: none of the free text a case can
// hold, the complainant's or staff's, reaches any page or API the auditor can open
// about it (docs/roles.md). Every free-text field gets its own marker through the real
// forms; the supervisor, who may read the case's words, still sees them.
func TestAuditorSeesNoFreeText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		mark := func(field string) string { return "qxz" + field + "zxq" }
		var markers []string
		m := func(field string) string { markers = append(markers, mark(field)); return mark(field) }

		// The complainant's words.
		in := validComplaint(0)
		delete(in, "agency_id")
		for k, v := range map[string]any{"state": "TX", "narrative": m("Narrative") + " happened at the jail.",
			"officers": m("Officers"), "witnesses": m("Witnesses"), "place": m("Place"), "county": m("County"),
			"agency_other": m("AgencyOther"),
			"contact":      map[string]any{"name": m("Name"), "email": m("Email") + "@example.org", "phone": "+1 713 555 0199", "address": m("Address")}} {
			in[k] = v
		}
		markers = append(markers, "555 0199", "555-0199")
		rec := s.postJSON("/api/v1/complaints", in)
		if rec.Code != http.StatusCreated {
			t.Fatalf("filing: %d %s", rec.Code, rec.Body)
		}
		got := decode[created](t, rec)
		tracking, receipt := got.TrackingNumber, got.ReceiptCode
		rr, err := db.ComplaintReceipt(ctx, tracking)
		if err != nil {
			t.Fatal(err)
		}
		id := rr.ComplaintID
		cid := strconv.FormatInt(id, 10)
		base := "/staff/complaints/" + cid
		step := func(caller, transition string, extra url.Values) {
			t.Helper()
			f := url.Values{"transition": {transition}, "reason": {m("Reason" + transition)}}
			for k, v := range extra {
				f[k] = v
			}
			s.caseStep(caller, id, "/transition", f)
		}
		// Staff's words, each through its form.
		if rec := s.cfReq("intake", "POST", "/api/v1/staff/complaints/"+cid+"/triage", "application/json",
			[]byte(`{"clear_agreement":true,"agreement_reason":"`+m("AgreementReason")+`"}`)); rec.Code != http.StatusOK {
			t.Fatalf("triage: %d %s", rec.Code, rec.Body)
		}
		step("intake", "triage", nil)
		s.caseStep("intake", id, "/notes", url.Values{"body": {m("Note")}})
		step("investigator", "start_review", nil)
		s.caseStep("investigator", id, "/referrals", url.Values{"recipients": {"other", "dhs_oig"}, "other": {m("RecipientOther")},
			"method": {m("Method")}, "shared": {m("Shared")}})
		step("investigator", "refer", nil)
		refs, err := db.Referrals(ctx, id)
		if err != nil || len(refs) != 2 {
			t.Fatalf("referrals %+v %v", refs, err)
		}
		s.caseStep("investigator", id, "/referrals/"+strconv.FormatInt(refs[0].ID, 10), url.Values{"answer": {m("Answer")}, "outcome": {m("Outcome")}})
		step("investigator", "referral_answered", nil)
		step("investigator", "ask_complainant", nil)
		s.caseStep("investigator", id, "/messages", url.Values{"body": {m("Message")}})
		proof := url.Values{"tracking_number": {tracking}, "receipt_code": {receipt}}
		reply := url.Values{"body": {m("Reply")}}
		for k, v := range proof {
			reply[k] = v
		}
		if rec := s.do("POST", "/status/reply", formType, []byte(reply.Encode()), "RemoteAddr", "203.0.113.5:1"); rec.Code != http.StatusOK {
			t.Fatalf("reply: %d", rec.Code)
		}
		ct, body := multipartForm(t, proof, m("FileName")+".png", pngFile)
		if rec := s.do("POST", "/status/evidence", ct, body, "RemoteAddr", "203.0.113.20:1"); rec.Code != http.StatusOK {
			t.Fatalf("evidence: %d\n%s", rec.Code, rec.Body)
		}
		step("investigator", "propose_closure", url.Values{"disposition": {"resolved_informally"}})
		step("supervisor", "return_findings", nil)
		step("investigator", "withdraw", nil)
		step("supervisor", "reopen", nil)
		// Findings with their reasoning and the letter's own paragraph, waiting for
		// approval (so the case page previews the letter to the supervisor).
		step("investigator", "start_review", nil)
		c, _, err := db.Complaint(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		findings := url.Values{"letter": {m("Letter")}}
		for _, a := range c.Allegations {
			aid := strconv.FormatInt(a.ID, 10)
			findings.Set("finding_"+aid, "not_sustained")
			findings.Set("reasoning_"+aid, m("Reasoning"+aid))
		}
		step("investigator", "propose_findings", findings)

		// The supervisor, who may read the case's words, reads them all on the case page
		// (but those only the complainant's contact reveal shows).
		page := s.get("supervisor", base).Body.String()
		for _, w := range []string{mark("Narrative"), mark("Shared"), mark("Answer"), mark("Outcome"), mark("Method"),
			mark("RecipientOther"), mark("Reasonwithdraw"), mark("Note"), mark("Reply"), mark("FileName"), mark("Letter"),
			mark("Reasoning" + strconv.FormatInt(c.Allegations[0].ID, 10))} {
			if !strings.Contains(page, w) {
				t.Errorf("the supervisor's case page lacks %s", w)
			}
		}
		if !strings.Contains(s.get("supervisor", "/api/v1/staff/complaints/"+cid).Body.String(), mark("Shared")) {
			t.Errorf("the supervisor's case API lacks what was shared")
		}
		history := s.get("supervisor", "/oversight/audit/complaints/"+cid).Body.String()
		for _, w := range []string{mark("Reasonreopen"), mark("AgreementReason"), mark("Method"), mark("Outcome"), mark("Letter"),
			mark("Reasoning" + strconv.FormatInt(c.Allegations[0].ID, 10))} {
			if !strings.Contains(history, w) {
				t.Errorf("the supervisor's complaint history lacks %s", w)
			}
		}

		// Everything the auditor can open about the case.
		paths := []string{base, "/api/v1/staff/complaints/" + cid,
			"/staff/complaints", "/api/v1/staff/complaints",
			"/oversight/audit?complaint=" + tracking, "/oversight/audit", "/api/v1/audit/events?complaint=" + tracking,
			"/api/v1/audit/events?per_page=200", "/oversight/audit/complaints/" + cid}
		for _, p := range paths {
			rec := s.get("auditor", p)
			if rec.Code != http.StatusOK {
				t.Errorf("auditor %s: %d", p, rec.Code)
				continue
			}
			got := rec.Body.String()
			for _, w := range markers {
				if strings.Contains(got, w) {
					t.Errorf("auditor %s shows %s", p, w)
				}
			}
		}
		// The steps are still there, and the log says which details were withheld.
		if page := s.get("auditor", base).Body.String(); !strings.Contains(page, "Mark withdrawn") {
			t.Errorf("the auditor's case page lost the timeline:\n%s", page)
		}
		if ev := s.get("auditor", "/api/v1/audit/events?action=complaint.transition&complaint="+tracking).Body.String(); !strings.Contains(ev, `"withheld":["reason"]`) {
			t.Errorf("the auditor's events do not say the reason was withheld:\n%s", ev)
		}
	})
}
