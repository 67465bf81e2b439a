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
