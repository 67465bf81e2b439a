package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
)

// A unit's own deadlines: overrides of the clock defaults (the clock file), one row per
// unit and clock. Filing reads them through the filing cache (filingcache.go); every
// other use reads them afresh.

type unitClockRow struct {
	bun.BaseModel `bun:"table:unit_clocks"`
	Unit          string `bun:"unit,pk"`
	Clock         string `bun:"clock,pk"`
	Amount        int    `bun:"amount"`
	Business      bool   `bun:"business"`
}

func (r unitClockRow) override() deadline.Override {
	return deadline.Override{Clock: r.Clock, Amount: r.Amount, Business: r.Business}
}

// UnitClocks returns a unit's overrides by clock name; none for a unit that has none.
func (db *DB) UnitClocks(ctx context.Context, unit string) ([]deadline.Override, error) {
	return unitClocks(ctx, db.bun, unit)
}

func unitClocks(ctx context.Context, q bun.IDB, unit string) ([]deadline.Override, error) {
	var rows []unitClockRow
	if err := q.NewSelect().Model(&rows).Where("unit = ?", unit).Order("clock").Scan(ctx); err != nil {
		return nil, err
	}
	out := []deadline.Override{}
	for _, r := range rows {
		out = append(out, r.override())
	}
	return out, nil
}

// AllUnitClocks returns every unit's overrides, by unit and then clock name.
func (db *DB) AllUnitClocks(ctx context.Context) (map[string][]deadline.Override, error) {
	var rows []unitClockRow
	if err := db.bun.NewSelect().Model(&rows).Order("unit", "clock").Scan(ctx); err != nil {
		return nil, err
	}
	out := map[string][]deadline.Override{}
	for _, r := range rows {
		out[r.Unit] = append(out[r.Unit], r.override())
	}
	return out, nil
}

// ReplaceUnitClocks stores a unit's overrides whole (none clears them) in one
// transaction, with an audit event of the old and new lists. Which clocks exist is the
// clock file's business, checked by the caller; the store refuses what no file allows:
// an unknown unit, a nameless or repeated clock, an amount under 1. Saving what is
// already stored changes nothing and writes no event.
func (db *DB) ReplaceUnitClocks(ctx context.Context, unit string, overrides []deadline.Override, audit redress.AuditEvent) error {
	var fe redress.FieldErrors
	seen := map[string]bool{}
	for _, o := range overrides {
		field := "clock." + o.Clock
		switch {
		case o.Clock == "":
			fe.Add("clock", "required")
		case seen[o.Clock]:
			fe.Add(field, "duplicate", o.Clock)
		case o.Amount < 1:
			fe.Add(field, "number_range", o.Amount)
		}
		seen[o.Clock] = true
	}
	if err := fe.Err(); err != nil {
		return err
	}
	next := slices.Clone(overrides)
	slices.SortFunc(next, func(a, b deadline.Override) int { return strings.Compare(a.Clock, b.Clock) })
	if next == nil {
		next = []deadline.Override{}
	}
	defer db.filingChanged()
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		exists, err := tx.NewSelect().Model((*unitRow)(nil)).Where("name = ?", unit).Exists(ctx)
		if err != nil {
			return err
		} else if !exists {
			return redress.Errorf(redress.ENOTFOUND, "Unit not found.")
		}
		old, err := unitClocks(ctx, tx, unit)
		if err != nil || slices.Equal(old, next) {
			return err
		}
		if _, err := tx.NewDelete().Model((*unitClockRow)(nil)).Where("unit = ?", unit).Exec(ctx); err != nil {
			return err
		}
		for _, o := range next {
			row := unitClockRow{Unit: unit, Clock: o.Clock, Amount: o.Amount, Business: o.Business}
			if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
				return err
			}
		}
		audit.Details = map[string]any{"unit": unit, "old": old, "new": next}
		return insertAudit(ctx, tx, now, audit)
	})
}
