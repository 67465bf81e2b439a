package audit

import (
	"context"
	"crypto/sha256"
	"runtime"
	"sync"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// Verification reads every event ever written, and reading a row (the database
// driver's work) costs many times what chaining it does. So several readers, each on a
// connection of its own, read consecutive seq ranges and encode their events (body
// digest and entry) in parallel, and one goroutine chains the entries in order. At
// most a few ranges are in memory at once, whatever the trail's length.

// pipelineChunk is how many seq numbers one reader takes at a time.
const pipelineChunk = 16384

// entryChunk holds the encoded events of the seq range (lo, hi], in seq order.
type entryChunk struct {
	lo, hi   int64
	seqs     []int64
	ends     []int  // entries[ends[i-1]:ends[i]] is event i's entry
	entries  []byte // the events' entries, back to back
	hashEnds []int  // hashes[hashEnds[i-1]:hashEnds[i]] is event i's stored hash
	hashes   []byte
	err      error
}

func (c *entryChunk) reset() {
	c.seqs, c.ends, c.entries, c.hashEnds, c.hashes, c.err = c.seqs[:0], c.ends[:0], c.entries[:0], c.hashEnds[:0], c.hashes[:0], nil
}

func (c *entryChunk) entry(i int) []byte { return span(c.entries, c.ends, i) }

func (c *entryChunk) hash(i int) []byte { return span(c.hashes, c.hashEnds, i) }

func span(b []byte, ends []int, i int) []byte {
	start := 0
	if i > 0 {
		start = ends[i-1]
	}
	return b[start:ends[i]]
}

// readEntries reads the events with 0 < seq <= head and calls fn with each range's
// chunk, in seq order. fn must not keep the chunk. An error from fn stops the reading
// and is returned.
func readEntries(ctx context.Context, db *store.DB, head int64, fn func(*entryChunk) error) error {
	if head <= 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := min(max(runtime.GOMAXPROCS(0), 2), 4)
	// A fixed set of chunks goes round, so their buffers are grown once per verification
	// rather than per range (a sync.Pool would drop them at every collection).
	free := make(chan *entryChunk, 3*workers+1)
	for range cap(free) {
		free <- &entryChunk{entries: make([]byte, 0, pipelineChunk*128), hashes: make([]byte, 0, pipelineChunk*HashSize)}
	}
	type job struct {
		lo, hi int64
		out    chan *entryChunk
	}
	jobs := make(chan job)
	// order hands the consumer each range's result channel in seq order; its capacity
	// is how far the readers may run ahead.
	order := make(chan chan *entryChunk, 2*workers)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		defer close(order)
		for lo := int64(0); lo < head; lo += pipelineChunk {
			j := job{lo, min(lo+pipelineChunk, head), make(chan *entryChunk, 1)}
			select {
			case order <- j.out:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				c := <-free
				c.reset()
				c.err = ctx.Err()
				j.out <- c // the consumer waits on it
				return
			}
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var h recordHasher
			for j := range jobs {
				c := <-free
				c.reset()
				c.lo, c.hi = j.lo, j.hi
				c.err = c.read(ctx, db, &h)
				j.out <- c
			}
		}()
	}
	var err error
	for out := range order {
		c := <-out
		if err == nil {
			if err = c.err; err == nil {
				err = fn(c)
			}
			if err != nil {
				cancel()
			}
		}
		free <- c
	}
	wg.Wait()
	return err
}

// read fills the reset chunk with the chain entries and stored hashes of the events
// with lo < seq <= hi.
func (c *entryChunk) read(ctx context.Context, db *store.DB, h *recordHasher) error {
	return db.ScanSealedAudit(ctx, c.lo, c.hi, func(r *redress.AuditRecord) error {
		c.seqs = append(c.seqs, r.Seq)
		c.entries = h.enc.entry(c.entries, r.Seq, r.ID, h.occurredAt(r), nullOpt(r.ComplaintID),
			nullOpt(r.AgencyID), nullOpt(r.AgreementID), h.digest(r))
		c.ends = append(c.ends, len(c.entries))
		c.hashes = append(c.hashes, r.Hash...)
		c.hashEnds = append(c.hashEnds, len(c.hashes))
		return nil
	})
}

// chainer computes links from entries, in one reused buffer.
type chainer struct{ buf []byte }

func (c *chainer) link(prev, entry []byte) [HashSize]byte {
	c.buf = append(append(c.buf[:0], prev...), entry...)
	return sha256.Sum256(c.buf)
}
