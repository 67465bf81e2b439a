package store

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// Reads are recorded too (a status check, a case opened), and each record used to be a
// write transaction of its own: on SQLite one writer at a time, on PostgreSQL one commit
// (one WAL flush) each. The batcher commits the records that arrive together in one
// transaction: a caller still gets its answer only once its record is committed, but
// a hundred callers share one commit. An idle service pays nothing extra: a record
// alone is written at once.

// maxAuditBatch bounds one transaction's records, so one commit stays short.
const maxAuditBatch = 256

type auditRequest struct {
	ev   redress.AuditEvent
	done chan error
}

type auditBatcher struct {
	db      *DB
	queue   chan auditRequest
	stop    chan struct{}
	stopped sync.WaitGroup
	// closing guards closed: no record joins the queue once close began, so the last
	// drain answers every one that did.
	closing sync.RWMutex
	closed  bool
}

func newAuditBatcher(db *DB) *auditBatcher {
	b := &auditBatcher{db: db, queue: make(chan auditRequest, 4*maxAuditBatch), stop: make(chan struct{})}
	b.stopped.Add(1)
	go b.run()
	return b
}

// errBatcherClosed answers records that arrive after Close.
var errBatcherClosed = redress.Errorf(redress.EUNAVAILABLE, "The database is closing.")

func (b *auditBatcher) record(ctx context.Context, ev redress.AuditEvent) error {
	req := auditRequest{ev: ev, done: make(chan error, 1)}
	b.closing.RLock()
	if b.closed {
		b.closing.RUnlock()
		return errBatcherClosed
	}
	select {
	case b.queue <- req:
	case <-ctx.Done():
		b.closing.RUnlock()
		return ctx.Err()
	}
	b.closing.RUnlock()
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		// The record may still be committed: a look recorded whose answer was not sent
		// errs on the side the trail is for.
		return ctx.Err()
	}
}

func (b *auditBatcher) run() {
	defer b.stopped.Done()
	batch := make([]auditRequest, 0, maxAuditBatch)
	for {
		select {
		case req := <-b.queue:
			batch = append(batch[:0], req)
		case <-b.stop:
			b.drain()
			return
		}
		// Whatever queued while the last commit ran goes in this one.
	more:
		for len(batch) < maxAuditBatch {
			select {
			case req := <-b.queue:
				batch = append(batch, req)
			default:
				break more
			}
		}
		b.flush(batch)
	}
}

// drain answers what is still queued at Close: written if the database still takes it.
func (b *auditBatcher) drain() {
	for {
		select {
		case req := <-b.queue:
			b.flush([]auditRequest{req})
		default:
			return
		}
	}
}

func (b *auditBatcher) flush(batch []auditRequest) {
	events := make([]redress.AuditEvent, len(batch))
	for i, r := range batch {
		events[i] = r.ev
	}
	// Not the callers' contexts: one leaving must not undo the others' records.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := b.db.inTx(ctx, func(tx bun.Tx, now time.Time) error { return insertAudit(ctx, tx, now, events...) })
	if err != nil && len(batch) > 1 && redress.ErrorCode(err) != redress.EUNAVAILABLE {
		// One bad record must not refuse the others: each alone, to say which.
		for _, r := range batch {
			r.done <- b.db.inTx(ctx, func(tx bun.Tx, now time.Time) error { return insertAudit(ctx, tx, now, r.ev) })
		}
		return
	}
	for _, r := range batch {
		r.done <- err
	}
}

func (b *auditBatcher) close() {
	b.closing.Lock()
	if !b.closed {
		b.closed = true
		close(b.stop)
	}
	b.closing.Unlock()
	b.stopped.Wait()
}

// RecordRead writes the audit event of a look at the record (a status check, a case or
// identity viewed), sharing a transaction with the looks that arrive at the same time,
// and returns once it is committed: a look that cannot be recorded is not answered.
func (db *DB) RecordRead(ctx context.Context, ev redress.AuditEvent) error {
	if db.reads == nil {
		return errors.New("store: RecordRead on a DB not made by Open")
	}
	return db.reads.record(ctx, ev)
}
