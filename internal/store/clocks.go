package store

import (
	"context"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
)

// A case's clocks: started, met, paused and resumed, and stopped with the case's end.

// changeClocks makes the clock steps of a status change, in order, and returns the
// names of the clocks the case's end stopped or its reopening ran again.
func changeClocks(ctx context.Context, tx bun.Tx, now time.Time, ch StatusChange) ([]string, error) {
	// Resume before meeting, so a clock met on the way out of a pause keeps its due time.
	if ch.ResumeClocks {
		if err := resumeClocks(ctx, tx, now, ch.ComplaintID, ch.Deadlines); err != nil {
			return nil, err
		}
	}
	if err := meetClocks(ctx, tx, now, ch.ComplaintID, ch.MeetClocks...); err != nil {
		return nil, err
	}
	if len(ch.PauseClocks) > 0 {
		touchMeasures(tx, ch.ComplaintID)
		if _, err := tx.NewUpdate().Table("complaint_clocks").Set("paused_at = ?", now).
			Where("complaint_id = ? AND met_at IS NULL AND paused_at IS NULL AND stopped_at IS NULL AND clock IN (?)", ch.ComplaintID, bun.In(ch.PauseClocks)).Exec(ctx); err != nil {
			return nil, err
		}
	}
	var stopped []string
	var err error
	switch {
	case ch.EndClocks:
		stopped, err = endClocks(ctx, tx, now, ch.ComplaintID)
	case ch.RestartClocks:
		stopped, err = restartClocks(ctx, tx, ch.ComplaintID)
	}
	if err != nil {
		return nil, err
	}
	return stopped, startClocks(ctx, tx, ch.ComplaintID, ch.StartClocks)
}

type clockRow struct {
	bun.BaseModel `bun:"table:complaint_clocks"`
	ID            int64      `bun:"id,pk,autoincrement"`
	ComplaintID   int64      `bun:"complaint_id"`
	Clock         string     `bun:"clock"`
	StartedAt     time.Time  `bun:"started_at"`
	DueAt         time.Time  `bun:"due_at"`
	MetAt         *time.Time `bun:"met_at"`
	PausedAt      *time.Time `bun:"paused_at"`
	StoppedAt     *time.Time `bun:"stopped_at"`
	MissedLogged  bool       `bun:"missed_logged"`
}

func (r clockRow) clock() redress.Clock {
	c := redress.Clock{ID: r.ID, ComplaintID: r.ComplaintID, Name: r.Clock, StartedAt: r.StartedAt, DueAt: r.DueAt}
	if r.MetAt != nil {
		c.MetAt = *r.MetAt
	}
	if r.PausedAt != nil {
		c.PausedAt = *r.PausedAt
	}
	if r.StoppedAt != nil {
		c.StoppedAt = *r.StoppedAt
	}
	return c
}

// StartClocks adds clocks to a complaint (already running ones are left alone).
func (db *DB) StartClocks(ctx context.Context, complaintID int64, clocks []redress.Clock) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error { return startClocks(ctx, tx, complaintID, clocks) })
}

func startClocks(ctx context.Context, tx bun.IDB, complaintID int64, clocks []redress.Clock) error {
	touchMeasures(tx, complaintID)
	for _, c := range clocks {
		row := clockRow{ComplaintID: complaintID, Clock: c.Name, StartedAt: c.StartedAt.UTC(), DueAt: c.DueAt.UTC()}
		if _, err := tx.NewInsert().Model(&row).On("CONFLICT (complaint_id, clock) DO NOTHING").Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// stopClocks removes running clocks that no longer apply (the agreement changed to one
// whose model does not have them). The triage event names them; met ones are kept.
func stopClocks(ctx context.Context, tx bun.IDB, complaintID int64, names []string) error {
	if len(names) == 0 {
		return nil
	}
	touchMeasures(tx, complaintID)
	_, err := tx.NewDelete().Table("complaint_clocks").
		Where("complaint_id = ? AND met_at IS NULL AND clock IN (?)", complaintID, bun.In(names)).Exec(ctx)
	return err
}

// endClocks stops a closing case's clocks that are neither met nor stopped, and
// returns their names: a clock stopped so is not met (oversight must not count it met
// on time), nor missed from then on.
func endClocks(ctx context.Context, tx bun.IDB, now time.Time, complaintID int64) ([]string, error) {
	return setStopped(ctx, tx, complaintID, "stopped_at = ?", "stopped_at IS NULL", now)
}

// restartClocks runs again the clocks a reopened case's end stopped, due as before
// (a paused one stays paused), and returns their names.
func restartClocks(ctx context.Context, tx bun.IDB, complaintID int64) ([]string, error) {
	return setStopped(ctx, tx, complaintID, "stopped_at = NULL", "stopped_at IS NOT NULL")
}

// setStopped sets stopped_at on the unmet clocks of a complaint that match cond, in one
// UPDATE that returns their names (sorted, as the audit event lists them).
func setStopped(ctx context.Context, tx bun.IDB, complaintID int64, set, cond string, args ...any) ([]string, error) {
	touchMeasures(tx, complaintID)
	var names []string
	if err := tx.NewUpdate().Table("complaint_clocks").Set(set, args...).
		Where("complaint_id = ? AND met_at IS NULL AND "+cond, complaintID).Returning("clock").Scan(ctx, &names); err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, nil
	}
	slices.Sort(names)
	return names, nil
}

func meetClocks(ctx context.Context, tx bun.IDB, now time.Time, complaintID int64, names ...string) error {
	if len(names) == 0 {
		return nil
	}
	touchMeasures(tx, complaintID)
	_, err := tx.NewUpdate().Table("complaint_clocks").Set("met_at = ?", now).Set("paused_at = NULL").
		Where("complaint_id = ? AND met_at IS NULL AND clock IN (?)", complaintID, bun.In(names)).Exec(ctx)
	return err
}

// resumeClocks restarts paused clocks, each due time moved on by the pause as clocks
// counts it.
func resumeClocks(ctx context.Context, tx bun.IDB, now time.Time, complaintID int64, clocks deadline.Config) error {
	touchMeasures(tx, complaintID)
	var rows []clockRow
	if err := tx.NewSelect().Model(&rows).Where("complaint_id = ? AND paused_at IS NOT NULL AND met_at IS NULL", complaintID).Scan(ctx); err != nil {
		return err
	}
	for _, r := range rows {
		newDue := r.DueAt.Add(now.Sub(*r.PausedAt))
		if clk, ok := clocks.Clock(r.Clock); ok {
			newDue = deadline.Resume(r.DueAt, *r.PausedAt, now, clk, clocks.Loc())
		}
		if _, err := tx.NewUpdate().Table("complaint_clocks").Set("due_at = ?", newDue.UTC()).Set("paused_at = NULL").
			Where("id = ?", r.ID).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// MeetClocks marks clocks of a complaint met now.
func (db *DB) MeetClocks(ctx context.Context, complaintID int64, names ...string) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error { return meetClocks(ctx, tx, now, complaintID, names...) })
}

// Clocks returns a complaint's clocks, soonest due first.
func (db *DB) Clocks(ctx context.Context, complaintID int64) ([]redress.Clock, error) {
	var rows []clockRow
	if err := db.bun.NewSelect().Model(&rows).Where("complaint_id = ?", complaintID).Order("due_at", "id").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]redress.Clock, len(rows))
	for i, r := range rows {
		out[i] = r.clock()
	}
	return out, nil
}
