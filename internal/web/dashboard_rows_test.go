package web

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/reports"
)

// A breakdown longer than longTable shows the rows with the most complaints, most
// first, each with its own drill-down key, and links to the whole table; asked for by
// name (?all=by_agency) it is whole.
func TestLongBreakdownShowsMostReceived(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Deps: Deps{Catalog: cat}}
	p := &page{Lang: "en"}
	tb := reports.Table{Name: reports.ByPrefix + "agency", Columns: []string{"key", "name", "received", "open", "closed", "close_median", "close_p90"}}
	for i := range 40 {
		key := fmt.Sprint(100 + i)
		// Received 0, 7, 14, … wrapping: the most are not at the top.
		tb.Rows = append(tb.Rows, []any{key, "Agency " + key, (i * 7) % 40, 0, 0, 0.0, 0.0})
		tb.Keys = append(tb.Keys, key)
	}
	mq := measureQuery{Values: url.Values{"period": {"2026-Q3"}}, Path: "/oversight"}
	tv := s.tableView(p, reports.Words{Cat: cat, Lang: "en"}, mq, tb)
	if len(tv.Rows) != longTable || tv.Total != 40 || !strings.Contains(tv.AllURL, "all=by_agency") || !strings.Contains(tv.AllURL, "period=2026-Q3") {
		t.Fatalf("%d rows of %d, link %q; want %d of 40 and a link to all", len(tv.Rows), tv.Total, tv.AllURL, longTable)
	}
	prev := 1 << 30
	for i, row := range tv.Rows {
		var n int
		fmt.Sscan(row[2], &n)
		if n > prev {
			t.Errorf("row %d has %d complaints after a row of %d: not most first", i, n, prev)
		}
		prev = n
		if key := strings.TrimPrefix(row[1], "Agency "); !strings.Contains(tv.Links[i].Drill, "agency="+key) {
			t.Errorf("row %d, %s, drills to %s", i, row[1], tv.Links[i].Drill)
		}
	}
	// Received is a permutation of 0…39: the 25 most run down to 15.
	if prev != 40-longTable {
		t.Errorf("the least shown has %d complaints, want %d", prev, 40-longTable)
	}

	mq.All = tb.Name
	if whole := s.tableView(p, reports.Words{Cat: cat, Lang: "en"}, mq, tb); len(whole.Rows) != 40 || whole.AllURL != "" {
		t.Errorf("asked whole: %d rows, link %q", len(whole.Rows), whole.AllURL)
	}
}
