package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// scopedComplaint files a complaint against an agency with one agreement (MOA) and
// returns it with its agency and agreement ids set.
func scopedComplaint(t testing.TB, db *store.DB, tracking string) redress.Complaint {
	t.Helper()
	ctx := context.Background()
	signed := redress.Date{Year: 2020, Month: 1, Day: 10}
	if _, err := db.ApplySheet(ctx, redress.Sheet{FileName: "participatingAgencies07182025pm.xlsx",
		Kind: redress.SheetParticipating, AsOf: time.Date(2025, 7, 18, 12, 0, 0, 0, time.UTC), SHA256: "scope-sheet",
		Rows: []redress.SheetRow{{Row: 2, State: "GA", AgencyName: "Cobb County Sheriff's Office", AgencyType: "County",
			County: "Cobb", Model: redress.ModelJEM, SignedRaw: "2020-01-10", SignedOn: signed, MOAListed: true}},
	}, "operator", ""); err != nil {
		t.Fatal(err)
	}
	agencies, err := db.ListAgencies(ctx, "GA", "", 10)
	if err != nil || len(agencies) != 1 {
		t.Fatalf("agencies %v %v", agencies, err)
	}
	ags, err := db.AgreementsForAgency(ctx, agencies[0].ID)
	if err != nil || len(ags) != 1 {
		t.Fatalf("agreements %v %v", ags, err)
	}
	nc := newComplaint(tracking)
	nc.Complaint.AgencyID, nc.Complaint.AgreementID = agencies[0].ID, ags[0].ID
	c, err := db.CreateComplaint(ctx, nc)
	if err != nil {
		t.Fatal(err)
	}
	if c.AgencyID == 0 || c.AgreementID == 0 {
		t.Fatalf("complaint without agency or agreement: %+v", c)
	}
	return c
}

// An event about a complaint names the complaint's agency and agreement (MOA) even when
// the code that wrote it gave only the complaint, inside business transactions and in
// RecordAudit alike; values the caller gave are kept, and a complaint without an agency
// leaves them empty.
func TestAuditEventsNameTheComplaintsAgreement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := scopedComplaint(t, db, "RX-SSSS-0001")
		bare, err := db.CreateComplaint(ctx, newComplaint("RX-SSSS-0002"))
		if err != nil {
			t.Fatal(err)
		}

		// ChangeStatus writes its event with the complaint id only.
		if err := db.ChangeStatus(ctx, store.StatusChange{ComplaintID: c.ID, From: c.Status, To: "triaged",
			Audit: redress.AuditEvent{Actor: "user:1", Action: "complaint.transition"}}); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordAudit(ctx,
			redress.AuditEvent{Actor: "user:1", Action: redress.ActionComplaintViewed, ComplaintID: c.ID},
			redress.AuditEvent{Actor: "user:1", Action: redress.ActionComplaintViewed, ComplaintID: c.ID, AgencyID: c.AgencyID},
			redress.AuditEvent{Actor: "user:1", Action: redress.ActionIdentityViewed, ComplaintID: c.ID, AgencyID: 999999, AgreementID: 888888},
			redress.AuditEvent{Actor: "user:1", Action: redress.ActionComplaintViewed, ComplaintID: bare.ID},
			redress.AuditEvent{Actor: "user:1", Action: "complaint.searched"},
		); err != nil {
			t.Fatal(err)
		}

		evs, err := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 5 {
			t.Fatalf("%d events of the complaint, want 5 (filed, transition, 3 views)", len(evs))
		}
		for _, ev := range evs {
			want := [2]int64{c.AgencyID, c.AgreementID}
			if ev.Action == redress.ActionIdentityViewed {
				want = [2]int64{999999, 888888} // given by the caller: kept
			}
			if got := [2]int64{ev.AgencyID, ev.AgreementID}; got != want {
				t.Errorf("%s: agency, agreement %v, want %v", ev.Action, got, want)
			}
		}
		byMOA, err := db.ListAudit(ctx, redress.AuditFilter{AgreementID: c.AgreementID, Action: "complaint.transition"})
		if err != nil || len(byMOA) != 1 {
			t.Fatalf("transition by agreement: %v %v", byMOA, err)
		}

		evs, _ = db.ListAudit(ctx, redress.AuditFilter{ComplaintID: bare.ID, Action: redress.ActionComplaintViewed})
		if len(evs) != 1 || evs[0].AgencyID != 0 || evs[0].AgreementID != 0 {
			t.Fatalf("complaint without agency: %+v", evs)
		}
		evs, _ = db.ListAudit(ctx, redress.AuditFilter{Action: "complaint.searched"})
		if len(evs) != 1 || evs[0].ComplaintID != 0 || evs[0].AgencyID != 0 || evs[0].AgreementID != 0 {
			t.Fatalf("event about no complaint: %+v", evs)
		}
	})
}

// BenchmarkAuditComplaintScope measures what naming the agency and agreement costs an
// event that gives only its complaint (one lookup by primary key), against one that
// gives them: go test ./internal/store -run '^$' -bench AuditComplaintScope
func BenchmarkAuditComplaintScope(b *testing.B) {
	for _, d := range []struct {
		name string
		dsn  func(testing.TB) string
	}{{store.SQLite, storetest.SQLiteDSN}, {store.PostgreSQL, storetest.PostgresDSN}} {
		b.Run(d.name, func(b *testing.B) {
			db := storetest.Open(b, d.dsn(b))
			c := scopedComplaint(b, db, "RX-SSSS-0003")
			ctx := context.Background()
			for _, bc := range []struct {
				name string
				ev   redress.AuditEvent
			}{
				{"given", redress.AuditEvent{Actor: "user:1", Action: redress.ActionComplaintViewed, ComplaintID: c.ID,
					AgencyID: c.AgencyID, AgreementID: c.AgreementID}},
				{"looked_up", redress.AuditEvent{Actor: "user:1", Action: redress.ActionComplaintViewed, ComplaintID: c.ID}},
			} {
				b.Run(bc.name, func(b *testing.B) {
					for b.Loop() {
						if err := db.RecordAudit(ctx, bc.ev); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			// Filing without an agency: the filed event looks its (empty) scope up.
			b.Run("file_complaint", func(b *testing.B) {
				i := 0
				for b.Loop() {
					i++
					if _, err := db.CreateComplaint(ctx, newComplaint(fmt.Sprintf("RX-BNCH-%06d", i))); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
