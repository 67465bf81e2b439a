package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/redress-oversight/redress/internal/redress"
)

// The reading side of the audit trail: the state the sealer and verifier start from,
// checkpoints, and the chunked raw scan of sealed events. Like audit_seal.go, these
// queries use database/sql directly, scanning into reused buffers, because verification
// reads every event ever written.

const auditColumns = "id, seq, occurred_at, actor, actor_role, action, complaint_id, agency_id, agreement_id, request_id, details, hash"

// sqliteAuditColumns reads occurred_at as plain text: the driver would otherwise try
// its list of time layouts on every row, a quarter of a verification's time, where
// parseTimeText reads bun's one layout directly.
const sqliteAuditColumns = "id, seq, CAST(occurred_at AS TEXT), actor, actor_role, action, complaint_id, agency_id, agreement_id, request_id, details, hash"

// pgRawAuditColumns is what the raw scan asks PostgreSQL for: every column in the binary
// form lib/pq reads without converting (it asks for binary results of bytea and integer
// columns only). The time comes as its 8-byte binary form, microseconds since 2000,
// instead of text the server formats and the client parses; texts come as their bytes,
// which the client reads in place instead of copying each into a new string. The
// functions are pg_catalog's own, never one a schema on the search path could shadow.
const pgRawAuditColumns = "id, seq, pg_catalog.timestamptz_send(occurred_at), pg_catalog.textsend(actor), " +
	"pg_catalog.textsend(actor_role), pg_catalog.textsend(action), complaint_id, agency_id, agreement_id, " +
	"pg_catalog.textsend(request_id), pg_catalog.textsend(details), hash"

// pgEpochMicros is where PostgreSQL's binary timestamps count from, 2000-01-01 UTC, in
// Unix microseconds.
const pgEpochMicros = 946_684_800_000_000

// scanPGBinary reads timestamptz_send's 8 bytes, as the text path would read the
// server's text: infinity, which no time.Time holds, as its text.
func (v *auditTime) scanPGBinary(b []byte) bool {
	if len(b) != 8 {
		return false
	}
	v.t, v.text = time.Time{}, ""
	switch us := int64(binary.BigEndian.Uint64(b)); us {
	case math.MaxInt64:
		v.text = "infinity"
	case math.MinInt64:
		v.text = "-infinity"
	default:
		v.t = time.UnixMicro(us + pgEpochMicros).UTC()
	}
	return true
}

func (db *DB) auditColumns() string {
	if db.Dialect == SQLite {
		return sqliteAuditColumns
	}
	return auditColumns
}

// auditChunk bounds each query of a long scan, so neither database holds one snapshot
// (PostgreSQL's xmin, SQLite's WAL) for the whole of a million-row verification.
const auditChunk = 20000

// sqlDB is the pool under bun, for the raw audit queries.
func (db *DB) sqlDB() *sql.DB { return db.bun.DB }

// rebind turns ? placeholders into PostgreSQL's $n. The raw audit queries hold no
// question marks in literals.
func (db *DB) rebind(q string) string {
	if db.Dialect != PostgreSQL {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// timeArg passes a time the way the column stores it: the SQLite driver would write
// time.Time.String(), which neither sorts nor reads back as a time, so SQLite gets bun's
// own text form (UTC, so text order is time order).
func (db *DB) timeArg(t time.Time) any {
	if db.Dialect == SQLite {
		return t.UTC().Format("2006-01-02 15:04:05.999999-07:00")
	}
	return t.UTC()
}

type auditQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// auditScanner reads audit rows into one reused record. RawBytes destinations let the
// PostgreSQL driver hand over its buffer and the SQLite driver reuse ours.
type auditScanner struct {
	rec                                     redress.AuditRecord
	seq, complaint, agency, agreement       sql.NullInt64
	at                                      auditTime
	actor, role, action, req, details, hash sql.RawBytes
	dest                                    []any
}

func newAuditScanner() *auditScanner {
	s := &auditScanner{}
	s.dest = []any{&s.rec.ID, &s.seq, &s.at, &s.actor, &s.role, &s.action,
		&s.complaint, &s.agency, &s.agreement, &s.req, &s.details, &s.hash}
	return s
}

func (s *auditScanner) scan(rows *sql.Rows) (*redress.AuditRecord, error) {
	if err := rows.Scan(s.dest...); err != nil {
		return nil, err
	}
	r := &s.rec
	r.Seq = s.seq.Int64
	r.ComplaintID, r.AgencyID, r.AgreementID = optional(s.complaint), optional(s.agency), optional(s.agreement)
	r.OccurredAt, r.OccurredAtText = s.at.t, s.at.text
	r.Actor, r.ActorRole, r.Action = s.actor, s.role, s.action
	r.RequestID, r.Details = s.req, s.details
	r.Hash = nil
	if s.hash != nil {
		r.Hash = s.hash
	}
	return r, nil
}

// optional is a nullable column as the domain holds it.
func optional(n sql.NullInt64) redress.OptionalInt {
	return redress.OptionalInt{Int64: n.Int64, Valid: n.Valid}
}

// auditTime accepts what either driver gives for a timestamp column: a time, or text
// when SQLite could not read it as one (a subquery, or a value written by hand).
type auditTime struct {
	t    time.Time
	text string
}

var sqliteTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

func (v *auditTime) Scan(src any) error {
	v.t, v.text = time.Time{}, ""
	switch x := src.(type) {
	case nil:
	case time.Time:
		v.t = x
	case string:
		v.parse(x)
	case []byte:
		v.parse(string(x))
	default:
		v.text = fmt.Sprint(x)
	}
	return nil
}

func (v *auditTime) parse(s string) {
	if t, ok := parseTimeText(s); ok {
		v.t = t
		return
	}
	for _, layout := range sqliteTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			v.t = t
			return
		}
	}
	v.text = s
}

// AuditState reads the head of the chain, whether anything waits to be sealed, and the
// newest checkpoint's id.
func (db *DB) AuditState(ctx context.Context) (AuditState, error) {
	var head, cpID sql.NullInt64
	var unsealed bool
	err := db.sqlDB().QueryRowContext(ctx, `SELECT
		(SELECT max(seq) FROM audit_events),
		EXISTS (SELECT 1 FROM audit_events WHERE seq IS NULL),
		(SELECT max(id) FROM audit_checkpoints)`).Scan(&head, &unsealed, &cpID)
	if err != nil {
		return AuditState{}, fmt.Errorf("audit state: %w", err)
	}
	return AuditState{HeadSeq: head.Int64, AnyUnsealed: unsealed, CheckpointMaxID: cpID.Int64}, nil
}

// CountUnsealedAudit counts events the sealer has not reached yet.
func (db *DB) CountUnsealedAudit(ctx context.Context) (int64, error) {
	var n int64
	err := db.sqlDB().QueryRowContext(ctx, "SELECT count(*) FROM audit_events WHERE seq IS NULL").Scan(&n)
	return n, err
}

// LastAuditCheckpoint returns the checkpoint with the highest seq; ok is false before
// the first.
func (db *DB) LastAuditCheckpoint(ctx context.Context) (AuditCheckpoint, bool, error) {
	return lastCheckpoint(ctx, db.sqlDB())
}

func lastCheckpoint(ctx context.Context, q auditQuerier) (AuditCheckpoint, bool, error) {
	cps, err := queryCheckpoints(ctx, q, "SELECT id, seq, hash, signed_at, key_id, public_key, signature FROM audit_checkpoints ORDER BY seq DESC, id DESC LIMIT 1")
	if err != nil || len(cps) == 0 {
		return AuditCheckpoint{}, false, err
	}
	return cps[0], true, nil
}

// AuditCheckpoints returns up to limit checkpoints with seq > afterSeq, by seq. maxID,
// when not 0, leaves out checkpoints added after a scan began.
func (db *DB) AuditCheckpoints(ctx context.Context, afterSeq, maxID int64, limit int) ([]AuditCheckpoint, error) {
	q := "SELECT id, seq, hash, signed_at, key_id, public_key, signature FROM audit_checkpoints WHERE seq > ?"
	args := []any{afterSeq}
	if maxID > 0 {
		q += " AND id <= ?"
		args = append(args, maxID)
	}
	q += " ORDER BY seq, id LIMIT ?"
	args = append(args, limit)
	return queryCheckpoints(ctx, db.sqlDB(), db.rebind(q), args...)
}

func queryCheckpoints(ctx context.Context, q auditQuerier, query string, args ...any) ([]AuditCheckpoint, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("audit checkpoints: %w", err)
	}
	defer rows.Close()
	var out []AuditCheckpoint
	for rows.Next() {
		var cp AuditCheckpoint
		var at auditTime
		if err := rows.Scan(&cp.ID, &cp.Seq, &cp.Hash, &at, &cp.KeyID, &cp.PublicKey, &cp.Signature); err != nil {
			return nil, err
		}
		cp.SignedAt = at.t
		out = append(out, cp)
	}
	return out, rows.Err()
}

// ScanSealedAudit calls fn for every sealed event with afterSeq < seq <= uptoSeq, in seq
// order, in chunks of separate queries. The record passed to fn is reused for the next
// row. An error from fn stops the scan and is returned as it is.
//
// It reads through the driver directly, under database/sql: converting each column
// into a destination costs as much as a quarter of a verification.
func (db *DB) ScanSealedAudit(ctx context.Context, afterSeq, uptoSeq int64, fn func(*redress.AuditRecord) error) error {
	conn, err := db.sqlDB().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	raw := false
	err = conn.Raw(func(dc any) error {
		q, ok := dc.(driver.QueryerContext)
		if !ok {
			return nil
		}
		raw = true
		return scanSealedRaw(ctx, db, q, afterSeq, uptoSeq, fn)
	})
	if raw {
		return err
	}
	return scanSealed(ctx, db, conn, afterSeq, uptoSeq, fn)
}

func scanSealedRaw(ctx context.Context, db *DB, q driver.QueryerContext, afterSeq, uptoSeq int64, fn func(*redress.AuditRecord) error) error {
	cols := db.auditColumns()
	pgBinary := db.Dialect == PostgreSQL
	if pgBinary {
		cols = pgRawAuditColumns
	}
	query := db.rebind("SELECT " + cols + " FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?")
	var (
		rec  redress.AuditRecord
		at   auditTime
		dest = make([]driver.Value, 12)
		bufs [6][]byte // copies of the driver's strings: actor, role, action, request id, details, hash
	)
	bytesOf := func(v driver.Value, buf *[]byte) []byte {
		switch x := v.(type) {
		case []byte:
			return x // the driver's own buffer, valid until the next row
		case string:
			// The driver made this string for this row alone and nothing writes to it:
			// reading it in place saves copying every event's text once more.
			return unsafe.Slice(unsafe.StringData(x), len(x))
		case nil:
			return nil
		}
		*buf = fmt.Append((*buf)[:0], v)
		return *buf
	}
	nullInt := func(v driver.Value) redress.OptionalInt {
		n, ok := v.(int64)
		return redress.OptionalInt{Int64: n, Valid: ok}
	}
	for afterSeq < uptoSeq {
		rows, err := q.QueryContext(ctx, query, []driver.NamedValue{
			{Ordinal: 1, Value: afterSeq}, {Ordinal: 2, Value: uptoSeq}, {Ordinal: 3, Value: int64(auditChunk)}})
		if err != nil {
			return fmt.Errorf("read audit events: %w", err)
		}
		n := 0
		for {
			if err := rows.Next(dest); err != nil {
				rows.Close()
				if err == io.EOF {
					break
				}
				return fmt.Errorf("read audit events: %w", err)
			}
			id, ok1 := dest[0].(int64)
			seq, ok2 := dest[1].(int64)
			if !ok1 || !ok2 {
				rows.Close()
				return fmt.Errorf("read audit events: id %v, seq %v are not integers", dest[0], dest[1])
			}
			if b, ok := dest[2].([]byte); !pgBinary || !ok || !at.scanPGBinary(b) {
				at.Scan(dest[2])
			}
			rec = redress.AuditRecord{ID: id, Seq: seq, OccurredAt: at.t, OccurredAtText: at.text,
				Actor: bytesOf(dest[3], &bufs[0]), ActorRole: bytesOf(dest[4], &bufs[1]), Action: bytesOf(dest[5], &bufs[2]),
				ComplaintID: nullInt(dest[6]), AgencyID: nullInt(dest[7]), AgreementID: nullInt(dest[8]),
				RequestID: bytesOf(dest[9], &bufs[3]), Details: bytesOf(dest[10], &bufs[4]), Hash: bytesOf(dest[11], &bufs[5])}
			n++
			afterSeq = seq
			if err := fn(&rec); err != nil {
				rows.Close()
				return err
			}
		}
		if n < auditChunk {
			return nil
		}
	}
	return nil
}

func scanSealed(ctx context.Context, db *DB, q auditQuerier, afterSeq, uptoSeq int64, fn func(*redress.AuditRecord) error) error {
	query := db.rebind("SELECT " + db.auditColumns() + " FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?")
	s := newAuditScanner()
	for afterSeq < uptoSeq {
		rows, err := q.QueryContext(ctx, query, afterSeq, uptoSeq, auditChunk)
		if err != nil {
			return fmt.Errorf("read audit events: %w", err)
		}
		n := 0
		for rows.Next() {
			r, err := s.scan(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("read audit events: %w", err)
			}
			n++
			afterSeq = r.Seq
			if err := fn(r); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read audit events: %w", err)
		}
		if n < auditChunk {
			return nil
		}
	}
	return nil
}

// AuditEventRange is the part of the trail an export covers.
type AuditEventRange struct {
	From, To    time.Time // From inclusive, To exclusive; zero: unbounded
	ComplaintID int64
	AgreementID int64
}

// SealedAuditSeqRange returns the lowest and highest seq of the sealed events in r, 0 and
// 0 when none is.
func (db *DB) SealedAuditSeqRange(ctx context.Context, r AuditEventRange) (first, last int64, err error) {
	q := "SELECT min(seq), max(seq) FROM audit_events WHERE seq IS NOT NULL"
	var args []any
	if !r.From.IsZero() {
		q += " AND occurred_at >= ?"
		args = append(args, db.timeArg(r.From))
	}
	if !r.To.IsZero() {
		q += " AND occurred_at < ?"
		args = append(args, db.timeArg(r.To))
	}
	if r.ComplaintID != 0 {
		q += " AND complaint_id = ?"
		args = append(args, r.ComplaintID)
	}
	if r.AgreementID != 0 {
		q += " AND agreement_id = ?"
		args = append(args, r.AgreementID)
	}
	var lo, hi sql.NullInt64
	if err := db.sqlDB().QueryRowContext(ctx, db.rebind(q), args...).Scan(&lo, &hi); err != nil {
		return 0, 0, fmt.Errorf("audit range: %w", err)
	}
	return lo.Int64, hi.Int64, nil
}

// AuditCheckpointSeqsAround returns the highest checkpoint seq below first and the lowest
// at or above last (0 where there is none): where an export must start and end to be
// anchored in signatures.
func (db *DB) AuditCheckpointSeqsAround(ctx context.Context, first, last int64) (before, after int64, err error) {
	var b, a sql.NullInt64
	err = db.sqlDB().QueryRowContext(ctx, db.rebind(`SELECT
		(SELECT max(seq) FROM audit_checkpoints WHERE seq < ?),
		(SELECT min(seq) FROM audit_checkpoints WHERE seq >= ?)`), first, last).Scan(&b, &a)
	if err != nil {
		return 0, 0, fmt.Errorf("audit checkpoints: %w", err)
	}
	return b.Int64, a.Int64, nil
}

// parseTimeText reads the one layout bun writes, "2006-01-02 15:04:05.999999+00:00"
// (UTC, the fraction optional), by hand; anything else is left to time.Parse.
func parseTimeText(s string) (time.Time, bool) {
	if len(s) < 25 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' || !strings.HasSuffix(s, "+00:00") {
		return time.Time{}, false
	}
	num := func(a, b int) (int, bool) {
		n := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 7)
	day, ok3 := num(8, 10)
	hour, ok4 := num(11, 13)
	minute, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	nsec, frac := 0, s[19:len(s)-6]
	if frac != "" {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return time.Time{}, false
		}
		n, ok := num(20, len(s)-6)
		if !ok {
			return time.Time{}, false
		}
		for range 10 - len(frac) {
			n *= 10
		}
		nsec = n
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day { // 2025-02-30 would roll over into March
		return time.Time{}, false
	}
	return t, true
}
