package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/lib/pq"
	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

type complaintRow struct {
	bun.BaseModel     `bun:"table:complaints"`
	ID                int64        `bun:"id,pk,autoincrement"`
	TrackingNumber    string       `bun:"tracking_number"`
	ReceiptHash       []byte       `bun:"receipt_hash"`
	ReceivedAt        time.Time    `bun:"received_at"`
	Language          string       `bun:"language"`
	Channel           string       `bun:"channel"`
	IncidentDate      redress.Date `bun:"incident_date"`
	State             string       `bun:"state"`
	County            string       `bun:"county"`
	Place             string       `bun:"place"`
	AgencyID          *int64       `bun:"agency_id"`
	AgencyOther       string       `bun:"agency_other"`
	AgreementID       *int64       `bun:"agreement_id"`
	Attribution       string       `bun:"attribution"`
	Narrative         string       `bun:"narrative"`
	Officers          string       `bun:"officers"`
	Witnesses         string       `bun:"witnesses"`
	InCustody         *bool        `bun:"in_custody"`
	DetainerIssued    *bool        `bun:"detainer_issued"`
	HeldPastRelease   *bool        `bun:"held_past_release"`
	Filer             string       `bun:"filer"`
	PreferredLanguage string       `bun:"preferred_language"`
	Anonymous         bool         `bun:"anonymous"`
	IdentitySealed    []byte       `bun:"identity_sealed"`
	Consent           string       `bun:"consent"`
	Status            string       `bun:"status"`
	StatusChangedAt   time.Time    `bun:"status_changed_at"`
	Unit              string       `bun:"unit"`
	Priority          string       `bun:"priority"`
	AssigneeID        *int64       `bun:"assignee_id"`
	Disposition       string       `bun:"disposition"`
	ProposedBy        *int64       `bun:"proposed_by"`
	ClosedAt          *time.Time   `bun:"closed_at"`
	EnteredBy         *int64       `bun:"entered_by"`
}

type functionRow struct {
	bun.BaseModel `bun:"table:complaint_functions"`
	ComplaintID   int64  `bun:"complaint_id,pk"`
	Function      string `bun:"function,pk"`
}

type allegationRow struct {
	bun.BaseModel `bun:"table:allegations"`
	ID            int64  `bun:"id,pk,autoincrement"`
	ComplaintID   int64  `bun:"complaint_id"`
	Category      string `bun:"category"`
}

type statusChangeRow struct {
	bun.BaseModel `bun:"table:complaint_status_changes"`
	ID            int64     `bun:"id,pk,autoincrement"`
	ComplaintID   int64     `bun:"complaint_id"`
	Status        string    `bun:"status"`
	ChangedAt     time.Time `bun:"changed_at"`
	Actor         string    `bun:"actor"`
	Reason        string    `bun:"reason"`
}

// NewComplaint is a complaint ready to be stored: validated, numbered, identity sealed.
type NewComplaint struct {
	Complaint      redress.Complaint
	ReceiptHash    []byte
	IdentitySealed []byte
	// Audit is the "filed" event; the store fills in the complaint id.
	Audit redress.AuditEvent
	// Mail is queued in the same transaction (the receipt email); the store fills in
	// the complaint, agency and agreement ids.
	Mail []redress.OutboundMail
	// Clocks start with the complaint; MetClocks are met at once (an acknowledgement the
	// filer got on the spot).
	Clocks    []redress.Clock
	MetClocks []string
	// Idempotency, when set, is kept with the complaint for retries of its filing.
	Idempotency *IdempotencyKey
	// Model is the model of the complaint's agreement, when it has one: the oversight
	// measures' row is then written from what the filing knows, with no read.
	Model redress.Model
}

// CreateComplaint stores a complaint, its functions, allegations, first status and its
// audit event in one transaction. A tracking number already taken (about one chance in
// a trillion) comes back as ECONFLICT so the caller can draw a new one; an idempotency
// key already taken, as ErrIdempotencyKeyTaken.
func (db *DB) CreateComplaint(ctx context.Context, nc NewComplaint) (redress.Complaint, error) {
	c := nc.Complaint
	// On SQLite, with the filings that arrive at the same moment (group_tx.go).
	err := db.groupTx(ctx, func(tx bun.Tx, now time.Time) error {
		// No EXISTS first: the unique constraint on tracking_number answers the same
		// question in the INSERT itself (trackingTaken), one round trip fewer.
		c.ReceivedAt, c.StatusChangedAt, c.Status = now, now, redress.StatusReceived
		row := complaintRow{
			TrackingNumber: c.TrackingNumber, ReceiptHash: nc.ReceiptHash, ReceivedAt: now,
			Language: c.Language, Channel: string(c.Channel), IncidentDate: c.IncidentDate,
			State: c.State, County: c.County, Place: c.Place, AgencyID: nullID(c.AgencyID),
			AgencyOther: c.AgencyOther, AgreementID: nullID(c.AgreementID), Attribution: c.Attribution,
			Narrative: c.Narrative,
			Officers:  c.Officers, Witnesses: c.Witnesses, InCustody: c.Custody.InCustody,
			DetainerIssued: c.Custody.DetainerIssued, HeldPastRelease: c.Custody.HeldPastRelease,
			Filer: string(c.Filer), PreferredLanguage: c.PreferredLanguage, Anonymous: c.Anonymous,
			IdentitySealed: nc.IdentitySealed, Consent: joinStrings(c.Consent),
			Status: c.Status, StatusChangedAt: now, Unit: c.Unit, Priority: c.Priority, EnteredBy: nullID(c.EnteredBy),
		}
		if row.Priority == "" {
			row.Priority = "normal"
		}
		if _, err := tx.NewInsert().Model(&row).Returning("id").Exec(ctx); trackingTaken(err) {
			return redress.Errorf(redress.ECONFLICT, "Tracking number already in use.")
		} else if err != nil {
			return err
		}
		c.ID = row.ID
		// The idempotency key, and the early warning's officer keys (store/warnings.go).
		if err := db.keepIdempotencyKey(ctx, tx, now, c.ID, nc.Idempotency); err != nil || c.Officers != "" && db.keepOfficerKeys(ctx, tx, now, c, &err) {
			return err
		}
		if len(c.Functions) > 0 {
			fns := make([]functionRow, len(c.Functions))
			for i, f := range c.Functions {
				fns[i] = functionRow{ComplaintID: c.ID, Function: string(f)}
			}
			if _, err := tx.NewInsert().Model(&fns).Exec(ctx); err != nil {
				return err
			}
		}
		als := make([]allegationRow, len(c.Allegations))
		for i, a := range c.Allegations {
			als[i] = allegationRow{ComplaintID: c.ID, Category: string(a.Category)}
		}
		if len(als) > 0 {
			if _, err := tx.NewInsert().Model(&als).Returning("id").Exec(ctx); err != nil {
				return err
			}
			for i := range als {
				c.Allegations[i].ID = als[i].ID
			}
		}
		sc := statusChangeRow{ComplaintID: c.ID, Status: c.Status, ChangedAt: now}
		if _, err := tx.NewInsert().Model(&sc).Exec(ctx); err != nil {
			return err
		}
		mail := append([]redress.OutboundMail(nil), nc.Mail...)
		for i := range mail {
			mail[i].ComplaintID, mail[i].AgencyID, mail[i].AgreementID = c.ID, c.AgencyID, c.AgreementID
		}
		if err := InsertOutbox(ctx, tx, now, mail...); err != nil {
			return err
		}
		// A new complaint has no clocks yet: one INSERT, the met ones met already
		// (what startClocks then meetClocks would leave).
		if err := db.newClocksAndMeasures(ctx, tx, now, c, nc); err != nil {
			return err
		}
		ev := nc.Audit
		ev.ComplaintID, ev.AgencyID, ev.AgreementID = c.ID, c.AgencyID, c.AgreementID
		// The complaint's scope is known: no re-read of the row just written.
		scopes := map[int64][2]*int64{c.ID: {nullID(c.AgencyID), nullID(c.AgreementID)}}
		return insertAuditScoped(ctx, tx, now, scopes, ev)
	})
	if err != nil {
		return redress.Complaint{}, err
	}
	return c, nil
}

// ReceiptRecord is what a status check needs: the hash to compare and the public facts.
type ReceiptRecord struct {
	ComplaintID int64
	AgencyID    int64
	AgreementID int64
	ReceiptHash []byte
	Status      string
	ReceivedAt  time.Time
	Language    string
}

// ComplaintReceipt loads what a status check needs by tracking number.
func (db *DB) ComplaintReceipt(ctx context.Context, tracking string) (ReceiptRecord, error) {
	var row complaintRow
	err := db.queryRowPrepared(ctx, `SELECT id, agency_id, agreement_id, receipt_hash, status, received_at, language
FROM complaints WHERE tracking_number = ?`, []any{tracking}, &row)
	if err != nil {
		return ReceiptRecord{}, notFound(err, "Complaint")
	}
	return ReceiptRecord{
		ComplaintID: row.ID, AgencyID: derefID(row.AgencyID), AgreementID: derefID(row.AgreementID),
		ReceiptHash: row.ReceiptHash, Status: row.Status, ReceivedAt: row.ReceivedAt, Language: row.Language,
	}, nil
}

// ComplaintRef is a complaint as a link to it needs it: which one, and in which unit.
type ComplaintRef struct {
	ID   int64
	Unit string
}

// ComplaintByTracking finds a complaint by tracking number: one query, whether or not
// there is one, so the caller can answer both cases alike.
func (db *DB) ComplaintByTracking(ctx context.Context, tracking string) (ComplaintRef, error) {
	var ref ComplaintRef
	err := db.bun.NewSelect().TableExpr("complaints").Column("id", "unit").
		Where("tracking_number = ?", tracking).Scan(ctx, &ref.ID, &ref.Unit)
	if err != nil {
		return ComplaintRef{}, notFound(err, "Complaint")
	}
	return ref, nil
}

// RecordStatusCheck returns the complaint's status history once the audit event of the
// check is committed: a check that is not recorded is not answered. The record shares
// its commit with other reads arriving at once (RecordRead), so checks do not queue
// behind one another's transactions.
func (db *DB) RecordStatusCheck(ctx context.Context, ev redress.AuditEvent) ([]redress.StatusStep, error) {
	var rows []statusChangeRow
	if err := db.queryPrepared(ctx, `SELECT id, complaint_id, status, changed_at, actor, reason
FROM complaint_status_changes WHERE complaint_id = ? ORDER BY changed_at, id`, []any{ev.ComplaintID}, &rows); err != nil {
		return nil, err
	}
	if err := db.RecordRead(ctx, ev); err != nil {
		return nil, err
	}
	steps := make([]redress.StatusStep, len(rows))
	for i, r := range rows {
		steps[i] = redress.StatusStep{Status: r.Status, At: r.ChangedAt}
	}
	return steps, nil
}

// Complaint loads a complaint by id, without its sealed identity.
func (db *DB) Complaint(ctx context.Context, id int64) (redress.Complaint, []byte, error) {
	var row complaintRow
	if err := db.bun.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return redress.Complaint{}, nil, notFound(err, "Complaint")
	}
	var fns []functionRow
	if err := db.bun.NewSelect().Model(&fns).Where("complaint_id = ?", id).Scan(ctx); err != nil {
		return redress.Complaint{}, nil, err
	}
	var als []allegationRow
	if err := db.bun.NewSelect().Model(&als).Where("complaint_id = ?", id).Order("id").Scan(ctx); err != nil {
		return redress.Complaint{}, nil, err
	}
	c := redress.Complaint{
		ID: row.ID, TrackingNumber: row.TrackingNumber, ReceivedAt: row.ReceivedAt,
		Language: row.Language, Channel: redress.Channel(row.Channel), IncidentDate: row.IncidentDate,
		State: row.State, County: row.County, Place: row.Place, AgencyID: derefID(row.AgencyID),
		AgencyOther: row.AgencyOther, AgreementID: derefID(row.AgreementID), Attribution: row.Attribution,
		Narrative: row.Narrative,
		Officers:  row.Officers, Witnesses: row.Witnesses,
		Custody: redress.Custody{InCustody: row.InCustody, DetainerIssued: row.DetainerIssued, HeldPastRelease: row.HeldPastRelease},
		Filer:   redress.Filer(row.Filer), PreferredLanguage: row.PreferredLanguage, Anonymous: row.Anonymous,
		Status: row.Status, StatusChangedAt: row.StatusChangedAt, Unit: row.Unit, Priority: row.Priority,
		AssigneeID: derefID(row.AssigneeID), EnteredBy: derefID(row.EnteredBy),
	}
	for _, f := range fns {
		c.Functions = append(c.Functions, redress.Function(f.Function))
	}
	for _, a := range als {
		c.Allegations = append(c.Allegations, redress.Allegation{ID: a.ID, Category: redress.Category(a.Category)})
	}
	for _, r := range strings.Fields(row.Consent) {
		c.Consent = append(c.Consent, redress.Recipient(r))
	}
	return c, row.IdentitySealed, nil
}

// CountComplaints counts stored complaints; tests use it to prove nothing was half-stored.
func (db *DB) CountComplaints(ctx context.Context) (int64, error) {
	return db.bun.NewSelect().Model((*complaintRow)(nil)).Count(ctx)
}

func joinStrings[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, " ")
}

// trackingTaken says err is the unique constraint on complaints.tracking_number refusing
// a number already in use, on either dialect.
func trackingTaken(err error) bool {
	if err == nil {
		return false
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Code == "23505" && (pe.Constraint == "complaints_tracking_number_key" || strings.Contains(pe.Detail, "(tracking_number)"))
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed: complaints.tracking_number")
}

// insertNewClocks starts a new complaint's clocks in one statement; those named in met
// are met at now.
func insertNewClocks(ctx context.Context, tx bun.IDB, now time.Time, complaintID int64, clocks []redress.Clock, met []string) error {
	if len(clocks) == 0 {
		return nil
	}
	touchMeasures(tx, complaintID)
	rows := make([]clockRow, 0, len(clocks))
	seen := map[string]bool{}
	for _, c := range clocks {
		if seen[c.Name] { // as ON CONFLICT DO NOTHING would: the first one stands
			continue
		}
		seen[c.Name] = true
		row := clockRow{ComplaintID: complaintID, Clock: c.Name, StartedAt: c.StartedAt.UTC(), DueAt: c.DueAt.UTC()}
		if slices.Contains(met, c.Name) {
			row.MetAt = &now
		}
		rows = append(rows, row)
	}
	_, err := tx.NewInsert().Model(&rows).Exec(ctx)
	return err
}
