package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

type auditRow struct {
	bun.BaseModel `bun:"table:audit_events"`
	ID            int64     `bun:"id,pk,autoincrement"`
	OccurredAt    time.Time `bun:"occurred_at"`
	Actor         string    `bun:"actor"`
	ActorRole     string    `bun:"actor_role"`
	Action        string    `bun:"action"`
	ComplaintID   *int64    `bun:"complaint_id"`
	AgencyID      *int64    `bun:"agency_id"`
	AgreementID   *int64    `bun:"agreement_id"`
	RequestID     string    `bun:"request_id"`
	Details       string    `bun:"details"`
	Seq           *int64    `bun:"seq"`
	Hash          []byte    `bun:"hash"`
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func derefID(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// insertAudit writes events inside the caller's transaction, so an action and its
// record commit together or not at all.
func insertAudit(ctx context.Context, tx bun.IDB, now time.Time, events ...redress.AuditEvent) error {
	return insertAuditScoped(ctx, tx, now, map[int64][2]*int64{}, events...)
}

// insertAuditScoped is insertAudit with the scopes (agency, agreement) of complaints the
// caller already knows, so complaintScope need not read them.
func insertAuditScoped(ctx context.Context, tx bun.IDB, now time.Time, scopes map[int64][2]*int64, events ...redress.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	rows := make([]auditRow, len(events))
	for i, ev := range events {
		details := []byte("{}")
		if len(ev.Details) > 0 {
			var err error
			if details, err = json.Marshal(ev.Details); err != nil {
				return err
			}
		}
		at := ev.OccurredAt
		if at.IsZero() {
			at = now
		}
		// The sealer hashes what the database gives back, and PostgreSQL keeps
		// microseconds; invalid UTF-8 would not survive a JSON export and so could not be
		// checked offline (docs/audit.md).
		rows[i] = auditRow{
			OccurredAt: at.UTC().Truncate(time.Microsecond), Actor: validUTF8(ev.Actor),
			ActorRole: validUTF8(ev.ActorRole), Action: validUTF8(ev.Action),
			ComplaintID: nullID(ev.ComplaintID), AgencyID: nullID(ev.AgencyID),
			AgreementID: nullID(ev.AgreementID), RequestID: validUTF8(ev.RequestID), Details: string(details),
		}
		if err := complaintScope(ctx, tx, &rows[i], scopes); err != nil {
			return err
		}
		if !readActions[ev.Action] {
			touchMeasures(tx, ev.ComplaintID) // oversight measures: recomputed before commit
		}
	}
	// Large imports write hundreds of events; batches keep each statement small.
	for start := 0; start < len(rows); start += 500 {
		batch := rows[start:min(start+500, len(rows))]
		if _, err := tx.NewInsert().Model(&batch).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// complaintScope names the agency and agreement (MOA) of an event about a complaint when
// the caller left them out, as the complaint stands in this transaction (one lookup by
// primary key per complaint and call): every event about a complaint can then be found
// by its MOA. Values the caller gave are kept.
func complaintScope(ctx context.Context, tx bun.IDB, row *auditRow, scopes map[int64][2]*int64) error {
	if row.ComplaintID == nil || (row.AgencyID != nil && row.AgreementID != nil) {
		return nil
	}
	sc, ok := scopes[*row.ComplaintID]
	if !ok {
		err := tx.NewSelect().Table("complaints").Column("agency_id", "agreement_id").
			Where("id = ?", *row.ComplaintID).Scan(ctx, &sc[0], &sc[1])
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		scopes[*row.ComplaintID] = sc
	}
	if row.AgencyID == nil {
		row.AgencyID = sc[0]
	}
	if row.AgreementID == nil {
		row.AgreementID = sc[1]
	}
	return nil
}

func validUTF8(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// ListAudit returns audit events oldest first (newest first with NewestFirst).
func (db *DB) ListAudit(ctx context.Context, f redress.AuditFilter) ([]redress.AuditEvent, error) {
	entries, err := db.listAudit(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]redress.AuditEvent, len(entries))
	for i, e := range entries {
		out[i] = e.AuditEvent
	}
	return out, nil
}

// CountAudit counts events, for tests and the import summary.
func (db *DB) CountAudit(ctx context.Context, action string) (int64, error) {
	q := db.bun.NewSelect().Model((*auditRow)(nil))
	if action != "" {
		q.Where("action = ?", action)
	}
	return q.Count(ctx)
}

// RecordAudit writes events that stand alone (a case opened, a refused request) in
// their own transaction.
func (db *DB) RecordAudit(ctx context.Context, events ...redress.AuditEvent) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error { return insertAudit(ctx, tx, now, events...) })
}
