// Package store keeps Redress's data in SQLite (the embedded default) or PostgreSQL,
// through bun. Dialect-specific SQL lives here and in migrations/, nowhere else; every
// state change is written in one transaction with its audit event.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lib/pq"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/migrate"
	"modernc.org/sqlite"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/migrations"
)

// Dialect names.
const (
	SQLite     = "sqlite"
	PostgreSQL = "postgres"
)

// DB is the database handle every store method hangs off.
type DB struct {
	bun     *bun.DB
	Dialect string
	// Now fixes the time of each transaction; tests replace it.
	Now func() time.Time
	// reads batches the audit records of reads (RecordRead).
	reads *auditBatcher
	// writeTurn queues this process's SQLite write transactions in Go, one at a time
	// (nil on PostgreSQL): SQLite takes one writer anyway, and waiting here wakes the
	// next writer the moment the last commits, where the busy handler sleeps and
	// retries. The busy timeout stays for writers in other processes.
	writeTurn   chan struct{}
	busyTimeout time.Duration
	// group commits SQLite's filings that queue together in one transaction (nil on
	// PostgreSQL; group_tx.go).
	group *groupWriter
	// stmts are the hot reads' prepared statements (prepared.go).
	stmts preparedStmts
	// filing caches what filing a complaint reads (filingcache.go).
	filing filingCache
	// choices keeps the filters' agency and agreement choices a minute (choices.go).
	choices choicesCache
	// MeasureLoc is the office's zone, where the oversight measures count business days
	// and months (nil: deadline.DefaultLocation); set it before Migrate, whose backfill
	// uses it (measures_rows.go).
	MeasureLoc *time.Location
	// byteOrder: text compares byte by byte (SQLite's BINARY; a PostgreSQL database
	// whose collation is C), so a range of values is a prefix (wherePrefix).
	byteOrder bool
}

// maxConns bounds each process's connections. PostgreSQL gives each its own backend
// process; SQLite reads in parallel under WAL but writes one at a time (writeTurn). On a
// few cores more connections only queue inside the database; see docs/deployment.md for
// many processes on one PostgreSQL.
const maxConns = 20

// DefaultBusyTimeout is how long a SQLite write waits for another writer's lock before
// it gives up and the request is answered 503: long enough to queue behind a burst of
// filings, short enough that a stuck lock is reported rather than hung on.
const DefaultBusyTimeout = 10 * time.Second

// Option changes how Open connects.
type Option func(*options)

type options struct{ busyTimeout, filingCache time.Duration }

// BusyTimeout sets how long a SQLite write waits for a lock held by another connection
// or process (zero or less: DefaultBusyTimeout). PostgreSQL ignores it.
func BusyTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.busyTimeout = d
		}
	}
}

// Open connects to the database named by dsn: a postgres:// URL, or a SQLite file path
// or sqlite: URL. An empty dsn means <dataDir>/redress.db.
func Open(ctx context.Context, dsn, dataDir string, opts ...Option) (*DB, error) {
	o := options{busyTimeout: DefaultBusyTimeout, filingCache: DefaultFilingCacheInterval}
	for _, opt := range opts {
		opt(&o)
	}
	var db *DB
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		conn, err := pq.NewConnector(dsn)
		if err != nil {
			return nil, err
		}
		sqldb := sql.OpenDB(outageConnector{conn})
		// Idle connections are kept up to the open limit: database/sql keeps 2 by default,
		// so under load each request beyond them opened a new connection (a new backend
		// process on PostgreSQL) and closed it again, with its prepared statements.
		sqldb.SetMaxOpenConns(maxConns)
		sqldb.SetMaxIdleConns(maxConns)
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
		db = &DB{bun: bun.NewDB(sqldb, pgdialect.New()), Dialect: PostgreSQL}
	default:
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "sqlite:")
		if path == "" {
			if err := os.MkdirAll(dataDir, 0o700); err != nil {
				return nil, fmt.Errorf("create data directory: %w", err)
			}
			path = filepath.Join(dataDir, "redress.db")
		}
		// WAL lets readers go on while one writer commits; the busy timeout makes
		// concurrent writers queue instead of failing; _txlock=immediate takes the write
		// lock at BEGIN so two read-then-write transactions cannot deadlock.
		// synchronous=FULL syncs the WAL at every commit: a complaint that got its 201
		// survives a power cut (NORMAL could lose the last commits; see
		// BenchmarkFileComplaint for the cost).
		q := url.Values{}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", o.busyTimeout.Milliseconds()))
		q.Add("_pragma", "foreign_keys(ON)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Set("_txlock", "immediate")
		conn, err := sqlite.NewConnector("file:" + path + "?" + q.Encode())
		if err != nil {
			return nil, err
		}
		sqldb := sql.OpenDB(outageConnector{conn})
		// As on PostgreSQL: opening a SQLite connection sets its pragmas and prepares its
		// statements again, so the pool keeps the connections it opened.
		sqldb.SetMaxOpenConns(maxConns)
		sqldb.SetMaxIdleConns(maxConns)
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
		db = &DB{bun: bun.NewDB(sqldb, sqlitedialect.New()), Dialect: SQLite,
			writeTurn: make(chan struct{}, 1), busyTimeout: o.busyTimeout}
	}
	db.Now = func() time.Time { return time.Now() }
	db.filing.interval = o.filingCache
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	var err error
	if db.byteOrder, err = db.textInByteOrder(ctx); err != nil {
		db.Close()
		return nil, err
	}
	db.reads = newAuditBatcher(db)
	if db.Dialect == SQLite {
		db.group = newGroupWriter(db)
	}
	return db, nil
}

// textInByteOrder tells whether the database compares text byte by byte: always on
// SQLite; on PostgreSQL when the database's collation is C (C, POSIX, C.UTF-8) and
// text does compare so (an ICU default could say otherwise): "a.z" < "a/", which a
// collation that skips punctuation at first (en_US) gets the other way round.
func (db *DB) textInByteOrder(ctx context.Context) (bool, error) {
	if db.Dialect != PostgreSQL {
		return true, nil
	}
	var collate string
	var bytewise bool
	err := db.bun.QueryRowContext(ctx, `SELECT datcollate, 'a.z' < 'a/' AND 'A' < 'a' AND 'a_b' < 'ab'
		FROM pg_database WHERE datname = current_database()`).Scan(&collate, &bytewise)
	if err != nil {
		return false, fmt.Errorf("read the database's collation: %w", err)
	}
	return bytewise && slices.Contains([]string{"C", "POSIX", "C.UTF-8", "C.utf8"}, collate), nil
}

// Close writes the read records still queued, then closes the connections.
func (db *DB) Close() error {
	if db.group != nil {
		db.group.close()
	}
	if db.reads != nil {
		db.reads.close()
	}
	db.closePrepared()
	return db.bun.Close()
}

// Ping tells whether the database answers; /readyz uses it.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.bun.PingContext(ctx); err != nil {
		return fmt.Errorf("database does not answer: %w", err)
	}
	return nil
}

// Migrate applies every migration not yet applied. On PostgreSQL an advisory lock makes
// several processes starting at once take turns.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	var fsys fs.FS = migrations.SQLite
	dir := "sqlite"
	if db.Dialect == PostgreSQL {
		fsys, dir = migrations.PostgreSQL, "postgres"
		conn, err := db.bun.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		const lockID = 287_0001 // any constant; shared by every Redress process
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", lockID); err != nil {
			return nil, fmt.Errorf("take migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", lockID)
	}
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return nil, err
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(sub); err != nil {
		return nil, err
	}
	m := migrate.NewMigrator(db.bun, ms, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("init migrations: %w", err)
	}
	group, err := m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var applied []string
	for _, mg := range group.Migrations {
		applied = append(applied, mg.Name+"_"+mg.Comment)
	}
	// Oversight measures (migration 150): rows for complaints stored before it.
	if _, err := db.backfillMeasures(ctx); err != nil {
		return applied, err
	}
	// Early warning: officer keys for complaints filed before they were kept.
	if err := db.fillOfficerKeys(ctx); err != nil {
		return applied, fmt.Errorf("fill officer keys: %w", err)
	}
	return applied, nil
}

// inTx runs fn in one transaction with a fixed "now", committing only if fn succeeds.
func (db *DB) inTx(ctx context.Context, fn func(tx bun.Tx, now time.Time) error) error {
	done, err := db.writeLock(ctx)
	if err != nil {
		return err
	}
	defer done()
	now := db.Now().UTC().Truncate(time.Microsecond)
	return db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// The oversight measures of the complaints fn changed, recomputed before commit.
		return db.withMeasures(ctx, tx, func() error { return fn(tx, now) })
	})
}

// writeLock waits for this process's turn to write (SQLite; at once on PostgreSQL) and
// returns what ends it. The queue is bounded by the busy timeout but never by less than
// DefaultBusyTimeout: a short busy timeout is about other processes' locks, and a burst
// of this process's own filings queues in order rather than failing. A turn not had
// within it is an outage, as a lock not had within the busy timeout always was. A write
// transaction must not wait for another turn inside its own (it would wait for itself).
func (db *DB) writeLock(ctx context.Context) (func(), error) {
	if db.writeTurn == nil {
		return func() {}, nil
	}
	wait := max(db.busyTimeout, DefaultBusyTimeout)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case db.writeTurn <- struct{}{}:
		return func() { <-db.writeTurn }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-timer.C:
		return nil, errUnavailable(fmt.Errorf("no turn to write within %s", wait))
	}
}

// notFound maps "no rows" to the domain's not_found; anything else passes through.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return redress.Errorf(redress.ENOTFOUND, "%s not found.", what)
	}
	return err
}

// Bun exposes the handle to tests in this module that must reach under the API, such
// as checking that the audit triggers refuse changes.
func (db *DB) Bun() *bun.DB { return db.bun }
