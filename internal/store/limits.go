package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// A rate limit counts hits of a key (a keyed hash naming a client) within a scope in a
// fixed window that starts at the key's first hit. Every process on the database sees
// the same counts, and a restart forgets none.

// TakeLimit counts one hit of key, unless max hits already fall in the key's current
// window: then it writes nothing and returns ok false. resetAt is when the window ends.
// One statement, so concurrent hits from several processes are counted one by one.
func (db *DB) TakeLimit(ctx context.Context, scope, key string, max int, window time.Duration, now time.Time) (ok bool, resetAt time.Time, err error) {
	at, end := now.UnixMilli(), now.Add(window).UnixMilli()
	var hits int
	var reset int64
	err = db.bun.NewRaw(`INSERT INTO rate_limits (scope, key_hash, hits, reset_at) VALUES (?, ?, 1, ?)
ON CONFLICT (scope, key_hash) DO UPDATE SET
  hits = CASE WHEN rate_limits.reset_at <= ? THEN 1 ELSE rate_limits.hits + 1 END,
  reset_at = CASE WHEN rate_limits.reset_at <= ? THEN excluded.reset_at ELSE rate_limits.reset_at END
WHERE rate_limits.reset_at <= ? OR rate_limits.hits < ?
RETURNING hits, reset_at`, scope, key, end, at, at, at, max).Scan(ctx, &hits, &reset)
	if errors.Is(err, sql.ErrNoRows) {
		// Over the limit: the update was skipped. Read when the window ends.
		_, resetAt, err = db.LimitHits(ctx, scope, key, now)
		return false, resetAt, err
	} else if err != nil {
		return false, time.Time{}, err
	}
	return true, time.UnixMilli(reset).UTC(), nil
}

// LimitHits returns the hits of key in its current window and when the window ends;
// none when it has ended. It writes nothing.
func (db *DB) LimitHits(ctx context.Context, scope, key string, now time.Time) (hits int, resetAt time.Time, err error) {
	var reset int64
	err = db.queryRowPrepared(ctx, "SELECT hits, reset_at FROM rate_limits WHERE scope = ? AND key_hash = ? AND reset_at > ?",
		[]any{scope, key, now.UnixMilli()}, &hits, &reset)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil
	} else if err != nil {
		return 0, time.Time{}, err
	}
	return hits, time.UnixMilli(reset).UTC(), nil
}

// PruneLimits deletes up to batch keys whose window ended before now, and returns how
// many it deleted, so a caller can stop once a batch comes back short.
func (db *DB) PruneLimits(ctx context.Context, now time.Time, batch int) (int64, error) {
	res, err := db.bun.NewRaw(`DELETE FROM rate_limits WHERE (scope, key_hash) IN
  (SELECT scope, key_hash FROM rate_limits WHERE reset_at <= ? LIMIT ?)`, now.UnixMilli(), batch).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
