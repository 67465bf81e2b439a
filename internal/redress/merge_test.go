package redress_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
)

// Sheets used by the merge tests; their ids stay fixed whatever order they are merged in,
// as the store's would for the same files.
var (
	june        = testSheet(1, redress.SheetParticipating, "2025-06-17", 12)
	july        = testSheet(2, redress.SheetParticipating, "2025-07-18", 12)
	julyPending = testSheet(3, redress.SheetPending, "2025-07-18", 12)
	augPending  = testSheet(4, redress.SheetPending, "2025-08-15", 0)
	junePending = testSheet(5, redress.SheetPending, "2025-06-17", 12)
)

type testSheetDef struct {
	id    int64
	sheet redress.Sheet
}

func testSheet(id int64, kind redress.SheetKind, day string, hour int) testSheetDef {
	d, _ := redress.ParseDate(day)
	return testSheetDef{id: id, sheet: redress.Sheet{FileName: string(kind) + day, Kind: kind,
		AsOf: d.Time().Add(time.Duration(hour) * time.Hour), SHA256: "sha-" + day + string(kind)}}
}

// with returns the sheet listing rows.
func (d testSheetDef) with(rows ...redress.SheetRow) testSheetDef {
	d.sheet.Rows = slices.Clone(rows)
	for i := range d.sheet.Rows {
		d.sheet.Rows[i].Row = i + 2
	}
	return d
}

// row is an agreement as a participating sheet lists it; signed "" is a pending row.
func row(state, agency string, m redress.Model, signed string, moa bool) redress.SheetRow {
	r := redress.SheetRow{State: state, AgencyName: agency, AgencyType: "County", County: "Some County",
		Model: m, SignedRaw: signed, MOAListed: moa}
	if d, err := redress.ParseDate(signed); err == nil {
		r.SignedOn = d
	}
	return r
}

const (
	harris  = "Harris County Sheriff's Office"
	collier = "Collier County Sheriff's Office"
	kerr    = "Kerr County Sheriff's Office"
)

// memory plays the store: it applies merge results the way the store writes them.
type memory struct {
	reg    redress.Registry
	nextID int64
}

func (m *memory) merge(t *testing.T, d testSheetDef) redress.MergeResult {
	t.Helper()
	if err := d.sheet.Validate(); err != nil {
		t.Fatal(err)
	}
	res := redress.MergeSheet(m.reg, d.sheet, d.id)
	agencyIDs := map[string]int64{}
	for _, c := range res.Agencies {
		key := redress.AgencyKey(c.New.State, c.New.Name)
		if c.Old == nil {
			m.nextID++
			c.New.ID = m.nextID
			m.reg.Agencies = append(m.reg.Agencies, c.New)
		} else {
			i := slices.IndexFunc(m.reg.Agencies, func(a redress.RegistryAgency) bool { return a.ID == c.Old.ID })
			m.reg.Agencies[i] = c.New
		}
		agencyIDs[key] = c.New.ID
	}
	for _, c := range res.Agreements {
		if c.Old == nil {
			m.nextID++
			c.New.ID, c.New.AgencyID = m.nextID, agencyIDs[c.New.AgencyKey]
			m.reg.Agreements = append(m.reg.Agreements, c.New)
		} else {
			i := slices.IndexFunc(m.reg.Agreements, func(a redress.RegistryAgreement) bool { return a.ID == c.Old.ID })
			m.reg.Agreements[i] = c.New
		}
	}
	newest := &m.reg.NewestPending
	if d.sheet.Kind == redress.SheetParticipating {
		newest = &m.reg.NewestParticipating
	}
	if d.sheet.AsOf.After(*newest) {
		*newest = d.sheet.AsOf
	}
	return res
}

func (m *memory) agreement(t *testing.T, agency string, model redress.Model) redress.RegistryAgreement {
	t.Helper()
	for _, a := range m.reg.Agreements {
		if strings.HasSuffix(a.AgencyKey, "|"+strings.ToLower(agency)) && a.Model == model {
			return a
		}
	}
	t.Fatalf("no %s agreement of %s", model, agency)
	return redress.RegistryAgreement{}
}

type counts struct{ rows, added, updated, unchanged, dropped, agenciesUpdated int }

func countsOf(s redress.ImportSummary) counts {
	return counts{s.Rows, s.Added, s.Updated, s.Unchanged, s.NoLongerListed, s.AgenciesUpdated}
}

var (
	juneRows = []redress.SheetRow{
		row("TX", harris, redress.ModelJEM, "2020-01-10", true),
		row("TX", kerr, redress.ModelJEM, "2025-05-06", false),
		row("FL", collier, redress.ModelWSO, "2020-02-01", true),
	}
	// July: Kerr's date and MOA link changed, Collier WSO gone, Collier TFM new.
	julyRows = []redress.SheetRow{
		row("TX", harris, redress.ModelJEM, "2020-01-10", true),
		row("TX", kerr, redress.ModelJEM, "2025-05-02", true),
		row("FL", collier, redress.ModelTFM, "2025-02-20", false),
	}
)

func TestMergeSheets(t *testing.T) {
	type step struct {
		sheet testSheetDef
		want  counts
	}
	tests := []struct {
		name  string
		steps []step
		check func(t *testing.T, m *memory)
	}{
		{"first sheet adds all, active", []step{
			{june.with(juneRows...), counts{rows: 3, added: 3}},
		}, func(t *testing.T, m *memory) {
			a := m.agreement(t, kerr, redress.ModelJEM)
			if a.Status != redress.StatusActive || a.FirstSeen.String() != "2025-06-17" || a.Sheet != june.sheet.FileName {
				t.Errorf("Kerr JEM = %+v", a)
			}
		}},
		{"same sheet twice changes nothing", []step{
			{june.with(juneRows...), counts{rows: 3, added: 3}},
			{june.with(juneRows...), counts{rows: 3, unchanged: 3}},
		}, nil},
		{"newer sheet: updates, additions, no longer listed", []step{
			{june.with(juneRows...), counts{rows: 3, added: 3}},
			{july.with(julyRows...), counts{rows: 3, added: 1, updated: 1, unchanged: 1, dropped: 1}},
		}, func(t *testing.T, m *memory) {
			gone := m.agreement(t, collier, redress.ModelWSO)
			if gone.Status != redress.StatusNoLongerListed || gone.LastSeen.String() != "2025-06-17" || gone.SignedOn.String() != "2020-02-01" {
				t.Errorf("Collier WSO = %+v, want kept as no longer listed, last seen in June", gone)
			}
			k := m.agreement(t, kerr, redress.ModelJEM)
			if k.SignedOn.String() != "2025-05-02" || !k.MOAListed || k.FirstSeen.String() != "2025-06-17" || k.LastSeen.String() != "2025-07-18" {
				t.Errorf("Kerr JEM = %+v", k)
			}
		}},
		{"older sheet never overrides newer", []step{
			{july.with(julyRows...), counts{rows: 3, added: 3}},
			{june.with(juneRows...), counts{rows: 3, added: 1, unchanged: 2}},
		}, func(t *testing.T, m *memory) {
			k := m.agreement(t, kerr, redress.ModelJEM)
			if k.Status != redress.StatusActive || k.SignedOn.String() != "2025-05-02" || !k.MOAListed ||
				k.FirstSeen.String() != "2025-06-17" || k.Sheet != july.sheet.FileName {
				t.Errorf("Kerr JEM = %+v, want July's values, first seen in June", k)
			}
			if a := m.agreement(t, collier, redress.ModelWSO); a.Status != redress.StatusNoLongerListed {
				t.Errorf("June-only agreement = %s, want no_longer_listed", a.Status)
			}
		}},
		{"listed again after a gap", []step{
			{june.with(juneRows...), counts{rows: 3, added: 3}},
			{july.with(juneRows[:2]...), counts{rows: 2, unchanged: 2, dropped: 1}},
			{testSheet(9, redress.SheetParticipating, "2025-09-01", 0).with(juneRows...), counts{rows: 3, updated: 1, unchanged: 2}},
		}, func(t *testing.T, m *memory) {
			if a := m.agreement(t, collier, redress.ModelWSO); a.Status != redress.StatusActive {
				t.Errorf("Collier WSO = %s, want active again", a.Status)
			}
		}},
		{"pending, then participating the same day", []step{
			{julyPending.with(row("TX", harris, redress.ModelWSO, "", false)), counts{rows: 1, added: 1}},
			{july.with(row("TX", harris, redress.ModelWSO, "2025-07-15", false)), counts{rows: 1, updated: 1}},
		}, func(t *testing.T, m *memory) {
			a := m.agreement(t, harris, redress.ModelWSO)
			if a.Status != redress.StatusActive || a.SignedOn.String() != "2025-07-15" || a.Sheet != july.sheet.FileName {
				t.Errorf("Harris WSO = %+v, want active from the participating sheet", a)
			}
		}},
		{"participating, then pending the same day", []step{
			{july.with(row("TX", harris, redress.ModelWSO, "2025-07-15", false)), counts{rows: 1, added: 1}},
			{julyPending.with(row("TX", harris, redress.ModelWSO, "", false)), counts{rows: 1, unchanged: 1}},
		}, func(t *testing.T, m *memory) {
			a := m.agreement(t, harris, redress.ModelWSO)
			if a.Status != redress.StatusActive || a.SignedOn.String() != "2025-07-15" || a.Sheet != july.sheet.FileName {
				t.Errorf("Harris WSO = %+v, want active from the participating sheet", a)
			}
		}},
		{"pending dropped by a newer pending sheet", []step{
			{julyPending.with(row("TX", harris, redress.ModelTFM, "", false), row("TX", kerr, redress.ModelTFM, "", false)), counts{rows: 2, added: 2}},
			{augPending.with(row("TX", kerr, redress.ModelTFM, "", false)), counts{rows: 1, unchanged: 1, dropped: 1}},
		}, func(t *testing.T, m *memory) {
			if a := m.agreement(t, kerr, redress.ModelTFM); a.Status != redress.StatusPending {
				t.Errorf("Kerr TFM = %s, want pending", a.Status)
			}
		}},
		{"participating earlier, pending later: pending", []step{
			{june.with(juneRows...), counts{rows: 3, added: 3}},
			{july.with(juneRows[:2]...), counts{rows: 2, unchanged: 2, dropped: 1}},
			{augPending.with(row("FL", collier, redress.ModelWSO, "", false)), counts{rows: 1, updated: 1}},
		}, func(t *testing.T, m *memory) {
			a := m.agreement(t, collier, redress.ModelWSO)
			if a.Status != redress.StatusPending || a.SignedOn.String() != "2020-02-01" {
				t.Errorf("Collier WSO = %+v, want pending, June's signing date kept", a)
			}
		}},
		{"older pending sheet after newer participating", []step{
			{july.with(julyRows...), counts{rows: 3, added: 3}},
			{junePending.with(row("TX", harris, redress.ModelJEM, "", false), row("FL", collier, redress.ModelJEM, "", false)),
				counts{rows: 2, added: 1, unchanged: 1}},
		}, func(t *testing.T, m *memory) {
			if a := m.agreement(t, harris, redress.ModelJEM); a.Status != redress.StatusActive || a.Sheet != july.sheet.FileName {
				t.Errorf("Harris JEM = %+v, want active from July", a)
			}
			if a := m.agreement(t, collier, redress.ModelJEM); a.Status != redress.StatusPending {
				t.Errorf("Collier JEM = %s, want pending (newest pending sheet lists it)", a.Status)
			}
		}},
		{"same date re-formatted is not a change", []step{
			{june.with(row("TX", harris, redress.ModelJEM, "2020-01-10", true)), counts{rows: 1, added: 1}},
			{july.with(func() redress.SheetRow {
				r := row("TX", harris, redress.ModelJEM, "2020-01-10", true)
				r.SignedRaw = "01-10-20"
				return r
			}()), counts{rows: 1, unchanged: 1}},
		}, func(t *testing.T, m *memory) {
			if a := m.agreement(t, harris, redress.ModelJEM); a.SignedRaw != "01-10-20" {
				t.Errorf("SignedRaw = %q, want the newest sheet's text", a.SignedRaw)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &memory{}
			for i, s := range tt.steps {
				res := m.merge(t, s.sheet)
				if got := countsOf(res.Summary); got != s.want {
					t.Errorf("step %d (%s): counts = %+v, want %+v", i+1, s.sheet.sheet.FileName, got, s.want)
				}
			}
			if tt.check != nil {
				tt.check(t, m)
			}
		})
	}
}

// The same sheet twice writes nothing at all, so the store has nothing to audit.
func TestMergeSameSheetWritesNothing(t *testing.T) {
	m := &memory{}
	m.merge(t, july.with(julyRows...))
	res := m.merge(t, july.with(julyRows...))
	if len(res.Agencies) != 0 || len(res.Agreements) != 0 {
		t.Errorf("second merge writes %d agencies, %d agreements; want none", len(res.Agencies), len(res.Agreements))
	}
}

// Sheets of the same day give the same registry in either order, and so do sheets of
// different days, whatever the order they arrive in.
func TestMergeOrderIndependent(t *testing.T) {
	sheets := []testSheetDef{
		june.with(juneRows...),
		july.with(julyRows...),
		julyPending.with(row("TX", harris, redress.ModelWSO, "", false), row("FL", collier, redress.ModelWSO, "", false)),
	}
	orders := [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}
	var want []redress.RegistryAgreement
	for _, order := range orders {
		m := &memory{}
		for _, i := range order {
			m.merge(t, sheets[i])
		}
		got := normalized(m.reg.Agreements)
		if want == nil {
			want = got
			continue
		}
		if !slices.EqualFunc(got, want, sameAgreement) {
			t.Errorf("order %v:\n got %+v\nwant %+v", order, got, want)
		}
	}
	statuses := map[string]redress.AgreementStatus{}
	for _, a := range want {
		statuses[a.Key()] = a.Status
	}
	wantStatus := map[string]redress.AgreementStatus{
		"TX|harris county sheriff's office|JEM":  redress.StatusActive,
		"TX|kerr county sheriff's office|JEM":    redress.StatusActive,
		"FL|collier county sheriff's office|TFM": redress.StatusActive,
		"FL|collier county sheriff's office|WSO": redress.StatusPending, // participating in June, pending in July
		"TX|harris county sheriff's office|WSO":  redress.StatusPending,
	}
	for k, st := range wantStatus {
		if statuses[k] != st {
			t.Errorf("%s = %s, want %s", k, statuses[k], st)
		}
	}
}

func normalized(as []redress.RegistryAgreement) []redress.RegistryAgreement {
	out := slices.Clone(as)
	for i := range out {
		out[i].ID, out[i].AgencyID = 0, 0
	}
	slices.SortFunc(out, func(a, b redress.RegistryAgreement) int { return strings.Compare(a.Key(), b.Key()) })
	return out
}

func sameAgreement(a, b redress.RegistryAgreement) bool {
	return a.Key() == b.Key() && a.Status == b.Status && a.SignedRaw == b.SignedRaw && a.SignedOn == b.SignedOn &&
		a.MOAListed == b.MOAListed && a.Addendum == b.Addendum && a.FirstSeen == b.FirstSeen &&
		a.LastSeen == b.LastSeen && a.ParticipatingAsOf.Equal(b.ParticipatingAsOf) &&
		a.PendingAsOf.Equal(b.PendingAsOf) && a.Source.ID == b.Source.ID && a.Sheet == b.Sheet
}

func TestMergeChangesForAudit(t *testing.T) {
	m := &memory{}
	m.merge(t, june.with(juneRows...))
	res := m.merge(t, july.with(julyRows...))
	byKey := map[string]redress.AgreementChange{}
	for _, c := range res.Agreements {
		byKey[c.New.Key()] = c
	}
	kerrChange := byKey["TX|kerr county sheriff's office|JEM"]
	wantKerr := []redress.FieldChange{
		{Field: "signed_on", Old: "2025-05-06", New: "2025-05-02"},
		{Field: "signed_raw", Old: "2025-05-06", New: "2025-05-02"},
		{Field: "moa_document_listed", Old: false, New: true},
	}
	if kerrChange.Action != redress.ActionAgreementUpdated || !slices.Equal(kerrChange.Changes, wantKerr) {
		t.Errorf("Kerr change = %s %+v, want updated %+v", kerrChange.Action, kerrChange.Changes, wantKerr)
	}
	gone := byKey["FL|collier county sheriff's office|WSO"]
	wantGone := []redress.FieldChange{{Field: "status", Old: "active", New: "no_longer_listed"}}
	if gone.Action != redress.ActionAgreementDropped || !slices.Equal(gone.Changes, wantGone) || gone.Old == nil {
		t.Errorf("Collier WSO change = %s %+v, want dropped %+v", gone.Action, gone.Changes, wantGone)
	}
	if c := byKey["FL|collier county sheriff's office|TFM"]; c.Action != redress.ActionAgreementAdded || c.Old != nil {
		t.Errorf("Collier TFM change = %+v, want added", c)
	}
	// Harris is listed unchanged: its sightings moved, which is written but not audited.
	if c, ok := byKey["TX|harris county sheriff's office|JEM"]; !ok || c.Action != "" || c.New.LastSeen.String() != "2025-07-18" {
		t.Errorf("Harris change = %+v, want a silent sighting update", c)
	}
}

func TestMergeAgencies(t *testing.T) {
	na := func(r redress.SheetRow) redress.SheetRow { r.County, r.CountyRaw = "", "#N/A"; return r }
	county := func(r redress.SheetRow, c string) redress.SheetRow { r.County = c; return r }
	m := &memory{}
	// One agency on two rows of a sheet: the #N/A row does not hide the county.
	res := m.merge(t, june.with(
		na(row("TX", harris, redress.ModelJEM, "2020-01-10", true)),
		county(row("TX", harris, redress.ModelWSO, "2021-01-10", true), "Harris County"),
		na(row("FL", collier, redress.ModelJEM, "2020-01-10", true)),
	))
	if len(res.Agencies) != 2 || len(m.reg.Agencies) != 2 {
		t.Fatalf("agencies = %+v", m.reg.Agencies)
	}
	if a := m.reg.Agencies[0]; a.County != "Harris County" || a.CountyRaw != "" {
		t.Errorf("Harris = %+v, want county from its second row", a)
	}
	if a := m.reg.Agencies[1]; a.County != "" || a.CountyRaw != "#N/A" {
		t.Errorf("Collier = %+v, want no county, #N/A kept", a)
	}
	// A newer sheet fills Collier's county and spells Harris differently.
	res = m.merge(t, july.with(
		row("TX", "HARRIS COUNTY SHERIFF’S OFFICE", redress.ModelJEM, "2020-01-10", true),
		county(row("FL", collier, redress.ModelJEM, "2020-01-10", true), "Collier County"),
	))
	if res.Summary.AgenciesUpdated != 2 || res.Summary.Unchanged != 2 {
		t.Errorf("summary = %+v, want 2 agencies updated, 2 agreements unchanged", res.Summary)
	}
	want := map[string][]redress.FieldChange{
		"HARRIS COUNTY SHERIFF’S OFFICE": {{Field: "name", Old: harris, New: "HARRIS COUNTY SHERIFF’S OFFICE"},
			{Field: "county", Old: "Harris County", New: "Some County"}},
		collier: {{Field: "county", Old: "", New: "Collier County"}},
	}
	for _, c := range res.Agencies {
		if !slices.Equal(c.Changes, want[c.New.Name]) {
			t.Errorf("%s changes = %+v, want %+v", c.New.Name, c.Changes, want[c.New.Name])
		}
	}
	if len(m.reg.Agencies) != 2 {
		t.Errorf("agencies = %d, want 2: names differing in case, spaces and apostrophe are one agency", len(m.reg.Agencies))
	}
	// An older sheet changes no agency.
	res = m.merge(t, junePending.with(county(row("FL", collier, redress.ModelTFM, "", false), "Elsewhere County")))
	if len(res.Agencies) != 0 || m.reg.Agencies[1].County != "Collier County" {
		t.Errorf("older sheet changed agencies: %+v", res.Agencies)
	}
}

func TestDeriveStatus(t *testing.T) {
	at := func(day string) time.Time { d, _ := redress.ParseDate(day); return d.Time() }
	p, q := at("2025-07-18"), at("2025-07-18")
	tests := []struct {
		name                  string
		participating, pended time.Time
		want                  redress.AgreementStatus
	}{
		{"on newest participating", p, time.Time{}, redress.StatusActive},
		{"on newest participating and pending", p, q, redress.StatusActive},
		{"on newest pending only", time.Time{}, q, redress.StatusPending},
		{"older participating, newest pending", at("2025-06-17"), q, redress.StatusPending},
		{"older participating only", at("2025-06-17"), time.Time{}, redress.StatusNoLongerListed},
		{"older pending only", time.Time{}, at("2025-06-17"), redress.StatusNoLongerListed},
	}
	for _, tt := range tests {
		a := redress.RegistryAgreement{ParticipatingAsOf: tt.participating, PendingAsOf: tt.pended}
		if got := redress.DeriveStatus(a, p, q); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestSheetValidate(t *testing.T) {
	ok := july.with(julyRows...).sheet
	tests := []struct {
		name string
		edit func(*redress.Sheet)
		want string
	}{
		{"OK", func(*redress.Sheet) {}, ""},
		{"kind", func(s *redress.Sheet) { s.Kind = "other" }, `participating2025-07-18: unknown kind of sheet "other".`},
		{"date", func(s *redress.Sheet) { s.AsOf = time.Time{} }, "participating2025-07-18: the sheet has no publication date."},
		{"checksum", func(s *redress.Sheet) { s.SHA256 = "" }, "participating2025-07-18: the sheet has no checksum."},
		{"state", func(s *redress.Sheet) { s.Rows[1].State = "Texas" }, `participating2025-07-18: row 3: unknown state "Texas".`},
		{"agency", func(s *redress.Sheet) { s.Rows[0].AgencyName = "" }, "participating2025-07-18: row 2: no agency name."},
		{"model", func(s *redress.Sheet) { s.Rows[2].Model = "XYZ" }, `participating2025-07-18: row 4: unknown model "XYZ".`},
	}
	for _, tt := range tests {
		s := ok
		s.Rows = slices.Clone(ok.Rows)
		tt.edit(&s)
		err := s.Validate()
		if redress.ErrorMessage(err) != tt.want || (err != nil && redress.ErrorCode(err) != redress.EINVALID) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestAgencyKey(t *testing.T) {
	a := redress.AgencyKey("TX", " Calhoun County  Sheriff’s Office ")
	b := redress.AgencyKey("TX", "calhoun county sheriff's office")
	if a != b || a != "TX|calhoun county sheriff's office" {
		t.Errorf("keys %q, %q differ", a, b)
	}
	if redress.AgencyKey("TX", "x") == redress.AgencyKey("FL", "x") {
		t.Error("same name in two states is one agency")
	}
}
