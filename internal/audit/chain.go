package audit

import "github.com/redress-oversight/redress/internal/redress"

// Chain extends the hash chain from its head exactly as the sealer does, for a writer
// that stores events already sealed: the data generator (internal/seed) seals the
// millions of events it writes as it writes them, where sealing them afterwards would
// write every row twice. `redress audit verify` checks the result like any other.
type Chain struct {
	h    recordHasher
	seq  int64
	hash []byte
}

// NewChain continues after the event sealed at seq with hash (0 and nil: the chain is
// empty).
func NewChain(seq int64, hash []byte) *Chain {
	if seq == 0 {
		hash = make([]byte, HashSize)
	}
	return &Chain{seq: seq, hash: append([]byte(nil), hash...)}
}

// Seal gives r the next place in the chain and returns it with r's hash. r must be the
// event as the database will give it back (times in microseconds, UTC).
func (c *Chain) Seal(r *redress.AuditRecord) (seq int64, hash []byte) {
	c.seq++
	link := c.h.link(c.hash, r, c.seq)
	c.hash = link[:]
	return c.seq, c.hash
}

// Head is the last place sealed and its hash.
func (c *Chain) Head() (int64, []byte) { return c.seq, c.hash }
