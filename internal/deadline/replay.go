package deadline

import (
	"slices"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/workflow"
)

// Event is something that happened to a complaint: EventReceived, a transition's name,
// or one of the other Event… names.
type Event struct {
	Name string
	At   time.Time
}

// Timer is one clock of one complaint.
type Timer struct {
	Clock    Clock
	Started  time.Time
	Due      time.Time
	Met      time.Time // zero while running
	PausedAt time.Time // zero unless standing still
}

// Paused reports whether the clock stands still.
func (t Timer) Paused() bool { return !t.PausedAt.IsZero() && t.Met.IsZero() }

// State is where the clock stands at now. A paused clock stands where it was when it
// paused.
func (t Timer) State(now time.Time, loc *time.Location) Status {
	if t.Paused() && t.PausedAt.Before(now) {
		now = t.PausedAt
	}
	return State(now, t.Due, t.Met, t.Clock, loc)
}

// resume runs a paused clock again at at.
func (t *Timer) resume(at time.Time, loc *time.Location) {
	if t.Paused() {
		t.Due = Resume(t.Due, t.PausedAt, at, t.Clock, loc)
		t.PausedAt = time.Time{}
	}
}

// Replay works out a complaint's clocks from its history: the model of its agreement
// ("" if unknown) and its events in the order they happened. A transition's name
// stands for all of Events(transition); a transition that pauses stops the clocks
// that pause, one that resumes moves them on by Resume. A clock met while paused is
// resumed first, so the pause is not held against it. Each clock starts once: a
// reopened case keeps the clocks it met. Timers come in the order of c.Clocks.
func (c Config) Replay(model redress.Model, events []Event) []Timer {
	loc := c.Loc()
	timers := map[string]*Timer{}
	for _, e := range events {
		names := []string{e.Name}
		tr := workflow.Transition(e.Name)
		if workflow.ValidTransition(tr) {
			names = Events(tr)
		}
		if workflow.Resumes(tr) {
			for _, t := range timers {
				t.resume(e.At, loc)
			}
		}
		for _, name := range c.MetBy(names...) {
			if t := timers[name]; t != nil && t.Met.IsZero() {
				t.resume(e.At, loc)
				t.Met = e.At
			}
		}
		for _, name := range names {
			for _, k := range c.Starting(model, name) {
				if timers[k.Name] == nil {
					timers[k.Name] = &Timer{Clock: k, Started: e.At, Due: Due(e.At, k, loc)}
				}
			}
		}
		if workflow.Pauses(tr) {
			for _, t := range timers {
				if t.Clock.Pauses && t.Met.IsZero() && t.PausedAt.IsZero() {
					t.PausedAt = e.At
				}
			}
		}
	}
	var out []Timer
	for _, k := range c.Clocks {
		if t := timers[k.Name]; t != nil {
			out = append(out, *t)
		}
	}
	return slices.Clip(out)
}
