package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// The outbox holds every email from the transaction that causes it until a worker has
// sent it (internal/mail). Delivery is at least once, and in practice once:
//
//   - A worker claims due messages for a lease (claimed_by, claimed_until). On PostgreSQL
//     the claim is SELECT … FOR UPDATE SKIP LOCKED, so several `serve` processes claim
//     disjoint batches without waiting on each other; on SQLite the claim is one write
//     transaction, which SQLite runs one at a time.
//   - Another worker takes a message only after its lease has run out, so a worker that
//     dies mid-send delays the message by one lease but never loses it.
//   - The one window for a duplicate is a crash (or a lost lease) between the server
//     accepting DATA and RecordMailAttempt committing. The worker records each message as
//     soon as it is accepted, stops sending before its lease runs short, and every resend
//     carries the same Message-ID, so mail clients can recognise it as the same message.
//     Marking a message sent before sending would close that window only by losing mail
//     whenever the send then fails.
//   - So that such a resend is at least known, BeginMailAttempt commits an attempt
//     "sending" before the message is handed over, and its outcome replaces it after. An
//     attempt still "sending" when the message is claimed again had a sender that never
//     said how it went: the claim marks it "interrupted", and the resend is flagged as a
//     possible duplicate (a header, the log, and the audit event of its sending).

// Outbox statuses and attempt outcomes.
const (
	MailQueued   = "queued"
	MailSent     = "sent"
	MailDeferred = "deferred" // an attempt failed; the message waits for the next one
	MailFailed   = "failed"   // the outbox gave up on the message

	// Attempts only: begun and not yet finished, and begun by a sender that never
	// finished it (see the top of this file).
	MailSending     = "sending"
	MailInterrupted = "interrupted"
)

type outboxRow struct {
	bun.BaseModel   `bun:"table:outbox"`
	ID              int64      `bun:"id,pk,autoincrement"`
	MessageKey      string     `bun:"message_key"`
	Kind            string     `bun:"kind"`
	Language        string     `bun:"language"`
	RecipientSealed []byte     `bun:"recipient_sealed"`
	Subject         string     `bun:"subject"`
	Body            string     `bun:"body"`
	HTML            string     `bun:"html"`
	ComplaintID     *int64     `bun:"complaint_id"`
	AgencyID        *int64     `bun:"agency_id"`
	AgreementID     *int64     `bun:"agreement_id"`
	CreatedAt       time.Time  `bun:"created_at"`
	Status          string     `bun:"status"`
	Attempts        int        `bun:"attempts"`
	Refusals        int        `bun:"refusals"`
	NextAttemptAt   time.Time  `bun:"next_attempt_at"`
	ClaimedBy       *string    `bun:"claimed_by"`
	ClaimedUntil    *time.Time `bun:"claimed_until"`
	SentAt          *time.Time `bun:"sent_at"`
	LastErrorClass  string     `bun:"last_error_class"`
}

type outboxAttemptRow struct {
	bun.BaseModel `bun:"table:outbox_attempts"`
	ID            int64     `bun:"id,pk,autoincrement"`
	OutboxID      int64     `bun:"outbox_id"`
	Attempt       int       `bun:"attempt"`
	At            time.Time `bun:"at"`
	Worker        string    `bun:"worker"`
	Outcome       string    `bun:"outcome"`
	ErrorClass    string    `bun:"error_class"`
	Error         string    `bun:"error"`
}

// InsertOutbox queues messages inside the caller's transaction, so an email exists if
// and only if the change it tells about was committed. Each message is due at once.
func InsertOutbox(ctx context.Context, tx bun.IDB, now time.Time, msgs ...redress.OutboundMail) error {
	if len(msgs) == 0 {
		return nil
	}
	rows := make([]outboxRow, len(msgs))
	for i, m := range msgs {
		if m.Key == "" || m.Kind == "" || m.Language == "" || len(m.RecipientSealed) == 0 || m.Subject == "" || m.Body == "" {
			return fmt.Errorf("outbox: message %d (kind %q) lacks a key, kind, language, recipient, subject or body", i, m.Kind)
		}
		rows[i] = outboxRow{
			MessageKey: m.Key, Kind: m.Kind, Language: m.Language, RecipientSealed: m.RecipientSealed,
			Subject: m.Subject, Body: m.Body, HTML: m.HTML, ComplaintID: nullID(m.ComplaintID),
			AgencyID: nullID(m.AgencyID), AgreementID: nullID(m.AgreementID), CreatedAt: now,
			Status: MailQueued, NextAttemptAt: now,
		}
	}
	_, err := tx.NewInsert().Model(&rows).Exec(ctx)
	return err
}

// QueueMail queues messages in a transaction of their own, for mail that is not part
// of another change.
func (db *DB) QueueMail(ctx context.Context, msgs ...redress.OutboundMail) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error { return InsertOutbox(ctx, tx, now, msgs...) })
}

// QueueMailAudited queues messages and writes their audit events in one transaction,
// for mail that is an action of its own (the supervisors' digest).
func (db *DB) QueueMailAudited(ctx context.Context, events []redress.AuditEvent, msgs ...redress.OutboundMail) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		if err := InsertOutbox(ctx, tx, now, msgs...); err != nil {
			return err
		}
		return insertAudit(ctx, tx, now, events...)
	})
}

// ClaimedMail is a message a worker holds until ClaimedUntil.
type ClaimedMail struct {
	ID int64
	redress.OutboundMail
	CreatedAt time.Time
	// Attempts and Refusals count the attempts before this one, and those the server
	// refused permanently (5xx).
	Attempts int
	Refusals int
	// ClaimedAt is the claim transaction's "now", the worker's clock for its decisions.
	ClaimedAt    time.Time
	ClaimedUntil time.Time
	// PossibleDuplicate says an earlier attempt was interrupted after the message may
	// have been handed over: sending it now may deliver it twice.
	PossibleDuplicate bool
}

// ClaimOutbox takes up to limit due messages for workerID for the lease, oldest due
// first. Messages another worker holds are skipped, not waited for.
func (db *DB) ClaimOutbox(ctx context.Context, workerID string, limit int, lease time.Duration) ([]ClaimedMail, error) {
	if workerID == "" || limit <= 0 || lease <= 0 {
		return nil, fmt.Errorf("outbox: claim needs a worker id, a positive limit and lease")
	}
	var out []ClaimedMail
	err := db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		var rows []outboxRow
		q := tx.NewSelect().Model(&rows).
			Where("status = ?", MailQueued).
			Where("next_attempt_at <= ?", now).
			Where("(claimed_until IS NULL OR claimed_until <= ?)", now).
			Order("next_attempt_at", "id").Limit(int64(limit))
		if db.Dialect == PostgreSQL {
			q.For("UPDATE SKIP LOCKED")
		}
		if err := q.Scan(ctx); err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		until := now.Add(lease)
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		if _, err := tx.NewUpdate().Model((*outboxRow)(nil)).
			Set("claimed_by = ?", workerID).Set("claimed_until = ?", until).
			Where("id IN (?)", bun.In(ids)).Exec(ctx); err != nil {
			return err
		}
		interrupted, err := interruptAttempts(ctx, tx, ids)
		if err != nil {
			return err
		}
		out = make([]ClaimedMail, len(rows))
		for i, r := range rows {
			out[i] = ClaimedMail{
				ID: r.ID,
				OutboundMail: redress.OutboundMail{
					Key: r.MessageKey, Kind: r.Kind, Language: r.Language, RecipientSealed: r.RecipientSealed,
					Subject: r.Subject, Body: r.Body, HTML: r.HTML, ComplaintID: derefID(r.ComplaintID),
					AgencyID: derefID(r.AgencyID), AgreementID: derefID(r.AgreementID),
				},
				CreatedAt: r.CreatedAt, Attempts: r.Attempts, Refusals: r.Refusals,
				ClaimedAt: now, ClaimedUntil: until, PossibleDuplicate: interrupted[r.ID],
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	return out, nil
}

// interruptAttempts marks the attempts still "sending" of messages just claimed as
// interrupted (their lease ran out, so their sender is gone or too late), and says which
// of the messages have ever had an attempt interrupted.
func interruptAttempts(ctx context.Context, tx bun.Tx, ids []int64) (map[int64]bool, error) {
	if _, err := tx.NewUpdate().Model((*outboxAttemptRow)(nil)).Set("outcome = ?", MailInterrupted).
		Where("outbox_id IN (?)", bun.In(ids)).Where("outcome = ?", MailSending).Exec(ctx); err != nil {
		return nil, err
	}
	var hit []int64
	if err := tx.NewSelect().Model((*outboxAttemptRow)(nil)).Column("outbox_id").Distinct().
		Where("outbox_id IN (?)", bun.In(ids)).Where("outcome = ?", MailInterrupted).Scan(ctx, &hit); err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(hit))
	for _, id := range hit {
		out[id] = true
	}
	return out, nil
}

// ErrLeaseLost means a worker's claim on a message ran out and another worker took it,
// or it was finished meanwhile: the first must not send it.
var ErrLeaseLost = errors.New("outbox: the message is no longer held by this worker")

// BeginMailAttempt commits an attempt "sending" of message id by workerID, before the
// worker hands the message to the SMTP server, and returns its id for
// RecordMailAttempt. It refuses (ErrLeaseLost) when the worker no longer holds the
// message.
func (db *DB) BeginMailAttempt(ctx context.Context, id int64, workerID string) (int64, error) {
	var attemptID int64
	err := db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		var row outboxRow
		q := tx.NewSelect().Model(&row).Column("id", "status", "attempts", "claimed_by").Where("id = ?", id)
		if db.Dialect == PostgreSQL {
			q.For("UPDATE")
		}
		if err := q.Scan(ctx); err != nil {
			return notFound(err, "Outbox message")
		}
		if row.Status != MailQueued || row.ClaimedBy == nil || *row.ClaimedBy != workerID {
			return ErrLeaseLost
		}
		a := outboxAttemptRow{OutboxID: id, Attempt: row.Attempts + 1, At: now, Worker: workerID, Outcome: MailSending}
		if _, err := tx.NewInsert().Model(&a).Returning("id").Exec(ctx); err != nil {
			return err
		}
		attemptID = a.ID
		_, err := tx.NewUpdate().Model((*outboxRow)(nil)).Set("attempts = attempts + 1").Where("id = ?", id).Exec(ctx)
		return err
	})
	return attemptID, err
}

// ReleaseOutbox gives back claimed messages that workerID did not try, so they are due
// again at once instead of after the lease.
func (db *DB) ReleaseOutbox(ctx context.Context, workerID string, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		_, err := tx.NewUpdate().Model((*outboxRow)(nil)).
			Set("claimed_by = NULL").Set("claimed_until = NULL").
			Where("id IN (?)", bun.In(ids)).Where("claimed_by = ?", workerID).
			Where("status = ?", MailQueued).Exec(ctx)
		return err
	})
}

// MailAttempt is the result of one try to hand a message to the SMTP server.
type MailAttempt struct {
	ID int64
	// AttemptID is the attempt BeginMailAttempt began, whose outcome this is; 0 for an
	// attempt that failed before the message was handed over (dialing, composing).
	AttemptID int64
	WorkerID  string
	// MessageID is the Message-ID header sent, for the audit event.
	MessageID string
	// Outcome is MailSent, MailDeferred (try again after RetryIn) or MailFailed (give up).
	Outcome string
	RetryIn time.Duration
	// Refused marks a permanent (5xx) refusal, counted against the worker's limit.
	Refused bool
	// ErrorClass names the kind of failure (connection, timeout, tls, auth, temporary,
	// permanent, …); Error is the failure's text with the recipient address removed.
	ErrorClass string
	Error      string
	// PossibleDuplicate marks a send of a message an interrupted attempt may already
	// have delivered.
	PossibleDuplicate bool
}

// RecordMailAttempt writes one attempt, the message's new state and, when the message
// was sent or given up on, its audit event, in one transaction.
//
// A worker whose lease ran out may report after another worker took the message: its
// attempt is still recorded (it happened), a success still marks the message sent, but
// a failure leaves the other worker's schedule alone.
func (db *DB) RecordMailAttempt(ctx context.Context, a MailAttempt) error {
	switch a.Outcome {
	case MailSent, MailDeferred, MailFailed:
	default:
		return fmt.Errorf("outbox: unknown attempt outcome %q", a.Outcome)
	}
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		var row outboxRow
		q := tx.NewSelect().Model(&row).
			Column("id", "message_key", "kind", "status", "attempts", "claimed_by",
				"complaint_id", "agency_id", "agreement_id").
			Where("id = ?", a.ID)
		if db.Dialect == PostgreSQL {
			q.For("UPDATE")
		}
		if err := q.Scan(ctx); err != nil {
			return notFound(err, "Outbox message")
		}
		attempt, err := finishAttempt(ctx, tx, now, row, a)
		if err != nil {
			return err
		}
		holds := row.Status == MailQueued && row.ClaimedBy != nil && *row.ClaimedBy == a.WorkerID
		up := tx.NewUpdate().Model((*outboxRow)(nil)).Where("id = ?", a.ID)
		if a.AttemptID == 0 {
			up.Set("attempts = attempts + 1")
		}
		var action string
		switch {
		case a.Outcome == MailSent:
			// The address is no longer needed once the message is out.
			up.Set("status = ?", MailSent).Set("sent_at = COALESCE(sent_at, ?)", now).
				Set("recipient_sealed = NULL").Set("last_error_class = ''")
			action = redress.ActionMailSent
		case !holds:
			// Someone else holds or finished the message: count the attempt only.
		case a.Outcome == MailDeferred:
			up.Set("next_attempt_at = ?", now.Add(a.RetryIn)).Set("last_error_class = ?", a.ErrorClass)
			if a.Refused {
				up.Set("refusals = refusals + 1")
			}
		case a.Outcome == MailFailed:
			up.Set("status = ?", MailFailed).Set("last_error_class = ?", a.ErrorClass)
			if a.Refused {
				up.Set("refusals = refusals + 1")
			}
			action = redress.ActionMailFailed
		}
		if a.Outcome == MailSent || holds {
			up.Set("claimed_by = NULL").Set("claimed_until = NULL")
		}
		if _, err := up.Exec(ctx); err != nil {
			return err
		}
		if action == "" {
			return nil
		}
		details := map[string]any{
			"kind": row.Kind, "outbox_id": row.ID, "message_id": a.MessageID,
			"attempt": attempt, "outcome": a.Outcome,
		}
		if a.ErrorClass != "" {
			details["error_class"] = a.ErrorClass
		}
		if a.Outcome == MailSent && row.Status == MailSent {
			details["duplicate"] = true // sent again after a lost lease; see the top of this file
		}
		if a.PossibleDuplicate && a.Outcome == MailSent {
			details["possible_duplicate"] = true // an interrupted attempt may have delivered it
		}
		return insertAudit(ctx, tx, now, redress.AuditEvent{
			Actor: redress.ActorSystem, ActorRole: "mail", Action: action, RequestID: a.WorkerID,
			ComplaintID: derefID(row.ComplaintID), AgencyID: derefID(row.AgencyID),
			AgreementID: derefID(row.AgreementID), Details: details,
		})
	})
}

// finishAttempt writes the outcome of an attempt: onto the attempt BeginMailAttempt
// began, or as a new attempt when none was begun. It returns the attempt's number.
func finishAttempt(ctx context.Context, tx bun.Tx, now time.Time, row outboxRow, a MailAttempt) (int, error) {
	if a.AttemptID == 0 {
		attempt := row.Attempts + 1
		_, err := tx.NewInsert().Model(&outboxAttemptRow{
			OutboxID: a.ID, Attempt: attempt, At: now, Worker: a.WorkerID, Outcome: a.Outcome,
			ErrorClass: a.ErrorClass, Error: a.Error,
		}).Exec(ctx)
		return attempt, err
	}
	var begun outboxAttemptRow
	if err := tx.NewSelect().Model(&begun).Column("attempt").
		Where("id = ?", a.AttemptID).Where("outbox_id = ?", a.ID).Scan(ctx); err != nil {
		return 0, notFound(err, "Outbox attempt")
	}
	_, err := tx.NewUpdate().Model((*outboxAttemptRow)(nil)).Where("id = ?", a.AttemptID).
		Set("outcome = ?", a.Outcome).Set("error_class = ?", a.ErrorClass).Set("error = ?", a.Error).Exec(ctx)
	return begun.Attempt, err
}

// CountQueuedMail counts messages not yet sent nor given up on.
func (db *DB) CountQueuedMail(ctx context.Context) (int, error) {
	n, err := db.bun.NewSelect().Model((*outboxRow)(nil)).Where("status = ?", MailQueued).Count(ctx)
	return int(n), err
}

// OutboxEntry is what the outbox shows of a message: never its recipient or body.
type OutboxEntry struct {
	ID             int64
	Key            string
	Kind           string
	Language       string
	ComplaintID    int64
	Status         string
	Attempts       int
	Refusals       int
	CreatedAt      time.Time
	NextAttemptAt  time.Time
	SentAt         time.Time // zero until sent
	LastErrorClass string
}

// OutboxFilter narrows ListOutbox.
type OutboxFilter struct {
	Status      string
	ComplaintID int64
	Limit       int
}

// ListOutbox returns messages oldest first.
func (db *DB) ListOutbox(ctx context.Context, f OutboxFilter) ([]OutboxEntry, error) {
	var rows []outboxRow
	q := db.bun.NewSelect().Model(&rows).
		Column("id", "message_key", "kind", "language", "complaint_id", "status", "attempts",
			"refusals", "created_at", "next_attempt_at", "sent_at", "last_error_class").
		Order("id")
	if f.Status != "" {
		q.Where("status = ?", f.Status)
	}
	if f.ComplaintID != 0 {
		q.Where("complaint_id = ?", f.ComplaintID)
	}
	if f.Limit > 0 {
		q.Limit(int64(f.Limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]OutboxEntry, len(rows))
	for i, r := range rows {
		out[i] = OutboxEntry{
			ID: r.ID, Key: r.MessageKey, Kind: r.Kind, Language: r.Language,
			ComplaintID: derefID(r.ComplaintID), Status: r.Status, Attempts: r.Attempts,
			Refusals: r.Refusals, CreatedAt: r.CreatedAt, NextAttemptAt: r.NextAttemptAt,
			LastErrorClass: r.LastErrorClass,
		}
		if r.SentAt != nil {
			out[i].SentAt = *r.SentAt
		}
	}
	return out, nil
}

// OutboxAttempt is one recorded delivery attempt.
type OutboxAttempt struct {
	Attempt    int
	At         time.Time
	Worker     string
	Outcome    string
	ErrorClass string
	Error      string
}

// OutboxAttempts returns a message's attempts in order.
func (db *DB) OutboxAttempts(ctx context.Context, id int64) ([]OutboxAttempt, error) {
	var rows []outboxAttemptRow
	if err := db.bun.NewSelect().Model(&rows).Where("outbox_id = ?", id).Order("attempt", "id").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]OutboxAttempt, len(rows))
	for i, r := range rows {
		out[i] = OutboxAttempt{Attempt: r.Attempt, At: r.At, Worker: r.Worker, Outcome: r.Outcome,
			ErrorClass: r.ErrorClass, Error: r.Error}
	}
	return out, nil
}
