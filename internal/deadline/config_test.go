package deadline_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/workflow"
)

// The defaults are what the issue and the MOAs say.
func TestDefaults(t *testing.T) {
	c := deadline.Defaults()
	if c.Loc().String() != "America/New_York" {
		t.Errorf("location %s", c.Loc())
	}
	type def struct {
		amount int
		unit   deadline.Unit
		models []redress.Model
		start  string
		pauses bool
	}
	want := map[string]def{
		"acknowledge":    {2, deadline.BusinessDays, nil, "received", false},
		"triage":         {5, deadline.BusinessDays, nil, "received", false},
		"resolve":        {90, deadline.CalendarDays, nil, "received", true},
		"notify_ice":     {48, deadline.WeekdayHours, []redress.Model{"JEM", "WSO"}, "received", false},
		"report_results": {30, deadline.CalendarDays, []redress.Model{"JEM"}, "resolved", false},
		"resolve_tfm":    {90, deadline.CalendarDays, []redress.Model{"TFM"}, "received", false},
	}
	if len(c.Clocks) != len(want) {
		t.Errorf("%d clocks, want %d", len(c.Clocks), len(want))
	}
	for name, w := range want {
		k, ok := c.Clock(name)
		if !ok {
			t.Errorf("no clock %s", name)
			continue
		}
		got := def{k.Amount, k.Unit, k.Models, k.Start, k.Pauses}
		if got.amount != w.amount || got.unit != w.unit || !slices.Equal(got.models, w.models) || got.start != w.start || got.pauses != w.pauses {
			t.Errorf("%s = %+v, want %+v", name, got, w)
		}
		if k.Basis == "" {
			t.Errorf("%s says nothing of where it comes from", name)
		}
	}
	if _, ok := c.Clock("nope"); ok {
		t.Error("found a clock that is not there")
	}
	if got := c.Pausing(); !slices.Equal(got, []string{"resolve"}) {
		t.Errorf("Pausing = %v", got)
	}
}

// Which clocks apply to a complaint, per model, and what starts and meets them.
func TestStartingAndMetBy(t *testing.T) {
	c := deadline.Defaults()
	names := func(ks []deadline.Clock) []string {
		var out []string
		for _, k := range ks {
			out = append(out, k.Name)
		}
		return out
	}
	for model, want := range map[redress.Model][]string{
		"":    {"acknowledge", "triage", "resolve"},
		"JEM": {"acknowledge", "triage", "resolve", "notify_ice"},
		"WSO": {"acknowledge", "triage", "resolve", "notify_ice"},
		"TFM": {"acknowledge", "triage", "resolve", "resolve_tfm"},
	} {
		if got := names(c.Starting(model, deadline.EventReceived)); !slices.Equal(got, want) {
			t.Errorf("%q received starts %v, want %v", model, got, want)
		}
	}
	for model, want := range map[redress.Model][]string{"": nil, "JEM": {"report_results"}, "WSO": nil, "TFM": nil} {
		if got := names(c.Starting(model, deadline.EventResolved)); !slices.Equal(got, want) {
			t.Errorf("%q resolved starts %v, want %v", model, got, want)
		}
	}
	if got := c.Starting("JEM", "triage"); got != nil {
		t.Errorf("triage starts %v", got)
	}
	for _, tc := range []struct {
		tr   workflow.Transition
		want []string
	}{
		{workflow.Triage, []string{"triage"}},
		{workflow.StartReview, nil},
		{workflow.AskComplainant, nil},
		{workflow.ApproveClose, []string{"triage", "resolve", "resolve_tfm"}},
		{workflow.CloseAdministratively, []string{"triage", "resolve", "resolve_tfm"}},
		{workflow.Withdraw, []string{"triage", "resolve", "resolve_tfm"}},
		{workflow.Reopen, nil},
	} {
		if got := c.MetBy(deadline.Events(tc.tr)...); !slices.Equal(got, tc.want) {
			t.Errorf("%s meets %v, want %v", tc.tr, got, tc.want)
		}
	}
	for e, want := range map[string][]string{
		"acknowledged": {"acknowledge"}, "ice_notified": {"notify_ice"}, "results_reported": {"report_results"},
	} {
		if got := c.MetBy(e); !slices.Equal(got, want) {
			t.Errorf("%s meets %v, want %v", e, got, want)
		}
	}
	if got := deadline.Events(workflow.Refer); !slices.Equal(got, []string{"refer"}) {
		t.Errorf("Events(refer) = %v", got)
	}
	if got := deadline.Events(workflow.Withdraw); !slices.Equal(got, []string{"withdraw", "resolved"}) {
		t.Errorf("Events(withdraw) = %v", got)
	}
}

func TestLoad(t *testing.T) {
	c, err := deadline.Load("")
	if err != nil || len(c.Clocks) != len(deadline.Defaults().Clocks) {
		t.Fatalf("Load(\"\") = %d clocks, %v", len(c.Clocks), err)
	}
	path := filepath.Join(t.TempDir(), "clocks.json")
	if err := os.WriteFile(path, []byte(`{"location": "America/Chicago", "clocks": [
		{"name": "acknowledge", "amount": 1, "unit": "business_days", "start": "received", "met_by": ["acknowledged"]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err = deadline.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Loc().String() != "America/Chicago" || len(c.Clocks) != 1 || c.Clocks[0].Amount != 1 {
		t.Errorf("loaded %+v in %s", c.Clocks, c.Loc())
	}
	if _, err := deadline.Load(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("a missing file: no error")
	}
}

func TestParse(t *testing.T) {
	const ok = `"name": "x", "amount": 2, "unit": "business_days", "start": "received", "met_by": ["triage"]`
	c, err := deadline.Parse([]byte(`{"clocks": [{` + ok + `}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Loc().String() != deadline.DefaultLocationName {
		t.Errorf("no location: %s", c.Loc())
	}
	for name, text := range map[string]string{
		"NotJSON":        `{"clocks": [`,
		"UnknownField":   `{"clocks": [{` + ok + `, "paused": true}]}`,
		"UnknownTop":     `{"timezone": "UTC", "clocks": []}`,
		"BadLocation":    `{"location": "Mars/Olympus_Mons", "clocks": []}`,
		"NoName":         `{"clocks": [{"amount": 2, "unit": "hours", "start": "received", "met_by": ["triage"]}]}`,
		"ZeroAmount":     `{"clocks": [{"name": "x", "amount": 0, "unit": "hours", "start": "received", "met_by": ["triage"]}]}`,
		"BadUnit":        `{"clocks": [{"name": "x", "amount": 2, "unit": "fortnights", "start": "received", "met_by": ["triage"]}]}`,
		"BadStart":       `{"clocks": [{"name": "x", "amount": 2, "unit": "hours", "start": "triage", "met_by": ["triage"]}]}`,
		"NoMetBy":        `{"clocks": [{"name": "x", "amount": 2, "unit": "hours", "start": "received"}]}`,
		"UnknownEvent":   `{"clocks": [{"name": "x", "amount": 2, "unit": "hours", "start": "received", "met_by": ["lunch"]}]}`,
		"UnknownModel":   `{"clocks": [{` + ok + `, "models": ["287"]}]}`,
		"DefinedTwice":   `{"clocks": [{` + ok + `}, {` + ok + `}]}`,
		"NegativeAmount": `{"clocks": [{"name": "x", "amount": -1, "unit": "hours", "start": "received", "met_by": ["triage"]}]}`,
	} {
		if _, err := deadline.Parse([]byte(text)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestWithOverrides(t *testing.T) {
	base := deadline.Defaults()
	c, err := base.WithOverrides([]deadline.Override{
		{Clock: "acknowledge", Amount: 3, Business: false},
		{Clock: "resolve", Amount: 60, Business: true},
		{Clock: "notify_ice", Amount: 24, Business: false},
		{Clock: "report_results", Amount: 45, Business: false},
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]struct {
		amount int
		unit   deadline.Unit
	}{
		"acknowledge": {3, deadline.CalendarDays}, "triage": {5, deadline.BusinessDays},
		"resolve": {60, deadline.BusinessDays}, "notify_ice": {24, deadline.Hours},
		"report_results": {45, deadline.CalendarDays}, "resolve_tfm": {90, deadline.CalendarDays},
	} {
		k, _ := c.Clock(name)
		if k.Amount != want.amount || k.Unit != want.unit {
			t.Errorf("%s: %d %s, want %d %s", name, k.Amount, k.Unit, want.amount, want.unit)
		}
	}
	if k, _ := base.Clock("acknowledge"); k.Amount != 2 || k.Unit != deadline.BusinessDays {
		t.Errorf("the defaults changed: %+v", k)
	}
	c, _ = base.WithOverrides([]deadline.Override{{Clock: "notify_ice", Amount: 72, Business: true}})
	if k, _ := c.Clock("notify_ice"); k.Unit != deadline.WeekdayHours || k.Amount != 72 {
		t.Errorf("notify_ice: %+v", k)
	}
	for _, bad := range []deadline.Override{{Clock: "lunch", Amount: 1}, {Clock: "triage", Amount: 0}} {
		got, err := base.WithOverrides([]deadline.Override{{Clock: "triage", Amount: 9, Business: true}, bad})
		if err == nil || !strings.Contains(err.Error(), "override") {
			t.Errorf("%+v: %v", bad, err)
		}
		if k, _ := got.Clock("triage"); k.Amount != 5 {
			t.Errorf("%+v: half applied: %+v", bad, k)
		}
	}
}

// The overridden clock keeps its pause, models and events: only the amount and the
// count change.
func TestOverrideKeepsTheRest(t *testing.T) {
	c, err := deadline.Defaults().WithOverrides([]deadline.Override{{Clock: "resolve", Amount: 30, Business: true}})
	if err != nil {
		t.Fatal(err)
	}
	k, _ := c.Clock("resolve")
	if !k.Pauses || k.Start != "received" || !slices.Equal(k.MetBy, []string{"resolved"}) {
		t.Errorf("resolve: %+v", k)
	}
	// Over Christmas, New Year's Day and MLK Day (Jan 18 2027).
	start := at("2026-12-23 10:00:00")
	if got, want := deadline.Due(start, k, c.Loc()), at("2027-02-08 23:59:59"); !got.Equal(want) {
		t.Errorf("30 business days from Dec 23 2026: %s, want %s", got.In(ny), want)
	}
}

// TestStateOf: the rule the case page, the case API and the queue all use. An ICE
// notification filed Thursday 17:00 is due Monday 17:00 (48 weekday hours); on the
// Friday evening before, 21 weekday hours are left, so it is due soon, though 69 hours
// of the wall clock are.
func TestStateOf(t *testing.T) {
	cfg := deadline.Defaults()
	filed := at("2026-12-03 17:00:00")
	notify := redress.Clock{Name: "notify_ice", StartedAt: filed, DueAt: deadline.Due(filed, mustClock(t, cfg, "notify_ice"), cfg.Loc())}
	if want := at("2026-12-07 17:00:00"); !notify.DueAt.Equal(want) {
		t.Fatalf("notify_ice due %v; want %v", notify.DueAt, want)
	}
	ack := redress.Clock{Name: "acknowledge", DueAt: deadline.Due(filed, mustClock(t, cfg, "acknowledge"), cfg.Loc())}
	met := func(k redress.Clock, at time.Time) redress.Clock { k.MetAt = at; return k }
	paused := func(k redress.Clock, at time.Time) redress.Clock { k.PausedAt = at; return k }
	for _, tc := range []struct {
		name string
		k    redress.Clock
		now  time.Time
		want deadline.Status
	}{
		{"ThursdayJustFiled", notify, at("2026-12-03 17:05:00"), deadline.StatusDue},
		{"FridayEveningDueMonday", notify, at("2026-12-04 20:00:00"), deadline.StatusDueSoon},
		{"SundayDueMonday", notify, at("2026-12-06 12:00:00"), deadline.StatusDueSoon},
		{"MondayAfterDue", notify, at("2026-12-07 17:01:00"), deadline.StatusMissed},
		{"MetOnTime", met(notify, at("2026-12-07 09:00:00")), at("2026-12-09 09:00:00"), deadline.StatusMet},
		{"MetLateIsMissed", met(notify, at("2026-12-08 09:00:00")), at("2026-12-09 09:00:00"), deadline.StatusMissed},
		{"Paused", paused(notify, at("2026-12-04 09:00:00")), at("2026-12-09 09:00:00"), deadline.StatusPaused},
		// Acknowledge within 2 business days: filed Thursday, due at the end of Monday;
		// Friday is one business day before, so due soon.
		{"AckFridayDueMonday", ack, at("2026-12-04 10:00:00"), deadline.StatusDueSoon},
		{"AckThursday", ack, at("2026-12-03 17:05:00"), deadline.StatusDue},
		{"UnknownClockCountsHours", redress.Clock{Name: "gone", DueAt: at("2026-12-05 12:00:00")}, at("2026-12-04 13:00:00"), deadline.StatusDueSoon},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cfg.StateOf(tc.k, tc.now); got != tc.want {
				t.Fatalf("StateOf at %v = %s; want %s", tc.now, got, tc.want)
			}
		})
	}
}

func mustClock(t *testing.T, cfg deadline.Config, name string) deadline.Clock {
	t.Helper()
	k, ok := cfg.Clock(name)
	if !ok {
		t.Fatalf("no clock %q in the defaults", name)
	}
	return k
}
