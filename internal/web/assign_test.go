package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// fileTX files one more complaint in unit tx and returns its id.
func (s *staff) fileTX() int64 {
	s.t.Helper()
	in := validComplaint(0)
	delete(in, "agency_id")
	in["state"] = "TX"
	got := decode[created](s.t, s.postJSON("/api/v1/complaints", in))
	rr, err := s.db.ComplaintReceipt(context.Background(), got.TrackingNumber)
	if err != nil {
		s.t.Fatal(err)
	}
	return rr.ComplaintID
}

// addInvestigator makes and signs in one more investigator of unit tx.
func (s *staff) addInvestigator(name string) redress.User {
	s.t.Helper()
	ctx, m := context.Background(), auth.Meta{Actor: "test"}
	u, token, err := s.auth.CreateUser(ctx, m, name+"@example.org", name)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.auth.AddRole(ctx, m, u.ID, redress.RoleInvestigator, "tx"); err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.auth.SetPasswordWithToken(ctx, m, token, testPassword); err != nil {
		s.t.Fatal(err)
	}
	res, err := s.auth.Login(ctx, m, u.Email, testPassword)
	if err != nil {
		s.t.Fatal(err)
	}
	s.cookies[name], s.users[name] = res.SessionToken, u
	if err := s.authz.Reload(ctx); err != nil {
		s.t.Fatal(err)
	}
	return u
}

func (s *staff) assignee(id int64) int64 {
	s.t.Helper()
	st, err := s.db.CaseState(context.Background(), id)
	if err != nil {
		s.t.Fatal(err)
	}
	return st.AssigneeID
}

// Bulk assignment from the queue: all the ticked complaints or none, each checked in its
// own unit, one email to the investigator naming them all; taking a case off one
// investigator for another is a supervisor's step.
func TestBulkAssignAndReassign(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		second := s.fileTX()
		third := s.fileTX()
		inv := s.users["investigator"]
		inv2 := s.addInvestigator("second_investigator")
		ids := func(list ...int64) []string {
			var out []string
			for _, id := range list {
				out = append(out, strconv.FormatInt(id, 10))
			}
			return out
		}
		invID := strconv.FormatInt(inv.ID, 10)

		// The intake officer's queue offers the bulk form with a box per complaint; an
		// investigator's (who does not assign) does not.
		page := s.queueGet("intake", "/staff/complaints?status=received", "en").Body.String()
		if !strings.Contains(page, `action="/staff/complaints/assign"`) || !strings.Contains(page, `name="ids" value="`+strconv.FormatInt(second, 10)+`"`) {
			t.Fatalf("intake queue has no bulk form:\n%s", page)
		}
		if page := s.queueGet("investigator", "/staff/complaints", "en").Body.String(); strings.Contains(page, `action="/staff/complaints/assign"`) {
			t.Fatal("an investigator's queue offers bulk assignment")
		}

		// A complaint of another unit in the batch refuses the whole batch.
		code, _ := s.post("intake", "/staff/complaints/assign", url.Values{"ids": ids(second, s.flCase), "assignee": {invID}})
		if code != 403 || s.assignee(second) != 0 || s.assignee(s.flCase) != 0 {
			t.Fatalf("mixed-unit batch: %d, assignees %d %d", code, s.assignee(second), s.assignee(s.flCase))
		}
		// Nothing ticked: the queue again, with the reason, in the caller's language.
		rec := s.do("POST", "/staff/complaints/assign", formType, []byte(url.Values{"assignee": {invID}, "back": {"/staff/complaints?status=received"}}.Encode()),
			"Cookie", "redress_session="+s.cookies["intake"], "Accept-Language", "es")
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), "Las quejas no se asignaron") {
			t.Fatalf("empty batch: %d\n%s", rec.Code, rec.Body.String())
		}

		// An assignee who does not investigate there: the queue again, with the boxes
		// still ticked, and nothing assigned.
		rec = s.do("POST", "/staff/complaints/assign", formType, []byte(url.Values{"ids": ids(second),
			"assignee": {strconv.FormatInt(s.users["other_unit"].ID, 10)}, "back": {"/staff/complaints?status=received"}}.Encode()),
			"Cookie", "redress_session="+s.cookies["intake"])
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), `value="`+strconv.FormatInt(second, 10)+`" id="pick-`+strconv.FormatInt(second, 10)+`" checked`) ||
			s.assignee(second) != 0 {
			t.Fatalf("refused batch: %d, ticks kept? assignee %d", rec.Code, s.assignee(second))
		}

		// Two at once: both assigned, back to the same queue page, one email for both.
		code, body := s.post("intake", "/staff/complaints/assign", url.Values{"ids": ids(s.txCase, second), "assignee": {invID},
			"back": {"/staff/complaints?status=received&assigned=9"}})
		if code != 303 {
			t.Fatalf("bulk assign: %d\n%s", code, body)
		}
		rec = s.do("POST", "/staff/complaints/assign", formType, []byte(url.Values{"ids": ids(third), "assignee": {invID},
			"back": {"https://evil.example/staff/complaints"}}.Encode()), "Cookie", "redress_session="+s.cookies["intake"])
		if loc := rec.Header().Get("Location"); rec.Code != 303 || loc != "/staff/complaints?assigned=1" {
			t.Fatalf("a back address off the queue must not be followed: %d %q", rec.Code, loc)
		}
		for _, id := range []int64{s.txCase, second, third} {
			if got := s.assignee(id); got != inv.ID {
				t.Errorf("complaint %d assignee %d, want %d", id, got, inv.ID)
			}
		}
		if page := s.queueGet("intake", "/staff/complaints?assigned=2", "en").Body.String(); !strings.Contains(page, "2 complaints assigned.") {
			t.Error("the queue does not say how many were assigned")
		}
		mails, _ := db.ListOutbox(ctx, store.OutboxFilter{})
		var notices int
		for _, m := range mails {
			if m.Kind == "complaint.assigned" {
				notices++
			}
		}
		if notices != 2 { // one for the batch of two, one for the single
			t.Fatalf("%d assignment emails, want 2", notices)
		}
		evs, _ := db.ListAudit(ctx, redress.AuditFilter{Action: "complaint.assigned"})
		if len(evs) != 3 {
			t.Fatalf("%d assignment events, want one per complaint (3)", len(evs))
		}

		// Reassigning: the intake officer may assign, not take a case off its investigator.
		inv2ID := strconv.FormatInt(inv2.ID, 10)
		base := "/staff/complaints/" + strconv.FormatInt(s.txCase, 10)
		code, body = s.post("intake", base+"/assign", url.Values{"assignee": {inv2ID}})
		if code != 403 || !strings.Contains(body, "only a supervisor may give it to someone else") || s.assignee(s.txCase) != inv.ID {
			t.Fatalf("intake reassign: %d, assignee %d\n%s", code, s.assignee(s.txCase), body)
		}
		if code, _ := s.post("supervisor", base+"/assign", url.Values{"assignee": {inv2ID}}); code != 303 || s.assignee(s.txCase) != inv2.ID {
			t.Fatalf("supervisor reassign: %d, assignee %d", code, s.assignee(s.txCase))
		}
		evs, _ = db.ListAudit(ctx, redress.AuditFilter{ComplaintID: s.txCase, Action: "complaint.assigned"})
		last := evs[len(evs)-1].Details
		if last["old_assignee"] != float64(inv.ID) || last["new_assignee"] != float64(inv2.ID) {
			t.Fatalf("reassignment event details %v", last)
		}

		// The JSON API: the same rules.
		api := func(caller string, v any) (int, string) {
			b, _ := json.Marshal(v)
			rec := s.do("POST", "/api/v1/staff/complaints/assign", "application/json", b, "Cookie", "redress_session="+s.cookies[caller])
			return rec.Code, rec.Body.String()
		}
		if code, body := api("intake", map[string]any{"ids": []int64{second, third}, "assignee_id": inv2.ID}); code != 403 {
			t.Fatalf("API reassign by intake: %d %s", code, body)
		}
		if code, body := api("supervisor", map[string]any{"ids": []int64{second, third}, "assignee_id": inv2.ID}); code != 200 || s.assignee(second) != inv2.ID || s.assignee(third) != inv2.ID {
			t.Fatalf("API bulk by supervisor: %d %s", code, body)
		}
		if code, _ := api("supervisor", map[string]any{"ids": []int64{second, 987654}, "assignee_id": inv.ID}); code != 404 || s.assignee(second) != inv2.ID {
			t.Fatalf("API batch with an unknown complaint: %d, assignee %d", code, s.assignee(second))
		}
		if code, _ := api("supervisor", map[string]any{"ids": []int64{second}, "assignee_id": s.users["other_unit"].ID}); code != 422 {
			t.Fatalf("API assignee of another unit: %d", code)
		}
	})
}

// A referral's answer is recorded on the case page; the case page shows the related
// complaints triage tied and the case's history from the audit trail.
func TestReferralAnswerLinksAndTimeline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		other := s.fileTX()
		oc, _, _ := db.Complaint(ctx, other)
		id := strconv.FormatInt(s.txCase, 10)
		base := "/staff/complaints/" + id
		must := func(caller, path string, form url.Values, want int) string {
			t.Helper()
			code, body := s.post(caller, path, form)
			if code != want {
				t.Fatalf("%s %s: %d, want %d\n%s", caller, path, code, want, body)
			}
			return body
		}
		must("intake", base+"/triage", url.Values{"related": {oc.TrackingNumber}}, 303)
		must("intake", base+"/transition", url.Values{"transition": {"triage"}}, 303)
		must("supervisor", base+"/transition", url.Values{"transition": {"start_review"}}, 303)
		must("investigator", base+"/referrals", url.Values{"recipients": {"agency_ia"}, "method": {"email"}, "shared": {"the narrative"}}, 303)
		refs, _ := db.Referrals(ctx, s.txCase)
		if len(refs) != 1 {
			t.Fatalf("referrals %+v", refs)
		}
		answer := base + "/referrals/" + strconv.FormatInt(refs[0].ID, 10)
		// An answer with nothing written is refused, and nothing is recorded.
		body := must("investigator", answer, url.Values{"answer": {"  "}, "outcome": {"opened"}}, 422)
		if !strings.Contains(body, "role=\"alert\"") {
			t.Fatal("refused answer shows no problem")
		}
		if refs, _ := db.Referrals(ctx, s.txCase); !refs[0].AnsweredAt.IsZero() {
			t.Fatal("an empty answer was recorded")
		}
		// An oversight auditor reads cases but does not record answers.
		must("auditor", answer, url.Values{"answer": {"x"}}, 403)
		must("investigator", answer, url.Values{"answer": {"Internal affairs opened case IA-77."}, "outcome": {"investigation opened"}}, 303)
		refs, _ = db.Referrals(ctx, s.txCase)
		if refs[0].AnsweredAt.IsZero() || refs[0].Answer != "Internal affairs opened case IA-77." || refs[0].Outcome != "investigation opened" {
			t.Fatalf("answer not recorded: %+v", refs[0])
		}
		evs, _ := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: s.txCase, Action: "complaint.referral_answered"})
		if len(evs) != 1 || evs[0].Actor != auth.Subject(s.users["investigator"].ID) {
			t.Fatalf("referral answer events %+v", evs)
		}

		page := s.do("GET", base, "", nil, "Cookie", "redress_session="+s.cookies["supervisor"]).Body.String()
		for _, want := range []string{
			"Internal affairs opened case IA-77.",                                                // the answer
			`href="/staff/complaints/` + strconv.FormatInt(other, 10) + `">` + oc.TrackingNumber, // the related complaint
			"<bdi>intake</bdi>: Triage saved",                                                    // the history, naming who
			"<bdi>supervisor</bdi>: Status changed (<bdi>Start review</bdi>)",                    // with the step taken
			"<bdi>investigator</bdi>: Referred (<bdi>The agency&#39;s internal affairs</bdi>)",   // and the office
			"<bdi>The complainant</bdi>: Complaint filed",
		} {
			if !strings.Contains(page, want) {
				t.Errorf("case page lacks %q", want)
			}
		}
		// The staff API gives the same case work.
		rec := s.do("GET", "/api/v1/staff/complaints/"+id, "", nil, "Cookie", "redress_session="+s.cookies["investigator"])
		var got struct {
			Status    string `json:"status"`
			Referrals []struct {
				Recipient  string     `json:"recipient"`
				AnsweredAt *time.Time `json:"answered_at"`
				Answer     string     `json:"answer"`
			} `json:"referrals"`
			Links []struct {
				TrackingNumber string `json:"tracking_number"`
				Kind           string `json:"kind"`
			} `json:"links"`
			Clocks []struct {
				Name  string `json:"name"`
				State string `json:"state"`
			} `json:"clocks"`
			Transitions []string `json:"transitions"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 200 {
			t.Fatalf("API case: %d %v", rec.Code, err)
		}
		if got.Status != "under_review" || len(got.Referrals) != 1 || got.Referrals[0].AnsweredAt == nil || got.Referrals[0].Answer == "" ||
			len(got.Links) != 1 || got.Links[0].TrackingNumber != oc.TrackingNumber || got.Links[0].Kind != "related" || len(got.Clocks) < 3 {
			t.Fatalf("API case work: %+v", got)
		}
		// The investigator's steps from "under_review" (Casbin and the state machine together): a
		// referral recorded does not by itself make the case wait on the office.
		if strings.Join(got.Transitions, ",") != "refer,ask_complainant,propose_findings,propose_closure,withdraw" {
			t.Fatalf("API transitions %v", got.Transitions)
		}

		// The tie shows from the other side too.
		page = s.do("GET", "/staff/complaints/"+strconv.FormatInt(other, 10), "", nil, "Cookie", "redress_session="+s.cookies["supervisor"]).Body.String()
		if !strings.Contains(page, `href="/staff/complaints/`+id+`"`) {
			t.Error("the related complaint does not link back")
		}
	})
}

// A closed case is reopened before anything else is done to it: triage, assignment and
// referral are refused with a 409 that says so, and the page does not offer them.
func TestClosedCaseRefusesWork(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		base := "/staff/complaints/" + strconv.FormatInt(s.txCase, 10)
		before, _ := db.CaseState(context.Background(), s.txCase)
		other := map[string]string{"urgent": "normal", "normal": "urgent"}[before.Priority]
		if code, body := s.post("supervisor", base+"/transition", url.Values{"transition": {"close_administratively"},
			"disposition": {"duplicate"}, "reason": {"Same events as another complaint."}}); code != 303 {
			t.Fatalf("close: %d\n%s", code, body)
		}
		inv := strconv.FormatInt(s.users["investigator"].ID, 10)
		for _, tc := range []struct {
			path string
			form url.Values
		}{
			{base + "/triage", url.Values{"priority": {other}}},
			{base + "/assign", url.Values{"assignee": {inv}}},
			{base + "/referrals", url.Values{"recipients": {"dhs_oig"}}},
		} {
			code, body := s.post("supervisor", tc.path, tc.form)
			if code != 409 || !strings.Contains(body, "Reopen it, with a reason, before changing it.") {
				t.Errorf("%s on a closed case: %d", tc.path, code)
			}
		}
		st, _ := db.CaseState(context.Background(), s.txCase)
		if st.Priority != before.Priority || st.AssigneeID != 0 {
			t.Fatalf("a closed case was changed: %+v", st)
		}
		page := s.do("GET", base, "", nil, "Cookie", "redress_session="+s.cookies["supervisor"]).Body.String()
		if strings.Contains(page, `action="`+base+`/triage"`) || strings.Contains(page, `action="`+base+`/assign"`) || !strings.Contains(page, `value="reopen"`) {
			t.Error("the closed case page offers triage or assignment, or not reopening")
		}
	})
}

// Triage of a complaint filed without its agency: naming the agency brings the
// agreement in force (chosen as at filing), starts the clocks of the agreement's model
// from now, and adds the categories ticked; the audit event has old and new values.
func TestTriageSetsAgencyAgreementAndCategories(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		before, _, _ := db.Complaint(ctx, s.txCase)
		if before.AgencyID != 0 || before.AgreementID != 0 {
			t.Fatalf("the test complaint was filed with an agency: %+v", before)
		}
		clocks := func() map[string]bool {
			ks, _ := db.Clocks(ctx, s.txCase)
			m := map[string]bool{}
			for _, k := range ks {
				m[k.Name] = true
			}
			return m
		}
		if clocks()["notify_ice"] {
			t.Fatal("an ICE clock runs on a complaint with no agreement")
		}
		agency := mustAgencies(t, db, "TX")[0]
		base := "/staff/complaints/" + strconv.FormatInt(s.txCase, 10)
		page := s.do("GET", base, "", nil, "Cookie", "redress_session="+s.cookies["intake"]).Body.String()
		if !strings.Contains(page, `id="tcat-force"`) {
			t.Fatal("the triage form offers no categories to add")
		}
		if code, body := s.post("intake", base+"/triage", url.Values{"agency_id": {strconv.FormatInt(agency.ID, 10)},
			"categories": {"force"}}); code != 303 {
			t.Fatalf("triage: %d\n%s", code, body)
		}
		after, _, _ := db.Complaint(ctx, s.txCase)
		if after.AgencyID != agency.ID || after.AgreementID == 0 {
			t.Fatalf("after triage agency %d agreement %d", after.AgencyID, after.AgreementID)
		}
		ag, _ := db.Agreement(ctx, after.AgreementID)
		if (ag.Model == "JEM" || ag.Model == "WSO") != clocks()["notify_ice"] {
			t.Fatalf("model %s: clocks %v", ag.Model, clocks())
		}
		var force bool
		for _, a := range after.Allegations {
			force = force || a.Category == "force"
		}
		if !force || len(after.Allegations) != len(before.Allegations)+1 {
			t.Fatalf("allegations %+v", after.Allegations)
		}
		evs, _ := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: s.txCase, Action: "complaint.triaged"})
		if len(evs) != 1 || evs[0].AgreementID != after.AgreementID {
			t.Fatalf("triage events %+v", evs)
		}
		nw, _ := evs[0].Details["new"].(map[string]any)
		if nw["agency_id"] != float64(agency.ID) || nw["agreement_id"] != float64(after.AgreementID) {
			t.Fatalf("triage event details %v", evs[0].Details)
		}
		// An unknown category is refused, nothing half-applied.
		if code, _ := s.post("intake", base+"/triage", url.Values{"priority": {"urgent"}, "categories": {"haunting"}}); code != 422 {
			t.Fatalf("unknown category: %d", code)
		}
	})
}
