package reports

import (
	"math"
	"slices"
	"strconv"

	"github.com/redress-oversight/redress/internal/chart"
	"github.com/redress-oversight/redress/internal/redress"
)

// Charts are a set's charts as SVG, each with its text alternative written from the
// same numbers its table shows.
type Charts struct {
	Trend, Bands string
	// Compliance by breakdown table name ("by_agency"): the share resolved within 90 days.
	Compliance map[string]string
}

// maxBars bounds a compliance chart: the lowest shares, which an auditor looks at
// first; the table lists every row.
const maxBars = 20

// BandLabel names a band of days: "30–60", "365+".
func BandLabel(b redress.Band) string {
	if b.ToDays == 0 {
		return strconv.Itoa(b.FromDays) + "+"
	}
	return strconv.Itoa(b.FromDays) + "–" + strconv.Itoa(b.ToDays)
}

// Draw makes the set's charts; id prefixes their element ids.
func (w Words) Draw(s Set, id string) Charts {
	c := Charts{Compliance: map[string]string{}}
	// The monthly trend: received and closed.
	spec := chart.Spec{ID: id + "trend", Title: w.T("dash.chart.trend")}
	rec := chart.Series{Name: w.T("dash.series.received")}
	clo := chart.Series{Name: w.T("dash.series.closed")}
	var totR, totC int
	peak, peakN := "", -1
	for _, p := range s.Trend {
		spec.Labels = append(spec.Labels, p.Month)
		rec.Values = append(rec.Values, float64(p.Received))
		clo.Values = append(clo.Values, float64(p.Closed))
		totR += p.Received
		totC += p.Closed
		if p.Received > peakN {
			peak, peakN = p.Month, p.Received
		}
	}
	spec.Series = []chart.Series{rec, clo}
	spec.Desc = w.T("dash.chart.empty")
	if len(s.Trend) > 0 {
		spec.Desc = w.T("dash.chart.trend_desc", "Months", len(s.Trend), "Received", totR, "Peak", peak, "Closed", totC)
	}
	c.Trend = chart.Columns(spec)

	// The distribution of days to close.
	m := s.Measures
	spec = chart.Spec{ID: id + "bands", Title: w.T("dash.chart.bands")}
	bands := chart.Series{Name: w.T("dash.series.closed")}
	peak, peakN = "", -1
	for _, b := range m.CloseBands {
		spec.Labels = append(spec.Labels, BandLabel(b))
		bands.Values = append(bands.Values, float64(b.N))
		if b.N > peakN {
			peak, peakN = BandLabel(b), b.N
		}
	}
	spec.Series = []chart.Series{bands}
	spec.Desc = w.T("dash.chart.empty")
	if m.Close.Calendar.Count > 0 {
		spec.Desc = w.T("dash.chart.bands_desc", "Closed", m.Close.Calendar.Count, "Median", chart.Number(round1(m.Close.Calendar.Median)),
			"P90", chart.Number(round1(m.Close.Calendar.P90)), "Peak", peak)
	}
	c.Bands = chart.Columns(spec)

	// Compliance by agency and by agreement.
	for _, by := range []string{redress.ByState, redress.ByAgency, redress.ByAgreement, redress.ByModel, redress.ByUnit} {
		t, ok := s.Tables[ByPrefix+by]
		if !ok {
			continue
		}
		c.Compliance[t.Name] = w.compliance(t, id+t.Name)
	}
	return c
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// compliance draws the share resolved on time of each row of a breakdown that has one,
// lowest first.
func (w Words) compliance(t Table, id string) string {
	col := slices.Index(t.Columns, "share_resolve")
	name := slices.Index(t.Columns, "name")
	type row struct {
		label string
		v     float64
	}
	var rows []row
	for _, r := range t.Rows {
		if v, ok := r[col].(float64); ok && !math.IsNaN(v) {
			rows = append(rows, row{r[name].(string), v})
		}
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		if a.v < b.v {
			return -1
		} else if a.v > b.v {
			return 1
		}
		return 0
	})
	by := w.Title(t.Name)
	spec := chart.Spec{ID: id, Title: w.T("dash.chart.compliance", "By", by), Max: 1, Format: chart.Percent,
		Series: []chart.Series{{Name: w.T("dash.series.share")}}}
	spec.Desc = w.T("dash.chart.empty")
	if len(rows) > 0 {
		spec.Desc = w.T("dash.chart.compliance_desc", "N", len(rows),
			"Best", rows[len(rows)-1].label+" "+chart.Percent(rows[len(rows)-1].v), "Worst", rows[0].label+" "+chart.Percent(rows[0].v))
	}
	if len(rows) > maxBars {
		rows = rows[:maxBars]
	}
	for _, r := range rows {
		spec.Labels = append(spec.Labels, r.label)
		spec.Series[0].Values = append(spec.Series[0].Values, r.v)
	}
	return chart.HBars(spec)
}
