package casework_test

import (
	"context"
	"testing"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/ice/icetest"
	"github.com/redress-oversight/redress/internal/intake"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// TestTriageAgreementBySheetInForce: naming an agency at triage attributes the agreement
// in force on the incident date as the sheet in force then listed it. Melbourne Beach
// PD's TFM was signed 05-13-25 by ICE's 2025-06-17 sheet (the earliest) and 04-14-25 by
// the 2025-07-18 one: a street arrest on 2025-05-01 fell under no agreement, one on
// 2025-05-20 under the TFM.
func TestTriageAgreementBySheetInForce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		for _, name := range []string{icetest.June, icetest.July} {
			if _, err := db.ApplySheet(ctx, icetest.Read(t, name), redress.ActorSystem, ""); err != nil {
				t.Fatal(err)
			}
		}
		as, err := db.ListAgencies(ctx, "FL", "Melbourne Beach Police", 2)
		if err != nil || len(as) != 1 {
			t.Fatalf("agencies = %+v %v", as, err)
		}
		for date, attributed := range map[string]bool{"2025-05-01": false, "2025-05-20": true} {
			filed, err := f.intake.FileComplaint(ctx, redress.ComplaintInput{Language: "en", IncidentDate: date, State: "TX",
				Functions: []redress.Function{"field_arrest"}, Categories: []redress.Category{"force"}, Filer: "self",
				Narrative: "They arrested me on the street."},
				intake.Request{Actor: redress.ActorPublic, Today: redress.Date{Year: 2025, Month: 8, Day: 1}})
			if err != nil {
				t.Fatal(err)
			}
			c := f.load(t, filed.Complaint.ID)
			if err := f.cases.Triage(ctx, actor(f.supervisor), c, casework.TriageInput{AgencyID: as[0].ID}, f.units); err != nil {
				t.Fatal(err)
			}
			if got := f.load(t, c.ID); got.AgencyID != as[0].ID || (got.AgreementID != 0) != attributed {
				t.Errorf("incident %s: agency %d, agreement %d; want an agreement: %v", date, got.AgencyID, got.AgreementID, attributed)
			}
		}
	})
}
