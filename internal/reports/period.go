package reports

import (
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
)

// maxPeriodYears bounds a period: five years of months is a chart still worth reading.
const maxPeriodYears = 5

// LastFullQuarter is the quarter before the one now falls in, in loc: the default
// period, the last one whose figures no longer move with new complaints.
func LastFullQuarter(now time.Time, loc *time.Location) redress.Quarter {
	q := redress.QuarterOf(now.In(loc))
	if q.Q == 1 {
		return redress.Quarter{Year: q.Year - 1, Q: 4}
	}
	return redress.Quarter{Year: q.Year, Q: q.Q - 1}
}

// ParsePeriod reads a period in loc: a quarter ("2026-Q3"), or months from and to
// ("2026-07", both included; from alone runs to the current month, to alone starts a
// year before it); nothing at all is the last full quarter. label names it. Bad values
// are field errors naming period, from or to.
func ParsePeriod(quarter, from, to string, now time.Time, loc *time.Location) (start, end time.Time, label string, err error) {
	quarter, from, to = strings.TrimSpace(quarter), strings.TrimSpace(from), strings.TrimSpace(to)
	var fe redress.FieldErrors
	switch {
	case quarter != "" && (from != "" || to != ""):
		fe.Add("period", "period_both")
		return time.Time{}, time.Time{}, "", fe.Err()
	case quarter != "":
		q, err := redress.ParseQuarter(quarter)
		if err != nil {
			return time.Time{}, time.Time{}, "", err
		}
		start, end = q.Bounds(loc)
		return start, end, q.String(), nil
	case from == "" && to == "":
		q := LastFullQuarter(now, loc)
		start, end = q.Bounds(loc)
		return start, end, q.String(), nil
	}
	month := func(name, s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01", s, loc)
		if err != nil || t.Year() < 1900 {
			fe.Add(name, "month")
			return time.Time{}
		}
		return t
	}
	f, t := month("from", from), month("to", to)
	if len(fe) > 0 {
		return time.Time{}, time.Time{}, "", fe.Err()
	}
	n := now.In(loc)
	switch {
	case from == "":
		end = t.AddDate(0, 1, 0)
		start = end.AddDate(-1, 0, 0)
	case to == "":
		start, end = f, time.Date(n.Year(), n.Month()+1, 1, 0, 0, 0, 0, loc)
	default:
		start, end = f, t.AddDate(0, 1, 0)
	}
	if !start.Before(end) {
		fe.Add("to", "period_order")
	} else if end.After(start.AddDate(maxPeriodYears, 0, 0)) {
		fe.Add("to", "period_span")
	}
	if len(fe) > 0 {
		return time.Time{}, time.Time{}, "", fe.Err()
	}
	return start, end, start.Format("2006-01") + " – " + end.AddDate(0, -1, 0).Format("2006-01"), nil
}
