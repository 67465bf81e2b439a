package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

type referralRow struct {
	bun.BaseModel  `bun:"table:referrals"`
	ID             int64      `bun:"id,pk,autoincrement"`
	ComplaintID    int64      `bun:"complaint_id"`
	Recipient      string     `bun:"recipient"`
	RecipientOther string     `bun:"recipient_other"`
	IdentityShared bool       `bun:"identity_shared"`
	Method         string     `bun:"method"`
	Shared         string     `bun:"shared"`
	SentAt         time.Time  `bun:"sent_at"`
	DueAt          time.Time  `bun:"due_at"`
	AnsweredAt     *time.Time `bun:"answered_at"`
	Answer         string     `bun:"answer"`
	Outcome        string     `bun:"outcome"`
}

func (r referralRow) referral() redress.Referral {
	out := redress.Referral{ID: r.ID, ComplaintID: r.ComplaintID, Recipient: r.Recipient, RecipientOther: r.RecipientOther,
		IdentityShared: r.IdentityShared, Method: r.Method, Shared: r.Shared, SentAt: r.SentAt, DueAt: r.DueAt,
		Answer: r.Answer, Outcome: r.Outcome}
	if r.AnsweredAt != nil {
		out.AnsweredAt = *r.AnsweredAt
	}
	return out
}

// AddReferrals records referrals of one complaint to several offices at once, one audit
// event each (what was shared, and whether identity went with it; never the identity).
func (db *DB) AddReferrals(ctx context.Context, refs []redress.Referral, audit redress.AuditEvent) ([]redress.Referral, error) {
	err := db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		for i := range refs {
			r := referralRow{ComplaintID: refs[i].ComplaintID, Recipient: refs[i].Recipient, RecipientOther: refs[i].RecipientOther,
				IdentityShared: refs[i].IdentityShared, Method: refs[i].Method, Shared: refs[i].Shared,
				SentAt: now, DueAt: refs[i].DueAt.UTC()}
			if _, err := tx.NewInsert().Model(&r).Returning("id").Exec(ctx); err != nil {
				return err
			}
			refs[i] = r.referral()
			ev := audit
			ev.ComplaintID = r.ComplaintID
			ev.Details = map[string]any{"referral": r.ID, "recipient": r.Recipient, "identity_shared": r.IdentityShared,
				"method": r.Method, "due": r.DueAt.Format(time.RFC3339)}
			if err := insertAudit(ctx, tx, now, ev); err != nil {
				return err
			}
		}
		return nil
	})
	return refs, err
}

// AnswerReferral records an office's answer and outcome.
func (db *DB) AnswerReferral(ctx context.Context, complaintID, referralID int64, answer, outcome string, audit redress.AuditEvent) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		res, err := tx.NewUpdate().Table("referrals").Set("answered_at = ?", now).Set("answer = ?", answer).Set("outcome = ?", outcome).
			Where("id = ? AND complaint_id = ?", referralID, complaintID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return redress.Errorf(redress.ENOTFOUND, "Referral not found.")
		}
		ev := audit
		ev.ComplaintID = complaintID
		ev.Details = map[string]any{"referral": referralID, "outcome": outcome}
		return insertAudit(ctx, tx, now, ev)
	})
}

// Referrals lists a complaint's referrals, oldest first.
func (db *DB) Referrals(ctx context.Context, complaintID int64) ([]redress.Referral, error) {
	var rows []referralRow
	if err := db.bun.NewSelect().Model(&rows).Where("complaint_id = ?", complaintID).Order("sent_at", "id").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]redress.Referral, len(rows))
	for i, r := range rows {
		out[i] = r.referral()
	}
	return out, nil
}
