// Package deadline computes a complaint's clocks: when each is due, in business days
// (weekends and U.S. federal holidays off), calendar days or hours, how pauses move
// them, and whether each is met, due soon or missed.
package deadline

import (
	"time"
	_ "time/tzdata" // America/New_York must load on a host without a zone database

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/workflow"
)

// Unit is what a clock's amount counts.
type Unit string

const (
	// BusinessDays counts weekdays that are not observed federal holidays, from the
	// day after the start; the clock is due at the end of the last one.
	BusinessDays Unit = "business_days"
	// CalendarDays counts every day from the day after the start; due at the end of
	// the last one.
	CalendarDays Unit = "calendar_days"
	// WeekdayHours counts elapsed time on Mondays to Fridays only: the MOAs' "within 48
	// hours, excluding weekends". Holidays count, as the MOAs exclude only weekends.
	WeekdayHours Unit = "weekday_hours"
	// Hours counts elapsed time.
	Hours Unit = "hours"
)

// Units lists every unit.
var Units = []Unit{BusinessDays, CalendarDays, WeekdayHours, Hours}

// Days reports whether u counts whole days (the clock is due at the end of a day).
func (u Unit) Days() bool { return u == BusinessDays || u == CalendarDays }

// Business reports whether u leaves days off out: weekends, and for days holidays too.
func (u Unit) Business() bool { return u == BusinessDays || u == WeekdayHours }

// Clock defines one deadline. Which complaints it applies to and what starts and meets
// it are events (see Events); the defaults are in defaults.json.
type Clock struct {
	Name   string `json:"name"`
	Amount int    `json:"amount"`
	Unit   Unit   `json:"unit"`
	// Models limits the clock to complaints under an agreement of these models; empty:
	// every complaint.
	Models []redress.Model `json:"models,omitempty"`
	// Start is the event that starts it: EventReceived or EventResolved.
	Start string `json:"start"`
	// Dispositions limits a clock started at resolution to cases that end so (the JEM's
	// "report results" follows an investigation's results, not a duplicate closed at
	// screening); empty: every ending.
	Dispositions []workflow.Disposition `json:"dispositions,omitempty"`
	// MetBy lists the events that meet it.
	MetBy []string `json:"met_by"`
	// Pauses: the clock stands still while the case waits on the complainant.
	Pauses bool `json:"pauses"`
	// Basis says where the deadline comes from, for people reading the case page.
	Basis string `json:"basis,omitempty"`
}

// Due is when a clock started at start falls due. loc decides days and weekends
// (DefaultLocation when nil).
func Due(start time.Time, c Clock, loc *time.Location) time.Time {
	loc = orDefault(loc)
	switch c.Unit {
	case BusinessDays:
		return endOfDay(AddBusinessDays(dayOf(start, loc), c.Amount), loc)
	case CalendarDays:
		return endOfDay(addDays(dayOf(start, loc), c.Amount), loc)
	case WeekdayHours:
		return addWeekdayTime(start, time.Duration(c.Amount)*time.Hour, loc)
	default:
		return start.Add(time.Duration(c.Amount) * time.Hour)
	}
}

// Resume is the due time of a clock that stood paused from pausedAt to resumedAt,
// moved on by the pause measured in the clock's own units, so a pause over a weekend
// gives back no business days or weekday hours:
//   - days: by the counted days (business or calendar) that began during the pause; a
//     pause that starts and ends on the same day moves nothing;
//   - weekday hours: by the Monday-to-Friday time the pause lasted;
//   - hours: by the time the pause lasted.
//
// A clock paused when it was already past due stays missed: due is returned as is.
func Resume(due, pausedAt, resumedAt time.Time, c Clock, loc *time.Location) time.Time {
	loc = orDefault(loc)
	if !pausedAt.Before(due) || !resumedAt.After(pausedAt) {
		return due
	}
	switch c.Unit {
	case BusinessDays:
		n := BusinessDaysBetween(dayOf(pausedAt, loc), dayOf(resumedAt, loc))
		return endOfDay(AddBusinessDays(dayOf(due, loc), n), loc)
	case CalendarDays:
		n := daysBetween(dayOf(pausedAt, loc), dayOf(resumedAt, loc))
		return endOfDay(addDays(dayOf(due, loc), n), loc)
	case WeekdayHours:
		return addWeekdayTime(due, weekdayTime(pausedAt, resumedAt, loc), loc)
	default:
		return due.Add(resumedAt.Sub(pausedAt))
	}
}

// Status is where a clock stands.
type Status string

const (
	StatusDue     Status = "due"      // running, more than a day left
	StatusDueSoon Status = "due_soon" // running, a day or less left (one business day for business clocks)
	StatusMet     Status = "met"      // met on or before its due time
	StatusMissed  Status = "missed"   // past due, or met late (its met time tells which)
	StatusPaused  Status = "paused"   // stands still while the case waits on the complainant
	StatusStopped Status = "stopped"  // not met when the case closed or was withdrawn: neither met nor missed
)

// State says where a clock due at due stands at now; met is when it was met (zero:
// not yet). A clock met late stays missed, so reports can count it.
func State(now, due, met time.Time, c Clock, loc *time.Location) Status {
	loc = orDefault(loc)
	switch {
	case !met.IsZero() && met.After(due):
		return StatusMissed
	case !met.IsZero():
		return StatusMet
	case now.After(due):
		return StatusMissed
	case dueSoon(now, due, c, loc):
		return StatusDueSoon
	}
	return StatusDue
}

// dueSoon: one more of the clock's days, or 24 of its hours, would reach due.
func dueSoon(now, due time.Time, c Clock, loc *time.Location) bool {
	return !due.After(DueSoonBy(now, c, loc))
}

// DueSoonBy is the latest due time that counts as due soon at now: the end of the next
// business day for a business-day clock, 24 weekday hours on for a weekday-hours clock,
// 24 hours on otherwise. The queue's "due soon" filter asks the database for clocks due
// by it, so the list and the case page agree.
func DueSoonBy(now time.Time, c Clock, loc *time.Location) time.Time {
	loc = orDefault(loc)
	switch c.Unit {
	case BusinessDays:
		return endOfDay(AddBusinessDays(dayOf(now, loc), 1), loc)
	case WeekdayHours:
		return addWeekdayTime(now, 24*time.Hour, loc)
	default:
		return now.Add(24 * time.Hour)
	}
}

// addWeekdayTime moves t on by d, counting only time on Mondays to Fridays in loc.
func addWeekdayTime(t time.Time, d time.Duration, loc *time.Location) time.Time {
	for d > 0 {
		next := nextMidnight(t, loc)
		if isWeekend(dayOf(t, loc)) {
			t = next
			continue
		}
		if left := next.Sub(t); d > left {
			d -= left
			t = next
			continue
		}
		return t.Add(d)
	}
	return t
}

// weekdayTime is how much of [from, to) falls on Mondays to Fridays in loc.
func weekdayTime(from, to time.Time, loc *time.Location) time.Duration {
	var sum time.Duration
	for t := from; t.Before(to); {
		next := nextMidnight(t, loc)
		end := next
		if to.Before(end) {
			end = to
		}
		if !isWeekend(dayOf(t, loc)) {
			sum += end.Sub(t)
		}
		t = next
	}
	return sum
}

// daysBetween counts the days after a up to and including b.
func daysBetween(a, b redress.Date) int {
	n := int(b.Time().Sub(a.Time()).Hours() / 24)
	return max(n, 0)
}
