// Package reports turns the oversight measures (internal/oversight) into the tables the
// dashboard, the MOA report card, the exports and `redress report` show: one table
// type, so every table on a page is also a CSV and a JSON download with the same
// columns, and every export is an audit event. Tables hold counts, durations, shares
// and the registry's names only: never a complaint's text, identity or contact, nor
// an officer's name (the measures hold none to begin with).
package reports

import (
	"context"
	"math"
	"slices"
	"strconv"

	"github.com/redress-oversight/redress/internal/redress"
)

// Source is where the measures come from: internal/oversight's Service.
type Source interface {
	Measures(ctx context.Context, f redress.MeasureFilter) (redress.Measures, error)
	Trend(ctx context.Context, f redress.MeasureFilter) ([]redress.MonthPoint, error)
	Breakdown(ctx context.Context, f redress.MeasureFilter, by string) ([]redress.Group, error)
}

// Table names, as the export routes and the page's anchors spell them.
const (
	TableSummary   = "summary"
	TableTimes     = "times"
	TableDeadlines = "deadlines"
	TableTrend     = "trend"
	TableBands     = "close_bands"
	TableFindings  = "findings"
	TableReferrals = "referrals"
	TablePeers     = "peers" // a report card: this agreement against its model's median
)

// Tables lists the tables of every filter, in the order a page shows them; the
// breakdowns are "by_" and a redress.Breakdowns name.
var Tables = []string{TableSummary, TableTimes, TableDeadlines, TableTrend, TableBands, TableFindings, TableReferrals}

// ByPrefix starts a breakdown table's name: "by_agency".
const ByPrefix = "by_"

// Known reports whether name is a table an export can ask for (the report card's
// peers table needs an agreement).
func Known(name string) bool {
	if slices.Contains(Tables, name) || name == TablePeers {
		return true
	}
	by, ok := cutBy(name)
	return ok && slices.Contains(redress.Breakdowns, by)
}

func cutBy(name string) (string, bool) {
	if len(name) > len(ByPrefix) && name[:len(ByPrefix)] == ByPrefix {
		return name[len(ByPrefix):], true
	}
	return "", false
}

// Table is one table: its columns by key (the CSV header and the JSON names; the
// catalog's "report.col.<key>" words them) and its rows of values: int, float64
// (NaN: no value), string, or nil.
type Table struct {
	Name    string
	Columns []string
	Rows    [][]any
	// Keys are the rows' drill-down keys, for a breakdown (redress.Group.Key).
	Keys []string
}

func (t *Table) add(row ...any) { t.Rows = append(t.Rows, row) }

// share is a deadline's share met, NaN when none is decided.
func share(c redress.Compliance) float64 {
	if s, ok := c.Share(); ok {
		return s
	}
	return math.NaN()
}

// Summary is the counts of the filter's complaints and the age of the open ones.
func Summary(m redress.Measures) Table {
	t := Table{Name: TableSummary, Columns: []string{"measure", "value"}}
	t.add("received", m.Received)
	t.add("open", m.Open)
	t.add("closed", m.Closed)
	t.add("waiting_on_office", m.WaitingOnOffice)
	t.add("waiting_on_complainant", m.WaitingOnComplainant)
	t.add("open_age_median", m.OpenAge.Median)
	t.add("open_age_p90", m.OpenAge.P90)
	t.add("open_age_max", m.OpenAge.Max)
	return t
}

// Times is how long acknowledging, triaging and closing took, in calendar and
// business days.
func Times(m redress.Measures) Table {
	t := Table{Name: TableTimes, Columns: []string{"step", "days", "count", "median", "p90", "mean", "max"}}
	for _, st := range []struct {
		name string
		e    redress.Elapsed
	}{{"acknowledge", m.Acknowledge}, {"triage", m.Triage}, {"close", m.Close}} {
		for _, d := range []struct {
			kind string
			d    redress.Durations
		}{{"calendar", st.e.Calendar}, {"business", st.e.Business}} {
			t.add(st.name, d.kind, d.d.Count, d.d.Median, d.d.P90, d.d.Mean, d.d.Max)
		}
	}
	return t
}

// Deadlines is how each deadline fared.
func Deadlines(m redress.Measures) Table {
	t := Table{Name: TableDeadlines, Columns: []string{"clock", "on_time", "late", "overdue", "running", "stopped", "share_met"}}
	for _, c := range m.Deadlines {
		t.add(c.Clock, c.OnTime, c.Late, c.Overdue, c.Running, c.Stopped, share(c))
	}
	return t
}

// Trend is the filter's months.
func Trend(points []redress.MonthPoint) Table {
	t := Table{Name: TableTrend, Columns: []string{"month", "received", "closed", "close_median"}}
	for _, p := range points {
		t.add(p.Month, p.Received, p.Closed, p.CloseMedian)
	}
	return t
}

// Bands is the distribution of calendar days to close; to_days is nil for the last,
// open band.
func Bands(m redress.Measures) Table {
	t := Table{Name: TableBands, Columns: []string{"from_days", "to_days", "closed"}}
	for _, b := range m.CloseBands {
		var to any
		if b.ToDays != 0 {
			to = b.ToDays
		}
		t.add(b.FromDays, to, b.N)
	}
	return t
}

// Findings is the allegations by category and finding ("" while none is made).
func Findings(m redress.Measures) Table {
	t := Table{Name: TableFindings, Columns: []string{"category", "finding", "allegations"}}
	for _, f := range m.Findings {
		t.add(string(f.Category), f.Finding, f.N)
	}
	return t
}

// Referrals is the referrals by recipient and how long their answers took.
func Referrals(m redress.Measures) Table {
	t := Table{Name: TableReferrals, Columns: []string{"recipient", "sent", "answered", "response_median", "response_p90"}}
	for _, r := range m.Referrals {
		t.add(r.Recipient, r.Sent, r.Answered, r.Response.Median, r.Response.P90)
	}
	return t
}

// breakdownClocks are the deadlines a breakdown shows a share of, one column each.
var breakdownClocks = []string{"acknowledge", "triage", "notify_ice", "resolve", "report_results"}

// Breakdown is one row per group: its counts, its median days to close and the share
// of each deadline met.
func Breakdown(by string, groups []redress.Group) Table {
	t := Table{Name: ByPrefix + by, Columns: []string{"key", "name", "received", "open", "closed", "close_median", "close_p90"}}
	for _, c := range breakdownClocks {
		t.Columns = append(t.Columns, "share_"+c)
	}
	for _, g := range groups {
		if None(g.Key) {
			g.Key = "" // the complaints with none: one key for both dialects' spellings
		}
		row := []any{g.Key, g.Label, g.Received, g.Open, g.Closed, g.Close.Calendar.Median, g.Close.Calendar.P90}
		for _, c := range breakdownClocks {
			row = append(row, clockShare(g.Measures, c))
		}
		t.Rows = append(t.Rows, row)
		t.Keys = append(t.Keys, g.Key)
	}
	return t
}

// None says whether a group's key stands for the complaints with none (no agency in the
// registry, no agreement, no unit yet): "" or "0". No filter chooses them alone.
func None(key string) bool { return key == "" || key == "0" }

// clockShare is the share of one deadline met, NaN when it is not measured or none is
// decided.
func clockShare(m redress.Measures, clock string) float64 {
	for _, c := range m.Deadlines {
		if c.Clock == clock {
			return share(c)
		}
	}
	return math.NaN()
}

// Peers compares one agreement with the median of the agreements of its model: days
// to close (median and 90th percentile) and each deadline's share met. own is the
// agreement's measures, peers the breakdown by agreement of its model (itself
// included, as the median of a model is of all its agreements).
func Peers(own redress.Measures, peers []redress.Group) Table {
	t := Table{Name: TablePeers, Columns: []string{"measure", "agreement", "model_median", "agreements"}}
	med := func(f func(redress.Measures) float64) (float64, int) {
		var vs []float64
		for _, g := range peers {
			if v := f(g.Measures); !math.IsNaN(v) {
				vs = append(vs, v)
			}
		}
		return Median(vs), len(vs)
	}
	closeN := func(f func(redress.Durations) float64) func(redress.Measures) float64 {
		return func(m redress.Measures) float64 {
			if m.Close.Calendar.Count == 0 {
				return math.NaN()
			}
			return f(m.Close.Calendar)
		}
	}
	rows := []struct {
		name string
		f    func(redress.Measures) float64
	}{
		{"close_median", closeN(func(d redress.Durations) float64 { return d.Median })},
		{"close_p90", closeN(func(d redress.Durations) float64 { return d.P90 })},
	}
	for _, c := range breakdownClocks {
		rows = append(rows, struct {
			name string
			f    func(redress.Measures) float64
		}{"share_" + c, func(m redress.Measures) float64 { return clockShare(m, c) }})
	}
	for _, r := range rows {
		m, n := med(r.f)
		t.add(r.name, r.f(own), m, n)
	}
	return t
}

// Median is the middle value of vs (the mean of the two middle ones), NaN for none.
func Median(vs []float64) float64 {
	if len(vs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// Text writes a value as a CSV cell and a page's table show it: numbers to at most two
// decimals, NaN and nil as empty.
func Text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return ""
		}
		return strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64)
	}
	return ""
}
