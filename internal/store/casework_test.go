package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

func TestChangeStatus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, err := db.CreateComplaint(ctx, newComplaint("RX-WWWW-0001"))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)
		if err := db.StartClocks(ctx, c.ID, []redress.Clock{
			{Name: "triage", StartedAt: start, DueAt: start.Add(72 * time.Hour)},
			{Name: "resolve", StartedAt: start, DueAt: start.Add(90 * 24 * time.Hour)},
		}); err != nil {
			t.Fatal(err)
		}
		ev := redress.AuditEvent{Actor: "user:7", Action: "complaint.transition"}
		if err := db.ChangeStatus(ctx, store.StatusChange{ComplaintID: c.ID, From: "received", To: "triaged",
			MeetClocks: []string{"triage"}, Audit: ev}); err != nil {
			t.Fatal(err)
		}

		t.Run("ErrStale", func(t *testing.T) {
			err := db.ChangeStatus(ctx, store.StatusChange{ComplaintID: c.ID, From: "received", To: "triaged", Audit: ev})
			if redress.ErrorCode(err) != redress.ECONFLICT {
				t.Fatalf("got %v, want conflict", err)
			}
		})

		t.Run("PauseResume", func(t *testing.T) {
			if err := db.ChangeStatus(ctx, store.StatusChange{ComplaintID: c.ID, From: "triaged", To: "waiting_on_complainant",
				PauseClocks: []string{"resolve"}, Audit: ev}); err != nil {
				t.Fatal(err)
			}
			clocks, _ := db.Clocks(ctx, c.ID)
			var resolveDue time.Time
			for _, k := range clocks {
				if k.Name == "resolve" {
					if k.PausedAt.IsZero() {
						t.Fatal("resolve clock not paused")
					}
					resolveDue = k.DueAt
				}
				if k.Name == "triage" && (k.MetAt.IsZero() || !k.PausedAt.IsZero()) {
					t.Fatalf("triage clock %+v: want met and not paused", k)
				}
			}
			if err := db.ChangeStatus(ctx, store.StatusChange{ComplaintID: c.ID, From: "waiting_on_complainant", To: "under_review",
				ResumeClocks: true, Audit: ev}); err != nil {
				t.Fatal(err)
			}
			clocks, _ = db.Clocks(ctx, c.ID)
			for _, k := range clocks {
				if k.Name == "resolve" && (!k.PausedAt.IsZero() || k.DueAt.Before(resolveDue)) {
					t.Fatalf("resolve clock after resume %+v (due before pause %v)", k, resolveDue)
				}
			}
		})

		t.Run("FindingsAndClose", func(t *testing.T) {
			var investigator int64
			if err := db.Bun().NewRaw("INSERT INTO users (email, name, created_at) VALUES ('i@example.org', 'I', ?) RETURNING id", time.Now()).
				Scan(ctx, &investigator); err != nil {
				t.Fatal(err)
			}
			got, _, _ := db.Complaint(ctx, c.ID)
			findings := map[int64]string{got.Allegations[0].ID: "sustained", got.Allegations[1].ID: "not_sustained"}
			if err := db.ChangeStatus(ctx, store.StatusChange{ComplaintID: c.ID, From: "under_review", To: "findings_proposed",
				ProposedBy: investigator, Findings: findings, Audit: ev}); err != nil {
				t.Fatal(err)
			}
			if err := db.ChangeStatus(ctx, store.StatusChange{ComplaintID: c.ID, From: "findings_proposed", To: "closed",
				Disposition: "findings_made", MeetClocks: []string{"resolve"}, Audit: ev}); err != nil {
				t.Fatal(err)
			}
			st, err := db.CaseState(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if st.ProposedBy != investigator || st.Disposition != "findings_made" || st.ClosedAt.IsZero() ||
				st.Findings[got.Allegations[0].ID] != "sustained" || len(st.History) != 6 {
				t.Fatalf("case state %+v", st)
			}
			evs, _ := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c.ID, Action: "complaint.transition"})
			last := evs[len(evs)-1]
			if last.Details["from"] != "findings_proposed" || last.Details["to"] != "closed" || last.Details["disposition"] != "findings_made" {
				t.Fatalf("audit details %v", last.Details)
			}
		})
	})
}

func TestTriageAndAssign(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, err := db.CreateComplaint(ctx, newComplaint("RX-WWWW-0002"))
		if err != nil {
			t.Fatal(err)
		}
		other, err := db.CreateComplaint(ctx, newComplaint("RX-WWWW-0003"))
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Triage(ctx, store.TriageChange{ComplaintID: c.ID, Priority: "urgent", Unit: "ga",
			Categories: []redress.Category{"force", "coercion"}, Links: []redress.ComplaintLink{{OtherID: other.ID, Kind: "duplicate"}},
			Audit: redress.AuditEvent{Actor: "user:3", Action: "complaint.triaged"}}); err != nil {
			t.Fatal(err)
		}
		got, _, _ := db.Complaint(ctx, c.ID)
		if got.Priority != "urgent" || got.Unit != "ga" || len(got.Allegations) != 3 {
			t.Fatalf("after triage %+v", got)
		}
		st, _ := db.CaseState(ctx, other.ID)
		if len(st.Links) != 1 || st.Links[0].OtherID != c.ID || st.Links[0].Kind != "duplicate" {
			t.Fatalf("link not seen from the other side: %+v", st.Links)
		}
		evs, _ := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c.ID, Action: "complaint.triaged"})
		if len(evs) != 1 {
			t.Fatalf("triage events %v", evs)
		}
		old, _ := evs[0].Details["old"].(map[string]any)
		nw, _ := evs[0].Details["new"].(map[string]any)
		if old["priority"] != "normal" || nw["priority"] != "urgent" || nw["unit"] != "ga" {
			t.Fatalf("triage old/new %v", evs[0].Details)
		}
	})
}

// Triage that names an agency with no agreement in force drops the old agreement: the
// complaint no longer counts under an MOA it does not fall under.
func TestTriageClearsAgreement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := scopedComplaint(t, db, "RX-CCCC-0001")
		if err := db.Triage(ctx, store.TriageChange{ComplaintID: c.ID, ClearAgreement: true,
			Audit: redress.AuditEvent{Actor: "user:3", Action: "complaint.triaged"}}); err != nil {
			t.Fatal(err)
		}
		got, _, _ := db.Complaint(ctx, c.ID)
		if got.AgreementID != 0 || got.AgencyID != c.AgencyID {
			t.Fatalf("after triage agency %d agreement %d", got.AgencyID, got.AgreementID)
		}
		evs, _ := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c.ID, Action: "complaint.triaged"})
		old, _ := evs[0].Details["old"].(map[string]any)
		if len(evs) != 1 || old["agreement_id"] != float64(c.AgreementID) {
			t.Fatalf("triage events %+v", evs)
		}
	})
}
