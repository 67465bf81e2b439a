package intake_test

import (
	"context"
	"testing"

	"github.com/redress-oversight/redress/internal/ice/icetest"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// TestAttributionBySheetInForce files against ICE's real sheets: Melbourne Beach PD's TFM
// was signed 05-13-25 by the 2025-06-17 sheet and 04-14-25 by the 2025-07-18 one. An
// incident is judged by the sheet in force on its date (for one before any sheet, the
// earliest): on 2025-05-01 no agreement covered a street arrest, on 2025-05-20 the TFM did.
func TestAttributionBySheetInForce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		for _, name := range []string{icetest.July, icetest.June} {
			if _, err := db.ApplySheet(ctx, icetest.Read(t, name), redress.ActorSystem, ""); err != nil {
				t.Fatal(err)
			}
		}
		as, err := db.ListAgencies(ctx, "FL", "Melbourne Beach Police", 2)
		if err != nil || len(as) != 1 {
			t.Fatalf("agencies = %+v %v", as, err)
		}
		for date, want := range map[string]string{"2025-05-01": redress.AttributionNoneFits, "2025-05-20": ""} {
			in := valid()
			in.State, in.AgencyID, in.IncidentDate = "FL", as[0].ID, date
			in.Functions = []redress.Function{"field_arrest"}
			filed := f.file(t, in)
			stored, _, err := db.Complaint(ctx, filed.Complaint.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := stored.AgreementID != 0; stored.Attribution != want || got != (want == "") {
				t.Errorf("incident %s: agreement %d, attribution %q; want attribution %q", date, stored.AgreementID, stored.Attribution, want)
			}
		}
	})
}
