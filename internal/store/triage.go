package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// Triage's writes: the fields an intake officer decides, with the triage step itself
// when it is made in the same form.

// TriageChange records what triage decided.
type TriageChange struct {
	ComplaintID int64
	AgencyID    int64 // 0 leaves it
	AgreementID int64 // 0 leaves it
	// ClearAgreement drops the agreement: the agency named now has none in force, for
	// the reason in Attribution (redress.Attribution*).
	ClearAgreement bool
	Attribution    string
	Priority       string
	Unit           string
	Categories     []redress.Category // added as allegations when missing
	Links          []redress.ComplaintLink
	// AgreementReason is why staff set or cleared the agreement by hand (audited).
	AgreementReason string
	// StartClocks are clocks that begin with this triage (those of the agreement's
	// model, when triage is where the agreement became known); StopClocks, running
	// clocks of the old agreement's model that the new one does not have.
	StartClocks []redress.Clock
	StopClocks  []string
	Audit       redress.AuditEvent
	// Then is a status change made with the triage, in the same transaction.
	Then *StatusChange
}

// Triage applies a triage decision with an audit event of old and new values, and
// then ch.Then, when given (the triage transition made in the same step): both or
// neither.
func (db *DB) Triage(ctx context.Context, ch TriageChange) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		if err := triage(ctx, tx, now, ch); err != nil {
			return err
		}
		if ch.Then != nil {
			return changeStatus(ctx, tx, now, *ch.Then)
		}
		return nil
	})
}

func triage(ctx context.Context, tx bun.Tx, now time.Time, ch TriageChange) error {
	{
		var row complaintRow
		if err := tx.NewSelect().Model(&row).Where("id = ?", ch.ComplaintID).Scan(ctx); err != nil {
			return notFound(err, "Complaint")
		}
		old, changed := map[string]any{}, map[string]any{}
		q := tx.NewUpdate().Table("complaints").Where("id = ?", ch.ComplaintID)
		set := func(col string, oldV, newV any) {
			q.Set(col+" = ?", newV)
			old[col], changed[col] = oldV, newV
		}
		if ch.AgencyID != 0 && ch.AgencyID != derefID(row.AgencyID) {
			set("agency_id", derefID(row.AgencyID), ch.AgencyID)
		}
		if ch.AgreementID != 0 && ch.AgreementID != derefID(row.AgreementID) {
			set("agreement_id", derefID(row.AgreementID), ch.AgreementID)
			q.Set("attribution = ''")
		} else if ch.ClearAgreement && row.AgreementID != nil {
			set("agreement_id", derefID(row.AgreementID), nil)
		}
		if ch.ClearAgreement {
			// Why no agreement is tied follows from the new agency (the event records the
			// agency's change); kept with the complaint for the case page.
			q.Set("attribution = ?", ch.Attribution)
		}
		if ch.Priority != "" && ch.Priority != row.Priority {
			set("priority", row.Priority, ch.Priority)
		}
		if ch.Unit != "" && ch.Unit != row.Unit {
			set("unit", row.Unit, ch.Unit)
		}
		if len(changed) > 0 {
			if _, err := q.Exec(ctx); err != nil {
				return err
			}
		}
		added, err := addAllegations(ctx, tx, ch.ComplaintID, ch.Categories)
		if err != nil {
			return err
		}
		links, err := addLinks(ctx, tx, now, ch.ComplaintID, ch.Links)
		if err != nil {
			return err
		}
		if err := startClocks(ctx, tx, ch.ComplaintID, ch.StartClocks); err != nil {
			return err
		}
		if err := stopClocks(ctx, tx, ch.ComplaintID, ch.StopClocks); err != nil {
			return err
		}
		ev := ch.Audit
		ev.ComplaintID = ch.ComplaintID
		ev.AgencyID, ev.AgreementID = derefID(row.AgencyID), derefID(row.AgreementID)
		if ch.AgencyID != 0 {
			ev.AgencyID = ch.AgencyID
		}
		if ch.AgreementID != 0 {
			ev.AgreementID = ch.AgreementID
		}
		ev.Details = map[string]any{"old": old, "new": changed}
		if len(added) > 0 {
			ev.Details["categories_added"] = added
		}
		if len(links) > 0 {
			ev.Details["links"] = links
		}
		if ch.AgreementReason != "" {
			ev.Details["agreement_reason"] = ch.AgreementReason
		}
		if len(ch.StartClocks) > 0 || len(ch.StopClocks) > 0 {
			var started []string
			for _, k := range ch.StartClocks {
				started = append(started, k.Name)
			}
			ev.Details["clocks_started"], ev.Details["clocks_stopped"] = started, ch.StopClocks
		}
		return insertAudit(ctx, tx, now, ev)
	}
}

// addAllegations adds the categories a complaint does not have yet as allegations,
// and returns those it added.
func addAllegations(ctx context.Context, tx bun.Tx, complaintID int64, cats []redress.Category) ([]redress.Category, error) {
	var added []redress.Category
	for _, cat := range cats {
		exists, err := tx.NewSelect().Model((*allegationRow)(nil)).Where("complaint_id = ? AND category = ?", complaintID, cat).Exists(ctx)
		if err != nil {
			return nil, err
		}
		if !exists {
			if _, err := tx.NewInsert().Model(&allegationRow{ComplaintID: complaintID, Category: string(cat)}).Exec(ctx); err != nil {
				return nil, err
			}
			added = append(added, cat)
		}
	}
	return added, nil
}

// addLinks ties a complaint to duplicates and related complaints (never to itself; a
// link already there stays), and returns them as the audit event lists them.
func addLinks(ctx context.Context, tx bun.Tx, now time.Time, complaintID int64, ls []redress.ComplaintLink) ([]map[string]any, error) {
	var links []map[string]any
	for _, l := range ls {
		if l.OtherID == complaintID {
			continue
		}
		if _, err := tx.NewRaw("INSERT INTO complaint_links (complaint_id, other_id, kind, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
			complaintID, l.OtherID, l.Kind, now).Exec(ctx); err != nil {
			return nil, err
		}
		links = append(links, map[string]any{"other": l.OtherID, "kind": l.Kind})
	}
	return links, nil
}
