package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The bare limit: what the database itself allows for the rows one filing writes, with
// nothing of Redress around it (no validation, routing, sealing, audit encoding or HTTP).
// The bench command measures filing against it in the same run, so a ratio says how much
// of the database's speed the service keeps. It writes into a database of its own,
// migrated like the real one, so the real trail and queue never hold its rows.

// BareDB is a scratch database with Redress's schema, for the bare limit.
type BareDB struct {
	db      *DB
	sql     *sql.DB
	dialect string
	drop    func() error
	// SQLite takes one writer at a time: the loop queues writers here, in Go, rather
	// than in the busy handler's sleep-and-retry.
	write sync.Mutex
	seq   atomic.Int64
	stmts []*sql.Stmt
}

// OpenBare creates a scratch database beside the one dsn names (a new database on the
// same PostgreSQL server; a new file in the same directory for SQLite), migrates it and
// returns it. Close drops it.
func OpenBare(ctx context.Context, dsn, dataDir string) (*BareDB, error) {
	suffix := make([]byte, 4)
	rand.Read(suffix)
	name := "redress_bare_" + hex.EncodeToString(suffix)
	var bareDSN string
	var drop func() error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		admin, err := Open(ctx, dsn, dataDir)
		if err != nil {
			return nil, err
		}
		if _, err := admin.bun.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			admin.Close()
			return nil, fmt.Errorf("bare limit: create database %s: %w", name, err)
		}
		u, err := url.Parse(dsn)
		if err != nil {
			admin.Close()
			return nil, err
		}
		u.Path = "/" + name
		q := u.Query()
		q.Del("search_path") // the scratch database has only the public schema
		u.RawQuery = q.Encode()
		bareDSN = u.String()
		drop = func() error {
			defer admin.Close()
			_, err := admin.bun.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			return err
		}
	} else {
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "sqlite:")
		dir := dataDir
		if path != "" {
			dir = filepath.Dir(path)
		}
		bareDSN = filepath.Join(dir, name+".db")
		drop = func() error {
			for _, ext := range []string{"", "-wal", "-shm"} {
				os.Remove(bareDSN + ext)
			}
			return nil
		}
	}
	db, err := Open(ctx, bareDSN, dataDir)
	if err == nil {
		_, err = db.Migrate(ctx)
		if err != nil {
			db.Close()
		}
	}
	if err != nil {
		drop()
		return nil, err
	}
	b := &BareDB{db: db, sql: db.bun.DB, dialect: db.Dialect, drop: drop}
	for _, q := range b.rebind(bareFiling) {
		st, err := b.sql.PrepareContext(ctx, q)
		if err != nil {
			b.Close()
			return nil, fmt.Errorf("bare limit: prepare: %w", err)
		}
		b.stmts = append(b.stmts, st)
	}
	return b, nil
}

// Close closes the scratch database and drops it.
func (b *BareDB) Close() error {
	for _, st := range b.stmts {
		st.Close()
	}
	b.db.Close()
	return b.drop()
}

// bareFiling is what a filing with an email address writes: the complaint, one
// function, two allegations, its first status, three clocks, the receipt email and
// the "filed" audit event, one INSERT per table.
var bareFiling = []string{
	`INSERT INTO complaints (tracking_number, receipt_hash, received_at, language, channel, incident_date,
		state, agency_other, narrative, officers, filer, anonymous, identity_sealed, consent, status,
		status_changed_at, unit, priority, attribution)
	 VALUES (?, ?, ?, 'en', 'web', ?, 'TX', 'Harris County Sheriff', ?, 'Deputy Ruiz, badge 4471', 'self', FALSE, ?,
		'crcl', 'received', ?, 'tx', 'normal', 'none') RETURNING id`,
	`INSERT INTO complaint_functions (complaint_id, function) VALUES (?, 'detainer')`,
	`INSERT INTO allegations (complaint_id, category) VALUES (?, 'held_past_release'), (?, 'no_interpreter')`,
	`INSERT INTO complaint_status_changes (complaint_id, status, changed_at) VALUES (?, 'received', ?)`,
	`INSERT INTO complaint_clocks (complaint_id, clock, started_at, due_at) VALUES (?, 'acknowledge', ?, ?), (?, 'triage', ?, ?), (?, 'resolve', ?, ?)`,
	`INSERT INTO outbox (message_key, kind, language, recipient_sealed, subject, body, complaint_id, created_at, next_attempt_at)
	 VALUES (?, 'receipt', 'en', ?, 'Your complaint was received', ?, ?, ?, ?)`,
	`INSERT INTO audit_events (occurred_at, actor, actor_role, action, complaint_id, request_id, details)
	 VALUES (?, 'public', 'complainant', 'complaint.filed', ?, ?, ?)`,
}

// rebind turns ? placeholders into PostgreSQL's $n.
func (b *BareDB) rebind(stmts []string) []string {
	if b.dialect != PostgreSQL {
		return stmts
	}
	out := make([]string, len(stmts))
	for i, s := range stmts {
		out[i] = numberPlaceholders(s)
	}
	return out
}

const bareNarrative = "I was held at the county jail for two days after the judge ordered my release. " +
	"The officers said it was because of an ICE hold but never showed me any paper, and nobody " +
	"explained in Spanish what was happening. My family called the jail many times and was told " +
	"to wait. When I was finally let go my belongings were missing and the release form had the " +
	"wrong date on it."

// File writes one filing's rows in one transaction, the way a bare database/sql program
// would: prepared statements, no ORM, no other reads.
func (b *BareDB) File(ctx context.Context) error {
	if b.dialect == SQLite {
		b.write.Lock()
		defer b.write.Unlock()
	}
	seq := b.seq.Add(1)
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], uint64(seq))
	receipt := sha256.Sum256(buf[:])
	sealed := make([]byte, 120)
	copy(sealed, receipt[:])
	now := time.Now().UTC().Truncate(time.Microsecond)
	tracking := fmt.Sprintf("BARE-%d-%d", os.Getpid(), seq)

	tx, err := b.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var id int64
	if err := tx.StmtContext(ctx, b.stmts[0]).QueryRowContext(ctx, tracking, receipt[:], now, now.AddDate(0, 0, -3).Format(time.DateOnly),
		bareNarrative, sealed, now).Scan(&id); err != nil {
		return err
	}
	day := 24 * time.Hour
	for i, args := range [][]any{
		{id},
		{id, id},
		{id, now},
		{id, now, now.Add(3 * day), id, now, now.Add(10 * day), id, now, now.Add(90 * day)},
		{tracking + "/receipt", sealed, bareNarrative, id, now, now},
		{now, id, tracking, `{"channel":"web","language":"en","categories":["held_past_release","no_interpreter"]}`},
	} {
		if _, err := tx.StmtContext(ctx, b.stmts[i+1]).ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Filed counts the filings written, as the database holds them.
func (b *BareDB) Filed(ctx context.Context) (complaints, rows int64, err error) {
	for _, table := range []string{"complaints", "complaint_functions", "allegations", "complaint_status_changes",
		"complaint_clocks", "outbox", "audit_events"} {
		var n int64
		q := "SELECT count(*) FROM " + table
		if table == "audit_events" {
			q += " WHERE action = 'complaint.filed'" // the migration's own event is not a filing's
		}
		if err := b.sql.QueryRowContext(ctx, q).Scan(&n); err != nil {
			return 0, 0, err
		}
		if table == "complaints" {
			complaints = n
		}
		rows += n
	}
	return complaints, rows, nil
}
