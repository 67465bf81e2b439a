package store

import (
	"context"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

type idempotencyRow struct {
	bun.BaseModel `bun:"table:idempotency_keys"`
	KeyHash       []byte    `bun:"key_hash,pk"`
	RequestHash   []byte    `bun:"request_hash"`
	AnswerSealed  []byte    `bun:"answer_sealed"`
	ComplaintID   int64     `bun:"complaint_id"`
	CreatedAt     time.Time `bun:"created_at"`
	ExpiresAt     time.Time `bun:"expires_at"`
}

// IdempotencyKey is kept with a complaint so that a retry of its filing, under the same
// key, gets the first answer again instead of filing a second complaint.
type IdempotencyKey struct {
	// KeyHash names the key (a hash: the key itself is the client's); RequestHash is
	// the hash of what was filed, to tell a retry from another complaint under the
	// same key.
	KeyHash, RequestHash []byte
	// AnswerSealed is the first answer, sealed by the caller.
	AnswerSealed []byte
	// TTL is how long the key answers; then it is deleted.
	TTL time.Duration
}

// IdempotentFiling is what a key kept of the filing it named.
type IdempotentFiling struct {
	RequestHash  []byte
	AnswerSealed []byte
	ComplaintID  int64
	// FiledAt is when the complaint was received.
	FiledAt time.Time
}

// ErrIdempotencyKeyTaken means another filing under the same key committed first (a
// concurrent retry): this one was rolled back, and the key's filing is the answer.
var ErrIdempotencyKeyTaken = errors.New("store: idempotency key already used")

// IdempotentFiling returns the filing keyHash names, or ENOTFOUND when it names none
// or has expired.
func (db *DB) IdempotentFiling(ctx context.Context, keyHash []byte) (IdempotentFiling, error) {
	var row idempotencyRow
	err := db.bun.NewSelect().Model(&row).Where("key_hash = ?", keyHash).
		Where("expires_at > ?", db.Now().UTC()).Scan(ctx)
	if err != nil {
		return IdempotentFiling{}, notFound(err, "Idempotency key")
	}
	return IdempotentFiling{RequestHash: row.RequestHash, AnswerSealed: row.AnswerSealed,
		ComplaintID: row.ComplaintID, FiledAt: row.CreatedAt}, nil
}

// keepIdempotencyKey stores k for complaint id, in the complaint's transaction. A key
// another transaction holds makes this one wait for it (PostgreSQL) or run after it
// (SQLite), then fail with ErrIdempotencyKeyTaken, so concurrent retries file once.
// Expired keys, any filing's, are deleted first: a receipt code sealed in an answer
// lives no longer than it must, without a job of its own.
func (db *DB) keepIdempotencyKey(ctx context.Context, tx bun.Tx, now time.Time, complaintID int64, k *IdempotencyKey) error {
	if err := db.dropExpiredKeys(ctx, tx, now); err != nil {
		return err
	}
	if k == nil {
		return nil
	}
	if len(k.KeyHash) == 0 || len(k.RequestHash) == 0 || len(k.AnswerSealed) == 0 || k.TTL <= 0 {
		return redress.Errorf(redress.EINTERNAL, "idempotency key lacks a hash, an answer or a lifetime")
	}
	res, err := tx.NewInsert().Model(&idempotencyRow{
		KeyHash: k.KeyHash, RequestHash: k.RequestHash, AnswerSealed: k.AnswerSealed,
		ComplaintID: complaintID, CreatedAt: now, ExpiresAt: now.Add(k.TTL),
	}).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ErrIdempotencyKeyTaken
	}
	return nil
}

// expiredKeysPerFiling bounds the cleanup one filing does: about one key expires per
// filing in steady state, so a backlog (after a quiet spell) drains over a few filings
// instead of one filing paying for all of it.
const expiredKeysPerFiling = 20

// dropExpiredKeys deletes up to expiredKeysPerFiling expired keys. On PostgreSQL rows
// another filing is deleting are skipped, so concurrent filings never queue behind one
// another for the same expired rows.
func (db *DB) dropExpiredKeys(ctx context.Context, tx bun.Tx, now time.Time) error {
	expired := tx.NewSelect().Model((*idempotencyRow)(nil)).Column("key_hash").
		Where("expires_at <= ?", now).Order("expires_at").Limit(expiredKeysPerFiling)
	if db.Dialect == PostgreSQL {
		expired.For("UPDATE SKIP LOCKED")
	}
	_, err := tx.NewDelete().Model((*idempotencyRow)(nil)).Where("key_hash IN (?)", expired).Exec(ctx)
	return err
}
