package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/lib/pq"
	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// Bulk writes for the data generator (internal/seed, `redress seed`): rows made whole
// in Go, ids included, written many at a time: PostgreSQL's COPY, multi-row INSERTs on
// SQLite. Nothing here checks or derives: the generator writes what the application
// would have written, step by step, over the years it simulates. Audit events go in
// unsealed, like every other event, and the sealer seals them afterwards.

// SeedComplaint is one complaints row, every column.
type SeedComplaint struct {
	bun.BaseModel         `bun:"table:complaints"`
	ID                    int64        `bun:"id,pk"`
	TrackingNumber        string       `bun:"tracking_number"`
	ReceiptHash           []byte       `bun:"receipt_hash"`
	ReceivedAt            time.Time    `bun:"received_at"`
	Language              string       `bun:"language"`
	Channel               string       `bun:"channel"`
	IncidentDate          redress.Date `bun:"incident_date"`
	State                 string       `bun:"state"`
	County                string       `bun:"county"`
	Place                 string       `bun:"place"`
	AgencyID              *int64       `bun:"agency_id"`
	AgencyOther           string       `bun:"agency_other"`
	AgreementID           *int64       `bun:"agreement_id"`
	Attribution           string       `bun:"attribution"`
	Narrative             string       `bun:"narrative"`
	Officers              string       `bun:"officers"`
	Witnesses             string       `bun:"witnesses"`
	InCustody             *bool        `bun:"in_custody"`
	DetainerIssued        *bool        `bun:"detainer_issued"`
	HeldPastRelease       *bool        `bun:"held_past_release"`
	Filer                 string       `bun:"filer"`
	PreferredLanguage     string       `bun:"preferred_language"`
	Anonymous             bool         `bun:"anonymous"`
	IdentitySealed        []byte       `bun:"identity_sealed"`
	Consent               string       `bun:"consent"`
	Status                string       `bun:"status"`
	StatusChangedAt       time.Time    `bun:"status_changed_at"`
	Unit                  string       `bun:"unit"`
	Priority              string       `bun:"priority"`
	AssigneeID            *int64       `bun:"assignee_id"`
	Disposition           string       `bun:"disposition"`
	ProposedBy            *int64       `bun:"proposed_by"`
	ProposedDisposition   string       `bun:"proposed_disposition"`
	ClosedAt              *time.Time   `bun:"closed_at"`
	ResultsReportedOn     string       `bun:"results_reported_on"`
	ResultsReportedMethod string       `bun:"results_reported_method"`
	EnteredBy             *int64       `bun:"entered_by"`
	// Early warning: its allegations with a finding, and those sustained (WriteSeed
	// counts them from the batch's allegations).
	DecidedAllegations   int `bun:"decided_allegations"`
	SustainedAllegations int `bun:"sustained_allegations"`
}

// SeedFunction is one complaint_functions row.
type SeedFunction struct {
	bun.BaseModel `bun:"table:complaint_functions"`
	ComplaintID   int64  `bun:"complaint_id"`
	Function      string `bun:"function"`
}

// SeedAllegation is one allegations row, with its finding once proposed.
type SeedAllegation struct {
	bun.BaseModel `bun:"table:allegations"`
	ID            int64  `bun:"id,pk"`
	ComplaintID   int64  `bun:"complaint_id"`
	Category      string `bun:"category"`
	Finding       string `bun:"finding"`
}

// SeedStatusChange is one complaint_status_changes row.
type SeedStatusChange struct {
	bun.BaseModel `bun:"table:complaint_status_changes"`
	ID            int64     `bun:"id,pk"`
	ComplaintID   int64     `bun:"complaint_id"`
	Status        string    `bun:"status"`
	ChangedAt     time.Time `bun:"changed_at"`
	Actor         string    `bun:"actor"`
	Reason        string    `bun:"reason"`
}

// SeedClock is one complaint_clocks row.
type SeedClock struct {
	bun.BaseModel `bun:"table:complaint_clocks"`
	ID            int64      `bun:"id,pk"`
	ComplaintID   int64      `bun:"complaint_id"`
	Clock         string     `bun:"clock"`
	StartedAt     time.Time  `bun:"started_at"`
	DueAt         time.Time  `bun:"due_at"`
	MetAt         *time.Time `bun:"met_at"`
	PausedAt      *time.Time `bun:"paused_at"`
	StoppedAt     *time.Time `bun:"stopped_at"`
	MissedLogged  bool       `bun:"missed_logged"`
}

// SeedMessage is one messages row.
type SeedMessage struct {
	bun.BaseModel `bun:"table:messages"`
	ID            int64      `bun:"id,pk"`
	ComplaintID   int64      `bun:"complaint_id"`
	Direction     string     `bun:"direction"`
	AuthorID      *int64     `bun:"author_id"`
	Body          string     `bun:"body"`
	CreatedAt     time.Time  `bun:"created_at"`
	ReadAt        *time.Time `bun:"read_at"`
	AnsweredAt    *time.Time `bun:"answered_at"`
}

// SeedNote is one notes row.
type SeedNote struct {
	bun.BaseModel `bun:"table:notes"`
	ID            int64     `bun:"id,pk"`
	ComplaintID   int64     `bun:"complaint_id"`
	AuthorID      int64     `bun:"author_id"`
	Body          string    `bun:"body"`
	CreatedAt     time.Time `bun:"created_at"`
}

// SeedReferral is one referrals row: a record only (no office of the directory, no
// letter in the outbox).
type SeedReferral struct {
	bun.BaseModel  `bun:"table:referrals"`
	ID             int64      `bun:"id,pk"`
	ComplaintID    int64      `bun:"complaint_id"`
	Recipient      string     `bun:"recipient"`
	RecipientOther string     `bun:"recipient_other"`
	IdentityShared bool       `bun:"identity_shared"`
	Method         string     `bun:"method"`
	Shared         string     `bun:"shared"`
	SentAt         time.Time  `bun:"sent_at"`
	DueAt          time.Time  `bun:"due_at"`
	AnsweredAt     *time.Time `bun:"answered_at"`
	Answer         string     `bun:"answer"`
	Outcome        string     `bun:"outcome"`
}

// SeedAudit is one unsealed audit_events row; Details is the JSON the store would
// have written for the event (json.Marshal of its details map).
type SeedAudit struct {
	bun.BaseModel `bun:"table:audit_events"`
	ID            int64     `bun:"id,pk"`
	OccurredAt    time.Time `bun:"occurred_at"`
	Actor         string    `bun:"actor"`
	ActorRole     string    `bun:"actor_role"`
	Action        string    `bun:"action"`
	ComplaintID   *int64    `bun:"complaint_id"`
	AgencyID      *int64    `bun:"agency_id"`
	AgreementID   *int64    `bun:"agreement_id"`
	RequestID     string    `bun:"request_id"`
	Details       string    `bun:"details"`
	// Seq and Hash are set when the generator sealed the event itself (SealsOnWrite).
	Seq  *int64 `bun:"seq"`
	Hash []byte `bun:"hash"`
}

// SeedCheckpoint is one signed checkpoint of the chain the generator sealed.
type SeedCheckpoint struct {
	bun.BaseModel `bun:"table:audit_checkpoints"`
	ID            int64     `bun:"id,pk"`
	Seq           int64     `bun:"seq"`
	Hash          []byte    `bun:"hash"`
	SignedAt      time.Time `bun:"signed_at"`
	KeyID         string    `bun:"key_id"`
	PublicKey     []byte    `bun:"public_key"`
	Signature     []byte    `bun:"signature"`
}

// SeedRows is one batch of generated rows, written in one transaction.
type SeedRows struct {
	Complaints    []SeedComplaint
	Functions     []SeedFunction
	Allegations   []SeedAllegation
	StatusChanges []SeedStatusChange
	Clocks        []SeedClock
	Messages      []SeedMessage
	Notes         []SeedNote
	Referrals     []SeedReferral
	Audit         []SeedAudit
	Checkpoints   []SeedCheckpoint
}

// Len is how many rows the batch holds.
func (b *SeedRows) Len() int {
	return len(b.Complaints) + len(b.Functions) + len(b.Allegations) + len(b.StatusChanges) +
		len(b.Clocks) + len(b.Messages) + len(b.Notes) + len(b.Referrals) + len(b.Audit)
}

// tables lists the batch's slices in an order that satisfies the foreign keys.
func (b *SeedRows) tables() []any {
	return []any{&b.Complaints, &b.Functions, &b.Allegations, &b.StatusChanges, &b.Clocks,
		&b.Messages, &b.Notes, &b.Referrals, &b.Audit, &b.Checkpoints}
}

// seedTables are the tables whose ids the generator hands out itself.
var seedTables = []string{"complaints", "allegations", "complaint_status_changes", "complaint_clocks",
	"messages", "notes", "referrals", "audit_events", "audit_checkpoints"}

// WriteSeed writes a batch in one transaction. Audit events sealed by the generator go
// in past the triggers that let only the sealer seal (SealsOnWrite).
func (db *DB) WriteSeed(ctx context.Context, b *SeedRows) error {
	done, err := db.writeLock(ctx)
	if err != nil {
		return err
	}
	defer done()
	return db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if db.Dialect == PostgreSQL {
			// Generated data, written again if lost: no need to wait for the disk at commit.
			if _, err := tx.ExecContext(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
				return err
			}
		}
		if len(b.Audit) > 0 && b.Audit[0].Seq != nil {
			if _, err := tx.ExecContext(ctx, "SET LOCAL session_replication_role = replica"); err != nil {
				return fmt.Errorf("write sealed events: %w", err)
			}
		}
		countFindings(b) // early warning (store/warnings.go)
		for _, rows := range b.tables() {
			if err := db.bulkInsert(ctx, tx, rows); err != nil {
				return err
			}
		}
		// Early warning: the officer keys of the complaints written (store/warnings.go).
		var keys []officerKeyRow
		for _, c := range b.Complaints {
			keys = append(keys, officerKeyRows(c.ID, c.TrackingNumber, c.AgencyID, c.Unit, c.ReceivedAt, c.Officers)...)
		}
		if err := db.bulkInsert(ctx, tx, &keys); err != nil {
			return err
		}
		// The oversight measures of the batch's complaints, in the same transaction.
		return db.refreshMeasures(ctx, tx, b.measureIDs())
	})
}

// bulkInsert writes the rows of the slice rowsPtr points to: COPY on PostgreSQL, INSERTs
// of many rows each on SQLite (through bun, so values are written as every other
// query writes them).
func (db *DB) bulkInsert(ctx context.Context, tx bun.Tx, rowsPtr any) error {
	rows := reflect.ValueOf(rowsPtr).Elem()
	if rows.Len() == 0 {
		return nil
	}
	table := db.bun.Table(rows.Type().Elem())
	if db.Dialect != PostgreSQL {
		const chunk = 500
		for i := 0; i < rows.Len(); i += chunk {
			part := reflect.New(rows.Type())
			part.Elem().Set(rows.Slice(i, min(i+chunk, rows.Len())))
			if _, err := tx.NewInsert().Model(part.Interface()).Exec(ctx); err != nil {
				return fmt.Errorf("insert %s: %w", table.Name, err)
			}
		}
		return nil
	}
	cols := make([]string, len(table.Fields))
	for i, f := range table.Fields {
		cols[i] = f.Name
	}
	stmt, err := tx.PrepareContext(ctx, pq.CopyIn(table.Name, cols...))
	if err != nil {
		return fmt.Errorf("copy %s: %w", table.Name, err)
	}
	defer stmt.Close()
	vals := make([]any, len(cols))
	for i := range rows.Len() {
		row := rows.Index(i)
		for j, f := range table.Fields {
			vals[j] = f.Value(row).Interface()
		}
		if _, err := stmt.ExecContext(ctx, vals...); err != nil {
			return fmt.Errorf("copy %s: %w", table.Name, err)
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return fmt.Errorf("copy %s: %w", table.Name, err)
	}
	return nil
}

// SeedNextIDs returns, per table the generator writes, the first id free after every
// row there now (and, on PostgreSQL, after every id its sequence has handed out).
func (db *DB) SeedNextIDs(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for _, t := range seedTables {
		q := "SELECT COALESCE(MAX(id), 0) FROM " + t
		if db.Dialect == PostgreSQL {
			q = fmt.Sprintf("SELECT GREATEST(COALESCE((SELECT MAX(id) FROM %[1]s), 0), "+
				"(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM %[2]s))", t, t+"_id_seq")
		}
		var n int64
		if err := db.bun.QueryRowContext(ctx, q).Scan(&n); err != nil {
			return nil, fmt.Errorf("next id of %s: %w", t, err)
		}
		out[t] = n + 1
	}
	return out, nil
}

// FinishSeed moves PostgreSQL's sequences past the ids the generator wrote, so the
// application's next rows do not collide with them, and refreshes its planner's
// statistics of the tables written.
func (db *DB) FinishSeed(ctx context.Context) error {
	if db.Dialect == PostgreSQL {
		for _, t := range seedTables {
			q := fmt.Sprintf("SELECT setval('%[1]s_id_seq', (SELECT MAX(id) FROM %[1]s)) WHERE EXISTS (SELECT 1 FROM %[1]s)", t)
			if _, err := db.bun.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("sequence of %s: %w", t, err)
			}
		}
	}
	if db.Dialect != PostgreSQL {
		return nil // SQLite plans without statistics unless ANALYZE ran; keep it as it was
	}
	_, err := db.bun.ExecContext(ctx, "ANALYZE "+strings.Join(append(slices.Clone(seedTables), "complaint_functions"), ", "))
	return err
}

// ComplaintCount counts the complaints, and those whose complaint.filed event was not
// written with a request id starting with marker: complaints filed for real (a complaint
// with no such event counts as real too).
func (db *DB) ComplaintCount(ctx context.Context, marker string) (all, real int64, err error) {
	if err = db.bun.NewSelect().TableExpr("complaints").ColumnExpr("COUNT(*)").Scan(ctx, &all); err != nil || all == 0 {
		return all, 0, err
	}
	err = db.bun.NewSelect().TableExpr("complaints AS c").ColumnExpr("COUNT(*)").
		Where("NOT EXISTS (SELECT 1 FROM audit_events AS a WHERE a.complaint_id = c.id AND a.action = ? AND a.request_id LIKE ?)",
			redress.ActionComplaintFiled, marker+"%").Scan(ctx, &real)
	return all, real, err
}

// AllAgreementListings returns every agreement with its agency, and what each sheet
// said of it, by agreement id: the generator attributes complaints as filing does
// (redress.Agreement.On, redress.AttributeAgreement) without a query per complaint.
func (db *DB) AllAgreementListings(ctx context.Context) ([]redress.Agreement, map[int64][]redress.Listing, error) {
	ags, err := db.ListAgreements(ctx, redress.AgreementFilter{})
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, len(ags))
	for i, a := range ags {
		ids[i] = a.ID
	}
	listings := map[int64][]redress.Listing{}
	for start := 0; start < len(ids); start += 1000 {
		part, err := db.listingsOf(ctx, ids[start:min(start+1000, len(ids))])
		if err != nil {
			return nil, nil, err
		}
		for id, ls := range part {
			listings[id] = ls
		}
	}
	return ags, listings, nil
}

// EachTrackingNumber calls fn with the tracking number of every complaint, so the
// generator never hands out one already taken.
func (db *DB) EachTrackingNumber(ctx context.Context, fn func(string)) error {
	rows, err := db.bun.QueryContext(ctx, "SELECT tracking_number FROM complaints")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		fn(s)
	}
	return rows.Err()
}

// SealsOnWrite reports whether the generator may store audit events already sealed,
// which skips writing each of them twice: on PostgreSQL, for a superuser, who may turn
// off for one transaction the triggers that keep sealing to the sealer. Otherwise the
// events go in unsealed and the sealer seals them.
func (db *DB) SealsOnWrite(ctx context.Context) (bool, error) {
	if db.Dialect != PostgreSQL {
		return false, nil
	}
	var on string
	err := db.bun.QueryRowContext(ctx, "SELECT current_setting('is_superuser')").Scan(&on)
	return on == "on", err
}

// AuditHead returns the seq and hash of the last sealed event (0 and nil before the
// first).
func (db *DB) AuditHead(ctx context.Context) (int64, []byte, error) {
	var seq int64
	var hash []byte
	err := db.bun.QueryRowContext(ctx, "SELECT seq, hash FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)").Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, nil
	}
	return seq, hash, err
}
