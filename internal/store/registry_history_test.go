package store_test

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/ice/icetest"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/migrations"
)

// The 17 agreements whose SIGNED date differs between ICE's 2025-06-17 and 2025-07-18
// participating sheets, as "state|agency|model: june → july", counted from the files.
var redated = []string{
	"AL|Limestone County Sheriff's Office|TFM: 2025-06-12 → 2025-06-11",
	"FL|Fellsmere Police Department|TFM: 2025-04-24 → 2025-04-23",
	"FL|Florida Department of Agriculture|TFM: 2025-06-12 → 2025-06-11",
	"FL|Melbourne Beach Police Department|TFM: 2025-05-13 → 2025-04-14",
	"FL|Northwest Florida State College Police Department|TFM: 2025-04-15 → 2025-05-08",
	"FL|Panama City Beach Police Department|TFM: 2025-02-26 → 2025-02-25",
	"FL|Sarasota Manatee Airport Authority Police Department|TFM: 2025-06-12 → 2025-06-11",
	"KY|Kenton County Sheriff's Office|JEM: 2025-05-06 → 2025-05-02",
	"PA|Juniata County Sheriff's Office|TFM: 2025-06-12 → 2025-06-11",
	"TX|Jim Wells County Sheriff's Office|JEM: 2025-02-27 → 2025-02-28",
	"TX|Kerr County Sheriff's Office|JEM: 2025-05-06 → 2025-05-02",
	"UT|Utah Department of Corrections|WSO: 2025-05-12 → 2025-05-13",
	"VA|Virginia DOC Law Enforcement Services|TFM: 2025-06-12 → 2025-06-11",
	"VA|Virginia Department of Wildlife Resources|TFM: 2025-06-12 → 2025-06-11",
	"VA|Washington County Sheriff's Office|TFM: 2025-06-12 → 2025-06-11",
	"WV|West Virginia National Guard|TFM: 2025-06-12 → 2025-06-11",
	"WY|Laramie County Sheriff’s Office|TFM: 2025-06-12 → 2025-06-11",
}

// redatedIn reads, from the registry's history, every agreement whose two participating
// listings give different SIGNED dates.
func redatedIn(t *testing.T, db *store.DB) []string {
	t.Helper()
	hs, _, err := db.ChangedAgreements(context.Background(), redress.HistoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range hs {
		ls := h.Listings
		if len(ls) != 2 || ls[0].Sheet.FileName != icetest.June || ls[1].Sheet.FileName != icetest.July {
			t.Fatalf("history of %d = %+v, want the June and the July listing", h.Agreement.ID, ls)
		}
		if ls[0].SignedOn != ls[1].SignedOn {
			a := h.Agreement
			out = append(out, a.Agency.State+"|"+a.Agency.Name+"|"+string(a.Model)+": "+
				ls[0].SignedOn.String()+" → "+ls[1].SignedOn.String())
		}
	}
	return out
}

func isoDay(s string) redress.Date {
	d, err := redress.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// checkHistory checks, after the June and July sheets in either order, that both values
// are kept and that an incident date is judged by the sheet in force on it.
func checkHistory(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	if got := redatedIn(t, db); !slices.Equal(got, redated) {
		t.Errorf("re-dated agreements:\n got %q\nwant %q", got, redated)
	}
	mb := findAgreement(t, db, "FL", "Melbourne Beach Police Department", redress.ModelTFM)
	if mb.SignedOn != isoDay("2025-04-14") || mb.Sheet != icetest.July {
		t.Errorf("Melbourne Beach TFM = %+v, want July's 2025-04-14 as the current value", mb)
	}
	h, err := db.AgreementHistory(ctx, mb.ID)
	if err != nil || len(h.Listings) != 2 || h.Agreement.ID != mb.ID {
		t.Fatalf("history = %+v %v", h, err)
	}
	if j := h.Listings[0]; j.Sheet.FileName != icetest.June || j.SignedRaw != "05-13-25" || j.SignedOn != isoDay("2025-05-13") || j.Row == 0 {
		t.Errorf("June listing = %+v", j)
	}
	if j := h.Listings[1]; j.Sheet.FileName != icetest.July || j.SignedRaw != "04-14-25" || j.SignedOn != isoDay("2025-04-14") || j.Row == 0 {
		t.Errorf("July listing = %+v", j)
	}
	for date, want := range map[string]struct {
		signed, sheet string
	}{
		"2025-05-01": {"2025-05-13", icetest.June}, // before any sheet: the earliest
		"2025-06-17": {"2025-05-13", icetest.June}, // the day June was published
		"2025-07-01": {"2025-05-13", icetest.June}, // between the sheets
		"2025-07-18": {"2025-04-14", icetest.July},
		"2025-09-01": {"2025-04-14", icetest.July},
	} {
		ags, err := db.AgreementsForAgencyOn(ctx, mb.AgencyID, isoDay(date))
		if err != nil || len(ags) != 1 {
			t.Fatalf("agreements on %s = %+v %v", date, ags, err)
		}
		if a := ags[0]; a.SignedOn.String() != want.signed || a.Sheet != want.sheet || a.Status != redress.StatusActive {
			t.Errorf("on %s: %+v, want signed %s from %s", date, a, want.signed, want.sheet)
		}
	}
	// On 2025-05-01 the sheet in force (June's, the first) says signed 05-13: no agreement
	// covered the incident, although July's later correction (04-14) would say one did.
	ags, _ := db.AgreementsForAgencyOn(ctx, mb.AgencyID, isoDay("2025-05-01"))
	fns := []redress.Function{"field_arrest"}
	if at := redress.AttributeAgreement(ags, isoDay("2025-05-01"), fns); at.Agreement != nil || at.Reason != redress.AttributionNoneFits {
		t.Errorf("attribution on 2025-05-01 = %+v, want none fits", at)
	}
	if at := redress.AttributeAgreement(ags, isoDay("2025-05-20"), fns); at.Agreement == nil || at.Agreement.ID != mb.ID {
		t.Errorf("attribution on 2025-05-20 = %+v, want Melbourne Beach's TFM", at)
	}
}

func TestHistoryJuneThenJuly(t *testing.T) {
	june, july := icetest.Read(t, icetest.June), icetest.Read(t, icetest.July)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		apply(t, db, june)
		apply(t, db, july)
		checkHistory(t, db)
		// Every row of each sheet is one listing (June repeats one agreement's row).
		if n := count(t, db, "agreement_listings"); n != 706+832 {
			t.Errorf("listings = %d, want %d", n, 706+832)
		}
	})
}

// Importing June after July keeps July's values current (the sheets' dates order them,
// not the import) and gives the same history.
func TestHistoryJulyThenJune(t *testing.T) {
	june, july := icetest.Read(t, icetest.June), icetest.Read(t, icetest.July)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		apply(t, db, july)
		apply(t, db, june)
		checkHistory(t, db)
	})
}

// A sheet imported again rewrites its listings from the file: this is how a database
// from before listings, which carried over only each agreement's newest values, gets
// its older sheets' values back.
func TestHistoryReimport(t *testing.T) {
	june, july := icetest.Read(t, icetest.June), icetest.Read(t, icetest.July)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		apply(t, db, june)
		apply(t, db, july)
		ctx := context.Background()
		if _, err := db.Bun().NewDelete().Table("agreement_listings").
			Where("sheet_id = (SELECT id FROM registry_sheets WHERE sha256 = ?)", june.SHA256).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Bun().NewUpdate().Table("agreement_listings").Set("sheet_row = 0, signed_raw = 'x'").
			Where("true").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		apply(t, db, june)
		apply(t, db, july)
		checkHistory(t, db)
	})
}

func TestChangedAgreementsFilter(t *testing.T) {
	june, july := icetest.Read(t, icetest.June), icetest.Read(t, icetest.July)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		apply(t, db, june)
		apply(t, db, july)
		ctx := context.Background()
		all, total, err := db.ChangedAgreements(ctx, redress.HistoryFilter{})
		if err != nil || total != 162 || len(all) != 162 {
			t.Fatalf("changed = %d of %d, %v; want the 162 July updated", len(all), total, err)
		}
		page, total, err := db.ChangedAgreements(ctx, redress.HistoryFilter{Limit: 50, Offset: 150})
		if err != nil || total != 162 || len(page) != 12 || page[0].Agreement.ID != all[150].Agreement.ID {
			t.Errorf("last page = %d of %d, %v", len(page), total, err)
		}
		fl, _, err := db.ChangedAgreements(ctx, redress.HistoryFilter{State: "FL", Query: "MELBOURNE  beach"})
		if err != nil || len(fl) != 1 || fl[0].Agreement.Agency.Name != "Melbourne Beach Police Department" {
			t.Errorf("FL melbourne = %+v %v", fl, err)
		}
		none, total, err := db.ChangedAgreements(ctx, redress.HistoryFilter{State: "AK"})
		if err != nil || len(none) != 0 || total != 0 {
			t.Errorf("AK = %+v %d %v", none, total, err)
		}
	})
}

func TestSheetRecords(t *testing.T) {
	june, july, pending := icetest.Read(t, icetest.June), icetest.Read(t, icetest.July), icetest.Read(t, icetest.JulyPending)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, s := range []redress.Sheet{pending, july, june} {
			apply(t, db, s)
		}
		got, err := db.SheetRecords(context.Background())
		if err != nil || len(got) != 3 {
			t.Fatalf("sheets = %+v %v", got, err)
		}
		var names []string
		for _, s := range got {
			names = append(names, s.FileName)
		}
		if want := []string{icetest.June, icetest.July, icetest.JulyPending}; !slices.Equal(names, want) {
			t.Errorf("order = %v, want %v", names, want)
		}
		j := got[0]
		if j.Kind != redress.SheetParticipating || j.AsOf != juneDate || j.SHA256 != june.SHA256 || j.Rows != 706 ||
			j.Warnings != 214 || time.Since(j.ImportedAt) > time.Hour {
			t.Errorf("June = %+v", j)
		}
	})
}

// A database from before listings gets one per agreement from the migration: its
// current values under the sheet they came from. Importing the sheets again brings the
// older sheets' values back. The migration's own INSERT is run on a registry whose
// listings were removed.
func TestHistoryMigrationBackfill(t *testing.T) {
	june, july, pending := icetest.Read(t, icetest.June), icetest.Read(t, icetest.July), icetest.Read(t, icetest.JulyPending)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, s := range []redress.Sheet{june, july, pending} {
			apply(t, db, s)
		}
		fsys := migrations.SQLite
		if db.Dialect == store.PostgreSQL {
			fsys = migrations.PostgreSQL
		}
		name := db.Dialect + "/20251126000020_agreement_listings.up.sql"
		text, err := fs.ReadFile(fsys, name)
		if err != nil {
			t.Fatal(err)
		}
		backfill := string(text[strings.Index(string(text), "INSERT INTO agreement_listings"):])
		if _, err := db.Bun().NewDelete().Table("agreement_listings").Where("true").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Bun().ExecContext(ctx, backfill); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n, agreements := count(t, db, "agreement_listings"), count(t, db, "agreements"); n != agreements {
			t.Errorf("%d listings for %d agreements, want one each", n, agreements)
		}
		mb := findAgreement(t, db, "FL", "Melbourne Beach Police Department", redress.ModelTFM)
		h, err := db.AgreementHistory(ctx, mb.ID)
		if err != nil || len(h.Listings) != 1 {
			t.Fatalf("history = %+v %v", h, err)
		}
		if l := h.Listings[0]; l.Sheet.FileName != icetest.July || l.Row != 0 || l.SignedRaw != "04-14-25" ||
			l.SignedOn != isoDay("2025-04-14") || !l.MOAListed {
			t.Errorf("carried-over listing = %+v", l)
		}
		// A pending agreement's listing comes from the pending sheet, which has no SIGNED.
		ags, err := db.ListAgreements(ctx, redress.AgreementFilter{Status: redress.StatusPending, Limit: 1})
		if err != nil || len(ags) != 1 {
			t.Fatalf("pending = %+v %v", ags, err)
		}
		if h, err := db.AgreementHistory(ctx, ags[0].ID); err != nil || len(h.Listings) != 1 ||
			h.Listings[0].Sheet.Kind != redress.SheetPending || h.Listings[0].SignedRaw != "" || h.Listings[0].MOAListed {
			t.Errorf("pending history = %+v %v", h, err)
		}

		apply(t, db, june)
		apply(t, db, july)
		checkHistory(t, db)
	})
}
