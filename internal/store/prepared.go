package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
)

// A few reads run on every complainant's status check and every status-page form: the
// receipt lookup, the steps of a complaint and the wrong-receipt counter. Bun writes the
// values into the SQL text, so the database parses and plans each of them anew; on
// SQLite the parser alone was a third of a status check's CPU. These reads go through
// statements prepared once (database/sql prepares each again on every connection it
// uses, once) and scan with bun, so the columns map exactly as bun's own queries do.

// preparedStmts holds the prepared statements, one per query text.
type preparedStmts struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// prepared returns the statement for query, written with ? placeholders on both
// dialects (the text must hold no other question mark); PostgreSQL's are numbered here.
func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	if st, ok := db.stmts.m[query]; ok {
		return st, nil
	}
	text := query
	if db.Dialect == PostgreSQL {
		text = numberPlaceholders(query)
	}
	st, err := db.bun.DB.PrepareContext(ctx, text)
	if err != nil {
		return nil, err
	}
	if db.stmts.m == nil {
		db.stmts.m = map[string]*sql.Stmt{}
	}
	db.stmts.m[query] = st
	return st, nil
}

// queryPrepared runs a prepared read with args and scans its rows into dest as bun would
// (a model, a slice of models, or one value per column).
func (db *DB) queryPrepared(ctx context.Context, query string, args []any, dest ...any) error {
	rows, err := db.runPrepared(ctx, query, args)
	if err != nil {
		return err
	}
	return db.bun.ScanRows(ctx, rows, dest...)
}

// runPrepared runs the prepared statement of query with args.
func (db *DB) runPrepared(ctx context.Context, query string, args []any) (*sql.Rows, error) {
	st, err := db.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// queryRowPrepared is queryPrepared for one row: none is sql.ErrNoRows.
func (db *DB) queryRowPrepared(ctx context.Context, query string, args []any, dest ...any) error {
	rows, err := db.runPrepared(ctx, query, args)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := db.bun.ScanRow(ctx, rows, dest...); err != nil {
		return err
	}
	return rows.Close()
}

// closePrepared closes the statements, before the connections.
func (db *DB) closePrepared() {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	for _, st := range db.stmts.m {
		st.Close()
	}
	db.stmts.m = nil
}

// numberPlaceholders turns each ? into $1, $2, … for PostgreSQL.
func numberPlaceholders(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
