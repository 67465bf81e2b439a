package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// refuseStatusChanges makes the database refuse every new row of a complaint's status
// history, as a full disk or a lost connection would refuse it, until the returned
// function lifts the refusal.
func refuseStatusChanges(t *testing.T, db *store.DB) (lift func()) {
	t.Helper()
	ctx := context.Background()
	create := []string{`CREATE TRIGGER test_refuse_status_change BEFORE INSERT ON complaint_status_changes
		BEGIN SELECT RAISE(ABORT, 'status changes refused by the test'); END`}
	drop := []string{`DROP TRIGGER test_refuse_status_change`}
	if db.Dialect == store.PostgreSQL {
		create = []string{
			`CREATE FUNCTION test_refuse_status_change() RETURNS trigger LANGUAGE plpgsql AS
				$$ BEGIN RAISE EXCEPTION 'status changes refused by the test'; END $$`,
			`CREATE TRIGGER test_refuse_status_change BEFORE INSERT ON complaint_status_changes
				FOR EACH ROW EXECUTE FUNCTION test_refuse_status_change()`,
		}
		drop = []string{`DROP TRIGGER test_refuse_status_change ON complaint_status_changes`,
			`DROP FUNCTION test_refuse_status_change()`}
	}
	for _, q := range create {
		if _, err := db.Bun().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		for _, q := range drop {
			if _, err := db.Bun().ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// The complainant's reply to a case that waits on them and the case going back under
// review (its clocks running again) are one transaction: when the resume cannot be
// written, the reply is not stored either, and the complainant is told to try again
// rather than left with a reply the office's clocks never saw.
func TestReplyAndResumeAreOneTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		cid, tracking, receipt := s.filed()
		base := "/staff/complaints/" + strconv.FormatInt(cid, 10)
		s.mustPost("intake", base+"/transition", url.Values{"transition": {"triage"}}, http.StatusSeeOther)
		s.mustPost("intake", base+"/transition", url.Values{"transition": {"ask_complainant"}}, http.StatusSeeOther)
		if s.clockOf(cid, "resolve").PausedAt.IsZero() {
			t.Fatal("the resolve clock does not pause while the case waits on the complainant")
		}
		reply := func() *http.Response {
			form := url.Values{"tracking_number": {tracking}, "receipt_code": {receipt}, "body": {"Aquí está la hoja de fianza."}}
			return s.do("POST", "/status/reply", formType, []byte(form.Encode()), "RemoteAddr", "203.0.113.40:1").Result()
		}
		state := func() (status string, replies int, paused bool) {
			t.Helper()
			c, _, err := db.Complaint(ctx, cid)
			if err != nil {
				t.Fatal(err)
			}
			msgs, err := db.Messages(ctx, cid)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				if m.Direction == redress.MessageFromComplainant {
					replies++
				}
			}
			return c.Status, replies, !s.clockOf(cid, "resolve").PausedAt.IsZero()
		}

		lift := refuseStatusChanges(t, db)
		if res := reply(); res.StatusCode < 500 {
			t.Fatalf("reply while the resume cannot be written: %d, want a server error", res.StatusCode)
		}
		if status, replies, paused := state(); replies != 0 || status != "waiting_on_complainant" || !paused {
			t.Fatalf("after a failed resume: status %s, %d replies stored, clock paused %v; want nothing stored",
				status, replies, paused)
		}
		if n := s.auditCount(redress.ActionMessageReplied, cid); n != 0 {
			t.Fatalf("%d reply events recorded for a reply not stored", n)
		}
		lift()

		if res := reply(); res.StatusCode != http.StatusOK {
			t.Fatalf("reply: %d", res.StatusCode)
		}
		if status, replies, paused := state(); replies != 1 || status != "under_review" || paused {
			t.Fatalf("after the reply: status %s, %d replies, clock paused %v; want under_review, 1, running",
				status, replies, paused)
		}
		if s.auditCount(redress.ActionMessageReplied, cid) != 1 || s.auditCount(redress.ActionTransition, cid) != 3 {
			t.Fatal("the reply and the resume are not each one audit event")
		}
	})
}
