package deadline_test

import (
	"slices"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
)

func day(s string) redress.Date {
	d, err := redress.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// Observed federal holidays as OPM publishes them, written out by hand.
var observedHolidays = map[int][]string{
	2020: {"2020-01-01", "2020-01-20", "2020-02-17", "2020-05-25", "2020-07-03", // July 4 a Saturday; no Juneteenth yet
		"2020-09-07", "2020-10-12", "2020-11-11", "2020-11-26", "2020-12-25"},
	2021: {"2021-01-01", "2021-01-18", "2021-02-15", "2021-05-31", "2021-06-18", // Juneteenth's first year, a Saturday
		"2021-07-05", "2021-09-06", "2021-10-11", "2021-11-11", "2021-11-25", "2021-12-24",
		"2021-12-31"}, // 2022-01-01 is a Saturday
	2022: {"2022-01-17", "2022-02-21", "2022-05-30", "2022-06-20", "2022-07-04", // New Year's Day observed 2021-12-31
		"2022-09-05", "2022-10-10", "2022-11-11", "2022-11-24", "2022-12-26"},
	2023: {"2023-01-02", "2023-01-16", "2023-02-20", "2023-05-29", "2023-06-19", "2023-07-04",
		"2023-09-04", "2023-10-09", "2023-11-10", "2023-11-23", "2023-12-25"},
	2024: {"2024-01-01", "2024-01-15", "2024-02-19", "2024-05-27", "2024-06-19", "2024-07-04",
		"2024-09-02", "2024-10-14", "2024-11-11", "2024-11-28", "2024-12-25"},
	2025: {"2025-01-01", "2025-01-20", "2025-02-17", "2025-05-26", "2025-06-19", "2025-07-04",
		"2025-09-01", "2025-10-13", "2025-11-11", "2025-11-27", "2025-12-25"},
	2026: {"2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-06-19", "2026-07-03",
		"2026-09-07", "2026-10-12", "2026-11-11", "2026-11-26", "2026-12-25"},
	2027: {"2027-01-01", "2027-01-18", "2027-02-15", "2027-05-31", "2027-06-18", "2027-07-05",
		"2027-09-06", "2027-10-11", "2027-11-11", "2027-11-25", "2027-12-24", "2027-12-31"}, // 2028-01-01 is a Saturday
}

// Every day of each year is a holiday exactly when the table says.
func TestIsHolidayWholeYears(t *testing.T) {
	for year, list := range observedHolidays {
		for d := day(time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02")); d.Year == year; d = redress.DateOf(d.Time().AddDate(0, 0, 1)) {
			want := slices.Contains(list, d.String())
			if got := deadline.IsHoliday(d); got != want {
				h, _ := deadline.HolidayOn(d)
				t.Errorf("IsHoliday(%s, a %s) = %v (%s), want %v", d, d.Time().Weekday(), got, h.Name, want)
			}
		}
	}
}

func TestHolidays(t *testing.T) {
	hs := deadline.Holidays(2026)
	if len(hs) != 11 {
		t.Fatalf("%d holidays in 2026", len(hs))
	}
	july4 := hs[5]
	if july4.Name != "Independence Day" || july4.Date != day("2026-07-04") || july4.Observed != day("2026-07-03") {
		t.Errorf("July 4 2026: %+v", july4)
	}
	if n := len(deadline.Holidays(2020)); n != 10 {
		t.Errorf("%d holidays in 2020, want 10 (no Juneteenth before 2021)", n)
	}
	// Any year, not a list: the rules still hold far ahead.
	for _, h := range deadline.Holidays(2100) {
		if wd := h.Observed.Time().Weekday(); wd == time.Saturday || wd == time.Sunday {
			t.Errorf("%s 2100 observed on a %s", h.Name, wd)
		}
	}
	if h, ok := deadline.HolidayOn(day("2021-12-31")); !ok || h.Name != "New Year's Day" || h.Date != day("2022-01-01") {
		t.Errorf("2021-12-31: %+v %v", h, ok)
	}
	// Observed only: the Saturday itself is a weekend day, not a holiday.
	if deadline.IsHoliday(day("2026-07-04")) {
		t.Error("2026-07-04 (a Saturday) counted as the observed holiday")
	}
}

func TestBusinessDays(t *testing.T) {
	for _, c := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-03-02", 2, "2026-03-04"}, // Monday → Wednesday
		{"2026-03-06", 1, "2026-03-09"}, // Friday → Monday
		{"2026-03-07", 1, "2026-03-09"}, // Saturday → Monday
		{"2026-03-06", 0, "2026-03-06"},
		{"2026-07-02", 1, "2026-07-06"}, // over Friday July 3, observed Independence Day
		{"2025-12-31", 1, "2026-01-02"}, // over New Year's Day
		{"2025-12-30", 2, "2026-01-02"}, // Dec 31, then Jan 2
		{"2021-12-30", 1, "2022-01-03"}, // Dec 31 2021 is New Year's Day observed
		{"2026-11-25", 5, "2026-12-03"}, // over Thanksgiving
		{"2024-02-28", 2, "2024-03-01"}, // Feb 29 in a leap year
		{"2023-02-27", 2, "2023-03-01"}, // no Feb 29
		{"2026-12-23", 3, "2026-12-29"}, // Dec 24, (25 off), 28, 29
		{"2027-12-23", 2, "2027-12-28"}, // Dec 24 2027 is Christmas observed
		{"2027-12-29", 2, "2028-01-03"}, // Dec 31 2027 is New Year's Day observed
		{"2026-01-16", 1, "2026-01-20"}, // over MLK Day
		{"2026-10-09", 1, "2026-10-13"}, // over Columbus Day
		{"2026-11-10", 1, "2026-11-12"}, // over Veterans Day
		{"2026-06-18", 1, "2026-06-22"}, // over Juneteenth (a Friday)
		{"2020-06-18", 1, "2020-06-19"}, // no Juneteenth in 2020
		{"2026-05-22", 1, "2026-05-26"}, // over Memorial Day
		{"2026-09-04", 1, "2026-09-08"}, // over Labor Day
		{"2026-02-13", 1, "2026-02-17"}, // over Washington's Birthday
		{"2026-01-01", 1, "2026-01-02"}, // from the holiday itself
	} {
		if got := deadline.AddBusinessDays(day(c.from), c.n); got != day(c.want) {
			t.Errorf("AddBusinessDays(%s, %d) = %s, want %s", c.from, c.n, got, c.want)
		}
		if c.n > 0 {
			if got := deadline.BusinessDaysBetween(day(c.from), day(c.want)); got != c.n {
				t.Errorf("BusinessDaysBetween(%s, %s) = %d, want %d", c.from, c.want, got, c.n)
			}
		}
	}
	if n := deadline.BusinessDaysBetween(day("2026-03-09"), day("2026-03-02")); n != 0 {
		t.Errorf("backwards: %d", n)
	}
	if deadline.IsBusinessDay(day("2026-03-07")) || !deadline.IsBusinessDay(day("2026-03-06")) {
		t.Error("Saturday or Friday misjudged")
	}
}
