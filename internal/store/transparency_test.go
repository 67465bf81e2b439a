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

// transparencyRegistry loads two agencies: one in TX with a JEM agreement, one in FL
// with a WSO one, and returns them with their agreements.
func transparencyRegistry(t *testing.T, db *store.DB) (tx, fl redress.Agency, txA, flA redress.Agreement) {
	t.Helper()
	ctx := context.Background()
	row := func(n int, state, name string, m redress.Model) redress.SheetRow {
		d, _ := redress.ParseDate("2020-01-10")
		return redress.SheetRow{Row: n, State: state, AgencyName: name, AgencyType: "County", County: "X",
			Model: m, SignedRaw: "2020-01-10", SignedOn: d, MOAListed: true}
	}
	_, err := db.ApplySheet(ctx, redress.Sheet{FileName: "t.xlsx", Kind: redress.SheetParticipating,
		AsOf: time.Date(2025, 7, 18, 12, 0, 0, 0, time.UTC), SHA256: "transparency-sheet",
		Rows: []redress.SheetRow{row(2, "TX", "Harris County Sheriff's Office", redress.ModelJEM),
			row(3, "FL", "Collier County Sheriff's Office", redress.ModelWSO)}}, redress.ActorSystem, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{"TX", "FL"} {
		as, err := db.ListAgencies(ctx, st, "", 10)
		if err != nil || len(as) != 1 {
			t.Fatalf("agencies of %s: %v %v", st, as, err)
		}
		gs, err := db.AgreementsForAgency(ctx, as[0].ID)
		if err != nil || len(gs) != 1 {
			t.Fatalf("agreements of %s: %v %v", st, gs, err)
		}
		if st == "TX" {
			tx, txA = as[0], gs[0]
		} else {
			fl, flA = as[0], gs[0]
		}
	}
	return tx, fl, txA, flA
}

// seedFor writes n complaints received at at, each with a force allegation (and its
// finding when closed).
func seedFor(t *testing.T, db *store.DB, first int64, n int, at time.Time, state string, agency, agreement *int64, status, finding string) {
	t.Helper()
	var b store.SeedRows
	for i := range int64(n) {
		id := first + i
		c := store.SeedComplaint{ID: id, TrackingNumber: fmt.Sprintf("RX-T%03d-%04d", id/10000, id%10000),
			ReceiptHash: []byte{1}, ReceivedAt: at, Language: "en", Channel: string(redress.ChannelWeb),
			IncidentDate: redress.DateOf(at), State: state, Place: "PLANTED-PLACE", AgencyID: agency,
			AgreementID: agreement, Narrative: "PLANTED-NARRATIVE", Filer: "self", Anonymous: true,
			Status: status, StatusChangedAt: at, Priority: "normal"}
		if agency == nil {
			c.AgencyOther = "PLANTED-AGENCY-OTHER"
		}
		b.Complaints = append(b.Complaints, c)
		b.Allegations = append(b.Allegations, store.SeedAllegation{ID: id, ComplaintID: id, Category: "force", Finding: finding})
	}
	if err := db.WriteSeed(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
}

func TestTransparencyTallies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tx, fl, txA, flA := transparencyRegistry(t, db)
		q1 := time.Date(2025, 2, 10, 12, 0, 0, 0, time.UTC)
		q2 := time.Date(2025, 5, 10, 12, 0, 0, 0, time.UTC)
		seedFor(t, db, 1000, 12, q1, "TX", &tx.ID, &txA.ID, redress.StatusClosed, "sustained")
		seedFor(t, db, 2000, 3, q2, "TX", &tx.ID, &txA.ID, redress.StatusUnderReview, "sustained") // proposed, not final
		seedFor(t, db, 3000, 7, q1, "FL", &fl.ID, &flA.ID, redress.StatusReceived, "")
		seedFor(t, db, 4000, 2, q2, "CA", nil, nil, redress.StatusClosed, "")
		// Before the window and after it: not counted.
		seedFor(t, db, 5000, 4, time.Date(2024, 12, 31, 23, 0, 0, 0, time.UTC), "TX", &tx.ID, &txA.ID, redress.StatusReceived, "")
		seedFor(t, db, 6000, 5, time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), "TX", &tx.ID, &txA.ID, redress.StatusReceived, "")

		bounds := []time.Time{time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC),
			time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)}
		cs, err := db.ComplaintTallies(ctx, bounds)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, c := range cs {
			got[fmt.Sprintf("%d %s %d %s %s", c.Quarter, c.State, c.AgencyID, c.Model, c.AgencyName)] += c.N
		}
		want := map[string]int{
			fmt.Sprintf("0 TX %d JEM %s", tx.ID, tx.Name): 12,
			fmt.Sprintf("1 TX %d JEM %s", tx.ID, tx.Name): 3,
			fmt.Sprintf("0 FL %d WSO %s", fl.ID, fl.Name): 7,
			"1 CA 0  ": 2,
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("complaint tallies\n got %v\nwant %v", got, want)
		}
		as, err := db.AllegationTallies(ctx, bounds)
		if err != nil {
			t.Fatal(err)
		}
		gotA := map[string]int{}
		for _, a := range as {
			gotA[fmt.Sprintf("%d %s %v %s", a.Quarter, a.Category, a.Closed, a.Finding)] += a.N
		}
		wantA := map[string]int{"0 force true sustained": 12, "1 force false ": 3, "0 force false ": 7, "1 force true ": 2}
		if fmt.Sprint(gotA) != fmt.Sprint(wantA) {
			t.Fatalf("allegation tallies\n got %v\nwant %v", gotA, wantA)
		}
	})
}
