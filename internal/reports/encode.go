package reports

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
)

// Formats an export is given in.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
	FormatHTML = "html" // `redress report` only: the printable quarterly report
)

// WriteCSV writes the table with its column keys as the header. A text cell a
// spreadsheet would take for a formula (=, +, -, @) is written with a leading
// apostrophe, as OWASP advises for CSV meant for spreadsheets.
func WriteCSV(w io.Writer, t Table) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Columns); err != nil {
		return err
	}
	for _, row := range t.Rows {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = Text(v)
			if s, ok := v.(string); ok && s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
				rec[i] = "'" + s
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// JSONTable is a table as the JSON export gives it: each row an object by column key,
// a value that is not measured (no case decided a deadline) null.
type JSONTable struct {
	Table   string           `json:"table"`
	AsOf    time.Time        `json:"as_of"`
	Filter  map[string]any   `json:"filter"`
	Columns []string         `json:"columns"`
	Rows    []map[string]any `json:"rows"`
}

// ToJSON is t as its JSON export.
func ToJSON(t Table, f redress.MeasureFilter, asOf time.Time) JSONTable {
	out := JSONTable{Table: t.Name, AsOf: asOf.UTC(), Filter: FilterDetails(f), Columns: t.Columns, Rows: []map[string]any{}}
	for _, row := range t.Rows {
		obj := map[string]any{}
		for i, v := range row {
			if x, ok := v.(float64); ok && (math.IsNaN(x) || math.IsInf(x, 0)) {
				v = nil
			} else if ok {
				v = math.Round(x*100) / 100
			}
			obj[t.Columns[i]] = v
		}
		out.Rows = append(out.Rows, obj)
	}
	return out
}

// WriteJSON writes t as its JSON export.
func WriteJSON(w io.Writer, t Table, f redress.MeasureFilter, asOf time.Time) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(ToJSON(t, f, asOf))
}

// WriteSetCSV writes every table of a set in one CSV, long form: one line per cell
// (table, row, key, column, value), so a script reads any table of it alike.
func WriteSetCSV(w io.Writer, s Set) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"table", "row", "key", "column", "value"})
	for _, name := range s.Order {
		t := s.Tables[name]
		for r, row := range t.Rows {
			key := ""
			if r < len(t.Keys) {
				key = t.Keys[r]
			}
			for i, v := range row {
				cell := Text(v)
				if s, ok := v.(string); ok && s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
					cell = "'" + s
				}
				cw.Write([]string{name, itoa(r + 1), key, t.Columns[i], cell})
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func itoa(i int) string { return Text(i) }

// WriteSetJSON writes every table of a set as one JSON document.
func WriteSetJSON(w io.Writer, s Set, period string) error {
	doc := struct {
		Period string               `json:"period,omitempty"`
		AsOf   time.Time            `json:"as_of"`
		Filter map[string]any       `json:"filter"`
		Tables map[string]JSONTable `json:"tables"`
		Order  []string             `json:"order"`
	}{Period: period, AsOf: s.AsOf.UTC(), Filter: FilterDetails(s.Filter), Tables: map[string]JSONTable{}, Order: s.Order}
	for _, name := range s.Order {
		doc.Tables[name] = ToJSON(s.Tables[name], s.Filter, s.AsOf)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
