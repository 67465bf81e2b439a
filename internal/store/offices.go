package store

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// The directory of offices referral letters go to (casework.Refer resolves a referral
// to one). Lists are space-separated, as units keep theirs.

type officeRow struct {
	bun.BaseModel `bun:"table:referral_offices"`
	ID            int64     `bun:"id,pk,autoincrement"`
	Name          string    `bun:"name"`
	EmailSealed   []byte    `bun:"email_sealed"`
	Recipients    string    `bun:"recipients"`
	States        string    `bun:"states"`
	AgencyIDs     string    `bun:"agency_ids"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

// SealedOffice is an office as the store holds it: its address sealed under
// redress.OfficeEmailContext, for the service to open.
type SealedOffice struct {
	redress.Office
	EmailSealed []byte
}

func (r officeRow) office() SealedOffice {
	o := redress.Office{ID: r.ID, Name: r.Name, Recipients: strings.Fields(r.Recipients),
		States: strings.Fields(r.States), UpdatedAt: r.UpdatedAt}
	for _, f := range strings.Fields(r.AgencyIDs) {
		if id, err := strconv.ParseInt(f, 10, 64); err == nil {
			o.AgencyIDs = append(o.AgencyIDs, id)
		}
	}
	return SealedOffice{Office: o, EmailSealed: r.EmailSealed}
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, " ")
}

// OfficeChange is an office to save: a new one, or the one of the same name.
// EmailChanged says whether its address differs from the one stored (the service
// compares them opened; sealed, every seal differs).
type OfficeChange struct {
	SealedOffice
	EmailChanged bool
}

// SaveOffice adds the office named ch.Name or replaces its address, recipients and
// scope, with the fields changed in the audit event (never the address). Agencies it
// names must be in the registry.
func (db *DB) SaveOffice(ctx context.Context, ch OfficeChange, by redress.AuditEvent) (redress.Office, error) {
	o := ch.Office
	row := officeRow{Name: o.Name, EmailSealed: ch.EmailSealed, Recipients: strings.Join(o.Recipients, " "),
		States: strings.Join(o.States, " "), AgencyIDs: joinIDs(o.AgencyIDs)}
	err := db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		if err := knownAgencies(ctx, tx, o.AgencyIDs); err != nil {
			return err
		}
		var old officeRow
		err := tx.NewSelect().Model(&old).Where("name = ?", o.Name).Scan(ctx)
		created := false
		row.UpdatedAt = now
		switch err := notFound(err, "Office"); {
		case err == nil:
			row.ID, row.CreatedAt = old.ID, old.CreatedAt
			if _, err := tx.NewUpdate().Model(&row).Column("email_sealed", "recipients", "states", "agency_ids", "updated_at").
				WherePK().Exec(ctx); err != nil {
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
		before, after := map[string]any{}, map[string]any{}
		for _, f := range []struct{ name, old, new string }{
			{"recipients", old.Recipients, row.Recipients}, {"states", old.States, row.States}, {"agency_ids", old.AgencyIDs, row.AgencyIDs},
		} {
			if created || f.old != f.new {
				if !created {
					before[f.name] = f.old
				}
				after[f.name] = f.new
			}
		}
		return insertAudit(ctx, tx, now, event(by, redress.ActionOfficeSaved, map[string]any{
			"office": row.ID, "name": row.Name, "created": created, "email_changed": created || ch.EmailChanged,
			"old": before, "new": after,
		}))
	})
	if err != nil {
		return redress.Office{}, err
	}
	return row.office().Office, nil
}

// knownAgencies refuses agency ids the registry does not hold.
func knownAgencies(ctx context.Context, tx bun.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	n, err := tx.NewSelect().Model((*agencyRow)(nil)).Where("id IN (?)", bun.In(ids)).Count(ctx)
	if err != nil {
		return err
	}
	if int(n) != len(ids) {
		var fe redress.FieldErrors
		fe.Add("agencies", "unknown_agency")
		return fe.Err()
	}
	return nil
}

// RemoveOffice takes an office out of the directory. Referrals that went to it keep
// its name and their letters.
func (db *DB) RemoveOffice(ctx context.Context, id int64, by redress.AuditEvent) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		var old officeRow
		if err := notFound(tx.NewSelect().Model(&old).Where("id = ?", id).Scan(ctx), "Office"); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*officeRow)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
			return err
		}
		return insertAudit(ctx, tx, now, event(by, redress.ActionOfficeRemoved, map[string]any{
			"office": old.ID, "name": old.Name, "recipients": old.Recipients, "states": old.States, "agency_ids": old.AgencyIDs,
		}))
	})
}

// Offices lists the directory by name, addresses sealed.
func (db *DB) Offices(ctx context.Context) ([]SealedOffice, error) {
	var rows []officeRow
	if err := db.bun.NewSelect().Model(&rows).Order("name").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]SealedOffice, len(rows))
	for i, r := range rows {
		out[i] = r.office()
	}
	return out, nil
}
