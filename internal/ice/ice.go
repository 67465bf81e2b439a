// Package ice reads the 287(g) agency lists ICE publishes as .xlsx files (participating
// agencies, pending agencies) into rows the registry can merge, exactly as published.
//
// ICE's sheets are real and messy: columns move, blank columns and rows come and go,
// SIGNED is sometimes a mistyped string and COUNTY sometimes #N/A. The reader finds
// columns by header name, keeps every row it can tie to an agency and a model, and turns
// each cell it could not read into a warning with its row number instead of guessing.
package ice

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/redress-oversight/redress/internal/redress"
)

// MaxFileSize bounds what Read accepts. ICE's sheets are about 100 KB; anything near
// this is not one of them, and refusing it early keeps an upload from exhausting memory.
const MaxFileSize = 20 << 20

// Unzipped limits protect against a small file that expands to gigabytes.
const (
	maxUnzipped    = 200 << 20
	maxUnzippedXML = 100 << 20
)

// Header names as ICE writes them, after upper-casing and collapsing spaces.
const (
	colState       = "STATE"
	colAgency      = "LAW ENFORCEMENT AGENCY"
	colType        = "TYPE"
	colCounty      = "COUNTY"
	colSupportType = "SUPPORT TYPE"
	colSigned      = "SIGNED"
	colMOA         = "MOA"
	colAddendum    = "ADDENDUM"
)

// requiredColumns are the headers each kind of sheet must have. ADDENDUM is optional:
// the June 2025 sheet has none and marks addenda inside the MOA cell instead.
var requiredColumns = map[redress.SheetKind][]string{
	redress.SheetParticipating: {colState, colAgency, colType, colCounty, colSupportType, colSigned, colMOA},
	redress.SheetPending:       {colState, colAgency, colType, colCounty, colSupportType},
}

// ReadFile reads the sheet at path. A zero asOf means "the date in the file name".
func ReadFile(path string, asOf time.Time) (redress.Sheet, error) {
	f, err := os.Open(path)
	if err != nil {
		return redress.Sheet{}, err // *PathError already names the file
	}
	defer f.Close()
	return Read(f, filepath.Base(path), asOf)
}

// Read reads one of ICE's sheets from r. fileName is the name ICE gave the file: it tells
// the kind of sheet and, unless asOf is given, the day ICE published it.
func Read(r io.Reader, fileName string, asOf time.Time) (redress.Sheet, error) {
	name := filepath.Base(fileName)
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return redress.Sheet{}, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > MaxFileSize {
		return redress.Sheet{}, redress.Errorf(redress.EINVALID,
			"%s is larger than %d MB; ICE's agency sheets are far smaller.", name, MaxFileSize>>20)
	}
	sum := sha256.Sum256(data)
	book, err := excelize.OpenReader(bytes.NewReader(data),
		excelize.Options{UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: maxUnzippedXML})
	if err != nil {
		return redress.Sheet{}, redress.Errorf(redress.EINVALID,
			"%s is not an Excel workbook (.xlsx) that can be read; ICE publishes its agency lists as .xlsx files.", name)
	}
	defer book.Close()

	t, err := findTable(book, name)
	if err != nil {
		return redress.Sheet{}, err
	}
	kind, err := sheetKind(name, t.cols)
	if err != nil {
		return redress.Sheet{}, err
	}
	if err := t.require(name, kind); err != nil {
		return redress.Sheet{}, err
	}
	if asOf.IsZero() {
		if asOf = AsOfFromName(name); asOf.IsZero() {
			return redress.Sheet{}, redress.Errorf(redress.EINVALID,
				"%s: cannot tell when ICE published this sheet, because its name has no date like participatingAgencies07182025pm.xlsx; give the date with --as-of YYYY-MM-DD.", name)
		}
	}
	asOf = asOf.UTC()
	p := newRowParser(book, t, kind, asOf)
	rows, warnings := p.parseAll()
	return redress.Sheet{
		FileName: name, Kind: kind, AsOf: asOf, SHA256: hex.EncodeToString(sum[:]),
		Rows: rows, Warnings: warnings,
	}, nil
}

// fileDate finds ICE's MMDDYYYY stamp, with the am/pm ICE sometimes adds, in a file name.
var fileDate = regexp.MustCompile(`(?i)(?:^|[^0-9])([0-9]{2})([0-9]{2})([0-9]{4})(am|pm)?(?:[^0-9]|$)`)

// AsOfFromName returns the publication time in an ICE file name such as
// participatingAgencies07182025pm.xlsx, or zero when there is none. A "pm" sheet is
// placed at noon UTC so it sorts after the same day's "am" sheet (midnight), which is
// all the precision ICE's names give.
func AsOfFromName(name string) time.Time {
	for _, m := range fileDate.FindAllStringSubmatch(name, -1) {
		month, _ := strconv.Atoi(m[1])
		day, _ := strconv.Atoi(m[2])
		year, _ := strconv.Atoi(m[3])
		t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
		if t.Year() != year || int(t.Month()) != month || t.Day() != day {
			continue // 13322025 is not a date; time.Date would roll it over
		}
		if strings.EqualFold(m[4], "pm") {
			t = t.Add(12 * time.Hour)
		}
		return t
	}
	return time.Time{}
}

// sheetKind tells the two lists apart by ICE's file name and, for renamed files, by
// the SIGNED column only the participating list has.
func sheetKind(name string, cols map[string]int) (redress.SheetKind, error) {
	lower := strings.ToLower(name)
	switch {
	case strings.Contains(lower, "participating"):
		return redress.SheetParticipating, nil
	case strings.Contains(lower, "pending"):
		return redress.SheetPending, nil
	}
	if _, ok := cols[colSigned]; ok {
		return redress.SheetParticipating, nil
	}
	return redress.SheetPending, nil
}

// table is the worksheet holding the agency list: its rows as raw cell values, the
// header's row index and where each named column sits.
type table struct {
	sheet     string
	rows      [][]string
	headerIdx int
	cols      map[string]int
}

// findTable picks the first worksheet with a header row. Rows above the header (a title,
// a note) are ignored; ICE has so far always put the header in row 1.
func findTable(book *excelize.File, name string) (table, error) {
	for _, sheet := range book.GetSheetList() {
		rows, err := book.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			return table{}, redress.Errorf(redress.EINVALID, "%s: worksheet %q cannot be read.", name, sheet)
		}
		for i, row := range rows {
			cols := headerColumns(row)
			_, hasState := cols[colState]
			_, hasAgency := cols[colAgency]
			if hasState && hasAgency {
				return table{sheet: sheet, rows: rows, headerIdx: i, cols: cols}, nil
			}
		}
	}
	return table{}, redress.Errorf(redress.EINVALID,
		"%s: no header row with the columns %s and %s; is this one of ICE's 287(g) agency lists?", name, colState, colAgency)
}

// headerColumns maps each non-blank header cell to its column index; the first of two
// equal headers wins.
func headerColumns(row []string) map[string]int {
	cols := map[string]int{}
	for i, cell := range row {
		h := strings.ToUpper(clean(cell))
		if _, dup := cols[h]; h != "" && !dup {
			cols[h] = i
		}
	}
	return cols
}

func (t table) require(name string, kind redress.SheetKind) error {
	var missing []string
	for _, c := range requiredColumns[kind] {
		if _, ok := t.cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return redress.Errorf(redress.EINVALID, "%s: the %s sheet has no %s column in its header row (row %d).",
		name, kind, strings.Join(missing, ", "), t.headerIdx+1)
}

// clean trims a cell and collapses inner runs of spaces, including the non-breaking
// spaces ICE's cells carry.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

// excelErrors are the values Excel shows for a formula that failed; ICE's COUNTY column
// holds #N/A where a lookup found nothing.
var excelErrors = map[string]bool{
	"#N/A": true, "#REF!": true, "#VALUE!": true, "#NAME?": true, "#DIV/0!": true,
	"#NULL!": true, "#NUM!": true, "#GETTING_DATA": true, "#SPILL!": true, "#CALC!": true,
}

func isExcelError(s string) bool { return excelErrors[strings.ToUpper(s)] }
