package deadline_test

import (
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/deadline"
)

var ny = deadline.DefaultLocation

// at reads "2006-01-02 15:04:05" in New York.
func at(s string) time.Time {
	t, err := time.ParseInLocation(time.DateTime, s, ny)
	if err != nil {
		panic(err)
	}
	return t
}

func clock(amount int, u deadline.Unit) deadline.Clock {
	return deadline.Clock{Name: "test", Amount: amount, Unit: u}
}

var (
	twoBusinessDays  = clock(2, deadline.BusinessDays)
	fiveBusinessDays = clock(5, deadline.BusinessDays)
	ninetyDays       = clock(90, deadline.CalendarDays)
	thirtyDays       = clock(30, deadline.CalendarDays)
	fortyEightWeek   = clock(48, deadline.WeekdayHours)
	fortyEightHours  = clock(48, deadline.Hours)
)

func TestDue(t *testing.T) {
	for _, c := range []struct {
		name  string
		start time.Time
		c     deadline.Clock
		want  string
	}{
		{"BusinessMonday", at("2026-03-02 10:00:00"), twoBusinessDays, "2026-03-04 23:59:59"},
		{"BusinessFridayOverWeekend", at("2026-03-06 16:00:00"), twoBusinessDays, "2026-03-10 23:59:59"},
		{"BusinessFiledSaturday", at("2026-03-07 11:00:00"), twoBusinessDays, "2026-03-10 23:59:59"},
		{"BusinessFiledSunday", at("2026-03-08 23:30:00"), twoBusinessDays, "2026-03-10 23:59:59"},
		{"BusinessJuly4SaturdayObservedFriday", at("2026-07-02 09:00:00"), twoBusinessDays, "2026-07-07 23:59:59"},
		{"BusinessOverNewYear", at("2025-12-31 12:00:00"), twoBusinessDays, "2026-01-05 23:59:59"},
		{"BusinessDec30ToJan2", at("2025-12-30 12:00:00"), twoBusinessDays, "2026-01-02 23:59:59"},
		{"BusinessNewYearObservedDec31", at("2021-12-30 12:00:00"), twoBusinessDays, "2022-01-04 23:59:59"},
		{"BusinessThanksgiving", at("2026-11-25 08:00:00"), fiveBusinessDays, "2026-12-03 23:59:59"},
		{"BusinessChristmasFriday", at("2026-12-23 17:00:00"), fiveBusinessDays, "2026-12-31 23:59:59"},
		{"BusinessLeapDay", at("2024-02-28 10:00:00"), twoBusinessDays, "2024-03-01 23:59:59"},
		{"BusinessSpringForward", at("2026-03-06 10:00:00"), twoBusinessDays, "2026-03-10 23:59:59"},
		{"CalendarNinety", at("2026-07-02 10:00:00"), ninetyDays, "2026-09-30 23:59:59"},
		{"CalendarNinetyOverLeapDay", at("2023-12-01 10:00:00"), ninetyDays, "2024-02-29 23:59:59"},
		{"CalendarNinetyNoLeapDay", at("2022-12-01 10:00:00"), ninetyDays, "2023-03-01 23:59:59"},
		{"CalendarOverYearEnd", at("2026-12-15 10:00:00"), thirtyDays, "2027-01-14 23:59:59"},
		{"CalendarEndsOnWeekend", at("2026-03-05 10:00:00"), clock(2, deadline.CalendarDays), "2026-03-07 23:59:59"},
		{"CalendarAcrossDST", at("2026-03-07 10:00:00"), clock(1, deadline.CalendarDays), "2026-03-08 23:59:59"},
		{"WeekdayHoursMonday", at("2026-03-02 09:00:00"), fortyEightWeek, "2026-03-04 09:00:00"},
		{"WeekdayHoursThursday", at("2026-03-05 12:00:00"), fortyEightWeek, "2026-03-09 12:00:00"},
		{"WeekdayHoursFridaySkipsWeekend", at("2026-03-06 15:00:00"), fortyEightWeek, "2026-03-10 15:00:00"},
		{"WeekdayHoursFiledSaturday", at("2026-03-07 10:00:00"), fortyEightWeek, "2026-03-11 00:00:00"},
		{"WeekdayHoursHolidaysCount", at("2026-07-02 10:00:00"), fortyEightWeek, "2026-07-06 10:00:00"},
		{"WeekdayHoursEndOfFriday", at("2026-03-05 00:00:00"), fortyEightWeek, "2026-03-07 00:00:00"},
		{"WeekdayHoursFallBack", at("2026-10-30 12:00:00"), fortyEightWeek, "2026-11-03 12:00:00"},
		{"Hours", at("2026-03-06 15:00:00"), fortyEightHours, "2026-03-08 16:00:00"}, // 48 elapsed hours over the spring-forward night
	} {
		t.Run(c.name, func(t *testing.T) {
			got := deadline.Due(c.start, c.c, ny)
			if want := at(c.want); !got.Equal(want) {
				t.Errorf("Due(%s) = %s, want %s", c.start, got.In(ny), want)
			}
		})
	}
}

// Days are New York days, whatever zone the start time comes in.
func TestDueLocation(t *testing.T) {
	// Friday 22:00 in New York is already Saturday in UTC.
	start := time.Date(2026, 3, 7, 3, 0, 0, 0, time.UTC)
	if got, want := deadline.Due(start, twoBusinessDays, ny), at("2026-03-10 23:59:59"); !got.Equal(want) {
		t.Errorf("Due = %s, want %s", got.In(ny), want)
	}
	if got, want := deadline.Due(start, twoBusinessDays, nil), at("2026-03-10 23:59:59"); !got.Equal(want) {
		t.Errorf("nil location: Due = %s, want %s", got.In(ny), want)
	}
	// In UTC the same instant is a Saturday: Monday and Tuesday, end of Tuesday UTC.
	if got, want := deadline.Due(start, twoBusinessDays, time.UTC), time.Date(2026, 3, 10, 23, 59, 59, 0, time.UTC); !got.Equal(want) {
		t.Errorf("UTC: Due = %s, want %s", got, want)
	}
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	// Monday 23:00 in Los Angeles is Tuesday in New York.
	start = time.Date(2026, 3, 2, 23, 0, 0, 0, la)
	if got, want := deadline.Due(start, twoBusinessDays, ny), at("2026-03-05 23:59:59"); !got.Equal(want) {
		t.Errorf("Due = %s, want %s", got.In(ny), want)
	}
}

func TestResume(t *testing.T) {
	for _, c := range []struct {
		name                 string
		c                    deadline.Clock
		due, paused, resumed string
		want                 string
	}{
		{"BusinessOverWeekendGivesOneDay", twoBusinessDays, "2026-03-11 23:59:59", "2026-03-06 16:00:00", "2026-03-09 09:00:00", "2026-03-12 23:59:59"},
		{"BusinessWeekendOnlyGivesNothing", twoBusinessDays, "2026-03-11 23:59:59", "2026-03-07 10:00:00", "2026-03-08 18:00:00", "2026-03-11 23:59:59"},
		{"BusinessSameDay", twoBusinessDays, "2026-03-11 23:59:59", "2026-03-09 10:00:00", "2026-03-09 15:00:00", "2026-03-11 23:59:59"},
		{"BusinessOverHoliday", twoBusinessDays, "2026-07-08 23:59:59", "2026-07-02 10:00:00", "2026-07-06 10:00:00", "2026-07-09 23:59:59"},
		{"BusinessWholeWeek", fiveBusinessDays, "2026-03-06 23:59:59", "2026-03-02 10:00:00", "2026-03-09 10:00:00", "2026-03-13 23:59:59"},
		{"BusinessIntoNewYear", fiveBusinessDays, "2026-12-30 23:59:59", "2026-12-28 10:00:00", "2026-12-30 10:00:00", "2027-01-04 23:59:59"},
		{"CalendarTenDays", ninetyDays, "2026-09-30 23:59:59", "2026-07-20 10:00:00", "2026-07-30 15:00:00", "2026-10-10 23:59:59"},
		{"CalendarOverLeapDay", ninetyDays, "2024-03-10 23:59:59", "2024-02-27 10:00:00", "2024-03-01 10:00:00", "2024-03-13 23:59:59"},
		{"CalendarSameDay", ninetyDays, "2026-09-30 23:59:59", "2026-07-20 10:00:00", "2026-07-20 18:00:00", "2026-09-30 23:59:59"},
		{"WeekdayHoursOverWeekend", fortyEightWeek, "2026-03-10 15:00:00", "2026-03-06 20:00:00", "2026-03-09 02:00:00", "2026-03-10 21:00:00"},
		{"WeekdayHoursPushedOverWeekend", fortyEightWeek, "2026-03-06 20:00:00", "2026-03-05 20:00:00", "2026-03-06 02:00:00", "2026-03-09 02:00:00"},
		{"Hours", fortyEightHours, "2026-03-10 15:00:00", "2026-03-06 20:00:00", "2026-03-09 02:00:00", "2026-03-12 20:00:00"}, // 53 elapsed hours: the spring-forward night is short,
		{"PausedAfterDueStaysMissed", twoBusinessDays, "2026-03-04 23:59:59", "2026-03-05 10:00:00", "2026-03-09 10:00:00", "2026-03-04 23:59:59"},
		{"ResumedBeforePaused", twoBusinessDays, "2026-03-11 23:59:59", "2026-03-09 10:00:00", "2026-03-06 10:00:00", "2026-03-11 23:59:59"},
		{"PausedBeforeDueResumedAfter", twoBusinessDays, "2026-03-04 23:59:59", "2026-03-04 10:00:00", "2026-03-06 10:00:00", "2026-03-06 23:59:59"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := deadline.Resume(at(c.due), at(c.paused), at(c.resumed), c.c, ny)
			if want := at(c.want); !got.Equal(want) {
				t.Errorf("Resume = %s, want %s", got.In(ny), want)
			}
		})
	}
}

func TestState(t *testing.T) {
	var never time.Time
	for _, c := range []struct {
		name          string
		c             deadline.Clock
		now, due, met string
		want          deadline.Status
	}{
		{"BusinessTwoDaysLeft", twoBusinessDays, "2026-03-09 10:00:00", "2026-03-11 23:59:59", "", deadline.StatusDue},
		{"BusinessLastButOneDay", twoBusinessDays, "2026-03-10 00:00:00", "2026-03-11 23:59:59", "", deadline.StatusDueSoon},
		{"BusinessLastDay", twoBusinessDays, "2026-03-11 18:00:00", "2026-03-11 23:59:59", "", deadline.StatusDueSoon},
		{"BusinessAtDue", twoBusinessDays, "2026-03-11 23:59:59", "2026-03-11 23:59:59", "", deadline.StatusDueSoon},
		{"BusinessPastDue", twoBusinessDays, "2026-03-12 00:00:00", "2026-03-11 23:59:59", "", deadline.StatusMissed},
		{"BusinessFridayBeforeMonday", twoBusinessDays, "2026-03-06 09:00:00", "2026-03-09 23:59:59", "", deadline.StatusDueSoon},
		{"BusinessThursdayBeforeMonday", twoBusinessDays, "2026-03-05 09:00:00", "2026-03-09 23:59:59", "", deadline.StatusDue},
		{"BusinessThursdayBeforeHoliday", twoBusinessDays, "2026-07-02 09:00:00", "2026-07-06 23:59:59", "", deadline.StatusDueSoon},
		{"Met", twoBusinessDays, "2026-03-20 00:00:00", "2026-03-11 23:59:59", "2026-03-10 12:00:00", deadline.StatusMet},
		{"MetAtDue", twoBusinessDays, "2026-03-20 00:00:00", "2026-03-11 23:59:59", "2026-03-11 23:59:59", deadline.StatusMet},
		{"MetLate", twoBusinessDays, "2026-03-20 00:00:00", "2026-03-11 23:59:59", "2026-03-12 08:00:00", deadline.StatusMissed},
		{"CalendarMoreThanADay", ninetyDays, "2026-09-29 23:59:58", "2026-09-30 23:59:59", "", deadline.StatusDue},
		{"CalendarADay", ninetyDays, "2026-09-29 23:59:59", "2026-09-30 23:59:59", "", deadline.StatusDueSoon},
		{"CalendarPast", ninetyDays, "2026-10-01 00:00:00", "2026-09-30 23:59:59", "", deadline.StatusMissed},
		{"WeekdayHoursOverWeekend", fortyEightWeek, "2026-03-06 12:00:00", "2026-03-09 12:00:00", "", deadline.StatusDueSoon},
		{"WeekdayHoursTwentyFiveLeft", fortyEightWeek, "2026-03-06 11:00:00", "2026-03-09 12:00:00", "", deadline.StatusDue},
		{"HoursOverWeekend", fortyEightHours, "2026-03-06 12:00:00", "2026-03-09 12:00:00", "", deadline.StatusDue},
	} {
		t.Run(c.name, func(t *testing.T) {
			met := never
			if c.met != "" {
				met = at(c.met)
			}
			if got := deadline.State(at(c.now), at(c.due), met, c.c, ny); got != c.want {
				t.Errorf("State = %s, want %s", got, c.want)
			}
		})
	}
}
