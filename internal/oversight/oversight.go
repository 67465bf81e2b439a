// Package oversight computes what oversight bodies audit: the measures of
// docs/measures.md (complaints received, open and closed, time to acknowledge, triage
// and close, deadline compliance, findings, referrals) over any period and filter, as
// a whole, by month and broken down by state, agency, agreement, model or unit; and the
// same measures recomputed from the audit trail alone (FromTrail), so a number can be
// traced back to the record.
package oversight

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// Service answers the measures. The store keeps one summary row per complaint current
// in the transaction of every change (store/measures_rows.go); the service asks it for
// value → count tables and works the statistics out exactly.
type Service struct {
	DB *store.DB
	// Deadlines is the office's deadline configuration: its zone is where months,
	// quarters and business days are counted.
	Deadlines deadline.Config
	// UnitDeadlines gives a unit's own deadlines (casework.Service.UnitDeadlines), for
	// FromTrail's replay of clocks; nil: Deadlines for every unit.
	UnitDeadlines func(ctx context.Context, unit string) (deadline.Config, error)
	// Now is the time measures are taken at (time.Now when nil); tests fix it.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Loc is the office's time zone.
func (s *Service) Loc() *time.Location { return s.Deadlines.Loc() }

// LastFullQuarter is the last calendar quarter, in the office's zone, that ended by now:
// the dashboard's default period.
func (s *Service) LastFullQuarter() redress.Quarter {
	q := redress.QuarterOf(s.now().In(s.Loc()))
	if q.Q == 1 {
		return redress.Quarter{Year: q.Year - 1, Q: 4}
	}
	return redress.Quarter{Year: q.Year, Q: q.Q - 1}
}

// withPeriod checks f and gives it the default period (the last full quarter) when it
// names none.
func (s *Service) withPeriod(f redress.MeasureFilter) (redress.MeasureFilter, error) {
	if err := f.Validate(); err != nil {
		return f, err
	}
	if f.From.IsZero() && f.To.IsZero() {
		f.From, f.To = s.LastFullQuarter().Bounds(s.Loc())
	}
	f.State = strings.ToUpper(f.State)
	return f, nil
}

// Measures are the measures of the complaints f chooses (received in [f.From, f.To);
// the last full quarter when both are zero), as of now.
func (s *Service) Measures(ctx context.Context, f redress.MeasureFilter) (redress.Measures, error) {
	f, err := s.withPeriod(f)
	if err != nil {
		return redress.Measures{}, err
	}
	asOf := s.now()
	tallies, err := s.DB.MeasureTallies(ctx, f, "", asOf)
	if err != nil {
		return redress.Measures{}, err
	}
	return measuresOf(f, tallies, asOf), nil
}

// measuresOf is the one group of ungrouped tallies (all zero when there are none).
func measuresOf(f redress.MeasureFilter, tallies []store.MeasureTally, asOf time.Time) redress.Measures {
	if m := assemble(f, tallies, asOf)[""]; m != nil {
		return *m
	}
	m := newGroupTally().measures(asOf)
	m.Filter = f
	return m
}

// Trend is the complaints f chooses per calendar month of the office's zone, from the
// month of f.From to the month before f.To (the default period when both are zero):
// received in the month, closed in the month (whenever received) and their median
// calendar days to close. Every month of the span has a point, zero or not.
func (s *Service) Trend(ctx context.Context, f redress.MeasureFilter) ([]redress.MonthPoint, error) {
	f, err := s.withPeriod(f)
	if err != nil {
		return nil, err
	}
	loc := s.Loc()
	if f.From.IsZero() || f.To.IsZero() {
		var fe redress.FieldErrors
		fe.Add("period", "required")
		return nil, fe.Err()
	}
	months, err := s.DB.MeasureMonths(ctx, f)
	if err != nil {
		return nil, err
	}
	var out []redress.MonthPoint
	from := f.From.In(loc)
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, loc); m.Before(f.To); m = m.AddDate(0, 1, 0) {
		p := redress.MonthPoint{Month: m.Format("2006-01")}
		if t := months[store.MonthNumber(m, loc)]; t != nil {
			p.Received = int(t.Received)
			d := durations(freq(t.CloseHours), 24)
			p.Closed, p.CloseMedian = d.Count, d.Median
		}
		out = append(out, p)
	}
	return out, nil
}

// Breakdown is the measures of f per group of by (redress.ByState, ByAgency,
// ByAgreement, ByModel, ByUnit), most complaints first. Key is what a drill-down
// filters on (a state code, an id as text, a model, a unit; "0" or "" for complaints
// with none); Label names it: the state's name, the agency's, "Agency — MODEL" for an
// agreement, the model or unit itself, "" for none.
func (s *Service) Breakdown(ctx context.Context, f redress.MeasureFilter, by string) ([]redress.Group, error) {
	if !slices.Contains(redress.Breakdowns, by) {
		var fe redress.FieldErrors
		fe.Add("by", "one_of", strings.Join(redress.Breakdowns, ", "))
		return nil, fe.Err()
	}
	f, err := s.withPeriod(f)
	if err != nil {
		return nil, err
	}
	asOf := s.now()
	tallies, err := s.DB.MeasureTallies(ctx, f, by, asOf)
	if err != nil {
		return nil, err
	}
	return s.groups(ctx, f, by, assemble(f, tallies, asOf))
}

// groups names and orders a breakdown's groups.
func (s *Service) groups(ctx context.Context, f redress.MeasureFilter, by string, ms map[string]*redress.Measures) ([]redress.Group, error) {
	keys := make([]string, 0, len(ms))
	for k := range ms {
		keys = append(keys, k)
	}
	labels, err := s.DB.MeasureLabels(ctx, by, keys)
	if err != nil {
		return nil, err
	}
	out := make([]redress.Group, 0, len(ms))
	for _, k := range keys {
		g := redress.Group{Key: k, Label: labels[k], Measures: *ms[k]}
		switch by {
		case redress.ByState:
			if k != "" {
				g.Label = redress.StateName(k)
			}
		case redress.ByModel, redress.ByUnit:
			g.Label = k
		}
		g.Filter = narrow(f, by, k)
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b redress.Group) int {
		if a.Received != b.Received {
			return b.Received - a.Received
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out, nil
}

// narrow is f limited to one group: the filter a drill-down into it uses.
func narrow(f redress.MeasureFilter, by, key string) redress.MeasureFilter {
	id, _ := strconv.ParseInt(key, 10, 64)
	switch by {
	case redress.ByState:
		f.State = key
	case redress.ByAgency:
		f.AgencyID = id
	case redress.ByAgreement:
		f.AgreementID = id
	case redress.ByModel:
		f.Model = redress.Model(key)
	case redress.ByUnit:
		f.Unit = key
	}
	return f
}

// unitDeadlines is the deadline configuration a unit's clocks ran by.
func (s *Service) unitDeadlines(ctx context.Context, unit string) (deadline.Config, error) {
	if s.UnitDeadlines == nil || unit == "" {
		return s.Deadlines, nil
	}
	cfg, err := s.UnitDeadlines(ctx, unit)
	if err != nil {
		return deadline.Config{}, fmt.Errorf("deadlines of unit %s: %w", unit, err)
	}
	return cfg, nil
}
