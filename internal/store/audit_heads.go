package store

import (
	"context"
	"fmt"
	"time"
)

// AuditHead is one row of audit_heads: a day's last checkpoint, signed again as the
// day's published head for outside witnesses (internal/audit/head.go).
type AuditHead struct {
	Seq        int64
	Day        string // YYYY-MM-DD, UTC
	Hash       []byte
	PrevDigest []byte
	SignedAt   time.Time
	KeyID      string
	PublicKey  []byte
	Signature  []byte
}

const headColumns = "seq, day, hash, prev_digest, signed_at, key_id, public_key, signature"

// AuditHeads returns up to limit published heads with seq > afterSeq, by seq: the
// primary key's order, so a page costs one index range whatever the trail's size.
func (db *DB) AuditHeads(ctx context.Context, afterSeq int64, limit int) ([]AuditHead, error) {
	return queryHeads(ctx, db.sqlDB(), db.rebind("SELECT "+headColumns+" FROM audit_heads WHERE seq > ? ORDER BY seq LIMIT ?"), afterSeq, limit)
}

// LastHead returns the published head with the highest seq; ok is false before the first.
func (t *AuditSealTx) LastHead(ctx context.Context) (AuditHead, bool, error) {
	hs, err := queryHeads(ctx, t.tx, "SELECT "+headColumns+" FROM audit_heads ORDER BY seq DESC LIMIT 1")
	if err != nil || len(hs) == 0 {
		return AuditHead{}, false, err
	}
	return hs[0], true, nil
}

// LastCheckpointBefore returns the checkpoint with the highest seq among those signed
// before t. It walks the seq index back from the end, through the checkpoints signed
// since t only (a day's at most, where t is the start of today).
func (t *AuditSealTx) LastCheckpointBefore(ctx context.Context, before time.Time) (AuditCheckpoint, bool, error) {
	cps, err := queryCheckpoints(ctx, t.tx, t.db.rebind(`SELECT id, seq, hash, signed_at, key_id, public_key, signature
		FROM audit_checkpoints WHERE signed_at < ? ORDER BY seq DESC, id DESC LIMIT 1`), t.db.timeArg(before))
	if err != nil || len(cps) == 0 {
		return AuditCheckpoint{}, false, err
	}
	return cps[0], true, nil
}

// AddHead stores a signed head.
func (t *AuditSealTx) AddHead(ctx context.Context, h AuditHead) error {
	_, err := t.tx.ExecContext(ctx, t.db.rebind("INSERT INTO audit_heads ("+headColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
		h.Seq, h.Day, h.Hash, h.PrevDigest, t.db.timeArg(h.SignedAt), h.KeyID, h.PublicKey, h.Signature)
	if err != nil {
		return fmt.Errorf("store audit head: %w", err)
	}
	return nil
}

func queryHeads(ctx context.Context, q auditQuerier, query string, args ...any) ([]AuditHead, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("audit heads: %w", err)
	}
	defer rows.Close()
	var out []AuditHead
	for rows.Next() {
		var h AuditHead
		var at auditTime
		if err := rows.Scan(&h.Seq, &h.Day, &h.Hash, &h.PrevDigest, &at, &h.KeyID, &h.PublicKey, &h.Signature); err != nil {
			return nil, err
		}
		h.SignedAt = at.t
		out = append(out, h)
	}
	return out, rows.Err()
}

// HashAt returns the hash of the event sealed at seq (nil if there is none).
func (t *AuditSealTx) HashAt(ctx context.Context, seq int64) ([]byte, error) {
	rows, err := t.tx.QueryContext(ctx, t.db.rebind("SELECT hash FROM audit_events WHERE seq = ?"), seq)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hash []byte
	if rows.Next() {
		if err := rows.Scan(&hash); err != nil {
			return nil, err
		}
	}
	return hash, rows.Err()
}
