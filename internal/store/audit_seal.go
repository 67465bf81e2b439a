package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/redress-oversight/redress/internal/redress"
)

// The sealing side of the audit trail (internal/audit holds the hashing and signing).
// These queries go through database/sql directly rather than bun models: verification
// reads every event ever written, and scanning raw columns into reused buffers keeps it
// several times faster than reflection per row.

// AuditSeal is what the sealer writes to one event.
type AuditSeal struct {
	ID   int64
	Seq  int64
	Hash []byte
}

// AuditCheckpoint is one row of audit_checkpoints.
type AuditCheckpoint struct {
	ID        int64
	Seq       int64
	Hash      []byte
	SignedAt  time.Time
	KeyID     string
	PublicKey []byte
	Signature []byte
}

// AuditState is what the sealer and the verifier look at first, read in one statement
// so the numbers belong to one moment.
type AuditState struct {
	HeadSeq         int64 // highest seq sealed; 0 before the first
	AnyUnsealed     bool
	CheckpointMaxID int64 // newest checkpoint row, so a long verification can ignore later ones
}

// sealLockID is the PostgreSQL advisory lock a sealing transaction holds; any constant
// shared by every Redress process (the migration lock is 287_0001). The lock is taken
// with the schema's hash as its second key: advisory locks belong to the whole
// database, and two trails in two schemas of it (two deployments, or the tests'
// schema each) must not wait on each other.
const sealLockID = 287_0006

// AuditSealTx is a sealing transaction. While one is open no other can be, in this
// process or another: on PostgreSQL it holds a transaction-scoped advisory lock, on
// SQLite the write lock.
type AuditSealTx struct {
	db *DB
	tx *sql.Tx
}

// ErrSealerBusy is returned by SealAudit when another process holds the sealing lock.
var ErrSealerBusy = errors.New("another process is sealing the audit trail")

// SealAudit runs fn in a sealing transaction and commits if fn succeeds. On PostgreSQL
// it does not wait for the lock: when another process is sealing it returns
// ErrSealerBusy at once, and the caller tries again later.
//
// A transaction-scoped lock rather than a session lock held by a leader: nothing is
// lost when a connection breaks (the transaction goes with it), and no connection is
// kept out of the pool.
func (db *DB) SealAudit(ctx context.Context, fn func(ctx context.Context, tx *AuditSealTx) error) error {
	done, err := db.writeLock(ctx)
	if err != nil {
		return err
	}
	defer done()
	tx, err := db.sqlDB().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if db.Dialect == PostgreSQL {
		var got bool
		if err := tx.QueryRowContext(ctx, "SELECT pg_try_advisory_xact_lock($1, hashtext(current_schema()))", sealLockID).Scan(&got); err != nil {
			return fmt.Errorf("take the sealing lock: %w", err)
		}
		if !got {
			return ErrSealerBusy
		}
	}
	if err := fn(ctx, &AuditSealTx{db: db, tx: tx}); err != nil {
		return err
	}
	return tx.Commit()
}

// Head returns the seq and hash of the last sealed event (0 and nil before the first).
func (t *AuditSealTx) Head(ctx context.Context) (int64, []byte, error) {
	var seq int64
	var hash []byte
	err := t.tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)").Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("audit head: %w", err)
	}
	return seq, hash, nil
}

// ScanUnsealed calls fn for up to limit unsealed events with id > afterID, by id, as the
// rows arrive: the record passed to fn is reused for the next row, so a batch costs the
// memory of one row whatever its size. fn must not write in the transaction (the rows
// are still being read); an error from it stops the scan and is returned as it is.
func (t *AuditSealTx) ScanUnsealed(ctx context.Context, afterID int64, limit int, fn func(*redress.AuditRecord) error) error {
	rows, err := t.tx.QueryContext(ctx, t.db.rebind("SELECT "+t.db.auditColumns()+" FROM audit_events WHERE seq IS NULL AND id > ? ORDER BY id LIMIT ?"), afterID, limit)
	if err != nil {
		return fmt.Errorf("unsealed audit events: %w", err)
	}
	defer rows.Close()
	s := newAuditScanner()
	for rows.Next() {
		r, err := s.scan(rows)
		if err != nil {
			return fmt.Errorf("unsealed audit events: %w", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("unsealed audit events: %w", err)
	}
	return rows.Close()
}

// Seal writes seq and hash to each event, many rows a statement.
func (t *AuditSealTx) Seal(ctx context.Context, seals []AuditSeal) error {
	if len(seals) == 0 {
		return nil
	}
	if t.db.Dialect == PostgreSQL {
		ids := make([]int64, len(seals))
		seqs := make([]int64, len(seals))
		hashes := make([][]byte, len(seals))
		for i, s := range seals {
			ids[i], seqs[i], hashes[i] = s.ID, s.Seq, s.Hash
		}
		res, err := t.tx.ExecContext(ctx, `UPDATE audit_events AS a SET seq = u.seq, hash = u.hash
			FROM unnest($1::bigint[], $2::bigint[], $3::bytea[]) AS u(id, seq, hash)
			WHERE a.id = u.id`, pq.Array(ids), pq.Array(seqs), pq.ByteaArray(hashes))
		if err != nil {
			return fmt.Errorf("seal audit events: %w", err)
		}
		return checkSealed(res, len(seals))
	}
	// SQLite: UPDATE … FROM a VALUES list, up to 300 rows (900 parameters) a statement.
	for len(seals) > 0 {
		n := min(len(seals), 300)
		var q strings.Builder
		q.WriteString("UPDATE audit_events SET seq = v.column2, hash = v.column3 FROM (VALUES ")
		args := make([]any, 0, 3*n)
		for i, s := range seals[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?)")
			args = append(args, s.ID, s.Seq, s.Hash)
		}
		q.WriteString(") AS v WHERE audit_events.id = v.column1")
		res, err := t.tx.ExecContext(ctx, q.String(), args...)
		if err != nil {
			return fmt.Errorf("seal audit events: %w", err)
		}
		if err := checkSealed(res, n); err != nil {
			return err
		}
		seals = seals[n:]
	}
	return nil
}

func checkSealed(res sql.Result, want int) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != int64(want) {
		return fmt.Errorf("seal audit events: %d of %d rows updated", n, want)
	}
	return nil
}

// LastCheckpoint is LastAuditCheckpoint inside the sealing transaction.
func (t *AuditSealTx) LastCheckpoint(ctx context.Context) (AuditCheckpoint, bool, error) {
	return lastCheckpoint(ctx, t.tx)
}

// ScanSealed is ScanSealedAudit inside the sealing transaction.
func (t *AuditSealTx) ScanSealed(ctx context.Context, afterSeq, uptoSeq int64, fn func(*redress.AuditRecord) error) error {
	return scanSealed(ctx, t.db, t.tx, afterSeq, uptoSeq, fn)
}

// AddCheckpoint stores a signed checkpoint.
func (t *AuditSealTx) AddCheckpoint(ctx context.Context, cp AuditCheckpoint) error {
	_, err := t.tx.ExecContext(ctx, t.db.rebind(`INSERT INTO audit_checkpoints
		(seq, hash, signed_at, key_id, public_key, signature) VALUES (?, ?, ?, ?, ?, ?)`),
		cp.Seq, cp.Hash, t.db.timeArg(cp.SignedAt), cp.KeyID, cp.PublicKey, cp.Signature)
	if err != nil {
		return fmt.Errorf("store audit checkpoint: %w", err)
	}
	return nil
}
