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
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// deskItemRE reads one count of the desk: its key, link and number.
var deskItemRE = regexp.MustCompile(`<li id="desk-([a-z_]+)"><a href="([^"]+)"><span class="desk-count">([\d,]+\+?)</span>`)

// desk reads caller's desk: each item's count and link, by key.
func (s *staff) desk(caller string) (map[string]int, map[string]string, string) {
	s.t.Helper()
	rec := s.queueGet(caller, "/staff", "en")
	if rec.Code != 200 {
		s.t.Fatalf("%s's desk: HTTP %d\n%s", caller, rec.Code, rec.Body)
	}
	counts, links := map[string]int{}, map[string]string{}
	for _, m := range deskItemRE.FindAllStringSubmatch(rec.Body.String(), -1) {
		n, _ := strconv.Atoi(m[3])
		counts[m[1]], links[m[1]] = n, html.UnescapeString(m[2])
	}
	return counts, links, rec.Body.String()
}

// replyAs answers on the status page with a complaint's receipt, as its complainant.
func (s *staff) replyAs(tracking, receipt, body string) {
	s.t.Helper()
	f := url.Values{"tracking_number": {tracking}, "receipt_code": {receipt}, "body": {body}}
	rec := s.do("POST", "/status/reply", formType, []byte(f.Encode()), "RemoteAddr", "203.0.113.50:1000")
	if rec.Code != 200 && rec.Code != 303 {
		s.t.Fatalf("reply to %s: HTTP %d\n%s", tracking, rec.Code, rec.Body)
	}
}

// The desk counts, for each staff member, the cases that need them, each count what its
// link to the queue lists, within the units they may read: an investigator's own cases
// (overdue, due soon, with an unread reply), a supervisor's approvals (not their own
// proposals) and the unit's unassigned cases (one with an unread reply), and the cases
// no unit covers for an all-units supervisor (the queue) and an administrator (a count
// and the routing page). An investigator of another unit sees none of them.
func TestDeskCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		s.signIn("chief", redress.RoleSupervisor, "*")
		ctx := context.Background()
		inv, sup := s.users["investigator"].ID, s.users["supervisor"].ID
		sql := func(query string, args ...any) {
			t.Helper()
			if _, err := db.Bun().NewRaw(query, args...).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		assign := func(id, user int64) {
			t.Helper()
			if code, body := s.post("supervisor", "/staff/complaints/"+strconv.FormatInt(id, 10)+"/assign",
				url.Values{"assignee": {strconv.FormatInt(user, 10)}}); code != 303 {
				t.Fatalf("assign %d: %d %s", id, code, body)
			}
		}
		now := time.Now().UTC()
		clock := func(id int64, due time.Duration) {
			t.Helper()
			// Only this clock runs, so the case's next deadline is the one set here.
			sql("UPDATE complaint_clocks SET met_at = ? WHERE complaint_id = ?", now, id)
			sql("INSERT INTO complaint_clocks (complaint_id, clock, started_at, due_at) VALUES (?, 'test', ?, ?)", id, now.Add(-48*time.Hour), now.Add(due))
		}
		overdue, dueSoon := s.fileTX(), s.fileTX()
		for _, id := range []int64{overdue, dueSoon} {
			assign(id, inv)
		}
		clock(overdue, -time.Hour)
		clock(dueSoon, 2*time.Hour)
		unread, tracking, receipt := s.filed()
		assign(unread, inv)
		sql("UPDATE complaint_clocks SET met_at = ? WHERE complaint_id = ?", now, unread) // no deadline near
		s.replyAs(tracking, receipt, "I found the bail receipt")
		// Findings proposed by the investigator wait for the supervisor; findings the
		// supervisor proposed do not (the two-person rule).
		byInv, bySup := s.fileTX(), s.fileTX()
		sql("UPDATE complaints SET status = ?, proposed_by = ? WHERE id = ?", redress.StatusFindingsProposed, inv, byInv)
		sql("UPDATE complaints SET status = ?, proposed_by = ? WHERE id = ?", redress.StatusFindingsProposed, sup, bySup)
		// A new case no one is assigned, whose complainant wrote.
		unassigned, tracking2, receipt2 := s.filed()
		s.replyAs(tracking2, receipt2, "Any news?")
		// Filed where no unit covers: it belongs to no unit.
		in := validComplaint(0)
		delete(in, "agency_id")
		in["state"] = "CA"
		noUnit := decode[created](t, s.postJSON("/api/v1/complaints", in)).TrackingNumber

		counts, links, page := s.desk("investigator")
		want := map[string]int{"mine": 3, "overdue": 1, "due_soon": 1, "unread_mine": 1}
		if len(counts) != len(want) {
			t.Errorf("investigator's desk items %v, want %v", counts, want)
		}
		for k, n := range want {
			if counts[k] != n {
				t.Errorf("investigator's %s: %d, want %d", k, counts[k], n)
			}
		}
		for _, c := range []struct {
			caller, key string
			want        []int64
		}{
			{"investigator", "mine", []int64{overdue, dueSoon, unread}},
			{"investigator", "overdue", []int64{overdue}},
			{"investigator", "due_soon", []int64{dueSoon}},
			{"investigator", "unread_mine", []int64{unread}},
			{"supervisor", "awaiting", []int64{byInv}},
			{"supervisor", "new_unassigned", []int64{s.txCase, unassigned}},
			{"supervisor", "unread_unassigned", []int64{unassigned}},
		} {
			_, links, _ := s.desk(c.caller)
			s.checkQueueLink(c.caller, links[c.key], c.want)
		}
		// The first of the investigator's cases by next deadline is the overdue one,
		// its deadline in the office's zone, and the one with the reply is marked.
		if i, j := strings.Index(page, `id="desk-case-`+strconv.FormatInt(overdue, 10)), strings.Index(page, `id="desk-case-`+strconv.FormatInt(dueSoon, 10)); i < 0 || j < i {
			t.Errorf("the investigator's next cases are not by deadline:\n%s", page)
		}
		if !strings.Contains(page, "new reply") || !strings.Contains(page, " UTC") && !strings.Contains(page, " EST") && !strings.Contains(page, " EDT") {
			t.Errorf("the next cases lack the unread mark or the zone:\n%s", page)
		}

		counts, _, _ = s.desk("supervisor")
		for k, n := range map[string]int{"awaiting": 1, "new_unassigned": 2, "unread_unassigned": 1, "mine": 0} {
			if counts[k] != n {
				t.Errorf("supervisor's %s: %d, want %d", k, counts[k], n)
			}
		}
		if _, ok := counts["no_unit"]; ok {
			t.Error("a supervisor of one unit is shown the cases no unit covers")
		}

		// The queue marks the row with the unread reply, and only that row.
		if rec := s.queueGet("investigator", "/staff/complaints?assignee=me", "en"); rec.Code != 200 ||
			strings.Count(rec.Body.String(), `<strong class="unread">`) != 1 ||
			!strings.Contains(rec.Body.String(), `/staff/complaints/`+strconv.FormatInt(unread, 10)+`">`+tracking+`</a><br><strong class="unread">`) {
			t.Errorf("the queue's unread mark: %d\n%s", rec.Code, rec.Body)
		}

		// Opening the case page reads the reply: it leaves the desk.
		if rec := s.queueGet("investigator", "/staff/complaints/"+strconv.FormatInt(unread, 10), "en"); rec.Code != 200 {
			t.Fatalf("case page: %d", rec.Code)
		}
		if counts, _, _ := s.desk("investigator"); counts["unread_mine"] != 0 {
			t.Errorf("after reading, unread_mine is %d", counts["unread_mine"])
		}

		counts, links, _ = s.desk("chief")
		if counts["no_unit"] != 1 || links["no_unit"] != "/staff/complaints?no_unit=1&open=1" {
			t.Errorf("all-units supervisor: no_unit %d %q", counts["no_unit"], links["no_unit"])
		}
		rec := s.queueGet("chief", links["no_unit"], "en")
		if body := rec.Body.String(); rec.Code != 200 || !strings.Contains(body, noUnit) || strings.Contains(body, tracking2) {
			t.Errorf("the no-unit queue: %d, want %s only", rec.Code, noUnit)
		}
		// The all-units supervisor places it in a unit at triage (audited, old and new
		// unit): it leaves the no-unit count and joins the unit's new complaints.
		nu, err := db.ComplaintReceipt(ctx, noUnit)
		if err != nil {
			t.Fatal(err)
		}
		if code, body := s.post("chief", "/staff/complaints/"+strconv.FormatInt(nu.ComplaintID, 10)+"/triage",
			url.Values{"priority": {"normal"}, "unit": {"tx"}}); code != 303 {
			t.Fatalf("placing the no-unit complaint at triage: %d %s", code, body)
		}
		if evs, _ := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: nu.ComplaintID, Action: redress.ActionTriaged}); len(evs) != 1 ||
			!strings.Contains(fmtDetails(evs[0].Details), "tx") {
			t.Errorf("the placement's audit event: %+v", evs)
		}
		if counts, _, _ := s.desk("chief"); counts["no_unit"] != 0 {
			t.Errorf("after placement, no_unit is %d", counts["no_unit"])
		}
		if counts, _, _ := s.desk("supervisor"); counts["new_unassigned"] != 3 {
			t.Errorf("after placement in tx, the tx supervisor's new_unassigned is %d, want 3", counts["new_unassigned"])
		}
		sql("UPDATE complaints SET unit = '' WHERE id = ?", nu.ComplaintID) // back, for the administrator's count

		counts, links, _ = s.desk("admin")
		if counts["no_unit"] != 1 || links["no_unit"] != "/admin/routing" || len(counts) != 1 {
			t.Errorf("administrator's desk %v %v, want no_unit 1 linking to the routing rules", counts, links)
		}

		counts, _, _ = s.desk("other_unit")
		for k, n := range counts {
			if n != 0 {
				t.Errorf("the Florida investigator's %s is %d, want 0", k, n)
			}
		}
		if len(counts) == 0 {
			t.Error("the Florida investigator has no desk at all")
		}
	})
}

// checkQueueLink opens a desk link as caller and checks the queue lists exactly want.
func (s *staff) checkQueueLink(caller, link string, want []int64) {
	s.t.Helper()
	if !strings.HasPrefix(link, "/staff/complaints?") {
		s.t.Fatalf("%s's link %q is not the queue", caller, link)
	}
	rec := s.queueGet(caller, strings.Replace(link, "/staff/complaints", "/api/v1/staff/complaints", 1), "")
	got := decode[struct {
		Complaints []struct{ ID int64 }
		Total      int
	}](s.t, rec)
	ids := map[int64]bool{}
	for _, c := range got.Complaints {
		ids[c.ID] = true
	}
	if got.Total != len(want) || len(ids) != len(want) {
		s.t.Errorf("%s's %s lists %d (%v), want %v", caller, link, got.Total, ids, want)
		return
	}
	for _, id := range want {
		if !ids[id] {
			s.t.Errorf("%s's %s lacks %d (has %v)", caller, link, id, ids)
		}
	}
}

// fmtDetails writes an audit event's details for a containment check.
func fmtDetails(d map[string]any) string { return fmt.Sprint(d) }
