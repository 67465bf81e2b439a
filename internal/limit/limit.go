// Package limit keeps clients to rates (complaints filed, wrong receipts, failed
// sign-ins) with counts kept in the database, so every process shares them and a
// restart keeps them. A client is named by a keyed hash, never by its address.
package limit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// Scopes: what is counted.
const (
	Filing  = "filing"  // complaints filed from one client
	Receipt = "receipt" // wrong receipts from one client for one tracking number
	Login   = "login"   // failed sign-ins from one client
)

// Pruning of ended windows: at most once a minute per process, in batches, and never
// more than pruneBatches of them at a time so no request waits long behind it.
const (
	pruneEvery   = time.Minute
	pruneBatch   = 500
	pruneBatches = 10
)

// Limiter counts hits in the database. Make one with New.
type Limiter struct {
	db      *store.DB
	key     []byte
	now     func() time.Time
	log     *slog.Logger
	pruneAt atomic.Int64 // Unix milliseconds of the next prune
}

// New returns a limiter whose keys are HMACs under key: the same key in every process
// and across restarts is what lets them share and keep counts.
func New(db *store.DB, key []byte, now func() time.Time, log *slog.Logger) *Limiter {
	return &Limiter{db: db, key: key, now: now, log: log}
}

// Key names what a client did in scope (its address, a tracking number…) without
// keeping it: a limits table must not become a list of who tried what.
func (l *Limiter) Key(scope string, parts ...string) string {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte(scope))
	for _, p := range parts {
		m.Write([]byte{0})
		m.Write([]byte(p))
	}
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// Take counts one hit of key under rate. Over the rate it counts nothing and returns
// how long the client must wait (more than zero). An off rate always lets it through.
func (l *Limiter) Take(ctx context.Context, scope, key string, rate redress.Rate) (time.Duration, error) {
	if rate.Off() {
		return 0, nil
	}
	now := l.now()
	l.prune(ctx, now)
	ok, reset, err := l.db.TakeLimit(ctx, scope, key, rate.N, rate.Per, now)
	if err != nil || ok {
		return 0, err
	}
	return wait(reset, now), nil
}

// Wait returns how long key must wait before it may try again: more than zero once
// rate.N hits fall in its window. It writes nothing, so a client that is refused
// costs a read.
func (l *Limiter) Wait(ctx context.Context, scope, key string, rate redress.Rate) (time.Duration, error) {
	if rate.Off() {
		return 0, nil
	}
	now := l.now()
	hits, reset, err := l.db.LimitHits(ctx, scope, key, now)
	if err != nil || hits < rate.N {
		return 0, err
	}
	return wait(reset, now), nil
}

// wait is at least a second: the window may end between the statements that found the
// client over and read its end.
func wait(reset, now time.Time) time.Duration {
	return max(reset.Sub(now), time.Second)
}

// prune deletes ended windows once the time for it has come, in this process.
func (l *Limiter) prune(ctx context.Context, now time.Time) {
	next := l.pruneAt.Load()
	if now.UnixMilli() < next || !l.pruneAt.CompareAndSwap(next, now.Add(pruneEvery).UnixMilli()) {
		return
	}
	for range pruneBatches {
		n, err := l.db.PruneLimits(ctx, now, pruneBatch)
		if err != nil {
			l.log.Warn("pruning ended rate-limit windows", "err", err)
			return
		}
		if n < pruneBatch {
			return
		}
	}
}
