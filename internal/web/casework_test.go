package web_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// post sends a case-work form as a caller and returns the status and body.
func (s *staff) post(caller, path string, form url.Values) (int, string) {
	s.t.Helper()
	rec := s.do("POST", path, formType, []byte(form.Encode()), "Cookie", "redress_session="+s.cookies[caller])
	return rec.Code, rec.Body.String()
}

// One complaint, start to end, through the case pages: triage, assignment (with its
// email), review, findings proposed by the investigator, a supervisor who proposed
// nothing approves and closes, and the complainant reads the outcome with the receipt.
func TestCaseWorkflow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		// A second supervisor, so the one who proposes is not the one who approves.
		m := auth.Meta{Actor: "test"}
		u, token, err := s.auth.CreateUser(ctx, m, "boss@example.org", "Boss")
		if err != nil {
			t.Fatal(err)
		}
		s.auth.AddRole(ctx, m, u.ID, redress.RoleSupervisor, "tx")
		s.auth.SetPasswordWithToken(ctx, m, token, testPassword)
		res, err := s.auth.Login(ctx, m, u.Email, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		s.cookies["boss"] = res.SessionToken
		s.authz.Reload(ctx)

		// Filing started the case clocks; the receipt on the spot met "acknowledge".
		clocks, _ := db.Clocks(ctx, s.txCase)
		state := func() map[string]bool {
			m := map[string]bool{}
			clocks, _ = db.Clocks(ctx, s.txCase)
			for _, k := range clocks {
				m[k.Name] = !k.MetAt.IsZero()
			}
			return m
		}
		if st := state(); len(st) != 3 || !st["acknowledge"] || st["triage"] || st["resolve"] {
			t.Fatalf("clocks at filing %v", st)
		}
		id := strconv.FormatInt(s.txCase, 10)
		base := "/staff/complaints/" + id
		step := func(caller, path string, form url.Values, want int) string {
			t.Helper()
			code, body := s.post(caller, path, form)
			if code != want {
				t.Fatalf("%s %s %v: %d, want %d\n%s", caller, path, form, code, want, body)
			}
			return body
		}

		// A step not possible from "received" is a 409 naming the possible ones.
		body := step("supervisor", base+"/transition", url.Values{"transition": {"approve_close"}}, 409)
		if !strings.Contains(body, "Possible now:") || !strings.Contains(body, "Mark triaged") {
			t.Fatalf("409 page does not name the allowed steps:\n%s", body)
		}
		// An investigator may not triage (Casbin), even where the state machine could.
		step("investigator", base+"/transition", url.Values{"transition": {"triage"}}, 403)

		step("intake", base+"/triage", url.Values{"priority": {"urgent"}}, 303)
		step("intake", base+"/transition", url.Values{"transition": {"triage"}}, 303)
		if st := state(); !st["triage"] || st["resolve"] {
			t.Fatalf("clocks after triage %v", st)
		}
		inv := strconv.FormatInt(s.users["investigator"].ID, 10)
		step("intake", base+"/assign", url.Values{"assignee": {inv}}, 303)
		// Someone who does not investigate this unit cannot be the assignee.
		step("intake", base+"/assign", url.Values{"assignee": {strconv.FormatInt(s.users["other_unit"].ID, 10)}}, 422)

		step("investigator", base+"/transition", url.Values{"transition": {"start_review"}}, 303)
		step("investigator", base+"/referrals", url.Values{"recipients": {"dhs_crcl", "ice_opr"}, "method": {"email"},
			"with_identity": {"yes"}}, 303)
		c, _, _ := db.Complaint(ctx, s.txCase)
		findings := url.Values{"transition": {"propose_findings"}}
		for i, a := range c.Allegations {
			findings.Set("finding_"+strconv.FormatInt(a.ID, 10), []string{"sustained", "unfounded"}[i%2])
			findings.Set("reasoning_"+strconv.FormatInt(a.ID, 10), "What the evidence shows.")
		}
		step("investigator", base+"/transition", findings, 303)
		// The supervisor closes: one person proposed, another approved.
		step("boss", base+"/transition", url.Values{"transition": {"approve_close"}}, 303)

		if st := state(); !st["resolve"] {
			t.Fatalf("clocks after closing %v", st)
		}
		c, _, _ = db.Complaint(ctx, s.txCase)
		if c.Status != "closed" {
			t.Fatalf("status %q, want closed", c.Status)
		}
		st, _ := db.CaseState(ctx, s.txCase)
		if st.Disposition != "findings_made" || st.AssigneeID != s.users["investigator"].ID || st.Priority != "urgent" || len(st.Findings) != len(c.Allegations) {
			t.Fatalf("case state %+v", st)
		}
		refs, _ := db.Referrals(ctx, s.txCase)
		if len(refs) != 2 {
			t.Fatalf("referrals %+v", refs)
		}
		for _, r := range refs {
			// The complainant consented to share identity with DHS CRCL and OIG only.
			if r.IdentityShared != (r.Recipient == "dhs_crcl") {
				t.Errorf("referral to %s: identity shared %v", r.Recipient, r.IdentityShared)
			}
		}
		// The assignment notice and the outcome letter went to the outbox.
		queued, _ := db.ListOutbox(ctx, store.OutboxFilter{})
		kinds := map[string]int{}
		for _, q := range queued {
			kinds[q.Kind]++
		}
		if kinds["complaint.assigned"] != 1 || kinds["complaint.outcome"] != 1 {
			t.Fatalf("outbox kinds %v", kinds)
		}
		// Each step is in the audit trail with the complaint.
		evs, _ := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: s.txCase, Action: "complaint.transition"})
		if len(evs) != 4 {
			t.Fatalf("%d transition events, want 4", len(evs))
		}

		// The case page shows where it ended.
		rec := s.do("GET", base, "", nil, "Cookie", "redress_session="+s.cookies["supervisor"])
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Findings made") {
			t.Fatalf("case page %d", rec.Code)
		}
	})
}

// The same supervisor may not propose and approve: closing on findings takes two people.
func TestCloseTakesTwoPeople(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	s := newStaff(t, db)
	ctx := context.Background()
	base := "/staff/complaints/" + strconv.FormatInt(s.txCase, 10)
	for _, tr := range []string{"triage", "start_review"} {
		if code, body := s.post("supervisor", base+"/transition", url.Values{"transition": {tr}}); code != 303 {
			t.Fatalf("%s: %d %s", tr, code, body)
		}
	}
	c, _, _ := db.Complaint(ctx, s.txCase)
	f := url.Values{"transition": {"propose_findings"}}
	for _, a := range c.Allegations {
		f.Set("finding_"+strconv.FormatInt(a.ID, 10), "not_sustained")
		f.Set("reasoning_"+strconv.FormatInt(a.ID, 10), "No witness and no record.")
	}
	if code, _ := s.post("supervisor", base+"/transition", f); code != 303 {
		t.Fatalf("propose: %d", code)
	}
	code, body := s.post("supervisor", base+"/transition", url.Values{"transition": {"approve_close"}})
	if code != 403 || !strings.Contains(body, "someone other than the person who proposed") {
		t.Fatalf("self-approval: %d", code)
	}
	if c, _, _ := db.Complaint(ctx, s.txCase); c.Status != "findings_proposed" {
		t.Fatalf("status %q after a refused approval", c.Status)
	}
}

// Routing rules are data the administrator edits on a page; a complaint filed after a
// change is routed by it on arrival.
func TestRoutingRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		for _, f := range []url.Values{
			{"op": {"add"}, "kind": {"unit"}, "state": {"TX"}, "category": {"coercion"}, "unit": {"fl"}},
			{"op": {"add"}, "kind": {"priority"}, "category": {"no_interpreter"}, "priority": {"urgent"}},
		} {
			if code, body := s.post("admin", "/admin/routing", f); code != 303 {
				t.Fatalf("add rule: %d\n%s", code, body)
			}
		}
		file := func(state string, cats ...string) redress.Complaint {
			in := validComplaint(0)
			delete(in, "agency_id")
			delete(in, "custody")
			in["state"], in["categories"] = state, cats
			got := decode[created](t, s.postJSON("/api/v1/complaints", in))
			rr, _ := db.ComplaintReceipt(ctx, got.TrackingNumber)
			c, _, _ := db.Complaint(ctx, rr.ComplaintID)
			return c
		}
		if c := file("TX", "coercion"); c.Unit != "fl" || c.Priority != "normal" {
			t.Errorf("TX coercion: unit %q priority %q, want fl by rule, normal", c.Unit, c.Priority)
		}
		if c := file("TX", "other"); c.Unit != "tx" {
			t.Errorf("TX other: unit %q, want tx (the unit covering Texas)", c.Unit)
		}
		if c := file("FL", "no_interpreter"); c.Priority != "urgent" {
			t.Errorf("no interpreter: priority %q, want urgent by rule", c.Priority)
		}
		if c := file("FL", "force"); c.Priority != "urgent" {
			t.Errorf("force: priority %q, want urgent (built in)", c.Priority)
		}
		// Removing the unit rule routes by state again.
		if code, _ := s.post("admin", "/admin/routing", url.Values{"op": {"delete"}, "index": {"0"}}); code != 303 {
			t.Fatalf("delete rule: %d", code)
		}
		if c := file("TX", "coercion"); c.Unit != "tx" {
			t.Errorf("after removing the rule: unit %q, want tx", c.Unit)
		}
		if evs, _ := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionRoutingSaved}); len(evs) != 3 {
			t.Errorf("%d routing audit events, want 3", len(evs))
		}
	})
}
