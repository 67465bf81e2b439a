package reports

import (
	"html/template"
	"io"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
)

// The printable quarterly report (`redress report --format html`): one self-contained
// page, styles inline and no script, laid out for paper: tables don't split a row across
// pages, each section starts clear of a chart, links print their address.

// HTMLTable is a table worded for a page.
type HTMLTable struct {
	Name    string
	Title   string
	Columns []string
	Rows    [][]string
	// Numeric marks the columns to right-align.
	Numeric []bool
}

// Page words a table for a page.
func (w Words) Page(t Table) HTMLTable {
	h := HTMLTable{Name: t.Name, Title: w.Title(t.Name)}
	for i, c := range t.Columns {
		h.Columns = append(h.Columns, w.Column(c))
		num := len(t.Rows) > 0
		for _, r := range t.Rows {
			switch r[i].(type) {
			case int, int64, float64, nil:
			default:
				num = false
			}
		}
		h.Numeric = append(h.Numeric, num)
	}
	for r := range t.Rows {
		var cells []string
		for i := range t.Columns {
			cells = append(cells, w.RowCell(t, r, i))
		}
		h.Rows = append(h.Rows, cells)
	}
	return h
}

// Period words a filter's period in loc, its last day included: "Jul 1, 2026" to
// "Sep 30, 2026".
func (w Words) Period(f redress.MeasureFilter, loc *time.Location) (from, to string) {
	d := func(t time.Time) string {
		t = t.In(loc)
		return w.Cat.Date(w.Lang, t.Year(), t.Month(), t.Day())
	}
	if !f.From.IsZero() {
		from = d(f.From)
	}
	if !f.To.IsZero() {
		to = d(f.To.Add(-time.Nanosecond))
	}
	return from, to
}

var reportHTML = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; color: #1b1f24; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; } h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid #c9ced6; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f5f8; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; max-width: 36rem; } .lead { color: #4a5360; }
@page { margin: 1.5cm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  section { break-inside: avoid-page; } tr, figure { break-inside: avoid; } thead { display: table-header-group; }
  h2 { break-after: avoid; } figure { max-width: 14cm; }
}
</style></head><body>
<header><h1>{{.Title}}</h1><p class="lead">{{.Intro}}</p></header>
<main>
<section><h2>{{.TrendTitle}}</h2><figure>{{.Charts.Trend}}</figure></section>
<section><h2>{{.BandsTitle}}</h2><figure>{{.Charts.Bands}}</figure></section>
{{range .Tables}}{{$t := .}}<section id="{{.Name}}"><h2>{{.Title}}</h2>
{{with index $.Compliance .Name}}<figure>{{.}}</figure>{{end}}
<table><thead><tr>{{range $i, $c := .Columns}}<th scope="col"{{if index $t.Numeric $i}} class="num"{{end}}>{{$c}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr>{{range $i, $c := .}}<td{{if index $t.Numeric $i}} class="num"{{end}}>{{$c}}</td>{{end}}</tr>{{end}}</tbody></table>
</section>{{end}}
</main></body></html>
`))

// WriteHTML writes the printable report of a set: period names the quarter ("2026-Q3"),
// loc is the office's zone.
func (w Words) WriteHTML(out io.Writer, s Set, period string, loc *time.Location) error {
	from, to := w.Period(s.Filter, loc)
	asOf := s.AsOf.In(loc)
	charts := w.Draw(s, "r-")
	data := struct {
		Lang, Title, Intro     string
		TrendTitle, BandsTitle string
		Charts                 struct{ Trend, Bands template.HTML }
		Compliance             map[string]template.HTML
		Tables                 []HTMLTable
	}{Lang: w.Lang, Title: w.T("report.doc_title", "Period", period),
		Intro: w.T("report.doc_intro", "From", from, "To", to, "Zone", loc.String(),
			"When", w.Cat.Date(w.Lang, asOf.Year(), asOf.Month(), asOf.Day())+" "+asOf.Format("15:04 MST")),
		TrendTitle: w.T("dash.chart.trend"), BandsTitle: w.T("dash.chart.bands"), Compliance: map[string]template.HTML{}}
	// The charts are built by internal/chart, which escapes every text it draws.
	data.Charts.Trend, data.Charts.Bands = template.HTML(charts.Trend), template.HTML(charts.Bands)
	for k, v := range charts.Compliance {
		data.Compliance[k] = template.HTML(v)
	}
	for _, name := range s.Order {
		data.Tables = append(data.Tables, w.Page(s.Tables[name]))
	}
	return reportHTML.Execute(out, data)
}
