package redress_test

import (
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
)

func TestParseQuarter(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	q, err := redress.ParseQuarter(" 2026-q3 ")
	if err != nil || q != (redress.Quarter{Year: 2026, Q: 3}) {
		t.Fatalf("ParseQuarter = %v, %v", q, err)
	}
	from, to := q.Bounds(ny)
	if from.Format(time.RFC3339) != "2026-07-01T00:00:00-04:00" || to.Format(time.RFC3339) != "2026-10-01T00:00:00-04:00" {
		t.Errorf("Bounds = %v, %v", from, to)
	}
	if got := redress.QuarterOf(to.Add(-time.Second)); got != q {
		t.Errorf("QuarterOf(end) = %v", got)
	}
	for _, bad := range []string{"", "2026-Q5", "2026-Q0", "2026Q3", "2026-Q3x", "99-Q1", "2026-Q03"} {
		_, err := redress.ParseQuarter(bad)
		if !redress.FieldsOf(err).Has("period") {
			t.Errorf("ParseQuarter(%q) = %v, want a field error on period", bad, err)
		}
	}
}

func TestMeasureFilterValidate(t *testing.T) {
	now := time.Now()
	ok := redress.MeasureFilter{From: now.Add(-time.Hour), To: now, State: "NC", Model: redress.ModelJEM, Custody: redress.CustodyInCustody}
	if err := ok.Validate(); err != nil {
		t.Errorf("Validate(%+v) = %v", ok, err)
	}
	for field, f := range map[string]redress.MeasureFilter{
		"period":   {From: now, To: now},
		"state":    {State: "North Carolina"},
		"model":    {Model: "XYZ"},
		"unit":     {Unit: "*"},
		"custody":  {Custody: "deported"},
		"agency":   {AgencyID: -1},
		"channel":  {Channel: "fax"},
		"priority": {Priority: "high"},
	} {
		if err := f.Validate(); !redress.FieldsOf(err).Has(field) {
			t.Errorf("Validate(%+v) = %v, want an error on %s", f, err, field)
		}
	}
}

func TestComplianceShare(t *testing.T) {
	c := redress.Compliance{OnTime: 3, Late: 1, Overdue: 0, Running: 7, Stopped: 2}
	if s, ok := c.Share(); !ok || s != 0.75 {
		t.Errorf("Share = %v, %v, want 0.75", s, ok)
	}
	if _, ok := (redress.Compliance{Running: 4}).Share(); ok {
		t.Error("Share of nothing decided is ok")
	}
}
