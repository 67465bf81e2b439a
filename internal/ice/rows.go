package ice

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/redress-oversight/redress/internal/redress"
)

// firstSigningYear is when section 287(g) entered the law; an earlier SIGNED date is a
// typo, not history.
const firstSigningYear = 1996

// textDateLayouts are the unambiguous ways a date typed as text can be written. Anything
// else ("7/72025", "05/082025") is kept as given: guessing which digit is missing would
// tie complaints to a date ICE never published.
var textDateLayouts = []string{"1/2/2006", "2006-01-02"}

// rowParser turns the rows under the header into SheetRows and warnings.
type rowParser struct {
	book     *excelize.File
	table    table
	kind     redress.SheetKind
	asOf     time.Time
	date1904 bool
	// seen maps each agreement (state, agency, model) to the row that first listed it.
	seen     map[string]int
	warnings []redress.SheetWarning
}

func newRowParser(book *excelize.File, t table, kind redress.SheetKind, asOf time.Time) *rowParser {
	p := &rowParser{book: book, table: t, kind: kind, asOf: asOf, seen: map[string]int{}}
	if props, err := book.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		p.date1904 = *props.Date1904
	}
	return p
}

func (p *rowParser) parseAll() ([]redress.SheetRow, []redress.SheetWarning) {
	var rows []redress.SheetRow
	for i := p.table.headerIdx + 1; i < len(p.table.rows); i++ {
		if row, ok := p.parse(i+1, p.table.rows[i]); ok {
			rows = append(rows, row)
		}
	}
	return rows, p.warnings
}

func (p *rowParser) warn(row int, col, raw, message string) {
	p.warnings = append(p.warnings, redress.SheetWarning{Row: row, Column: col, Raw: raw, Message: message})
}

// cell returns the raw value under a header, or "" when the sheet has no such column
// or the row stops short of it.
func (p *rowParser) cell(cells []string, col string) string {
	i, ok := p.table.cols[col]
	if !ok || i >= len(cells) {
		return ""
	}
	return cells[i]
}

// blank reports a row with nothing under any known header. Such rows are spacing, not
// data, and are skipped without a warning; a stray note in an unnamed column does not
// make a row.
func (p *rowParser) blank(cells []string) bool {
	for col := range p.table.cols {
		if clean(p.cell(cells, col)) != "" {
			return false
		}
	}
	return true
}

// parse reads row n. It returns false for blank rows and for rows that cannot be tied to
// one agreement (unknown state or model, no agency name, a repeat), warning for the latter.
func (p *rowParser) parse(n int, cells []string) (redress.SheetRow, bool) {
	if p.blank(cells) {
		return redress.SheetRow{}, false
	}
	r, ok := p.identity(n, cells)
	if !ok {
		return redress.SheetRow{}, false
	}
	key := redress.AgencyKey(r.State, r.AgencyName) + "|" + string(r.Model)
	if first, dup := p.seen[key]; dup {
		p.warn(n, colAgency, r.AgencyName,
			fmt.Sprintf("same agency and support type as row %d; row skipped, row %d kept", first, first))
		return redress.SheetRow{}, false
	}
	p.seen[key] = n
	r.AgencyType = p.text(n, cells, colType)
	p.county(n, cells, &r)
	if p.kind == redress.SheetParticipating {
		p.signed(n, cells, &r)
		p.moa(n, cells, &r)
	}
	return r, true
}

// identity reads what ties a row to one agreement: state, agency and model. Each
// unreadable one gets its own warning so the operator sees every problem at once.
func (p *rowParser) identity(n int, cells []string) (redress.SheetRow, bool) {
	r := redress.SheetRow{Row: n}
	stateRaw := clean(p.cell(cells, colState))
	state, stateOK := redress.StateCode(stateRaw)
	if !stateOK {
		p.warn(n, colState, stateRaw, "not a U.S. state or territory; row skipped")
	}
	name := clean(p.cell(cells, colAgency))
	nameOK := name != "" && !isExcelError(name)
	if !nameOK {
		p.warn(n, colAgency, name, "no agency name; row skipped")
	}
	modelRaw := clean(p.cell(cells, colSupportType))
	model, modelOK := redress.ParseModel(modelRaw)
	if !modelOK {
		p.warn(n, colSupportType, modelRaw,
			"not a 287(g) model (Jail Enforcement Model, Warrant Service Officer, Task Force Model); row skipped")
	}
	r.State, r.AgencyName, r.Model = state, name, model
	return r, stateOK && nameOK && modelOK
}

// text reads a free-text cell; an Excel error value becomes "" with a warning.
func (p *rowParser) text(n int, cells []string, col string) string {
	v := clean(p.cell(cells, col))
	if isExcelError(v) {
		p.warn(n, col, v, "could not be read; left empty")
		return ""
	}
	return v
}

// county keeps a COUNTY that names no county as given beside an empty county, so the
// agency is still listed and nothing is made up. ICE writes the Excel error #N/A where
// its lookup failed, and the text "N/A" for a state agency (Iowa DPS).
func (p *rowParser) county(n int, cells []string, r *redress.SheetRow) {
	v := clean(p.cell(cells, colCounty))
	if isExcelError(v) || strings.EqualFold(v, "N/A") {
		r.CountyRaw = v
		p.warn(n, colCounty, v, "no county given; county left empty")
		return
	}
	r.County = v
}

// signed reads SIGNED: normally an Excel serial date, sometimes text. SignedRaw keeps
// what the sheet shows; SignedOn stays empty unless the cell is a date beyond doubt.
func (p *rowParser) signed(n int, cells []string, r *redress.SheetRow) {
	raw := clean(p.cell(cells, colSigned))
	r.SignedRaw = raw
	if raw == "" {
		p.warn(n, colSigned, raw, "empty; no signing date")
		return
	}
	if serial, err := strconv.ParseFloat(raw, 64); err == nil {
		p.signedSerial(n, serial, r)
		return
	}
	for _, layout := range textDateLayouts {
		if t, err := time.Parse(layout, raw); err == nil && p.plausible(t) {
			r.SignedOn = redress.DateOf(t)
			return
		}
	}
	p.warn(n, colSigned, raw, "not a date; kept as given")
}

func (p *rowParser) signedSerial(n int, serial float64, r *redress.SheetRow) {
	// Keep the date as the sheet displays it (ICE: "05-08-25") rather than the serial.
	if axis, err := excelize.CoordinatesToCellName(p.table.cols[colSigned]+1, n); err == nil {
		if shown, err := p.book.GetCellValue(p.table.sheet, axis); err == nil && clean(shown) != "" {
			r.SignedRaw = clean(shown)
		}
	}
	t, err := excelize.ExcelDateToTime(serial, p.date1904)
	if err != nil {
		p.warn(n, colSigned, r.SignedRaw, "not a date; kept as given")
		return
	}
	if !p.plausible(t) {
		// ICE has typed 7/7/5025, which its two-digit format shows as 07-07-25: say what
		// the cell really holds, since the sheet's display hides it.
		p.warn(n, colSigned, r.SignedRaw, fmt.Sprintf(
			"the cell holds %s, not a plausible signing date; kept as given", t.Format("2006-01-02")))
		return
	}
	r.SignedOn = redress.DateOf(t)
}

// plausible refuses signing dates before the program existed or after the sheet that
// lists them was published.
func (p *rowParser) plausible(t time.Time) bool {
	return t.Year() >= firstSigningYear && !t.After(p.asOf.Add(24*time.Hour))
}

// moa reads whether ICE links the MOA document and whether an addendum exists. June 2025
// wrote "link | addendum" in MOA; July 2025 moved addenda to their own column.
func (p *rowParser) moa(n int, cells []string, r *redress.SheetRow) {
	raw := clean(p.cell(cells, colMOA))
	switch strings.ReplaceAll(strings.ToLower(raw), " ", "") {
	case "link":
		r.MOAListed = true
	case "linkpending":
	case "link|addendum":
		r.MOAListed, r.Addendum = true, true
	default:
		p.warn(n, colMOA, raw, `not "link", "link pending" or "link | addendum"; read as not listed`)
	}
	if _, ok := p.table.cols[colAddendum]; !ok {
		return
	}
	switch raw := clean(p.cell(cells, colAddendum)); strings.ToLower(raw) {
	case "":
	case "link":
		r.Addendum = true
	default:
		p.warn(n, colAddendum, raw, `not "link" or empty; read as no addendum`)
	}
}
