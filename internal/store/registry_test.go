package store_test

import (
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/ice/icetest"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// The expected counts come from ICE's files, counted by a separate program over the raw
// cells (an agreement is state + agency name, ignoring case, spacing and apostrophes, +
// model), not by the code under test.

var (
	juneDate = redress.Date{Year: 2025, Month: time.June, Day: 17}
	julyDate = redress.Date{Year: 2025, Month: time.July, Day: 18}
)

func apply(t *testing.T, db *store.DB, sheet redress.Sheet) redress.ImportSummary {
	t.Helper()
	s, err := db.ApplySheet(context.Background(), sheet, "operator", "req-1")
	if err != nil {
		t.Fatalf("apply %s: %v", sheet.FileName, err)
	}
	return s
}

func wantSummary(t *testing.T, got, want redress.ImportSummary) {
	t.Helper()
	if got != want {
		t.Errorf("summary:\n got %+v\nwant %+v", got, want)
	}
}

func count(t *testing.T, db *store.DB, table string) int64 {
	t.Helper()
	n, err := db.Bun().NewSelect().Table(table).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func auditCounts(t *testing.T, db *store.DB) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, action := range []string{redress.ActionRegistryImported, redress.ActionAgreementAdded,
		redress.ActionAgreementUpdated, redress.ActionAgreementDropped, redress.ActionAgencyUpdated} {
		n, err := db.CountAudit(context.Background(), action)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			out[action] = n
		}
	}
	return out
}

func wantAudit(t *testing.T, db *store.DB, want map[string]int64) {
	t.Helper()
	got := auditCounts(t, db)
	if len(got) != len(want) {
		t.Errorf("audit events = %v, want %v", got, want)
		return
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("audit events = %v, want %v", got, want)
			return
		}
	}
}

func statusCounts(t *testing.T, db *store.DB) map[redress.AgreementStatus]int {
	t.Helper()
	all, err := db.ListAgreements(context.Background(), redress.AgreementFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[redress.AgreementStatus]int{}
	for _, a := range all {
		out[a.Status]++
	}
	return out
}

// findAgreement returns the agreement of one agency (named exactly) and model.
func findAgreement(t *testing.T, db *store.DB, state, name string, m redress.Model) redress.Agreement {
	t.Helper()
	ctx := context.Background()
	agencies, err := db.ListAgencies(ctx, state, name, 0)
	if err != nil || len(agencies) != 1 {
		t.Fatalf("agencies %s %q: %+v %v", state, name, agencies, err)
	}
	as, err := db.ListAgreements(ctx, redress.AgreementFilter{AgencyID: agencies[0].ID, Model: m})
	if err != nil || len(as) != 1 {
		t.Fatalf("%s agreements of %s: %+v %v", m, name, as, err)
	}
	return as[0]
}

func TestApplySheetTwice(t *testing.T) {
	july := icetest.Read(t, icetest.July)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		first := redress.ImportSummary{FileName: icetest.July, Kind: redress.SheetParticipating, AsOf: julyDate,
			Rows: 832, Added: 832, Warnings: 231}
		wantSummary(t, apply(t, db, july), first)
		if n := count(t, db, "agencies"); n != 685 {
			t.Errorf("agencies = %d, want 685", n)
		}
		if got := statusCounts(t, db); got[redress.StatusActive] != 832 || len(got) != 1 {
			t.Errorf("statuses = %v, want 832 active", got)
		}
		wantAudit(t, db, map[string]int64{redress.ActionRegistryImported: 1, redress.ActionAgreementAdded: 832})

		again := redress.ImportSummary{FileName: icetest.July, Kind: redress.SheetParticipating, AsOf: julyDate,
			Rows: 832, Unchanged: 832, Warnings: 231, AlreadyImported: true}
		wantSummary(t, apply(t, db, july), again)
		if n := count(t, db, "registry_sheets"); n != 1 {
			t.Errorf("registry_sheets = %d, want 1", n)
		}
		// The second import is an action and is recorded; it changed no agreement.
		wantAudit(t, db, map[string]int64{redress.ActionRegistryImported: 2, redress.ActionAgreementAdded: 832})

		// Kept as given, with no date guessed.
		tooele := findAgreement(t, db, "UT", "Tooele County Sheriff's Office", redress.ModelWSO)
		if tooele.SignedRaw != "7/72025" || !tooele.SignedOn.IsZero() || tooele.Status != redress.StatusActive {
			t.Errorf("Tooele WSO = %+v", tooele)
		}
		iowa := findAgreement(t, db, "IA", "Iowa Department of Public Safety", redress.ModelTFM)
		if iowa.Agency == nil || iowa.Agency.County != "" || iowa.Agency.Type != "State Agency" ||
			iowa.SignedOn.String() != "2025-03-26" || iowa.Sheet != icetest.July {
			t.Errorf("Iowa DPS TFM = %+v (agency %+v)", iowa, iowa.Agency)
		}
	})
}

func TestApplySheetJuneThenJuly(t *testing.T) {
	june, july := icetest.Read(t, icetest.June), icetest.Read(t, icetest.July)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		wantSummary(t, apply(t, db, june), redress.ImportSummary{FileName: icetest.June,
			Kind: redress.SheetParticipating, AsOf: juneDate, Rows: 706, Added: 706, Warnings: 214})
		wantSummary(t, apply(t, db, july), redress.ImportSummary{FileName: icetest.July,
			Kind: redress.SheetParticipating, AsOf: julyDate, Rows: 832, Added: 142, Updated: 162,
			Unchanged: 528, NoLongerListed: 16, Warnings: 231, AgenciesUpdated: 15})
		// Agreements July no longer lists stay, marked; none is deleted.
		if got := statusCounts(t, db); got[redress.StatusActive] != 832 || got[redress.StatusNoLongerListed] != 16 || len(got) != 2 {
			t.Errorf("statuses = %v, want 832 active, 16 no longer listed", got)
		}
		if n := count(t, db, "agencies"); n != 698 {
			t.Errorf("agencies = %d, want 698 (580 in June, 685 in July, 118 of them new)", n)
		}
		wantAudit(t, db, map[string]int64{redress.ActionRegistryImported: 2, redress.ActionAgreementAdded: 848,
			redress.ActionAgreementUpdated: 162, redress.ActionAgreementDropped: 16, redress.ActionAgencyUpdated: 15})

		boca := findAgreement(t, db, "FL", "Boca Raton Police Department", redress.ModelTFM)
		if boca.Status != redress.StatusNoLongerListed || boca.FirstSeen != juneDate || boca.LastSeen != juneDate || boca.Sheet != icetest.June {
			t.Errorf("Boca Raton TFM = %+v", boca)
		}
		kerr := findAgreement(t, db, "TX", "Kerr County Sheriff's Office", redress.ModelJEM)
		if kerr.SignedOn.String() != "2025-05-02" || kerr.SignedRaw != "05-02-25" || !kerr.MOAListed ||
			kerr.FirstSeen != juneDate || kerr.LastSeen != julyDate || kerr.Sheet != icetest.July {
			t.Errorf("Kerr JEM = %+v", kerr)
		}

		// Kerr's update names what changed, with the old and new values.
		evs, err := db.ListAudit(ctx, redress.AuditFilter{AgreementID: kerr.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 || evs[0].Action != redress.ActionAgreementAdded || evs[1].Action != redress.ActionAgreementUpdated {
			t.Fatalf("Kerr events = %+v", evs)
		}
		upd := evs[1]
		wantChanges := map[string]any{
			"signed_on":           map[string]any{"old": "2025-05-06", "new": "2025-05-02"},
			"signed_raw":          map[string]any{"old": "05-06-25", "new": "05-02-25"},
			"moa_document_listed": map[string]any{"old": false, "new": true},
		}
		if upd.AgencyID != kerr.AgencyID || upd.Actor != "operator" || upd.RequestID != "req-1" ||
			!jsonEqual(upd.Details["changes"], wantChanges) || upd.Details["agency"] != "Kerr County Sheriff's Office" {
			t.Errorf("Kerr update = %+v, want changes %v", upd, wantChanges)
		}
		dropped, err := db.ListAudit(ctx, redress.AuditFilter{AgreementID: boca.ID, Action: redress.ActionAgreementDropped})
		if err != nil || len(dropped) != 1 || dropped[0].AgencyID != boca.AgencyID {
			t.Errorf("Boca Raton no-longer-listed events = %+v %v", dropped, err)
		}
		imports, err := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionRegistryImported})
		if err != nil || len(imports) != 2 {
			t.Fatalf("import events = %+v %v", imports, err)
		}
		d := imports[1].Details
		if d["file"] != icetest.July || d["added"] != 142.0 || d["updated"] != 162.0 || d["unchanged"] != 528.0 ||
			d["no_longer_listed"] != 16.0 || d["warnings"] != 231.0 || d["sha256"] != july.SHA256 || imports[1].AgreementID != 0 {
			t.Errorf("import event details = %v", d)
		}
	})
}

func TestApplySheetJulyThenJune(t *testing.T) {
	june, july := icetest.Read(t, icetest.June), icetest.Read(t, icetest.July)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		apply(t, db, july)
		wantSummary(t, apply(t, db, june), redress.ImportSummary{FileName: icetest.June,
			Kind: redress.SheetParticipating, AsOf: juneDate, Rows: 706, Added: 16, Unchanged: 690, Warnings: 214})
		if got := statusCounts(t, db); got[redress.StatusActive] != 832 || got[redress.StatusNoLongerListed] != 16 || len(got) != 2 {
			t.Errorf("statuses = %v, want 832 active, 16 no longer listed", got)
		}
		// Kerr's SIGNED differs between the sheets (June 05-06-25, July 05-02-25): July stands.
		kerr := findAgreement(t, db, "TX", "Kerr County Sheriff's Office", redress.ModelJEM)
		if kerr.SignedOn.String() != "2025-05-02" || kerr.SignedRaw != "05-02-25" || !kerr.MOAListed ||
			kerr.Status != redress.StatusActive || kerr.FirstSeen != juneDate || kerr.LastSeen != julyDate || kerr.Sheet != icetest.July {
			t.Errorf("Kerr JEM = %+v, want July's values, first seen in June", kerr)
		}
		boca := findAgreement(t, db, "FL", "Boca Raton Police Department", redress.ModelTFM)
		if boca.Status != redress.StatusNoLongerListed || boca.FirstSeen != juneDate || boca.LastSeen != juneDate {
			t.Errorf("Boca Raton TFM = %+v", boca)
		}
		// No status or value of a July agreement changed: the only agreement events are adds.
		wantAudit(t, db, map[string]int64{redress.ActionRegistryImported: 2, redress.ActionAgreementAdded: 848})
	})
}

// The registry ends the same whichever order the sheets come in.
func TestApplySheetOrderIndependent(t *testing.T) {
	june, july, pending := icetest.Read(t, icetest.June), icetest.Read(t, icetest.July), icetest.Read(t, icetest.JulyPending)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, s := range []redress.Sheet{pending, july, june} {
			apply(t, db, s)
		}
		other := storetest.Open(t, storetest.SQLiteDSN(t))
		for _, s := range []redress.Sheet{june, july, pending} {
			apply(t, other, s)
		}
		got, want := registrySnapshot(t, db), registrySnapshot(t, other)
		if len(got) != 873 || !slices.Equal(got, want) {
			t.Errorf("registries differ by import order (%d and %d agreements, want 873)", len(got), len(want))
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Errorf("first difference:\n %+v\n %+v", got[i], want[i])
					break
				}
			}
		}
	})
}

// snapshot is an agreement without database ids.
type snapshot struct {
	State, Agency, Type, County string
	redress.Agreement
}

func registrySnapshot(t *testing.T, db *store.DB) []snapshot {
	t.Helper()
	all, err := db.ListAgreements(context.Background(), redress.AgreementFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]snapshot, len(all))
	for i, a := range all {
		ag := *a.Agency
		a.ID, a.AgencyID, a.Agency = 0, 0, nil
		out[i] = snapshot{ag.State, ag.Name, ag.Type, ag.County, a}
	}
	// Each database sorts names by its own collation; compare in one order.
	slices.SortFunc(out, func(a, b snapshot) int {
		return cmp.Or(cmp.Compare(a.State, b.State), cmp.Compare(a.Agency, b.Agency), cmp.Compare(a.Model, b.Model))
	})
	return out
}

func TestApplySheetPending(t *testing.T) {
	pending, july := icetest.Read(t, icetest.JulyPending), icetest.Read(t, icetest.July)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		wantSummary(t, apply(t, db, pending), redress.ImportSummary{FileName: icetest.JulyPending,
			Kind: redress.SheetPending, AsOf: julyDate, Rows: 26, Added: 26, Warnings: 1})
		if got := statusCounts(t, db); got[redress.StatusPending] != 26 || len(got) != 1 {
			t.Errorf("statuses = %v, want 26 pending", got)
		}
		// Haywood County (TN) WSO is on both July lists: the participating one wins.
		wantSummary(t, apply(t, db, july), redress.ImportSummary{FileName: icetest.July,
			Kind: redress.SheetParticipating, AsOf: julyDate, Rows: 832, Added: 831, Updated: 1, Warnings: 231})
		haywood := findAgreement(t, db, "TN", "Haywood County Sheriff's Office", redress.ModelWSO)
		if haywood.Status != redress.StatusActive || haywood.SignedOn.String() != "2025-07-15" || haywood.Sheet != icetest.July {
			t.Errorf("Haywood WSO = %+v", haywood)
		}
		still, err := db.ListAgreements(ctx, redress.AgreementFilter{Status: redress.StatusPending})
		if err != nil || len(still) != 25 {
			t.Errorf("pending after July = %d %v, want 25", len(still), err)
		}
		highspire := findAgreement(t, db, "PA", "Highspire Police Department", redress.ModelTFM)
		if highspire.Status != redress.StatusPending || highspire.Agency.County != "" || highspire.Sheet != icetest.JulyPending {
			t.Errorf("Highspire TFM = %+v", highspire)
		}
	})
}

func TestApplySheetRefuses(t *testing.T) {
	july := icetest.Read(t, icetest.July)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		apply(t, db, july)
		redated := july
		redated.AsOf = time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC)
		redated.FileName = "renamed.xlsx"
		_, err := db.ApplySheet(ctx, redated, "operator", "")
		want := "renamed.xlsx is the same file as participatingAgencies07182025pm.xlsx, imported before as the participating sheet of 2025-07-18; it cannot also be the participating sheet of 2025-08-01."
		if redress.ErrorCode(err) != redress.ECONFLICT || redress.ErrorMessage(err) != want {
			t.Errorf("err = %v, want conflict: %s", err, want)
		}
		bad := redress.Sheet{FileName: "x.xlsx", Kind: redress.SheetPending, AsOf: redated.AsOf, SHA256: "x",
			Rows: []redress.SheetRow{{Row: 2, State: "TX", AgencyName: "", Model: redress.ModelJEM}}}
		if _, err := db.ApplySheet(ctx, bad, "operator", ""); redress.ErrorCode(err) != redress.EINVALID {
			t.Errorf("invalid sheet: err = %v, want invalid", err)
		}
		// Nothing of the refused imports was written.
		if n := count(t, db, "registry_sheets"); n != 1 {
			t.Errorf("registry_sheets = %d, want 1", n)
		}
		wantAudit(t, db, map[string]int64{redress.ActionRegistryImported: 1, redress.ActionAgreementAdded: 832})
	})
}

func TestRegistryReads(t *testing.T) {
	july := icetest.Read(t, icetest.July)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		empty, err := db.RegistryIsEmpty(ctx)
		if err != nil || !empty {
			t.Fatalf("new registry empty = %v %v", empty, err)
		}
		apply(t, db, july)
		if empty, err := db.RegistryIsEmpty(ctx); err != nil || empty {
			t.Errorf("registry empty after import = %v %v", empty, err)
		}
		sheets, err := db.RegistrySheets(ctx)
		if err != nil || len(sheets) != 1 || sheets[0].FileName != icetest.July || !sheets[0].AsOf.Equal(july.AsOf) {
			t.Errorf("sheets = %+v %v", sheets, err)
		}

		names := func(as []redress.Agency) []string {
			var out []string
			for _, a := range as {
				out = append(out, a.State+" "+a.Name)
			}
			return out
		}
		for _, tt := range []struct {
			state, q string
			limit    int
			want     []string
		}{
			{"TX", "KERR", 0, []string{"TX Kerr County Sheriff's Office"}},
			{"", "  kerr   county ", 0, []string{"TX Kerr County Sheriff's Office"}},
			// ICE mixes apostrophes; a search with either finds both.
			{"TX", "calhoun county sheriff's", 0, []string{"TX Calhoun County Sheriff’s Office"}},
			{"TX", "calhoun county sheriff’s", 0, []string{"TX Calhoun County Sheriff’s Office"}},
			// % and _ are characters, not wildcards.
			{"", "kerr%office", 0, nil},
			{"TX", "kerr county sheriff_s", 0, nil},
			{"WY", "", 2, []string{"WY Campbell County Sheriff's Office", "WY Carbon County Sheriff's Office"}},
		} {
			got, err := db.ListAgencies(ctx, tt.state, tt.q, tt.limit)
			if err != nil || !slices.Equal(names(got), tt.want) {
				t.Errorf("ListAgencies(%q, %q, %d) = %q %v, want %q", tt.state, tt.q, tt.limit, names(got), err, tt.want)
			}
		}

		kerr := findAgreement(t, db, "TX", "Kerr County Sheriff's Office", redress.ModelJEM)
		agency, err := db.Agency(ctx, kerr.AgencyID)
		if err != nil || agency != *kerr.Agency || agency.County != "Kerr County" || agency.Type != "County" {
			t.Errorf("Agency = %+v %v, want %+v", agency, err, kerr.Agency)
		}
		if _, err := db.Agency(ctx, 999999); redress.ErrorCode(err) != redress.ENOTFOUND {
			t.Errorf("unknown agency: %v, want not_found", err)
		}
		got, err := db.Agreement(ctx, kerr.ID)
		if err != nil || got.ID != kerr.ID || got.Agency == nil || got.Agency.Name != "Kerr County Sheriff's Office" {
			t.Errorf("Agreement = %+v %v", got, err)
		}
		if _, err := db.Agreement(ctx, 999999); redress.ErrorCode(err) != redress.ENOTFOUND {
			t.Errorf("unknown agreement: %v, want not_found", err)
		}
		all, err := db.AgreementsForAgency(ctx, kerr.AgencyID)
		if err != nil || len(all) != 3 || all[0].Model != redress.ModelJEM || all[1].Model != redress.ModelTFM || all[2].Model != redress.ModelWSO {
			t.Errorf("Kerr agreements = %+v %v, want JEM, TFM, WSO", all, err)
		}

		for _, tt := range []struct {
			f    redress.AgreementFilter
			want int
		}{
			{redress.AgreementFilter{}, 832},
			{redress.AgreementFilter{State: "WY"}, 9},
			{redress.AgreementFilter{State: "TX", Model: redress.ModelJEM}, countRows(july, "TX", redress.ModelJEM)},
			{redress.AgreementFilter{Model: redress.ModelTFM}, countRows(july, "", redress.ModelTFM)},
			{redress.AgreementFilter{Status: redress.StatusPending}, 0},
			{redress.AgreementFilter{State: "TX", Limit: 5}, 5},
		} {
			as, err := db.ListAgreements(ctx, tt.f)
			if err != nil || len(as) != tt.want {
				t.Errorf("ListAgreements(%+v) = %d %v, want %d", tt.f, len(as), err, tt.want)
			}
			for _, a := range as {
				if a.Agency == nil || (tt.f.State != "" && a.Agency.State != tt.f.State) || (tt.f.Model != "" && a.Model != tt.f.Model) {
					t.Errorf("ListAgreements(%+v) returned %+v", tt.f, a)
					break
				}
			}
		}
	})
}

// countRows counts a sheet's rows by state ("" any) and model, straight from the reader.
func countRows(s redress.Sheet, state string, m redress.Model) int {
	n := 0
	for _, r := range s.Rows {
		if (state == "" || r.State == state) && r.Model == m {
			n++
		}
	}
	return n
}

// jsonEqual compares a value read back from JSON with the map it should equal.
func jsonEqual(got any, want map[string]any) bool {
	m, ok := got.(map[string]any)
	if !ok || len(m) != len(want) {
		return false
	}
	for k, w := range want {
		g, ok := m[k].(map[string]any)
		wm := w.(map[string]any)
		if !ok || len(g) != len(wm) {
			return false
		}
		for kk, vv := range wm {
			if g[kk] != vv {
				return false
			}
		}
	}
	return true
}
