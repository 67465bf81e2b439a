package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// The audit trail as the oversight measures recomputed from it read it.

// TrailEvent is one audit event about a complaint, as the measures recomputed from the
// trail read it (oversight.FromTrail).
type TrailEvent struct {
	ID          int64
	OccurredAt  time.Time
	Action      string
	ComplaintID int64
	AgencyID    int64
	AgreementID int64
	Details     map[string]any
}

// EachComplaintEvent calls fn with every event of the actions about a complaint, in the
// trail's order.
func (db *DB) EachComplaintEvent(ctx context.Context, actions []string, fn func(TrailEvent) error) error {
	rows, err := db.bun.NewSelect().Table("audit_events").
		Column("id", "occurred_at", "action", "complaint_id", "agency_id", "agreement_id", "details").
		Where("complaint_id IS NOT NULL AND action IN (?)", bun.In(actions)).Order("id").Rows(ctx)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e TrailEvent
		var agency, agreement *int64
		var details string
		if err := rows.Scan(&e.ID, &e.OccurredAt, &e.Action, &e.ComplaintID, &agency, &agreement, &details); err != nil {
			return err
		}
		e.AgencyID, e.AgreementID = derefID(agency), derefID(agreement)
		if err := json.Unmarshal([]byte(details), &e.Details); err != nil {
			return fmt.Errorf("event %d: details: %w", e.ID, err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AllegationCategories maps every allegation's id to its category (set when the
// allegation is made, never changed): the trail names allegations by id.
func (db *DB) AllegationCategories(ctx context.Context) (map[int64]redress.Category, error) {
	var rows []struct {
		ID       int64  `bun:"id"`
		Category string `bun:"category"`
	}
	if err := db.bun.NewSelect().Table("allegations").Column("id", "category").Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make(map[int64]redress.Category, len(rows))
	for _, r := range rows {
		out[r.ID] = redress.Category(r.Category)
	}
	return out, nil
}

// AgreementModels maps every agreement of the registry to its model.
func (db *DB) AgreementModels(ctx context.Context) (map[int64]redress.Model, error) {
	var rows []struct {
		ID    int64  `bun:"id"`
		Model string `bun:"model"`
	}
	if err := db.bun.NewSelect().Table("agreements").Column("id", "model").Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make(map[int64]redress.Model, len(rows))
	for _, r := range rows {
		out[r.ID] = redress.Model(r.Model)
	}
	return out, nil
}

// RowTallies are the tallies one row adds, counted as MeasureTallies' queries count
// them: oversight.FromTrail counts the rows it works out from the trail with it.
func RowTallies(r *MeasureRow, asOf time.Time) []MeasureTally {
	var out []MeasureTally
	add := func(kind, label string, v int64) {
		out = append(out, MeasureTally{Kind: kind, Label: label, Value: v, N: 1})
	}
	add(TallyStage, "", int64(r.Stage))
	for _, d := range []struct {
		kind string
		v    *int
	}{{TallyAckHours, r.AckHours}, {TallyAckDays, r.AckDays}, {TallyTriageHours, r.TriageHours},
		{TallyTriageDays, r.TriageDays}, {TallyCloseHours, r.CloseHours}, {TallyCloseDays, r.CloseDays}} {
		if d.v != nil {
			add(d.kind, "", int64(*d.v))
		}
	}
	if r.Stage != StageClosed {
		add(TallyOpenHour, "", r.ReceivedHour)
	}
	for _, name := range MeasureClocks {
		k, due := r.Clock(name)
		if k == OutcomeNone {
			continue
		}
		if k == OutcomeRunning && due != nil && *due < asOf.Unix() {
			k = OutcomeMissed
		}
		add(TallyClock, name, int64(k))
	}
	for _, c := range redress.Categories {
		if p := r.findingSlot(c); p != nil && *p != 0 {
			out = append(out, MeasureTally{Kind: TallyFinding, Label: string(c), Sub: FindingOfCode(int64(*p)), N: 1})
		}
	}
	for _, rec := range MeasureRecipients {
		if p := r.referralSlot(rec); p != nil && *p != nil {
			add(TallyReferral, rec, int64(**p))
		}
	}
	return out
}
