package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"reflect"
	"strings"
	"syscall"
	"time"

	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/redress-oversight/redress/internal/redress"
)

// An outage (PostgreSQL gone, SQLite locked, a full disk) must reach the caller as
// EUNAVAILABLE, a 503 that says "nothing was stored, try again", not as the 500 of a
// bug. The driver's errors are classified where they leave the driver, so every query
// of the store, today's and tomorrow's, maps them without a call of its own: the
// connections database/sql opens are wrapped, and only errors that mean "the database
// cannot take this now" are replaced; every other error passes through untouched.

// outageRetryAfter is the wait an outage asks of callers: a lock released or a
// connection back is usually there by then, and a person sending a form again waits
// no longer than that.
const outageRetryAfter = 30 * time.Second

// errUnavailable is the domain error an outage becomes: EUNAVAILABLE, as for any work
// that cannot be taken on now, with a message of its own (the database, not a busy
// bound) and a longer wait; the cause stays for the log.
func errUnavailable(cause error) error {
	return &redress.Error{Code: redress.EUNAVAILABLE, Key: "error.database_unavailable",
		Message: "The database cannot take requests right now; nothing was stored. Try again shortly.",
		Err:     cause, RetryAfter: outageRetryAfter}
}

// unavailable maps an outage to EUNAVAILABLE and returns any other error as it is.
func unavailable(err error) error {
	if err == nil || !isOutage(err) {
		return err
	}
	return errUnavailable(err)
}

// isOutage tells whether err means the database cannot serve now, though the request
// itself was fine.
func isOutage(err error) bool {
	var re *redress.Error
	if errors.As(err, &re) {
		return false // already classified
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pgOutage(pe.SQLState())
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary code; extended codes carry detail above it
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR,
			sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PROTOCOL:
			return true
		}
		return false
	}
	// Network failures on the way to PostgreSQL. A context's deadline is not one: it
	// is the caller's limit, whatever the database's state.
	var oe *net.OpError
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ENOSPC),
		errors.As(err, &oe):
		return true
	}
	return false
}

// pgOutage tells whether a PostgreSQL SQLSTATE means the server cannot serve now:
// class 08 connection exceptions, class 53 insufficient resources (53100 disk full,
// 53200 out of memory, 53300 too many connections), the shutdown and start-up states of
// 57P01-57P03, and 58030 io_error.
func pgOutage(state string) bool {
	switch {
	case strings.HasPrefix(state, "08"), strings.HasPrefix(state, "53"):
		return true
	}
	switch state {
	case "57P01", "57P02", "57P03", "58030":
		return true
	}
	return false
}

// passThrough are the driver's signals to database/sql, compared with ==: never wrapped.
func passThrough(err error) bool {
	return err == nil || err == driver.ErrSkip || err == driver.ErrRemoveArgument || err == io.EOF
}

func classify(err error) error {
	if passThrough(err) {
		return err
	}
	return unavailable(err)
}

// outageConnector wraps the driver's connector so every connection maps outages.
type outageConnector struct{ driver.Connector }

func (c outageConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, classify(err)
	}
	return &outageConn{dc}, nil
}

// Close lets sql.DB.Close reach a connector that holds resources.
func (c outageConnector) Close() error {
	if cl, ok := c.Connector.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

// outageConn forwards every optional interface both drivers implement (a wrapper that
// hid them would make database/sql fall back to methods without a context) and
// classifies the errors that come back.
type outageConn struct{ driver.Conn }

// Unwrap lets a driver find its own connection under the wrapper.
func (c *outageConn) Unwrap() driver.Conn { return c.Conn }

func (c *outageConn) Prepare(query string) (driver.Stmt, error) {
	st, err := c.Conn.Prepare(query)
	if err != nil {
		return nil, classify(err)
	}
	return &outageStmt{st}, nil
}

func (c *outageConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	pc, ok := c.Conn.(driver.ConnPrepareContext)
	if !ok {
		return c.Prepare(query)
	}
	st, err := pc.PrepareContext(ctx, query)
	if err != nil {
		return nil, classify(err)
	}
	return &outageStmt{st}, nil
}

func (c *outageConn) Begin() (driver.Tx, error) {
	tx, err := c.Conn.Begin() //nolint:staticcheck // the context-free fallback database/sql may call
	if err != nil {
		return nil, classify(err)
	}
	return outageTx{tx}, nil
}

func (c *outageConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	bt, ok := c.Conn.(driver.ConnBeginTx)
	if !ok {
		return c.Begin()
	}
	tx, err := bt.BeginTx(ctx, opts)
	if err != nil {
		return nil, classify(err)
	}
	return outageTx{tx}, nil
}

func (c *outageConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	ex, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	res, err := ex.ExecContext(ctx, query, args)
	return res, classify(err)
}

func (c *outageConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	rows, err := q.QueryContext(ctx, query, args)
	if err != nil {
		return nil, classify(err)
	}
	return &outageRows{rows}, nil
}

func (c *outageConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return classify(p.Ping(ctx))
	}
	return nil
}

// ResetSession's driver.ErrBadConn tells database/sql to drop the connection: it
// passes as it is.
func (c *outageConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *outageConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *outageConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip // database/sql's own conversion
}

type outageTx struct{ driver.Tx }

func (t outageTx) Commit() error   { return classify(t.Tx.Commit()) }
func (t outageTx) Rollback() error { return classify(t.Tx.Rollback()) }

type outageStmt struct{ driver.Stmt }

func (s *outageStmt) Exec(args []driver.Value) (driver.Result, error) {
	res, err := s.Stmt.Exec(args) //nolint:staticcheck // the context-free fallback
	return res, classify(err)
}

func (s *outageStmt) Query(args []driver.Value) (driver.Rows, error) {
	rows, err := s.Stmt.Query(args) //nolint:staticcheck // the context-free fallback
	if err != nil {
		return nil, classify(err)
	}
	return &outageRows{rows}, nil
}

func (s *outageStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	ex, ok := s.Stmt.(driver.StmtExecContext)
	if !ok {
		vals, err := namedToValues(args)
		if err != nil {
			return nil, err
		}
		return s.Exec(vals)
	}
	res, err := ex.ExecContext(ctx, args)
	return res, classify(err)
}

func (s *outageStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := s.Stmt.(driver.StmtQueryContext)
	if !ok {
		vals, err := namedToValues(args)
		if err != nil {
			return nil, err
		}
		return s.Query(vals)
	}
	rows, err := q.QueryContext(ctx, args)
	if err != nil {
		return nil, classify(err)
	}
	return &outageRows{rows}, nil
}

func (s *outageStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func namedToValues(named []driver.NamedValue) ([]driver.Value, error) {
	out := make([]driver.Value, len(named))
	for i, nv := range named {
		if nv.Name != "" {
			return nil, errors.New("store: the driver does not take named arguments")
		}
		out[i] = nv.Value
	}
	return out, nil
}

// outageRows classifies an error met while reading (a connection cut mid-result) and
// forwards the column descriptions both drivers give.
type outageRows struct{ driver.Rows }

func (r *outageRows) Next(dest []driver.Value) error { return classify(r.Rows.Next(dest)) }

func (r *outageRows) HasNextResultSet() bool {
	if n, ok := r.Rows.(driver.RowsNextResultSet); ok {
		return n.HasNextResultSet()
	}
	return false
}

func (r *outageRows) NextResultSet() error {
	if n, ok := r.Rows.(driver.RowsNextResultSet); ok {
		return classify(n.NextResultSet())
	}
	return io.EOF
}

func (r *outageRows) ColumnTypeScanType(i int) reflect.Type {
	if c, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return c.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *outageRows) ColumnTypeDatabaseTypeName(i int) string {
	if c, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return c.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *outageRows) ColumnTypeLength(i int) (int64, bool) {
	if c, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return c.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *outageRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if c, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return c.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *outageRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if c, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return c.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}
