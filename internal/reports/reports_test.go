package reports_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/reports"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// fake answers fixed measures, recording the filters it was asked.
type fake struct{ asked []redress.MeasureFilter }

func (f *fake) Measures(_ context.Context, mf redress.MeasureFilter) (redress.Measures, error) {
	f.asked = append(f.asked, mf)
	return measures(mf), nil
}

func measures(mf redress.MeasureFilter) redress.Measures {
	return redress.Measures{Filter: mf, AsOf: time.Date(2026, 10, 5, 12, 0, 0, 0, time.UTC), Received: 12, Open: 5, Closed: 7,
		Close:      redress.Elapsed{Calendar: redress.Durations{Count: 7, Median: 31.5, P90: 80, Mean: 40.25, Max: 95}},
		CloseBands: []redress.Band{{FromDays: 0, ToDays: 30, N: 3}, {FromDays: 30, ToDays: 90, N: 3}, {FromDays: 90, N: 1}},
		Deadlines:  []redress.Compliance{{Clock: "resolve", OnTime: 6, Late: 1}, {Clock: "acknowledge", Running: 2}},
		Findings:   []redress.FindingCount{{Category: "force", Finding: "sustained", N: 2}, {Category: "force", N: 1}},
		Referrals:  []redress.ReferralMeasure{{Recipient: "dhs_oig", Sent: 2, Answered: 1, Response: redress.Durations{Count: 1, Median: 12}}}}
}

func (f *fake) Trend(context.Context, redress.MeasureFilter) ([]redress.MonthPoint, error) {
	return []redress.MonthPoint{{Month: "2026-07", Received: 5, Closed: 2, CloseMedian: 20}, {Month: "2026-08", Received: 7, Closed: 5}}, nil
}

func (f *fake) Breakdown(_ context.Context, mf redress.MeasureFilter, by string) ([]redress.Group, error) {
	a, b := measures(mf), measures(mf)
	b.Deadlines = []redress.Compliance{{Clock: "resolve", OnTime: 1, Late: 3}}
	b.Close.Calendar.Median = 60
	return []redress.Group{{Key: "1", Label: "=Harris (TX)", Measures: a}, {Key: "2", Label: "Collier (FL)", Measures: b}}, nil
}

func TestTablesAndFormats(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	svc := &reports.Service{Source: &fake{}}
	set, err := svc.Build(context.Background(), redress.MeasureFilter{AllUnits: true}, redress.ByAgency)
	if err != nil {
		t.Fatal(err)
	}
	// CSV: the header is the column keys; a label a spreadsheet would run is defused.
	var b bytes.Buffer
	if err := reports.WriteCSV(&b, set.Tables["by_agency"]); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0][:3], ",") != "key,name,received" || recs[1][1] != "'=Harris (TX)" || recs[1][5] != "31.5" {
		t.Errorf("csv %v", recs)
	}
	// share_resolve: 6 of 7 and 1 of 4; acknowledge: none decided, empty.
	col := func(name string) int {
		for i, c := range recs[0] {
			if c == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return 0
	}
	if recs[1][col("share_resolve")] != "0.86" || recs[2][col("share_resolve")] != "0.25" || recs[1][col("share_acknowledge")] != "" {
		t.Errorf("shares %v", recs)
	}
	// JSON: rows by column, no value as null.
	b.Reset()
	if err := reports.WriteJSON(&b, set.Tables["deadlines"], set.Filter, set.AsOf); err != nil {
		t.Fatal(err)
	}
	var j reports.JSONTable
	if err := json.Unmarshal(b.Bytes(), &j); err != nil {
		t.Fatal(err)
	}
	if len(j.Rows) != 2 || j.Rows[0]["clock"] != "resolve" || j.Rows[0]["share_met"] != 0.86 || j.Rows[1]["share_met"] != nil {
		t.Errorf("json %+v", j)
	}
	// HTML: every table, worded in Spanish, charts with their titles.
	b.Reset()
	w := reports.Words{Cat: cat, Lang: "es"}
	if err := w.WriteHTML(&b, set, "2026-Q3", time.UTC); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{"Informe trimestral de supervisión, 2026-Q3", "Por agencia", "Plazos cumplidos", `role="img"`,
		"Quejas recibidas y cerradas por mes", "86%", "Sin conclusión todavía", "@media print"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(page, "<script") {
		t.Errorf("script in the report")
	}
}

// An export is recorded before it is given, naming the table and the filter, never a
// number; the peers table compares with the median of the model's agreements.
func TestExportIsRecorded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := &reports.Service{Source: &fake{}, DB: db}
		f := redress.MeasureFilter{From: time.Date(2026, 7, 1, 5, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 1, 5, 0, 0, 0, time.UTC),
			Units: []string{"north"}, AgencyID: 3, Category: "force"}
		tab, _, err := svc.Export(ctx, reports.Actor{Subject: "user:7", RequestID: "req-1"}, f, "by_agency", "csv")
		if err != nil || len(tab.Rows) != 2 {
			t.Fatalf("export %+v %v", tab, err)
		}
		if _, _, err := svc.Export(ctx, reports.Actor{Subject: "user:7"}, f, "nonsense", "csv"); err == nil {
			t.Errorf("an unknown table was exported")
		}
		evs, err := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionReportExported})
		if err != nil || len(evs) != 1 {
			t.Fatalf("events %+v %v", evs, err)
		}
		e := evs[0]
		got, _ := json.Marshal(e.Details)
		if e.Actor != "user:7" || e.RequestID != "req-1" || e.AgencyID != 3 ||
			string(got) != `{"filters":{"agency":3,"category":"force","from":"2026-07-01T05:00:00Z","to":"2026-10-01T05:00:00Z","units":["north"]},"format":"csv","tables":["by_agency"]}` {
			t.Errorf("event %+v %s", e, got)
		}
	})
}

func TestPeersMedian(t *testing.T) {
	own := measures(redress.MeasureFilter{})
	groups, _ := (&fake{}).Breakdown(context.Background(), redress.MeasureFilter{}, "agreement")
	p := reports.Peers(own, groups)
	// close_median: own 31.5; the model's agreements 31.5 and 60, median 45.75.
	if p.Rows[0][0] != "close_median" || p.Rows[0][1] != 31.5 || p.Rows[0][2] != 45.75 || p.Rows[0][3] != 2 {
		t.Errorf("peers %v", p.Rows)
	}
	if reports.Median([]float64{3, 1, 2}) != 2 {
		t.Errorf("median")
	}
}

func TestParsePeriod(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	now := time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		q, from, to, label, start, end, err string
	}{
		{"", "", "", "2026-Q3", "2026-07-01T00:00:00-07:00", "2026-10-01T00:00:00-07:00", ""},
		{"2026-q1", "", "", "2026-Q1", "2026-01-01T00:00:00-08:00", "2026-04-01T00:00:00-07:00", ""},
		{"", "2026-02", "2026-03", "2026-02 – 2026-03", "2026-02-01T00:00:00-08:00", "2026-04-01T00:00:00-07:00", ""},
		{"", "2026-11", "", "2026-11 – 2026-12", "2026-11-01T00:00:00-07:00", "2027-01-01T00:00:00-08:00", ""},
		{"2026-Q5", "", "", "", "", "", "period:quarter"},
		{"2026-Q1", "2026-01", "", "", "", "", "period:period_both"},
		{"", "2026-13", "July", "", "", "", "from:month to:month"},
		{"", "2026-05", "2026-04", "", "", "", "to:period_order"},
		{"", "2010-01", "2026-01", "", "", "", "to:period_span"},
	} {
		s, e, label, err := reports.ParsePeriod(c.q, c.from, c.to, now, la)
		var got []string
		for _, fe := range redress.FieldsOf(err) {
			got = append(got, fe.Field+":"+fe.Rule)
		}
		if strings.Join(got, " ") != c.err {
			t.Errorf("%+v: errors %v", c, got)
			continue
		}
		if c.err == "" && (label != c.label || s.Format(time.RFC3339) != c.start || e.Format(time.RFC3339) != c.end) {
			t.Errorf("%+v: %s %s %s", c, label, s.Format(time.RFC3339), e.Format(time.RFC3339))
		}
	}
}
