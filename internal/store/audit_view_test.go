package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// SearchAudit's filters each narrow the trail, count what they select and page it;
// ListAudit's callers get what they always got.
func TestSearchAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		inGA := newComplaint("RX-AAAA-BBBB")
		inGA.Complaint.Unit = "ga"
		a, err := db.CreateComplaint(ctx, inGA)
		if err != nil {
			t.Fatal(err)
		}
		b, err := db.CreateComplaint(ctx, newComplaint("RX-CCCC-DDDD")) // no unit
		if err != nil {
			t.Fatal(err)
		}
		base := time.Date(2020, 8, 1, 12, 0, 0, 0, time.UTC) // long before the filings, which happen now
		for i, ev := range []redress.AuditEvent{
			{Actor: "user:1", Action: "complaint.assigned", ComplaintID: a.ID},
			{Actor: "user:2", Action: "complaint.viewed", ComplaintID: b.ID, AgencyID: 7, AgreementID: 9},
			{Actor: "user:1", Action: "auth.login"},
		} {
			ev.OccurredAt = base.Add(time.Duration(i) * time.Hour)
			if err := db.RecordAudit(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		count := func(f redress.AuditFilter) int {
			t.Helper()
			entries, total, err := db.SearchAudit(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if f.Limit == 0 && len(entries) != total {
				t.Fatalf("%+v: %d entries, total %d", f, len(entries), total)
			}
			return total
		}
		all := count(redress.AuditFilter{})
		for _, c := range []struct {
			name string
			f    redress.AuditFilter
			want int
		}{
			{"complaint", redress.AuditFilter{ComplaintID: a.ID}, 2}, // filed, assigned
			{"agency", redress.AuditFilter{AgencyID: 7}, 1},
			{"agreement", redress.AuditFilter{AgreementID: 9}, 1},
			{"actor", redress.AuditFilter{Actor: "user:1"}, 2},
			{"action", redress.AuditFilter{Action: "complaint.viewed"}, 1},
			{"action prefix", redress.AuditFilter{Action: "complaint.*"}, 4}, // two filed too
			{"action prefix and actor", redress.AuditFilter{Action: "auth.*", Actor: "user:1"}, 1},
			{"from", redress.AuditFilter{From: base.Add(time.Hour)}, 4}, // viewed, login, the two filings
			{"to", redress.AuditFilter{From: base, To: base.Add(2 * time.Hour)}, 2},
			{"unit", redress.AuditFilter{Scoped: true, Units: []string{"ga"}}, 2},
			{"no unit", redress.AuditFilter{Scoped: true}, 0},
			{"other unit", redress.AuditFilter{Scoped: true, Units: []string{"tx"}}, 0},
		} {
			if got := count(c.f); got != c.want {
				t.Errorf("%s: %d events, want %d (of %d)", c.name, got, c.want, all)
			}
		}
		newest, total, err := db.SearchAudit(ctx, redress.AuditFilter{NewestFirst: true, Limit: 2, Offset: 1})
		if err != nil || total != all || len(newest) != 2 || newest[0].ID <= newest[1].ID {
			t.Fatalf("page 2 newest first: %+v %d %v", newest, total, err)
		}
		if got := count(redress.AuditFilter{UptoID: newest[0].ID}); got != all-1 {
			t.Errorf("up to id %d: %d events, want %d", newest[0].ID, got, all-1)
		}
		entries, _, err := db.SearchAudit(ctx, redress.AuditFilter{ComplaintID: a.ID})
		if err != nil || entries[0].TrackingNumber != "RX-AAAA-BBBB" || entries[0].Seq != 0 || entries[0].Hash != nil {
			t.Fatalf("entries %+v %v", entries, err)
		}
		old, err := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: a.ID})
		if err != nil || len(old) != 2 || old[0].Action != redress.ActionComplaintFiled || old[0].ID >= old[1].ID {
			t.Fatalf("ListAudit oldest first: %+v %v", old, err)
		}
	})
}

// A verification's life: started with its event, progress, finished with the event of
// its outcome; one that stops writing progress reads as stopped.
func TestAuditVerifications(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v, err := db.StartAuditVerification(ctx, redress.AuditEvent{Actor: "user:3", Action: "audit.verify_started", RequestID: "r1"})
		if err != nil || v.ID == 0 || v.Status != store.VerificationRunning {
			t.Fatalf("start: %+v %v", v, err)
		}
		evs, _ := db.ListAudit(ctx, redress.AuditFilter{Action: "audit.verify_started"})
		if len(evs) != 1 || evs[0].Details["verification_id"] != float64(v.ID) {
			t.Fatalf("start event %+v", evs)
		}
		if err := db.AuditVerificationProgress(ctx, v.ID, 5, 10); err != nil {
			t.Fatal(err)
		}
		running, ok, err := db.RunningAuditVerification(ctx)
		if err != nil || !ok || running.ID != v.ID || running.Done != 5 || running.Total != 10 {
			t.Fatalf("running: %+v %v %v", running, ok, err)
		}
		res := store.VerificationResult{Events: 10, FirstSeq: 1, HeadSeq: 10, ProblemSeq: 4, ProblemKind: "gap", Summary: "FAILED"}
		if err := db.FinishAuditVerification(ctx, v.ID, store.VerificationFailed, 10, res,
			redress.AuditEvent{Actor: "user:3", Action: "audit.verified"}); err != nil {
			t.Fatal(err)
		}
		got, err := db.AuditVerification(ctx, v.ID)
		if err != nil || got.Status != store.VerificationFailed || got.FinishedAt.IsZero() || got.VerificationResult != res || got.Done != 10 {
			t.Fatalf("finished: %+v %v", got, err)
		}
		if n, _ := db.CountAudit(ctx, "audit.verified"); n != 1 {
			t.Errorf("%d outcome events", n)
		}
		// A finished verification is not running, and no progress changes it.
		if _, ok, _ := db.RunningAuditVerification(ctx); ok {
			t.Error("a finished verification reads as running")
		}
		if err := db.AuditVerificationProgress(ctx, v.ID, 1, 1); err != nil {
			t.Fatal(err)
		}
		if again, _ := db.AuditVerification(ctx, v.ID); again.Done != 10 {
			t.Errorf("progress after the end changed it: %+v", again)
		}

		w, err := db.StartAuditVerification(ctx, redress.AuditEvent{Actor: "user:3", Action: "audit.verify_started"})
		if err != nil {
			t.Fatal(err)
		}
		db.Now = func() time.Time { return time.Now().Add(store.VerificationStaleAfter + time.Minute) }
		defer func() { db.Now = time.Now }()
		if got, _ := db.AuditVerification(ctx, w.ID); got.Status != store.VerificationStopped {
			t.Errorf("a verification with no progress for long is %s", got.Status)
		}
		if _, ok, _ := db.RunningAuditVerification(ctx); ok {
			t.Error("a stopped verification reads as running")
		}
		recent, err := db.RecentAuditVerifications(ctx, 10)
		if err != nil || len(recent) != 2 || recent[0].ID != w.ID {
			t.Fatalf("recent %+v %v", recent, err)
		}
	})
}
