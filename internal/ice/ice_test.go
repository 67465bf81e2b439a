package ice_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/redress-oversight/redress/internal/ice"
	"github.com/redress-oversight/redress/internal/ice/icetest"
	"github.com/redress-oversight/redress/internal/redress"
)

func date(s string) redress.Date {
	d, err := redress.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// The counts below were taken from the files independently of this package (a separate
// program over excelize's raw cells), then asserted exactly.
func TestReadICESheets(t *testing.T) {
	tests := []struct {
		file                string
		kind                redress.SheetKind
		asOf                time.Time
		sha                 string
		rows, agencies      int
		countyWarnings      int
		signedWarnings      int
		signedDates         int
		moaListed, addendum int
	}{
		{icetest.June, redress.SheetParticipating, time.Date(2025, 6, 17, 12, 0, 0, 0, time.UTC),
			"2b254a15ef80ce24e5f730ef4bc99aa00f75d62a8842861fee836b1f4c74b665",
			706, 580, 213, 1, 705, 465, 3},
		{icetest.July, redress.SheetParticipating, time.Date(2025, 7, 18, 12, 0, 0, 0, time.UTC),
			"d6edafa262b3d105118e09bd00686e34cee9e19a621352cd0a39cafd3f056195",
			832, 685, 228, 3, 829, 603, 39},
		{icetest.JulyPending, redress.SheetPending, time.Date(2025, 7, 18, 12, 0, 0, 0, time.UTC),
			"5ff8d8cb630eeed5fd2cda2b973484ac9618fd305921c6b129e58d7c0e7c5b2c",
			26, 25, 1, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s := icetest.Read(t, tt.file)
			if s.FileName != tt.file || s.Kind != tt.kind || !s.AsOf.Equal(tt.asOf) || s.SHA256 != tt.sha {
				t.Errorf("sheet = %s %s %s %s, want %s %s %s %s", s.FileName, s.Kind, s.AsOf, s.SHA256, tt.file, tt.kind, tt.asOf, tt.sha)
			}
			if len(s.Rows) != tt.rows {
				t.Errorf("rows = %d, want %d", len(s.Rows), tt.rows)
			}
			byColumn := map[string]int{}
			for _, w := range s.Warnings {
				byColumn[w.Column]++
			}
			want := map[string]int{"COUNTY": tt.countyWarnings}
			if tt.signedWarnings > 0 {
				want["SIGNED"] = tt.signedWarnings
			}
			if len(s.Warnings) != tt.countyWarnings+tt.signedWarnings || !mapsEqual(byColumn, want) {
				t.Errorf("warnings by column = %v (%d), want %v", byColumn, len(s.Warnings), want)
			}
			agencies := map[string]bool{}
			var signed, listed, addendum int
			for _, r := range s.Rows {
				agencies[redress.AgencyKey(r.State, r.AgencyName)] = true
				if !r.SignedOn.IsZero() {
					signed++
				}
				if r.MOAListed {
					listed++
				}
				if r.Addendum {
					addendum++
				}
			}
			if len(agencies) != tt.agencies || signed != tt.signedDates || listed != tt.moaListed || addendum != tt.addendum {
				t.Errorf("agencies, signed dates, MOA listed, addenda = %d %d %d %d, want %d %d %d %d",
					len(agencies), signed, listed, addendum, tt.agencies, tt.signedDates, tt.moaListed, tt.addendum)
			}
		})
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Specific cells of the real sheets, by row number as a spreadsheet shows it.
func TestReadICESheetCells(t *testing.T) {
	june, july, pending := icetest.Read(t, icetest.June), icetest.Read(t, icetest.July), icetest.Read(t, icetest.JulyPending)

	wantWarning(t, june, redress.SheetWarning{Row: 662, Column: "SIGNED", Raw: "05/082025", Message: "not a date; kept as given"})
	wantWarning(t, july, redress.SheetWarning{Row: 775, Column: "SIGNED", Raw: "7/72025", Message: "not a date; kept as given"})
	wantWarning(t, july, redress.SheetWarning{Row: 785, Column: "SIGNED", Raw: "05/082025", Message: "not a date; kept as given"})
	// Grundy County (TN): the cell holds 7/7/5025, which ICE's mm-dd-yy format shows as 07-07-25.
	wantWarning(t, july, redress.SheetWarning{Row: 639, Column: "SIGNED", Raw: "07-07-25",
		Message: "the cell holds 5025-07-07, not a plausible signing date; kept as given"})
	wantWarning(t, july, redress.SheetWarning{Row: 401, Column: "COUNTY", Raw: "N/A", Message: "no county given; county left empty"})
	wantWarning(t, pending, redress.SheetWarning{Row: 16, Column: "COUNTY", Raw: "#N/A", Message: "no county given; county left empty"})

	wantRow(t, july, redress.SheetRow{Row: 2, State: "AL", AgencyName: "Cherokee County Sheriff's Office",
		AgencyType: "County", County: "Cherokee County", Model: redress.ModelWSO, SignedRaw: "06-25-25",
		SignedOn: date("2025-06-25")})
	wantRow(t, july, redress.SheetRow{Row: 775, State: "UT", AgencyName: "Tooele County Sheriff's Office",
		AgencyType: "County", County: "Tooele County", Model: redress.ModelWSO, SignedRaw: "7/72025"})
	wantRow(t, july, redress.SheetRow{Row: 401, State: "IA", AgencyName: "Iowa Department of Public Safety",
		AgencyType: "State Agency", CountyRaw: "N/A", Model: redress.ModelTFM, SignedRaw: "03-26-25",
		SignedOn: date("2025-03-26"), MOAListed: true})
	// Trailing spaces trimmed: "Grundy County Sheriff's Office ".
	wantRow(t, july, redress.SheetRow{Row: 639, State: "TN", AgencyName: "Grundy County Sheriff's Office",
		AgencyType: "County", County: "Grundy County", Model: redress.ModelWSO, SignedRaw: "07-07-25"})
	// June marks addenda in the MOA cell, with non-breaking spaces: "link | addendum".
	wantRow(t, june, redress.SheetRow{Row: 555, State: "TX", AgencyName: "Aransas County Sheriff's Office",
		AgencyType: "County", County: "Aransas County", Model: redress.ModelJEM, SignedRaw: "06-08-20",
		SignedOn: date("2020-06-08"), MOAListed: true, Addendum: true})
	wantRow(t, june, redress.SheetRow{Row: 599, State: "TX", AgencyName: "Kerr County Sheriff's Office",
		AgencyType: "County", County: "Kerr County", Model: redress.ModelJEM, SignedRaw: "05-06-25",
		SignedOn: date("2025-05-06")})
	wantRow(t, july, redress.SheetRow{Row: 705, State: "TX", AgencyName: "Kerr County Sheriff's Office",
		AgencyType: "County", County: "Kerr County", Model: redress.ModelJEM, SignedRaw: "05-02-25",
		SignedOn: date("2025-05-02"), MOAListed: true})
	wantRow(t, pending, redress.SheetRow{Row: 16, State: "PA", AgencyName: "Highspire Police Department",
		AgencyType: "Municipality", CountyRaw: "#N/A", Model: redress.ModelTFM})
	wantRow(t, pending, redress.SheetRow{Row: 17, State: "TN", AgencyName: "Haywood County Sheriff's Office",
		AgencyType: "County", County: "Haywood County", Model: redress.ModelWSO})
}

func rowOf(t *testing.T, s redress.Sheet, n int) redress.SheetRow {
	t.Helper()
	i := slices.IndexFunc(s.Rows, func(r redress.SheetRow) bool { return r.Row == n })
	if i < 0 {
		t.Fatalf("%s: no row %d", s.FileName, n)
	}
	return s.Rows[i]
}

func wantRow(t *testing.T, s redress.Sheet, want redress.SheetRow) {
	t.Helper()
	if got := rowOf(t, s, want.Row); got != want {
		t.Errorf("%s row %d:\n got %+v\nwant %+v", s.FileName, want.Row, got, want)
	}
}

func wantWarning(t *testing.T, s redress.Sheet, want redress.SheetWarning) {
	t.Helper()
	if !slices.Contains(s.Warnings, want) {
		var same []redress.SheetWarning
		for _, w := range s.Warnings {
			if w.Row == want.Row {
				same = append(same, w)
			}
		}
		t.Errorf("%s: no warning %+v; row %d has %+v", s.FileName, want, want.Row, same)
	}
}

// xlsx builds a workbook whose cells are given by row (1-based) and column letter.
func xlsx(t *testing.T, cells map[string]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for axis, v := range cells {
		if err := f.SetCellValue("Sheet1", axis, v); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A sheet messier than any ICE has published yet: a title above the header, headers in
// other case and spacing with blank columns between them, blank rows, a note in an
// unnamed column, #N/A, mistyped and text dates, unknown state and model, a repeat.
func TestReadSynthetic(t *testing.T) {
	signed := time.Date(2025, 3, 7, 0, 0, 0, 0, time.UTC)
	cells := map[string]any{
		"A1": "ICE 287(g) participating agencies",
		"A3": " State", "C3": "law enforcement  agency", "E3": "TYPE ", "F3": "County", "G3": "Support Type",
		"I3": "SIGNED", "J3": "MOA", "K3": "Addendum",
		// row 4: a clean row with a real date cell
		"A4": "NEW HAMPSHIRE", "C4": " Hooksett  Police Department ", "E4": "Municipality", "F4": "Merrimack County",
		"G4": "Task Force Model ", "I4": signed, "J4": "link", "K4": "link",
		// row 5 blank; row 6 only a note in an unnamed column
		"H6": "see note",
		// row 7: #N/A county, mistyped date
		"A7": "Texas", "C7": "Harris County Sheriff's Office", "E7": "County", "F7": "#N/A",
		"G7": "Jail Enforcement Model", "I7": "7/72025", "J7": "link pending",
		// rows 8-11: rows that cannot be tied to an agreement
		"A8": "ATLANTIS", "C8": "Atlantis Police", "G8": "Task Force Model", "I8": signed, "J8": "link",
		"A9": "new hampshire", "C9": "HOOKSETT POLICE DEPARTMENT", "G9": "task force model", "I9": signed, "J9": "link",
		"A10": "Texas", "C10": "Harris County Sheriff's Office", "G10": "Drone Model", "I10": signed, "J10": "link",
		"A11": "Texas", "C11": "  ", "G11": "Warrant Service Officer", "I11": signed, "J11": "link",
		// row 12: a date typed as unambiguous text, MOA and addendum in one cell
		"A12": "FL", "C12": "Collier County Sheriff's Office", "E12": "County", "F12": "Collier County",
		"G12": "Warrant Service Officer", "I12": "7/7/2025", "J12": "link | addendum",
		// row 13: a date after the sheet's own date, an unknown MOA mark
		"A13": "Florida", "C13": "Collier County Sheriff's Office", "E13": "County", "F13": "Collier County",
		"G13": "Jail Enforcement Model", "I13": time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC), "J13": "see website",
		// rows 14-15 blank, trailing
	}
	s, err := ice.Read(bytes.NewReader(xlsx(t, cells)), "dir/participatingAgencies08012025pm.xlsx", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if s.FileName != "participatingAgencies08012025pm.xlsx" || s.Kind != redress.SheetParticipating ||
		!s.AsOf.Equal(time.Date(2025, 8, 1, 12, 0, 0, 0, time.UTC)) || len(s.SHA256) != 64 {
		t.Errorf("sheet = %q %s %s %q", s.FileName, s.Kind, s.AsOf, s.SHA256)
	}
	wantRows := []redress.SheetRow{
		{Row: 4, State: "NH", AgencyName: "Hooksett Police Department", AgencyType: "Municipality",
			County: "Merrimack County", Model: redress.ModelTFM, SignedRaw: s.Rows[0].SignedRaw,
			SignedOn: date("2025-03-07"), MOAListed: true, Addendum: true},
		{Row: 7, State: "TX", AgencyName: "Harris County Sheriff's Office", AgencyType: "County",
			CountyRaw: "#N/A", Model: redress.ModelJEM, SignedRaw: "7/72025"},
		{Row: 12, State: "FL", AgencyName: "Collier County Sheriff's Office", AgencyType: "County",
			County: "Collier County", Model: redress.ModelWSO, SignedRaw: "7/7/2025", SignedOn: date("2025-07-07"),
			MOAListed: true, Addendum: true},
		{Row: 13, State: "FL", AgencyName: "Collier County Sheriff's Office", AgencyType: "County",
			County: "Collier County", Model: redress.ModelJEM, SignedRaw: s.Rows[3].SignedRaw},
	}
	if !slices.Equal(s.Rows, wantRows) {
		t.Errorf("rows:\n got %+v\nwant %+v", s.Rows, wantRows)
	}
	if s.Rows[0].SignedRaw == "" || s.Rows[0].SignedRaw == "45723" {
		t.Errorf("SignedRaw of a date cell = %q, want the date as displayed", s.Rows[0].SignedRaw)
	}
	wantWarnings := []redress.SheetWarning{
		warning(7, "COUNTY", "#N/A", "no county given; county left empty"),
		warning(7, "SIGNED", "7/72025", "not a date; kept as given"),
		warning(8, "STATE", "ATLANTIS", "not a U.S. state or territory; row skipped"),
		warning(9, "LAW ENFORCEMENT AGENCY", "HOOKSETT POLICE DEPARTMENT", "same agency and support type as row 4; row skipped, row 4 kept"),
		warning(10, "SUPPORT TYPE", "Drone Model", "not a 287(g) model (Jail Enforcement Model, Warrant Service Officer, Task Force Model); row skipped"),
		warning(11, "LAW ENFORCEMENT AGENCY", "", "no agency name; row skipped"),
		warning(13, "SIGNED", s.Rows[3].SignedRaw, "the cell holds 2025-09-01, not a plausible signing date; kept as given"),
		warning(13, "MOA", "see website", `not "link", "link pending" or "link | addendum"; read as not listed`),
	}
	if !slices.Equal(s.Warnings, wantWarnings) {
		t.Errorf("warnings:\n got %+v\nwant %+v", s.Warnings, wantWarnings)
	}
}

func warning(row int, col, raw, message string) redress.SheetWarning {
	return redress.SheetWarning{Row: row, Column: col, Raw: raw, Message: message}
}

func TestAsOfFromName(t *testing.T) {
	tests := []struct {
		name string
		want time.Time
	}{
		{"participatingAgencies07182025pm.xlsx", time.Date(2025, 7, 18, 12, 0, 0, 0, time.UTC)},
		{"participatingAgencies07182025am.xlsx", time.Date(2025, 7, 18, 0, 0, 0, 0, time.UTC)},
		{"pendingAgencies07182025PM.XLSX", time.Date(2025, 7, 18, 12, 0, 0, 0, time.UTC)},
		{"participatingAgencies07182025.xlsx", time.Date(2025, 7, 18, 0, 0, 0, 0, time.UTC)},
		{"Copy of participatingAgencies06172025pm (1).xlsx", time.Date(2025, 6, 17, 12, 0, 0, 0, time.UTC)},
		{"participatingAgencies13012025pm.xlsx", time.Time{}}, // month 13
		{"participatingAgencies02302025pm.xlsx", time.Time{}}, // 30 February
		{"participatingAgencies.xlsx", time.Time{}},
		{"agencies2025071800.xlsx", time.Time{}}, // ten digits: not ICE's stamp
	}
	for _, tt := range tests {
		if got := ice.AsOfFromName(tt.name); !got.Equal(tt.want) {
			t.Errorf("AsOfFromName(%q) = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestReadKindAndDate(t *testing.T) {
	participating := xlsx(t, map[string]any{"A1": "STATE", "B1": "LAW ENFORCEMENT AGENCY", "C1": "TYPE",
		"D1": "COUNTY", "E1": "SUPPORT TYPE", "F1": "SIGNED", "G1": "MOA",
		"A2": "TEXAS", "B2": "Harris County Sheriff's Office", "E2": "JEM", "F2": 45000, "G2": "link"})
	pending := xlsx(t, map[string]any{"A1": "STATE", "B1": "LAW ENFORCEMENT AGENCY", "C1": "TYPE",
		"D1": "COUNTY", "E1": "SUPPORT TYPE", "A2": "TEXAS", "B2": "Harris County Sheriff's Office", "E2": "WSO"})
	asOf := time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC)

	// A renamed file: the kind comes from the columns, the date from --as-of.
	for _, tt := range []struct {
		data []byte
		kind redress.SheetKind
	}{{participating, redress.SheetParticipating}, {pending, redress.SheetPending}} {
		s, err := ice.Read(bytes.NewReader(tt.data), "renamed.xlsx", asOf)
		if err != nil {
			t.Fatal(err)
		}
		if s.Kind != tt.kind || !s.AsOf.Equal(asOf) || len(s.Rows) != 1 {
			t.Errorf("renamed %s: kind %s, as of %s, %d rows", tt.kind, s.Kind, s.AsOf, len(s.Rows))
		}
	}
	// --as-of wins over the name.
	s, err := ice.Read(bytes.NewReader(pending), "pendingAgencies07182025pm.xlsx", asOf)
	if err != nil || !s.AsOf.Equal(asOf) {
		t.Errorf("as of = %s, %v; want %s", s.AsOf, err, asOf)
	}
}

func TestReadErrors(t *testing.T) {
	noSigned := xlsx(t, map[string]any{"A1": "STATE", "B1": "LAW ENFORCEMENT AGENCY", "C1": "TYPE",
		"D1": "COUNTY", "E1": "SUPPORT TYPE", "A2": "TEXAS", "B2": "Harris County Sheriff's Office", "E2": "JEM"})
	noHeader := xlsx(t, map[string]any{"A1": "Agency", "B1": "State", "A2": "Harris County Sheriff's Office", "B2": "TX"})
	tests := []struct {
		name, file string
		data       []byte
		want       string
	}{
		{"not xlsx", "participatingAgencies07182025pm.xlsx", []byte("STATE,LAW ENFORCEMENT AGENCY\n"),
			"participatingAgencies07182025pm.xlsx is not an Excel workbook (.xlsx) that can be read; ICE publishes its agency lists as .xlsx files."},
		{"empty", "pendingAgencies07182025pm.xlsx", nil,
			"pendingAgencies07182025pm.xlsx is not an Excel workbook (.xlsx) that can be read; ICE publishes its agency lists as .xlsx files."},
		{"no header", "participatingAgencies07182025pm.xlsx", noHeader,
			"participatingAgencies07182025pm.xlsx: no header row with the columns STATE and LAW ENFORCEMENT AGENCY; is this one of ICE's 287(g) agency lists?"},
		{"participating without SIGNED", "participatingAgencies07182025pm.xlsx", noSigned,
			"participatingAgencies07182025pm.xlsx: the participating sheet has no SIGNED, MOA column in its header row (row 1)."},
		{"no date", "agencies.xlsx", noSigned,
			"agencies.xlsx: cannot tell when ICE published this sheet, because its name has no date like participatingAgencies07182025pm.xlsx; give the date with --as-of YYYY-MM-DD."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ice.Read(bytes.NewReader(tt.data), tt.file, time.Time{})
			if redress.ErrorCode(err) != redress.EINVALID || redress.ErrorMessage(err) != tt.want {
				t.Errorf("err = %v\nwant invalid: %s", err, tt.want)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := ice.ReadFile("no-such-dir/participatingAgencies07182025pm.xlsx", time.Time{})
		if err == nil || !strings.Contains(err.Error(), "no-such-dir/participatingAgencies07182025pm.xlsx") {
			t.Errorf("err = %v, want one naming the file", err)
		}
	})
}
