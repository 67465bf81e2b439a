package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// SealerConfig tunes a Sealer. Zero values take the defaults.
type SealerConfig struct {
	// BatchSize is how many events one sealing transaction takes (default 1000). On
	// SQLite a batch holds the write lock, so it is kept to a few milliseconds of work.
	BatchSize int
	// Interval is the longest the sealer sleeps between looks for unsealed events
	// (default 200ms), so an event is sealed well within a second.
	Interval time.Duration
	// A checkpoint is signed when CheckpointEvery events (default 1000) were sealed
	// since the last one, or when CheckpointInterval (default 60s) has passed and the
	// head has moved.
	CheckpointEvery    int64
	CheckpointInterval time.Duration
	// Now is the clock of checkpoint times (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

func (c *SealerConfig) defaults() {
	if c.BatchSize <= 0 {
		c.BatchSize = 1000
	}
	if c.Interval <= 0 {
		c.Interval = 200 * time.Millisecond
	}
	if c.CheckpointEvery <= 0 {
		c.CheckpointEvery = 1000
	}
	if c.CheckpointInterval <= 0 {
		c.CheckpointInterval = 60 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Sealer chains unsealed events and signs checkpoints. Every serve process runs one;
// on PostgreSQL the database decides which of them seals at any moment (an advisory
// lock), so they never get in each other's way or in that of business transactions,
// which only ever insert.
type Sealer struct {
	db   *store.DB
	key  *Key
	cfg  SealerConfig
	wake chan struct{}

	mu sync.Mutex // one SealPending at a time per Sealer; its buffers are shared
	h  recordHasher
	// A batch's seals and their hashes, reused: the sealer's memory is one batch's
	// ids and hashes (about 60 bytes an event) and one row, whatever the backlog.
	seals  []store.AuditSeal
	hashes [][HashSize]byte
	// After refusing to sign (the chain since the last checkpoint does not verify),
	// wait a checkpoint interval before trying again rather than re-reading it each batch.
	refusedAt time.Time
	errLogged time.Time
	force     bool   // Flush: sign the head if it moved at all
	headDay   string // the UTC day whose published head this process last looked after (head.go)
}

// NewSealer returns a sealer that signs checkpoints with key.
func NewSealer(db *store.DB, key *Key, cfg SealerConfig) *Sealer {
	cfg.defaults()
	return &Sealer{db: db, key: key, cfg: cfg, wake: make(chan struct{}, 1)}
}

// Notify wakes the sealer before its next tick, for callers that know they have just
// committed events. It never blocks.
func (s *Sealer) Notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run seals until ctx ends, looking for work every Interval and on Notify. Errors (the
// database going away) are logged and retried; Run itself returns nil when ctx ends.
func (s *Sealer) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := s.SealPending(ctx); err != nil && ctx.Err() == nil {
			// The database being down would otherwise log five lines a second.
			if now := time.Now(); now.Sub(s.errLogged) > 10*time.Second {
				s.errLogged = now
				s.cfg.Logger.Error("sealing the audit trail", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.wake:
		}
	}
}

// SealPending seals every event that is unsealed now, in batches, and signs a
// checkpoint when one is due. It returns how many events it sealed; 0 with no error
// also when another process holds the sealing lock.
func (s *Sealer) SealPending(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sealPending(ctx)
}

// Flush is SealPending that also signs the head whenever it moved since the last
// checkpoint, however recently that was: serve calls it on its way out, so the events
// of its last minute do not wait for another process to be signed.
func (s *Sealer) Flush(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.force = true
	defer func() { s.force = false }()
	return s.sealPending(ctx)
}

func (s *Sealer) sealPending(ctx context.Context) (int, error) {
	// Once a day, the day before's last checkpoint becomes its published head.
	if err := s.maybePublishHead(ctx); err != nil {
		return 0, err
	}
	// Look before taking any lock: on SQLite the sealing transaction is a write
	// transaction, and an idle system should not take the write lock five times a second.
	st, err := s.db.AuditState(ctx)
	if err != nil {
		return 0, err
	}
	if !st.AnyUnsealed {
		cp, ok, err := s.db.LastAuditCheckpoint(ctx)
		if err != nil {
			return 0, err
		}
		if !s.checkpointDue(st.HeadSeq, cp, ok) {
			return 0, nil
		}
	}
	total := 0
	var afterID int64
	for {
		n, lastID, err := s.sealBatch(ctx, afterID)
		total += n
		if errors.Is(err, store.ErrSealerBusy) {
			return total, nil
		}
		if err != nil || n < s.cfg.BatchSize {
			return total, err
		}
		// Within one pass, go on after the last id sealed instead of walking the index of
		// unsealed rows from its start each time. An event with a lower id that commits
		// later (PostgreSQL hands out ids before commit) is found by the next pass.
		afterID = lastID
	}
}

func (s *Sealer) sealBatch(ctx context.Context, afterID int64) (n int, lastID int64, err error) {
	err = s.db.SealAudit(ctx, func(ctx context.Context, tx *store.AuditSealTx) error {
		head, hash, err := tx.Head(ctx)
		if err != nil {
			return err
		}
		before, beforeHash := head, hash
		// The batch streams: each row is chained as it arrives and only what the UPDATE
		// writes back (id, seq, hash) is kept, in buffers reused from batch to batch.
		prev := make([]byte, HashSize) // the first event's predecessor: 32 zero bytes
		if head > 0 {
			prev = hash
		}
		s.seals, s.hashes = s.seals[:0], s.hashes[:0]
		prevBuf := make([]byte, 0, HashSize)
		err = tx.ScanUnsealed(ctx, afterID, s.cfg.BatchSize, func(r *redress.AuditRecord) error {
			head++
			link := s.h.link(prev, r, head)
			s.hashes = append(s.hashes, link)
			s.seals = append(s.seals, store.AuditSeal{ID: r.ID, Seq: head})
			prev = append(prevBuf[:0], link[:]...)
			return nil
		})
		if err != nil {
			return err
		}
		for i := range s.seals {
			s.seals[i].Hash = s.hashes[i][:]
		}
		if err := tx.Seal(ctx, s.seals); err != nil {
			return err
		}
		n = len(s.seals)
		if n > 0 {
			lastID = s.seals[n-1].ID
			prev = s.seals[n-1].Hash
		}
		return s.maybeCheckpoint(ctx, tx, before, beforeHash, head, prev)
	})
	if err != nil {
		n = 0 // rolled back
	}
	return n, lastID, err
}

func (s *Sealer) checkpointDue(head int64, last store.AuditCheckpoint, ok bool) bool {
	if head == 0 || (ok && head <= last.Seq) {
		return false
	}
	now := s.cfg.Now()
	if !s.refusedAt.IsZero() && now.Sub(s.refusedAt) < s.cfg.CheckpointInterval {
		return false
	}
	return s.force || !ok || head-last.Seq >= s.cfg.CheckpointEvery || now.Sub(last.SignedAt) >= s.cfg.CheckpointInterval
}

// maybeCheckpoint signs the head when due, but only after checking the chain from the
// last checkpoint up to it: the key must never vouch for events changed since they
// were sealed. Events up to before (sealed earlier, perhaps by another process) are
// read back and checked; those after it were chained from before's hash in this very
// transaction. (Events changed together with every hash after them cannot be told
// from real ones here; that is what earlier checkpoints are for.)
func (s *Sealer) maybeCheckpoint(ctx context.Context, tx *store.AuditSealTx, before int64, beforeHash []byte, head int64, headHash []byte) error {
	last, ok, err := tx.LastCheckpoint(ctx)
	if err != nil {
		return err
	}
	if !s.checkpointDue(head, last, ok) {
		return nil
	}
	from, prev := int64(0), make([]byte, HashSize)
	if ok {
		from, prev = last.Seq, last.Hash
	}
	expect := from + 1
	var bad error
	if from > before {
		bad = fmt.Errorf("the last checkpoint signs seq %d, beyond the chain's end at %d", from, before)
	} else {
		err = tx.ScanSealed(ctx, from, before, func(r *redress.AuditRecord) error {
			if r.Seq != expect {
				bad = fmt.Errorf("seq %d is missing", expect)
				return bad
			}
			link := s.h.link(prev, r, r.Seq)
			if !bytes.Equal(link[:], r.Hash) {
				bad = fmt.Errorf("seq %d does not match its hash", r.Seq)
				return bad
			}
			prev = append(prev[:0], link[:]...)
			expect++
			return nil
		})
	}
	if bad == nil && err == nil && expect != before+1 {
		bad = fmt.Errorf("the chain ends at seq %d, before the head %d", expect-1, before)
	}
	if bad == nil && err == nil && before > 0 && !bytes.Equal(prev, beforeHash) {
		bad = fmt.Errorf("the head's hash changed while it was being signed")
	}
	if bad != nil {
		s.refusedAt = s.cfg.Now()
		s.cfg.Logger.Error("audit trail does not verify since the last checkpoint; not signing it, run `redress audit verify`",
			"last_checkpoint_seq", from, "problem", bad.Error())
		return nil
	}
	if err != nil {
		return err
	}
	s.refusedAt = time.Time{}
	cp := s.key.Sign(head, headHash, s.cfg.Now())
	return tx.AddCheckpoint(ctx, store.AuditCheckpoint{Seq: cp.Seq, Hash: cp.Hash, SignedAt: cp.SignedAt,
		KeyID: cp.KeyID, PublicKey: cp.PublicKey, Signature: cp.Signature})
}
