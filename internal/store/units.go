package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// Review units: the states and agencies whose complaints each unit's staff may work.

type unitRow struct {
	bun.BaseModel `bun:"table:units"`
	ID            int64     `bun:"id,pk,autoincrement"`
	Name          string    `bun:"name"`
	Title         string    `bun:"title"`
	States        string    `bun:"states"`
	AgencyIDs     string    `bun:"agency_ids"`
	TimeZone      string    `bun:"time_zone"`
	CreatedAt     time.Time `bun:"created_at"`
}

func (r unitRow) unit() redress.Unit {
	u := redress.Unit{ID: r.ID, Name: r.Name, Title: r.Title, States: strings.Fields(r.States), TimeZone: r.TimeZone}
	for _, f := range strings.Fields(r.AgencyIDs) {
		if id, err := strconv.ParseInt(f, 10, 64); err == nil {
			u.AgencyIDs = append(u.AgencyIDs, id)
		}
	}
	return u
}

// SaveUnit creates the unit named u.Name, or replaces its title, states and agencies.
// Agencies it names must be in the registry.
func (db *DB) SaveUnit(ctx context.Context, by redress.AuditEvent, u redress.Unit) (redress.Unit, error) {
	var states, agencies []string
	states = append(states, u.States...)
	for _, id := range u.AgencyIDs {
		agencies = append(agencies, strconv.FormatInt(id, 10))
	}
	row := unitRow{Name: u.Name, Title: u.Title, States: strings.Join(states, " "), AgencyIDs: strings.Join(agencies, " "), TimeZone: u.TimeZone}
	defer db.filingChanged()
	err := db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		if err := db.lockAuthz(ctx, tx); err != nil {
			return err
		}
		if len(u.AgencyIDs) > 0 {
			n, err := tx.NewSelect().Model((*agencyRow)(nil)).Where("id IN (?)", bun.In(u.AgencyIDs)).Count(ctx)
			if err != nil {
				return err
			} else if int(n) != len(u.AgencyIDs) {
				var fe redress.FieldErrors
				fe.Add("agencies", "unknown_agency")
				return fe.Err()
			}
		}
		var old unitRow
		err := tx.NewSelect().Model(&old).Where("name = ?", u.Name).Scan(ctx)
		created := false
		switch err := notFound(err, "Unit"); {
		case err == nil:
			row.ID, row.CreatedAt = old.ID, old.CreatedAt
			if _, err := tx.NewUpdate().Model(&row).Column("title", "states", "agency_ids", "time_zone").WherePK().Exec(ctx); err != nil {
				return err
			}
		case redress.ErrorCode(err) == redress.ENOTFOUND:
			row.CreatedAt, created = now, true
			if _, err := tx.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
				return err
			}
		default:
			return err
		}
		// Old and new values of what changed (of everything, for a new unit).
		before, after := map[string]any{}, map[string]any{}
		for _, f := range []struct{ name, old, new string }{
			{"title", old.Title, row.Title}, {"states", old.States, row.States}, {"agency_ids", old.AgencyIDs, row.AgencyIDs},
			{"time_zone", old.TimeZone, row.TimeZone},
		} {
			if created || f.old != f.new {
				if !created {
					before[f.name] = f.old
				}
				after[f.name] = f.new
			}
		}
		if err := insertAudit(ctx, tx, now, event(by, redress.ActionUnitSaved, map[string]any{
			"unit": row.Name, "created": created, "old": before, "new": after,
		})); err != nil {
			return err
		}
		return bumpAuthz(ctx, tx)
	})
	if err != nil {
		return redress.Unit{}, err
	}
	return row.unit(), nil
}

// UnitTimeZone is the unit's own zone ("" when it keeps the office's, or there is no
// such unit).
func (db *DB) UnitTimeZone(ctx context.Context, unit string) (string, error) {
	var zones []string
	if err := db.bun.NewSelect().Model((*unitRow)(nil)).Column("time_zone").Where("name = ?", unit).Scan(ctx, &zones); err != nil {
		return "", err
	}
	if len(zones) == 0 {
		return "", nil
	}
	return zones[0], nil
}

// ListUnits returns every review unit in name order, the order redress.UnitFor needs.
func (db *DB) ListUnits(ctx context.Context) ([]redress.Unit, error) {
	var rows []unitRow
	if err := db.bun.NewSelect().Model(&rows).Order("name").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list units: %w", err)
	}
	out := make([]redress.Unit, len(rows))
	for i, r := range rows {
		out[i] = r.unit()
	}
	return out, nil
}
