package deadline

import (
	"time"

	"github.com/redress-oversight/redress/internal/redress"
)

// Holiday is a U.S. federal holiday (5 U.S.C. 6103) of one year: the day itself and
// the weekday it is observed on.
type Holiday struct {
	Name     string
	Date     redress.Date
	Observed redress.Date
}

// Holidays computes the federal holidays of year, in calendar order, by the rules in
// force since 1986 (Martin Luther King Jr. Day) and Juneteenth from 2021. A holiday on
// a Saturday is observed the Friday before, on a Sunday the Monday after; so New Year's
// Day of year+1 may be observed on December 31 of year (see IsHoliday).
func Holidays(year int) []Holiday {
	hs := []Holiday{
		{Name: "New Year's Day", Date: date(year, time.January, 1)},
		{Name: "Birthday of Martin Luther King, Jr.", Date: nthWeekday(year, time.January, time.Monday, 3)},
		{Name: "Washington's Birthday", Date: nthWeekday(year, time.February, time.Monday, 3)},
		{Name: "Memorial Day", Date: lastWeekday(year, time.May, time.Monday)},
	}
	if year >= 2021 {
		hs = append(hs, Holiday{Name: "Juneteenth National Independence Day", Date: date(year, time.June, 19)})
	}
	hs = append(hs,
		Holiday{Name: "Independence Day", Date: date(year, time.July, 4)},
		Holiday{Name: "Labor Day", Date: nthWeekday(year, time.September, time.Monday, 1)},
		Holiday{Name: "Columbus Day", Date: nthWeekday(year, time.October, time.Monday, 2)},
		Holiday{Name: "Veterans Day", Date: date(year, time.November, 11)},
		Holiday{Name: "Thanksgiving Day", Date: nthWeekday(year, time.November, time.Thursday, 4)},
		Holiday{Name: "Christmas Day", Date: date(year, time.December, 25)},
	)
	for i := range hs {
		hs[i].Observed = observed(hs[i].Date)
	}
	return hs
}

// IsHoliday reports whether d is the observed day of a federal holiday.
func IsHoliday(d redress.Date) bool {
	_, ok := HolidayOn(d)
	return ok
}

// HolidayOn returns the holiday observed on d, if any.
func HolidayOn(d redress.Date) (Holiday, bool) {
	// December 31 can be next year's New Year's Day, observed on a Friday.
	for _, y := range []int{d.Year, d.Year + 1} {
		for _, h := range Holidays(y) {
			if h.Observed == d {
				return h, true
			}
		}
	}
	return Holiday{}, false
}

// IsBusinessDay reports whether d is a weekday that is not an observed federal holiday.
func IsBusinessDay(d redress.Date) bool { return !isWeekend(d) && !IsHoliday(d) }

// AddBusinessDays returns the nth business day after d (n > 0), or d itself for n = 0.
func AddBusinessDays(d redress.Date, n int) redress.Date {
	for n > 0 {
		d = addDays(d, 1)
		if IsBusinessDay(d) {
			n--
		}
	}
	return d
}

// BusinessDaysBetween counts the business days after a, up to and including b (0 when
// b is not after a).
func BusinessDaysBetween(a, b redress.Date) int {
	n := 0
	for d := addDays(a, 1); !d.After(b); d = addDays(d, 1) {
		if IsBusinessDay(d) {
			n++
		}
	}
	return n
}

func observed(d redress.Date) redress.Date {
	switch weekday(d) {
	case time.Saturday:
		return addDays(d, -1)
	case time.Sunday:
		return addDays(d, 1)
	}
	return d
}

func date(y int, m time.Month, d int) redress.Date { return redress.Date{Year: y, Month: m, Day: d} }

func addDays(d redress.Date, n int) redress.Date { return redress.DateOf(d.Time().AddDate(0, 0, n)) }

func weekday(d redress.Date) time.Weekday { return d.Time().Weekday() }

func isWeekend(d redress.Date) bool {
	wd := weekday(d)
	return wd == time.Saturday || wd == time.Sunday
}

// nthWeekday is the nth (1-based) wd of month.
func nthWeekday(y int, m time.Month, wd time.Weekday, n int) redress.Date {
	first := date(y, m, 1)
	offset := (int(wd) - int(weekday(first)) + 7) % 7
	return addDays(first, offset+7*(n-1))
}

// lastWeekday is the last wd of month.
func lastWeekday(y int, m time.Month, wd time.Weekday) redress.Date {
	last := addDays(date(y, m+1, 1), -1)
	offset := (int(weekday(last)) - int(wd) + 7) % 7
	return addDays(last, -offset)
}

// dayOf is the calendar day of t in loc.
func dayOf(t time.Time, loc *time.Location) redress.Date { return redress.DateOf(t.In(loc)) }

// endOfDay is the last whole second of d in loc: what a deadline "by the end of d"
// means. A whole second, because PostgreSQL keeps microseconds and would round
// 23:59:59.999999999 up into the next day.
func endOfDay(d redress.Date, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 23, 59, 59, 0, loc)
}

// nextMidnight is the start of the day after t's, in loc.
func nextMidnight(t time.Time, loc *time.Location) time.Time {
	d := addDays(dayOf(t, loc), 1)
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}
