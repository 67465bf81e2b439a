package reports

import (
	"math"
	"strings"

	"github.com/redress-oversight/redress/internal/chart"
	"github.com/redress-oversight/redress/internal/i18n"
)

// Words words tables in one language: their titles, their columns, and the codes in
// their cells (deadlines, categories, findings, recipients, models), the same on the
// dashboard, the report card and the printable report.
type Words struct {
	Cat  *i18n.Catalog
	Lang string
}

// T is the catalog's message, or fallback when it has none.
func (w Words) T(id string, kv ...any) string {
	var data map[string]any
	if len(kv) > 1 {
		data = map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			data[kv[i].(string)] = kv[i+1]
		}
	}
	return w.Cat.T(w.Lang, id, data)
}

// or is the catalog's message for id, or the code itself when it has none.
func (w Words) or(id, code string) string {
	if s := w.T(id); s != id {
		return s
	}
	return code
}

// Title is a table's title.
func (w Words) Title(table string) string { return w.or("report.table."+table, table) }

// Column is a column's heading.
func (w Words) Column(col string) string { return w.or("report.col."+col, col) }

// Cell words one value of column col: a code by its catalog name, a share as a
// percentage, no value as a dash.
func (w Words) Cell(col string, v any) string {
	if s, ok := v.(string); ok {
		switch col {
		case "clock":
			return w.or("clock."+s, s)
		case "category":
			return w.or("category."+s, s)
		case "finding":
			if s == "" {
				return w.T("report.finding.none")
			}
			return w.or("finding."+s, s)
		case "recipient":
			return w.or("recipient."+s, s)
		case "measure":
			return w.or("report.measure."+s, s)
		case "step":
			return w.or("report.step."+s, s)
		case "days":
			return w.or("report.days."+s, s)
		}
		return s
	}
	if x, ok := v.(float64); ok && (math.IsNaN(x) || math.IsInf(x, 0)) || v == nil {
		return w.T("report.none")
	}
	if IsShare(col) {
		return chart.Percent(v.(float64))
	}
	return Text(v)
}

// GroupName is a breakdown row's name: its label, or for the complaints with none, the
// catalog's words for them.
func (w Words) GroupName(table, key, label string) string {
	if None(key) && label == "" {
		return w.or("report.none_group."+table, "—")
	}
	return label
}

// IsShare says whether a column holds shares from 0 to 1.
func IsShare(col string) bool { return col == "share_met" || strings.HasPrefix(col, "share_") }

// RowCell words a cell of row r, given the row's first cell: the peers table's and the
// summary's values are shares on a share row.
func (w Words) RowCell(t Table, r, i int) string {
	row := t.Rows[r]
	col := t.Columns[i]
	if (t.Name == TablePeers || t.Name == TableSummary) && i > 0 && col != "agreements" {
		if m, ok := row[0].(string); ok && IsShare(m) {
			if x, ok := row[i].(float64); ok && !math.IsNaN(x) {
				return chart.Percent(x)
			}
		}
	}
	if col == "name" && r < len(t.Keys) {
		return w.GroupName(t.Name, t.Keys[r], Text(row[i]))
	}
	if t.Name == TableBands && col == "to_days" && row[i] == nil {
		return w.T("report.open_band")
	}
	return w.Cell(col, row[i])
}
