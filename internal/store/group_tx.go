package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
)

// SQLite writes one transaction at a time, and with synchronous=FULL each commit waits
// for the disk: filings queued behind each other each paid a commit of their own. The
// group writer commits the filings that queue together in one transaction, each in a
// savepoint of its own: one that fails (a tracking number taken, a retry key reused) is
// rolled back alone and told why, the others commit, and every caller is answered only
// once its rows are durable. A lone filing runs at once, as before. PostgreSQL commits
// transactions in parallel and needs none of this: groupTx is inTx there.

// maxGroup bounds one transaction's writes, so one commit stays short.
const maxGroup = 64

type groupRequest struct {
	ctx  context.Context
	fn   func(tx bun.Tx, now time.Time) error
	done chan error
}

type groupWriter struct {
	db      *DB
	queue   chan groupRequest
	stop    chan struct{}
	stopped sync.WaitGroup
	closing sync.RWMutex
	closed  bool
	// grouped counts transactions that held more than one write (tests read it).
	grouped atomic.Int64
}

func newGroupWriter(db *DB) *groupWriter {
	g := &groupWriter{db: db, queue: make(chan groupRequest, 4*maxGroup), stop: make(chan struct{})}
	g.stopped.Add(1)
	go g.run()
	return g
}

// groupTx runs fn in a write transaction, on SQLite one it may share with other writes
// queued at the same moment (fn then runs in a savepoint: its error undoes its own
// writes only). fn must use tx for every statement and must not keep it.
func (db *DB) groupTx(ctx context.Context, fn func(tx bun.Tx, now time.Time) error) error {
	if db.group == nil {
		return db.inTx(ctx, fn)
	}
	return db.group.do(ctx, fn)
}

func (g *groupWriter) do(ctx context.Context, fn func(tx bun.Tx, now time.Time) error) error {
	req := groupRequest{ctx: ctx, fn: fn, done: make(chan error, 1)}
	g.closing.RLock()
	if g.closed {
		g.closing.RUnlock()
		return errBatcherClosed
	}
	select {
	case g.queue <- req:
	case <-ctx.Done():
		g.closing.RUnlock()
		return ctx.Err()
	}
	g.closing.RUnlock()
	// No return on ctx.Done from here: the caller learns whether its write committed.
	// A request whose context ended before its turn is skipped, not written.
	return <-req.done
}

func (g *groupWriter) run() {
	defer g.stopped.Done()
	batch := make([]groupRequest, 0, maxGroup)
	for {
		select {
		case req := <-g.queue:
			batch = append(batch[:0], req)
		case <-g.stop:
			for {
				select {
				case req := <-g.queue:
					g.flush([]groupRequest{req})
				default:
					return
				}
			}
		}
	more:
		for len(batch) < maxGroup {
			select {
			case req := <-g.queue:
				batch = append(batch, req)
			default:
				break more
			}
		}
		g.flush(batch)
	}
}

// flush writes a batch in one transaction and answers each request.
func (g *groupWriter) flush(batch []groupRequest) {
	// The requests' own contexts run their statements; this one bounds the transaction.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	results := make([]error, len(batch))
	if len(batch) > 1 {
		g.grouped.Add(1)
	}
	err := g.db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		for i, r := range batch {
			if err := r.ctx.Err(); err != nil {
				results[i] = err
				continue
			}
			if len(batch) == 1 {
				results[i] = r.fn(tx, now)
				return results[i]
			}
			if _, err := tx.ExecContext(ctx, "SAVEPOINT grouped"); err != nil {
				return err
			}
			results[i] = r.fn(tx, now)
			if results[i] != nil {
				if _, err := tx.ExecContext(ctx, "ROLLBACK TO grouped"); err != nil {
					return fmt.Errorf("undo one write of a group: %w", err)
				}
			}
			if _, err := tx.ExecContext(ctx, "RELEASE grouped"); err != nil {
				return err
			}
		}
		return nil
	})
	for i, r := range batch {
		switch {
		case len(batch) == 1:
			r.done <- err
		case results[i] != nil:
			r.done <- results[i] // its own failure: none of its writes stayed
		default:
			r.done <- err // nil once committed; else nothing of the batch is stored
		}
	}
}

func (g *groupWriter) close() {
	g.closing.Lock()
	if !g.closed {
		g.closed = true
		close(g.stop)
	}
	g.closing.Unlock()
	g.stopped.Wait()
}
