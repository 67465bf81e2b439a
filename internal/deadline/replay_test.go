package deadline_test

import (
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
)

type timerWant struct {
	due, met, paused string // "" for zero
	state            deadline.Status
}

func checkTimers(t *testing.T, got []deadline.Timer, now time.Time, want map[string]timerWant, order []string) {
	t.Helper()
	if len(got) != len(order) {
		t.Fatalf("%d timers, want %d", len(got), len(order))
	}
	for i, tm := range got {
		if tm.Clock.Name != order[i] {
			t.Errorf("timer %d is %s, want %s", i, tm.Clock.Name, order[i])
			continue
		}
		w := want[tm.Clock.Name]
		for field, pair := range map[string][2]time.Time{
			"due": {tm.Due, parseOr(w.due)}, "met": {tm.Met, parseOr(w.met)}, "paused": {tm.PausedAt, parseOr(w.paused)},
		} {
			if !pair[0].Equal(pair[1]) {
				t.Errorf("%s %s = %s, want %s", tm.Clock.Name, field, pair[0].In(ny), pair[1].In(ny))
			}
		}
		if s := tm.State(now, ny); s != w.state {
			t.Errorf("%s state %s, want %s", tm.Clock.Name, s, w.state)
		}
	}
}

func parseOr(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	return at(s)
}

// A JEM complaint from filing to closing, with a wait on the complainant.
func TestReplayJEM(t *testing.T) {
	ev := func(name, when string) deadline.Event { return deadline.Event{Name: name, At: at(when)} }
	c := deadline.Defaults()
	history := []deadline.Event{
		ev("received", "2026-07-02 10:00:00"), // the Thursday before July 3 (observed Independence Day)
		ev("acknowledged", "2026-07-02 10:00:00"),
		ev("ice_notified", "2026-07-07 09:00:00"), // due Monday 10:00: late
		ev("triage", "2026-07-08 11:00:00"),
		ev("start_review", "2026-07-09 09:00:00"),
		ev("ask_complainant", "2026-07-20 10:00:00"),
	}
	// While waiting: resolve stands still; the MOA's clocks do not pause.
	timers := c.Replay(redress.ModelJEM, history)
	checkTimers(t, timers, at("2026-09-30 12:00:00"), map[string]timerWant{
		"acknowledge": {due: "2026-07-07 23:59:59", met: "2026-07-02 10:00:00", state: deadline.StatusMet},
		"triage":      {due: "2026-07-10 23:59:59", met: "2026-07-08 11:00:00", state: deadline.StatusMet},
		// Frozen at the pause: more than a day left then, so still due, not due soon.
		"resolve":    {due: "2026-09-30 23:59:59", paused: "2026-07-20 10:00:00", state: deadline.StatusDue},
		"notify_ice": {due: "2026-07-06 10:00:00", met: "2026-07-07 09:00:00", state: deadline.StatusMissed},
	}, []string{"acknowledge", "triage", "resolve", "notify_ice"})
	if !timers[2].Paused() || timers[0].Paused() {
		t.Error("Paused() wrong")
	}

	history = append(history,
		ev("complainant_replied", "2026-07-30 15:00:00"), // ten days later
		ev("propose_findings", "2026-09-28 10:00:00"),
		ev("approve_close", "2026-10-05 16:00:00"), // after the first due date, before the moved one
	)
	checkTimers(t, c.Replay(redress.ModelJEM, history), at("2026-11-04 09:00:00"), map[string]timerWant{
		"acknowledge":    {due: "2026-07-07 23:59:59", met: "2026-07-02 10:00:00", state: deadline.StatusMet},
		"triage":         {due: "2026-07-10 23:59:59", met: "2026-07-08 11:00:00", state: deadline.StatusMet},
		"resolve":        {due: "2026-10-10 23:59:59", met: "2026-10-05 16:00:00", state: deadline.StatusMet},
		"notify_ice":     {due: "2026-07-06 10:00:00", met: "2026-07-07 09:00:00", state: deadline.StatusMissed},
		"report_results": {due: "2026-11-04 23:59:59", state: deadline.StatusDueSoon},
	}, []string{"acknowledge", "triage", "resolve", "notify_ice", "report_results"})

	// Reopened and closed again: clocks met stay met, none restarts.
	history = append(history, ev("reopen", "2026-10-20 10:00:00"), ev("results_reported", "2026-10-21 10:00:00"),
		ev("start_review", "2026-10-21 11:00:00"), ev("close_administratively", "2026-12-01 10:00:00"))
	timers = c.Replay(redress.ModelJEM, history)
	if len(timers) != 5 || !timers[4].Met.Equal(at("2026-10-21 10:00:00")) || !timers[2].Met.Equal(at("2026-10-05 16:00:00")) {
		t.Errorf("after reopening: %+v", timers)
	}
}

// A TFM complaint closed while waiting on the complainant: resolve is resumed before
// it is met, so the wait is not held against it; the MOA's 90 days never paused.
func TestReplayTFMClosedWhileWaiting(t *testing.T) {
	ev := func(name, when string) deadline.Event { return deadline.Event{Name: name, At: at(when)} }
	timers := deadline.Defaults().Replay(redress.ModelTFM, []deadline.Event{
		ev("received", "2026-01-05 09:00:00"),
		ev("triage", "2026-01-06 09:00:00"),
		ev("ask_complainant", "2026-03-01 10:00:00"),
		ev("close_administratively", "2026-04-20 10:00:00"), // no reply came: 50 days
	})
	checkTimers(t, timers, at("2026-05-01 00:00:00"), map[string]timerWant{
		"acknowledge": {due: "2026-01-07 23:59:59", state: deadline.StatusMissed},
		"triage":      {due: "2026-01-12 23:59:59", met: "2026-01-06 09:00:00", state: deadline.StatusMet},
		"resolve":     {due: "2026-05-25 23:59:59", met: "2026-04-20 10:00:00", state: deadline.StatusMet},
		"resolve_tfm": {due: "2026-04-05 23:59:59", met: "2026-04-20 10:00:00", state: deadline.StatusMissed},
	}, []string{"acknowledge", "triage", "resolve", "resolve_tfm"})
}

// A complaint whose agreement is unknown gets only the clocks every complaint has; a
// withdrawal from received meets triage too.
func TestReplayUnknownModel(t *testing.T) {
	ev := func(name, when string) deadline.Event { return deadline.Event{Name: name, At: at(when)} }
	timers := deadline.Defaults().Replay("", []deadline.Event{
		ev("received", "2026-03-02 10:00:00"),
		ev("withdraw", "2026-03-03 10:00:00"),
	})
	checkTimers(t, timers, at("2026-03-03 12:00:00"), map[string]timerWant{
		"acknowledge": {due: "2026-03-04 23:59:59", state: deadline.StatusDueSoon},
		"triage":      {due: "2026-03-09 23:59:59", met: "2026-03-03 10:00:00", state: deadline.StatusMet},
		"resolve":     {due: "2026-05-31 23:59:59", met: "2026-03-03 10:00:00", state: deadline.StatusMet},
	}, []string{"acknowledge", "triage", "resolve"})
}
