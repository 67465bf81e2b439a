package oversight

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/suppress"
)

// Report is the transparency report as built at Built: its tables, each with its rows'
// labels, every number already protected.
type Report struct {
	Built    time.Time
	TTL      time.Duration
	Quarters []redress.Quarter

	// States holds each state's agencies as sub-rows; Models splits the same
	// complaints by the model of their agreement. Categories and Findings count the
	// allegations of the same complaints.
	States, Models       Labeled
	Categories, Findings Labeled
	// Times is the median time to close and the deadlines met; nil without measures.
	Times []TimesRow
}

// Labeled is a protected table and its rows' labels, in the same order.
type Labeled struct {
	suppress.Table
	Labels []Label
}

// Label names a row: Name when it is a name (a state's, a registry agency's), else Key,
// a catalog key ("category.force", "transparency.none.agency"). Code is what the API
// gives: a state's code, an agency's id, a model, category or finding code; "" for the
// rows gathering what has none.
type Label struct {
	Code, Key, Name string
	Children        []Label
}

// Figure is a median (in days) or a share (from 0 to 1) worked out from N cases; Shown
// is false when N is under the threshold.
type Figure struct {
	Value float64
	N     int
	Shown bool
}

// TimesRow is one measure by quarter: the median days to close (Clock "") or the share
// of one deadline's cases that met it on time (Share).
type TimesRow struct {
	Clock string
	Share bool
	Cells []Figure
}

// Catalog keys of the rows that gather what has no label of its own.
const (
	keyNoState     = "transparency.none.state"
	keyNoAgency    = "transparency.none.agency"
	keyNoModel     = "transparency.none.model"
	keyNoFinding   = "transparency.none.finding"
	keyOpenFinding = "transparency.none.open"
)

// complaintTables lays the complaint counts out by state (agencies as sub-rows) and by
// model. States and agencies are in name order, the rows without one last.
func complaintTables(cols int, ts []redress.ComplaintTally) (states, models Labeled) {
	type agencyKey struct {
		state string
		id    int64
	}
	agencies := map[agencyKey][]int{}
	names := map[int64]string{}
	byModel := map[redress.Model][]int{}
	add := func(m map[agencyKey][]int, k agencyKey, q, n int) {
		if m[k] == nil {
			m[k] = make([]int, cols)
		}
		m[k][q] += n
	}
	for _, t := range ts {
		add(agencies, agencyKey{t.State, t.AgencyID}, t.Quarter, t.N)
		names[t.AgencyID] = t.AgencyName
		if byModel[t.Model] == nil {
			byModel[t.Model] = make([]int, cols)
		}
		byModel[t.Model][t.Quarter] += t.N
	}
	keys := slices.Collect(func(yield func(agencyKey) bool) {
		for k := range agencies {
			if !yield(k) {
				return
			}
		}
	})
	// Order: states by name ("" last), then agencies by name (none last).
	stateName := func(s string) string { return redress.StateName(s) }
	last := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	slices.SortFunc(keys, func(a, b agencyKey) int {
		return cmp.Or(cmp.Compare(last(a.state == ""), last(b.state == "")),
			cmp.Compare(stateName(a.state), stateName(b.state)), cmp.Compare(a.state, b.state),
			cmp.Compare(last(a.id == 0), last(b.id == 0)),
			cmp.Compare(names[a.id], names[b.id]), cmp.Compare(a.id, b.id))
	})
	states.Cols = cols
	for i, k := range keys {
		if i == 0 || keys[i-1].state != k.state {
			l := Label{Code: k.state, Name: stateName(k.state)}
			if k.state == "" {
				l = Label{Key: keyNoState}
			}
			// Cells of its own, for holds to be set on before Protect sums them.
			states.Rows = append(states.Rows, suppress.Row{Cells: make([]suppress.Cell, cols)})
			states.Labels = append(states.Labels, l)
		}
		r, l := &states.Rows[len(states.Rows)-1], &states.Labels[len(states.Labels)-1]
		r.Children = append(r.Children, suppress.Row{Cells: cellsOf(agencies[k])})
		child := Label{Code: strconv.FormatInt(k.id, 10), Name: names[k.id]}
		if k.id == 0 {
			child = Label{Key: keyNoAgency}
		}
		l.Children = append(l.Children, child)
	}
	models.Cols = cols
	for _, m := range append(slices.Clone(redress.Models), "") {
		key := "model." + string(m)
		if m == "" {
			key = keyNoModel
		}
		row := byModel[m]
		if row == nil {
			row = make([]int, cols)
		}
		models.Rows = append(models.Rows, suppress.Row{Cells: cellsOf(row)})
		models.Labels = append(models.Labels, Label{Code: string(m), Key: key})
	}
	return states, models
}

// allegationTables lays the allegation counts out by category and by finding (with
// rows for allegations closed without a finding and for those still open).
func allegationTables(cols int, ts []redress.AllegationTally) (cats, finds Labeled) {
	byCat := map[redress.Category][]int{}
	byFinding := map[string][]int{}
	for _, t := range ts {
		if byCat[t.Category] == nil {
			byCat[t.Category] = make([]int, cols)
		}
		byCat[t.Category][t.Quarter] += t.N
		f := t.Finding
		if !t.Closed {
			f = "open"
		}
		if byFinding[f] == nil {
			byFinding[f] = make([]int, cols)
		}
		byFinding[f][t.Quarter] += t.N
	}
	cats.Cols, finds.Cols = cols, cols
	row := func(m []int) suppress.Row {
		if m == nil {
			m = make([]int, cols)
		}
		return suppress.Row{Cells: cellsOf(m)}
	}
	for _, c := range redress.Categories {
		cats.Rows = append(cats.Rows, row(byCat[c]))
		cats.Labels = append(cats.Labels, Label{Code: string(c), Key: "category." + string(c)})
		delete(byCat, c)
	}
	// A code no longer in the vocabulary still counts, under its own code.
	for c, m := range byCat {
		cats.Rows = append(cats.Rows, row(m))
		cats.Labels = append(cats.Labels, Label{Code: string(c), Key: "category." + string(c)})
	}
	for _, f := range append(slices.Clone(findingCodes), "", "open") {
		key, code := "finding."+f, f
		switch f {
		case "":
			key, code = keyNoFinding, "none"
		case "open":
			key = keyOpenFinding
		}
		finds.Rows = append(finds.Rows, row(byFinding[f]))
		finds.Labels = append(finds.Labels, Label{Code: code, Key: key})
		delete(byFinding, f)
	}
	for f, m := range byFinding {
		finds.Rows = append(finds.Rows, row(m))
		finds.Labels = append(finds.Labels, Label{Code: f, Key: "finding." + f})
	}
	return cats, finds
}

// findingCodes are workflow's findings, in its order (oversight sits above workflow,
// but the codes are all the report needs).
var findingCodes = []string{"sustained", "not_sustained", "exonerated", "unfounded", "policy_failure"}

func cellsOf(ns []int) []suppress.Cell {
	out := make([]suppress.Cell, len(ns))
	for i, n := range ns {
		out[i].N = n
	}
	return out
}

// deadlineOrder is the order the deadlines are shown in; others follow by name.
var deadlineOrder = []string{"acknowledge", "triage", "notify_ice", "resolve", "report_results"}

// times asks the measures of each quarter: the median calendar days to close and the
// share of each deadline met on time, each shown from Threshold cases up.
func (t *Transparency) times(ctx context.Context, bounds []time.Time) ([]TimesRow, error) {
	n := len(bounds) - 1
	closeRow := TimesRow{Cells: make([]Figure, n)}
	shares := map[string][]Figure{}
	for q := range n {
		m, err := t.Measures.Measures(ctx, redress.MeasureFilter{From: bounds[q], To: bounds[q+1], AllUnits: true})
		if err != nil {
			return nil, err
		}
		c := m.Close.Calendar
		closeRow.Cells[q] = Figure{Value: c.Median, N: c.Count, Shown: suppress.Enough(c.Count)}
		for _, d := range m.Deadlines {
			if shares[d.Clock] == nil {
				shares[d.Clock] = make([]Figure, n)
			}
			s, _ := d.Share()
			shares[d.Clock][q] = Figure{Value: s, N: d.Decided(), Shown: suppress.Enough(d.Decided())}
		}
	}
	clocks := make([]string, 0, len(shares))
	for c := range shares {
		clocks = append(clocks, c)
	}
	rank := func(c string) int {
		if i := slices.Index(deadlineOrder, c); i >= 0 {
			return i
		}
		return len(deadlineOrder)
	}
	slices.SortFunc(clocks, func(a, b string) int { return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b)) })
	rows := []TimesRow{closeRow}
	for _, c := range clocks {
		rows = append(rows, TimesRow{Clock: c, Share: true, Cells: shares[c]})
	}
	return rows, nil
}

// eachCell calls fn with every count of the report and a key naming it across builds:
// the table, the row's code (a sub-row's after its parent's), the quarter or "total".
func (r *Report) eachCell(fn func(key string, c *suppress.Cell)) {
	col := func(j int) string {
		if j < 0 {
			return "total"
		}
		return r.Quarters[j].String()
	}
	row := func(prefix string, cells []suppress.Cell, total *suppress.Cell) {
		for j := range cells {
			fn(prefix+"|"+col(j), &cells[j])
		}
		fn(prefix+"|"+col(-1), total)
	}
	id := func(l Label) string { return cmp.Or(l.Code, l.Key) }
	for _, t := range []struct {
		name string
		tab  *Labeled
	}{{"state", &r.States}, {"model", &r.Models}, {"category", &r.Categories}, {"finding", &r.Findings}} {
		for i := range t.tab.Rows {
			rw, l := &t.tab.Rows[i], t.tab.Labels[i]
			row(t.name+"|"+id(l), rw.Cells, &rw.Total)
			for k := range rw.Children {
				row(t.name+"|"+id(l)+">"+id(l.Children[k]), rw.Children[k].Cells, &rw.Children[k].Total)
			}
		}
		if t.tab.Totals == nil {
			t.tab.Totals = make([]suppress.Cell, t.tab.Cols)
		}
		row(t.name+"|total", t.tab.Totals, &t.tab.Grand)
	}
}

// prevQuarter is the quarter before q.
func prevQuarter(q redress.Quarter) redress.Quarter {
	if q.Q == 1 {
		return redress.Quarter{Year: q.Year - 1, Q: 4}
	}
	return redress.Quarter{Year: q.Year, Q: q.Q - 1}
}
