package seed

import (
	"slices"
	"time"
	"unicode/utf8"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/workflow"
)

// A case's history: each step comes some working days after the one before, as the
// staff of its unit would take it, through the workflow's own state machine; the
// history stops where the period ends, so old cases are mostly closed and recent ones
// open.

const day = 24 * time.Hour

// later is a working moment some days (between lo and hi, the short ones more often)
// after t: office hours on a business day in the office's zone.
func (k *kase) later(t time.Time, lo, hi float64) time.Time {
	d := lo + (hi-lo)*k.g.rng.Float64()*k.g.rng.Float64()
	return k.officeHours(t.Add(time.Duration(d * float64(day))))
}

// officeHours moves t into the next working hours (8:00 to 18:00, business days).
func (k *kase) officeHours(t time.Time) time.Time {
	loc := k.cfg.Loc()
	lt := t.In(loc)
	for !deadline.IsBusinessDay(redress.DateOf(lt)) || lt.Hour() >= 18 {
		next := lt.AddDate(0, 0, 1)
		lt = time.Date(next.Year(), next.Month(), next.Day(), 8, k.g.rng.IntN(120), k.g.rng.IntN(60), 0, loc)
	}
	if lt.Hour() < 8 {
		lt = time.Date(lt.Year(), lt.Month(), lt.Day(), 8, k.g.rng.IntN(120), k.g.rng.IntN(60), 0, loc)
	}
	return lt.UTC()
}

// when moves the case to t, unless the period ends first (done) or the complainant
// withdraws first.
func (k *kase) when(t time.Time, withdrawAt time.Time) bool {
	if !withdrawAt.IsZero() && !t.Before(withdrawAt) && workflow.Open(k.c.Status) {
		withdrawAt = laterOf(withdrawAt, k.t.Add(time.Minute))
		if !withdrawAt.After(k.g.now) {
			k.t = withdrawAt
			k.step(workflow.Withdraw, withdrawAt, k.supervisor, pick(k.g.rng, withdrawReasons), "", nil)
			return false
		}
	}
	if t.After(k.g.now) {
		k.done = true
		return false
	}
	k.t = t
	return true
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// step makes a transition as casework does: the status change, its row, its event
// with the details the store writes, the clocks' event.
func (k *kase) step(tr workflow.Transition, at time.Time, by int64, reason, disposition string, findings map[int64]string) {
	c := &k.c
	to, err := workflow.Next(c.Status, tr)
	if err != nil {
		panic(err) // the generator only takes steps the workflow allows
	}
	actor := redress.SubjectReceiptHolder
	if by != 0 {
		actor = subject(by)
	}
	details := map[string]any{"transition": string(tr), "from": c.Status, "to": to}
	if reason != "" {
		details["reason"] = reason
	}
	switch tr {
	case workflow.ProposeClosure:
		c.ProposedBy, c.ProposedDisposition = ptr(by), disposition
		details["disposition"] = disposition
	case workflow.ProposeFindings:
		c.ProposedBy, c.ProposedDisposition = ptr(by), ""
		details["findings"] = findings
	case workflow.ApproveClose:
		disposition = string(workflow.FindingsMade)
		if c.ProposedDisposition != "" {
			disposition = c.ProposedDisposition
		}
	case workflow.Withdraw:
		disposition = string(workflow.Withdrawn)
	}
	if workflow.Ends(tr) {
		c.Disposition, c.ClosedAt = disposition, ptr(at)
		details["disposition"] = disposition
	}
	c.Status, c.StatusChangedAt = to, at
	k.rows.StatusChanges = append(k.rows.StatusChanges, store.SeedStatusChange{ID: k.g.nextID("complaint_status_changes"),
		ComplaintID: c.ID, Status: to, ChangedAt: at, Actor: actor, Reason: reason})
	k.events = append(k.events, deadline.Event{Name: string(tr), At: at})
	if workflow.Ends(tr) {
		// As the store does at a case's end: the clocks the end does not meet stop, and
		// the transition's event names them (docs/workflow.md, "Stopped at the end").
		if k.stopped = k.unmetClocks(); len(k.stopped) > 0 {
			details["clocks_stopped"] = k.stopped
		}
	}
	k.audit(at, actor, "", redress.ActionTransition, details)
}

// unmetClocks names the clocks running or paused after the events so far, but for those
// a case's end starts, sorted as the store's audit event lists them.
func (k *kase) unmetClocks() []string {
	var names []string
	for _, t := range k.cfg.Replay(k.model, k.events) {
		if t.Met.IsZero() && t.Clock.Start != deadline.EventResolved {
			names = append(names, t.Clock.Name)
		}
	}
	slices.Sort(names)
	return names
}

// simulate works the case from its arrival to its end or to the end of the period.
func (k *kase) simulate() {
	var withdrawAt time.Time
	if k.g.rng.Float64() < 0.06 {
		withdrawAt = k.later(k.c.ReceivedAt, 1, 150)
	}
	defer k.statusChecks()
	if !k.triage(withdrawAt) {
		return
	}
	k.notifyICE()
	if !k.when(k.later(k.t, 0, 2), withdrawAt) {
		return
	}
	k.audit(k.t, subject(k.supervisor), "", redress.ActionAssigned, map[string]any{"old_assignee": 0, "new_assignee": k.investigator})
	k.c.AssigneeID = ptr(k.investigator)
	if !k.when(k.later(k.t, 0.5, 10), withdrawAt) {
		return
	}
	k.view(k.investigator)
	k.step(workflow.StartReview, k.t, k.investigator, "", "", nil)
	if k.g.rng.Float64() < 0.5 {
		k.note(k.later(k.t, 0.5, 20))
	}
	switch p := k.g.rng.Float64(); {
	case p < 0.08:
		if !k.referOut(withdrawAt) {
			return
		}
	case p < 0.28:
		if !k.askComplainant(withdrawAt) {
			return
		}
	case p < 0.38:
		k.closeWithout(withdrawAt, 10, 60, workflow.ResolvedInformally)
		k.reportResults()
		return
	}
	if k.findings(withdrawAt) {
		k.reportResults()
	}
}

// triage screens the case: a few are closed at once (a duplicate, not this office's),
// the rest triaged, some raised to urgent.
func (k *kase) triage(withdrawAt time.Time) bool {
	if !k.when(k.later(k.c.ReceivedAt, 0.1, 9), withdrawAt) {
		return false
	}
	k.view(k.intake)
	if k.g.rng.Float64() < 0.04 {
		d := pick(k.g.rng, []string{string(workflow.Duplicate), string(workflow.OutsideJurisdiction)})
		k.step(workflow.CloseAdministratively, k.t, k.intake, pick(k.g.rng, adminReasons[d]), d, nil)
		return false
	}
	old, changed := map[string]any{}, map[string]any{}
	if k.c.Priority != workflow.PriorityUrgent && k.g.rng.Float64() < 0.12 {
		old["priority"], changed["priority"] = k.c.Priority, workflow.PriorityUrgent
		k.c.Priority = workflow.PriorityUrgent
	}
	k.audit(k.t, subject(k.intake), "", redress.ActionTriaged, map[string]any{"old": old, "new": changed})
	k.t = k.t.Add(time.Minute)
	k.step(workflow.Triage, k.t, k.intake, "", "", nil)
	return true
}

// view records a staff member opening the case page, a moment before acting on it.
func (k *kase) view(by int64) {
	k.audit(k.t.Add(-2*time.Minute), subject(by), "", redress.ActionComplaintViewed, map[string]any{"narrative": true})
}

func (k *kase) note(at time.Time) {
	if at.After(k.g.now) {
		return
	}
	n := store.SeedNote{ID: k.g.nextID("notes"), ComplaintID: k.c.ID, AuthorID: k.investigator, Body: pick(k.g.rng, notes), CreatedAt: at}
	k.rows.Notes = append(k.rows.Notes, n)
	k.audit(at, subject(k.investigator), "", redress.ActionNoteAdded, map[string]any{"note_id": n.ID, "length": utf8.RuneCountInString(n.Body)})
}

// statusChecks are the complainant's looks at the status page, up to a month after
// the case's last step.
func (k *kase) statusChecks() {
	end := k.t.Add(30 * day)
	if end.After(k.g.now) {
		end = k.g.now
	}
	span := end.Sub(k.c.ReceivedAt)
	for range skewed(k.g.rng, 4) {
		at := k.c.ReceivedAt.Add(time.Duration(k.g.rng.Float64() * float64(span)))
		k.audit(at, redress.ActorPublic, redress.SubjectReceiptHolder, redress.ActionStatusChecked, nil)
	}
}
