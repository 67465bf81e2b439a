package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/workflow"
)

type routingRow struct {
	bun.BaseModel `bun:"table:routing_rules"`
	ID            int64  `bun:"id,pk,autoincrement"`
	Position      int    `bun:"position"`
	Kind          string `bun:"kind"`
	State         string `bun:"state"`
	AgencyID      *int64 `bun:"agency_id"`
	Category      string `bun:"category"`
	Custody       string `bun:"custody"`
	Model         string `bun:"model"`
	Function      string `bun:"function"`
	Unit          string `bun:"unit"`
	Priority      string `bun:"priority"`
}

// RoutingRules returns the administrator's routing rules in order.
func (db *DB) RoutingRules(ctx context.Context) ([]workflow.Rule, error) {
	var rows []routingRow
	if err := db.bun.NewSelect().Model(&rows).Order("position", "id").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]workflow.Rule, len(rows))
	for i, r := range rows {
		out[i] = workflow.Rule{Kind: r.Kind, State: r.State, AgencyID: derefID(r.AgencyID), Category: redress.Category(r.Category),
			Custody: r.Custody, Model: redress.Model(r.Model), Function: redress.Function(r.Function), Unit: r.Unit, Priority: r.Priority}
	}
	return out, nil
}

// ReplaceRoutingRules stores a new rule list in one transaction, with an audit event of
// the old and new lists.
func (db *DB) ReplaceRoutingRules(ctx context.Context, rules []workflow.Rule, audit redress.AuditEvent) error {
	old, err := db.RoutingRules(ctx)
	if err != nil {
		return err
	}
	defer db.filingChanged()
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		if _, err := tx.NewDelete().Model((*routingRow)(nil)).Where("1 = 1").Exec(ctx); err != nil {
			return err
		}
		for i, r := range rules {
			row := routingRow{Position: i + 1, Kind: r.Kind, State: r.State, AgencyID: nullID(r.AgencyID),
				Category: string(r.Category), Custody: r.Custody, Model: string(r.Model), Function: string(r.Function),
				Unit: r.Unit, Priority: r.Priority}
			if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
				return err
			}
		}
		audit.Details = map[string]any{"old": old, "new": rules}
		return insertAudit(ctx, tx, now, audit)
	})
}
