package store

import (
	"context"
	"maps"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// Verifications of the audit trail started from the web. The process that runs one
// writes its progress here, so every serve process can show it (migration
// 20251126000007_audit_verify).

// Statuses of a verification.
const (
	VerificationRunning = "running"
	VerificationOK      = "ok"
	VerificationFailed  = "failed"  // the trail has a problem
	VerificationError   = "error"   // the trail could not be read
	VerificationStopped = "stopped" // the process ended first
)

// VerificationStaleAfter is how long a running verification may go without writing
// progress before it is taken for stopped: its runner writes every second or two.
const VerificationStaleAfter = time.Minute

// AuditVerification is one verification and, once finished, its outcome.
type AuditVerification struct {
	ID         int64
	StartedBy  string
	RequestID  string
	StartedAt  time.Time
	UpdatedAt  time.Time
	FinishedAt time.Time // zero while running
	// Status is one of the Verification constants; a running verification whose
	// progress stopped VerificationStaleAfter ago reads as VerificationStopped.
	Status      string
	Done, Total int64 // events checked so far, of the trail's head when it began
	VerificationResult
}

// VerificationResult is what a finished verification found.
type VerificationResult struct {
	Events, FirstSeq, HeadSeq, Checkpoints, LastSignedSeq, Unsealed int64

	TrustedKey bool
	// Window is the longest unsigned tail the verification accepted, in events.
	Window      int64
	ProblemSeq  int64
	ProblemKind string
	// ProblemFrom-ProblemTo are the seqs a problem put in doubt, when it names a range.
	ProblemFrom, ProblemTo int64
	ProblemDetail          string
	Summary                string // the one-line summary `redress audit verify` prints
}

type verificationRow struct {
	bun.BaseModel `bun:"table:audit_verifications"`
	ID            int64      `bun:"id,pk,autoincrement"`
	StartedBy     string     `bun:"started_by"`
	RequestID     string     `bun:"request_id"`
	StartedAt     time.Time  `bun:"started_at"`
	UpdatedAt     time.Time  `bun:"updated_at"`
	FinishedAt    *time.Time `bun:"finished_at"`
	Status        string     `bun:"status"`
	Done          int64      `bun:"done"`
	Total         int64      `bun:"total"`
	Events        int64      `bun:"events"`
	FirstSeq      int64      `bun:"first_seq"`
	HeadSeq       int64      `bun:"head_seq"`
	Checkpoints   int64      `bun:"checkpoints"`
	LastSignedSeq int64      `bun:"last_signed_seq"`
	Unsealed      int64      `bun:"unsealed"`
	TrustedKey    bool       `bun:"trusted_key"`
	Window        int64      `bun:"checkpoint_window"`
	ProblemSeq    int64      `bun:"problem_seq"`
	ProblemKind   string     `bun:"problem_kind"`
	ProblemFrom   int64      `bun:"problem_from"`
	ProblemTo     int64      `bun:"problem_to"`
	ProblemDetail string     `bun:"problem_detail"`
	Summary       string     `bun:"summary"`
}

func (r verificationRow) verification(now time.Time) AuditVerification {
	v := AuditVerification{ID: r.ID, StartedBy: r.StartedBy, RequestID: r.RequestID, StartedAt: r.StartedAt,
		UpdatedAt: r.UpdatedAt, Status: r.Status, Done: r.Done, Total: r.Total,
		VerificationResult: VerificationResult{Events: r.Events, FirstSeq: r.FirstSeq, HeadSeq: r.HeadSeq,
			Checkpoints: r.Checkpoints, LastSignedSeq: r.LastSignedSeq, Unsealed: r.Unsealed, TrustedKey: r.TrustedKey,
			Window: r.Window, ProblemSeq: r.ProblemSeq, ProblemKind: r.ProblemKind, ProblemFrom: r.ProblemFrom, ProblemTo: r.ProblemTo,
			ProblemDetail: r.ProblemDetail, Summary: r.Summary}}
	if r.FinishedAt != nil {
		v.FinishedAt = *r.FinishedAt
	}
	if v.Status == VerificationRunning && now.Sub(v.UpdatedAt) > VerificationStaleAfter {
		v.Status = VerificationStopped
	}
	return v
}

// StartAuditVerification records a verification as running and, in the same
// transaction, the audit event of starting it (by), whose details gain the
// verification's id.
func (db *DB) StartAuditVerification(ctx context.Context, by redress.AuditEvent) (AuditVerification, error) {
	var row verificationRow
	err := db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		row = verificationRow{StartedBy: by.Actor, RequestID: by.RequestID, StartedAt: now, UpdatedAt: now, Status: VerificationRunning}
		if _, err := tx.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
			return err
		}
		ev := by
		ev.Details = maps.Clone(by.Details)
		if ev.Details == nil {
			ev.Details = map[string]any{}
		}
		ev.Details["verification_id"] = row.ID
		return insertAudit(ctx, tx, now, ev)
	})
	return row.verification(row.UpdatedAt), err
}

// AuditVerification returns one verification.
func (db *DB) AuditVerification(ctx context.Context, id int64) (AuditVerification, error) {
	var row verificationRow
	if err := db.bun.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return AuditVerification{}, notFound(err, "Verification")
	}
	return row.verification(db.Now()), nil
}

// RunningAuditVerification returns the newest verification still running (and
// writing progress), if any.
func (db *DB) RunningAuditVerification(ctx context.Context) (AuditVerification, bool, error) {
	now := db.Now()
	var rows []verificationRow
	err := db.bun.NewSelect().Model(&rows).Where("status = ?", VerificationRunning).
		Where("updated_at >= ?", now.Add(-VerificationStaleAfter).UTC()).OrderExpr("id DESC").Limit(1).Scan(ctx)
	if err != nil || len(rows) == 0 {
		return AuditVerification{}, false, err
	}
	return rows[0].verification(now), true, nil
}

// RecentAuditVerifications returns the last limit verifications, newest first.
func (db *DB) RecentAuditVerifications(ctx context.Context, limit int) ([]AuditVerification, error) {
	var rows []verificationRow
	if err := db.bun.NewSelect().Model(&rows).OrderExpr("id DESC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, err
	}
	now := db.Now()
	out := make([]AuditVerification, len(rows))
	for i, r := range rows {
		out[i] = r.verification(now)
	}
	return out, nil
}

// AuditVerificationProgress records how far a running verification has come; it also
// shows that its process is alive.
func (db *DB) AuditVerificationProgress(ctx context.Context, id, done, total int64) error {
	_, err := db.bun.NewUpdate().Model((*verificationRow)(nil)).
		Set("done = ?", done).Set("total = ?", total).Set("updated_at = ?", db.Now().UTC().Truncate(time.Microsecond)).
		Where("id = ?", id).Where("status = ?", VerificationRunning).Exec(ctx)
	return err
}

// FinishAuditVerification records a verification's outcome (status is ok, failed,
// error or stopped) and, in the same transaction, the audit events about it.
func (db *DB) FinishAuditVerification(ctx context.Context, id int64, status string, done int64, res VerificationResult, events ...redress.AuditEvent) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		_, err := tx.NewUpdate().Model((*verificationRow)(nil)).
			Set("status = ?", status).Set("updated_at = ?", now).Set("finished_at = ?", now).Set("done = ?", done).
			Set("events = ?", res.Events).Set("first_seq = ?", res.FirstSeq).Set("head_seq = ?", res.HeadSeq).
			Set("checkpoints = ?", res.Checkpoints).Set("last_signed_seq = ?", res.LastSignedSeq).
			Set("unsealed = ?", res.Unsealed).Set("trusted_key = ?", res.TrustedKey).Set("checkpoint_window = ?", res.Window).
			Set("problem_seq = ?", res.ProblemSeq).Set("problem_kind = ?", res.ProblemKind).
			Set("problem_from = ?", res.ProblemFrom).Set("problem_to = ?", res.ProblemTo).
			Set("problem_detail = ?", validUTF8(res.ProblemDetail)).Set("summary = ?", validUTF8(res.Summary)).
			Where("id = ?", id).Where("status = ?", VerificationRunning).Exec(ctx)
		if err != nil {
			return err
		}
		return insertAudit(ctx, tx, now, events...)
	})
}
