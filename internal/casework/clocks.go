package casework

import (
	"context"
	"time"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// Case clocks: which start when, and the deadlines each unit sets for them.

// FilingClocks are the clocks a new complaint starts (acknowledge, triage, resolve, and
// those of its agreement's model), due from at by the deadlines of the unit routing gave
// it, and the names of those it meets at once: the web and the API give the filer a
// written receipt on the spot. The unit's deadlines and zone come from view, the filing
// cache (store.FilingView), which the filing read its agency and routing from.
func (s *Service) FilingClocks(view *store.FilingView, c redress.Complaint, model redress.Model, at time.Time) (start []redress.Clock, met []string, err error) {
	clocks := s.Deadlines
	if c.Unit != "" {
		if clocks, err = s.deadlinesOf(view.UnitClocks(c.Unit), view.UnitTimeZone(c.Unit)); err != nil {
			return nil, nil, err
		}
	}
	start = startClocks(clocks, model, deadline.EventReceived, at)
	if c.Channel == redress.ChannelWeb || c.Channel == redress.ChannelAPI {
		met = s.Deadlines.MetBy(deadline.EventAcknowledged)
	}
	return start, met, nil
}

// Clocks are the clocks event starts at at for a complaint of unit under an agreement
// of model, due by the unit's deadlines.
func (s *Service) Clocks(ctx context.Context, unit string, model redress.Model, event string, at time.Time) ([]redress.Clock, error) {
	clocks, err := s.UnitDeadlines(ctx, unit)
	if err != nil {
		return nil, err
	}
	return startClocks(clocks, model, event, at), nil
}

func startClocks(clocks deadline.Config, model redress.Model, event string, at time.Time) []redress.Clock {
	return clocksFrom(clocks.Starting(model, event), clocks, at)
}

// clocksFrom starts the clocks ks at at, due as clocks counts them.
func clocksFrom(ks []deadline.Clock, clocks deadline.Config, at time.Time) []redress.Clock {
	var out []redress.Clock
	for _, k := range ks {
		out = append(out, redress.Clock{Name: k.Name, StartedAt: at, DueAt: deadline.Due(at, k, clocks.Loc())})
	}
	return out
}

// UnitDeadlines are the deadlines of a unit: the defaults (Deadlines) with the unit's
// own amounts, counting days in the unit's own zone if it has one. They are read from
// the database on each use, two small queries, so a change an administrator makes holds
// at once in every serve process; filing reads them from the filing cache instead
// (FilingClocks).
func (s *Service) UnitDeadlines(ctx context.Context, unit string) (deadline.Config, error) {
	if unit == "" {
		return s.Deadlines, nil
	}
	overrides, err := s.DB.UnitClocks(ctx, unit)
	if err != nil {
		return deadline.Config{}, err
	}
	zone, err := s.DB.UnitTimeZone(ctx, unit)
	if err != nil {
		return deadline.Config{}, err
	}
	return s.deadlinesOf(overrides, zone)
}

// deadlinesOf is Deadlines in zone (none: the office's) with a unit's overrides.
func (s *Service) deadlinesOf(overrides []deadline.Override, zone string) (deadline.Config, error) {
	zoned, err := s.Deadlines.InZone(zone)
	if err != nil {
		return deadline.Config{}, err
	}
	// An override of a clock the clock file no longer defines (the file changed since
	// it was set) has nothing to apply to; it must not stop complaints being filed.
	known := overrides[:0]
	for _, o := range overrides {
		if _, ok := s.Deadlines.Clock(o.Clock); ok {
			known = append(known, o)
		}
	}
	return zoned.WithOverrides(known)
}

// unitZoned is Deadlines counting days in the unit's own zone, if it has one.
func (s *Service) unitZoned(ctx context.Context, unit string) (deadline.Config, error) {
	name, err := s.DB.UnitTimeZone(ctx, unit)
	if err != nil {
		return deadline.Config{}, err
	}
	return s.Deadlines.InZone(name)
}

// UnitZone is the zone a unit's clocks count days in, and in which staff see its
// cases' dates: its own, else the office's.
func (s *Service) UnitZone(ctx context.Context, unit string) (*time.Location, error) {
	if unit == "" {
		return s.Deadlines.Loc(), nil
	}
	cfg, err := s.unitZoned(ctx, unit)
	if err != nil {
		return nil, err
	}
	return cfg.Loc(), nil
}

// MaxClockAmount bounds a unit's own deadline: up to three digits of days or hours.
const MaxClockAmount = 999

// ClockSetting is a unit's own deadline for one clock, as an administrator sets it: an
// amount, and whether it counts business days (weekday hours) or calendar days (hours).
type ClockSetting struct {
	Clock  string
	Amount int
	Count  deadline.Unit
}

// SetUnitClocks replaces a unit's own deadlines: a clock with a setting is due by it,
// one without follows the default. A setting refused is a field error named
// "clock.<name>", and then nothing is stored.
func (s *Service) SetUnitClocks(ctx context.Context, a Actor, unit string, settings []ClockSetting) error {
	var fe redress.FieldErrors
	var overrides []deadline.Override
	seen := map[string]bool{}
	for _, st := range settings {
		field := "clock." + st.Clock
		k, ok := s.Deadlines.Clock(st.Clock)
		switch {
		case !ok:
			fe.Add(field, "unknown_code", st.Clock)
		case seen[st.Clock]:
			fe.Add(field, "duplicate", st.Clock)
		case st.Amount < 1 || st.Amount > MaxClockAmount:
			fe.Add(field, "number_range", MaxClockAmount)
		case !contains(deadline.Units, st.Count) || st.Count.Days() != k.Unit.Days():
			fe.Add(field, "clock_count")
		default:
			overrides = append(overrides, deadline.Override{Clock: st.Clock, Amount: st.Amount, Business: st.Count.Business()})
		}
		seen[st.Clock] = true
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if _, err := s.Deadlines.WithOverrides(overrides); err != nil {
		return err // checked above; a failure here is a bug, shown as internal
	}
	return s.DB.ReplaceUnitClocks(ctx, unit, overrides, a.event(redress.ActionUnitClocksSaved))
}
