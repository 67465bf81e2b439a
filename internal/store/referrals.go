package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

type referralRow struct {
	bun.BaseModel  `bun:"table:referrals,alias:referral"`
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
	OfficeID       *int64     `bun:"office_id"`
	OfficeName     string     `bun:"office_name"`
	OutboxID       *int64     `bun:"outbox_id"`
	// LetterStatus is read from the outbox, never written here.
	LetterStatus *string `bun:"letter_status,scanonly"`
}

func (r referralRow) referral() redress.Referral {
	out := redress.Referral{ID: r.ID, ComplaintID: r.ComplaintID, Recipient: r.Recipient, RecipientOther: r.RecipientOther,
		IdentityShared: r.IdentityShared, Method: r.Method, Shared: r.Shared, SentAt: r.SentAt, DueAt: r.DueAt,
		Answer: r.Answer, Outcome: r.Outcome}
	if r.AnsweredAt != nil {
		out.AnsweredAt = *r.AnsweredAt
	}
	if r.OfficeID != nil {
		out.OfficeID = *r.OfficeID
	}
	if r.OutboxID != nil {
		out.OutboxID = *r.OutboxID
	}
	if r.LetterStatus != nil {
		out.LetterStatus = *r.LetterStatus
	}
	out.OfficeName = r.OfficeName
	return out
}

// NewReferral is a referral to record and, when an office of the directory stands for
// its recipient, the letter that goes to that office (nil: the referral is only a
// record).
type NewReferral struct {
	redress.Referral
	Letter *redress.OutboundMail
}

// AddReferrals records referrals of one complaint to several offices at once, and queues
// their letters in the same transaction, one audit event each: what was shared, whether
// identity went with it and whether a letter did; never the identity or the letter.
func (db *DB) AddReferrals(ctx context.Context, refs []NewReferral, audit redress.AuditEvent) ([]redress.Referral, error) {
	out := make([]redress.Referral, len(refs))
	err := db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		for i, ref := range refs {
			r := referralRow{ComplaintID: ref.ComplaintID, Recipient: ref.Recipient, RecipientOther: ref.RecipientOther,
				IdentityShared: ref.IdentityShared, Method: ref.Method, Shared: ref.Shared,
				SentAt: now, DueAt: ref.DueAt.UTC(), OfficeID: nullID(ref.OfficeID), OfficeName: ref.OfficeName}
			details := map[string]any{"letter": ref.Letter != nil}
			if ref.Letter != nil {
				id, err := queueLetter(ctx, tx, now, *ref.Letter)
				if err != nil {
					return err
				}
				r.OutboxID, details["office"], details["outbox"] = &id, ref.OfficeID, id
			}
			if _, err := tx.NewInsert().Model(&r).Returning("id").Exec(ctx); err != nil {
				return err
			}
			out[i] = r.referral()
			if ref.Letter != nil {
				out[i].LetterStatus = MailQueued
			}
			ev := audit
			ev.ComplaintID = r.ComplaintID
			ev.Details = details
			details["referral"], details["recipient"], details["identity_shared"] = r.ID, r.Recipient, r.IdentityShared
			details["method"], details["due"] = r.Method, r.DueAt.Format(time.RFC3339)
			if err := insertAudit(ctx, tx, now, ev); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// queueLetter puts a referral letter in the outbox and returns its id.
func queueLetter(ctx context.Context, tx bun.Tx, now time.Time, m redress.OutboundMail) (int64, error) {
	if err := InsertOutbox(ctx, tx, now, m); err != nil {
		return 0, err
	}
	var id int64
	err := tx.NewSelect().Table("outbox").Column("id").Where("message_key = ?", m.Key).Scan(ctx, &id)
	return id, err
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
	// The letter's status is the outbox's: queued until the worker has sent it.
	if err := db.bun.NewSelect().Model(&rows).ColumnExpr("referral.*").ColumnExpr("o.status AS letter_status").
		Join("LEFT JOIN outbox AS o ON o.id = referral.outbox_id").
		Where("referral.complaint_id = ?", complaintID).Order("referral.sent_at", "referral.id").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]redress.Referral, len(rows))
	for i, r := range rows {
		out[i] = r.referral()
	}
	return out, nil
}
