package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// A case's files: internal notes, messages with the complainant and evidence. Each
// addition, each reply and each evidence download commits with its audit event; a
// message's notice email commits with the message.

type noteRow struct {
	bun.BaseModel `bun:"table:notes"`
	ID            int64     `bun:"id,pk,autoincrement"`
	ComplaintID   int64     `bun:"complaint_id"`
	AuthorID      int64     `bun:"author_id"`
	Body          string    `bun:"body"`
	CreatedAt     time.Time `bun:"created_at"`
}

type messageRow struct {
	bun.BaseModel `bun:"table:messages"`
	ID            int64      `bun:"id,pk,autoincrement"`
	ComplaintID   int64      `bun:"complaint_id"`
	Direction     string     `bun:"direction"`
	AuthorID      *int64     `bun:"author_id"`
	Body          string     `bun:"body"`
	CreatedAt     time.Time  `bun:"created_at"`
	ReadAt        *time.Time `bun:"read_at"`
	AnsweredAt    *time.Time `bun:"answered_at"`
}

type evidenceRow struct {
	bun.BaseModel `bun:"table:evidence"`
	ID            int64     `bun:"id,pk,autoincrement"`
	ComplaintID   int64     `bun:"complaint_id"`
	UploadedBy    string    `bun:"uploaded_by"`
	FileName      string    `bun:"file_name"`
	ContentType   string    `bun:"content_type"`
	Size          int64     `bun:"size"`
	SHA256        string    `bun:"sha256"`
	Data          []byte    `bun:"data"`
	CreatedAt     time.Time `bun:"created_at"`
}

// NewNote is a note to store with its audit event; the store fills in the note id.
type NewNote struct {
	ComplaintID int64
	AuthorID    int64
	Body        string
	Audit       redress.AuditEvent
}

// AddNote stores a note and its audit event.
func (db *DB) AddNote(ctx context.Context, n NewNote) (redress.Note, error) {
	var out redress.Note
	err := db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		row := noteRow{ComplaintID: n.ComplaintID, AuthorID: n.AuthorID, Body: n.Body, CreatedAt: now}
		if _, err := tx.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
			return err
		}
		out = redress.Note{ID: row.ID, ComplaintID: row.ComplaintID, AuthorID: row.AuthorID, Body: row.Body, CreatedAt: now}
		// The answer names its author as the list does.
		if err := tx.NewSelect().Table("users").Column("name").Where("id = ?", n.AuthorID).Scan(ctx, &out.Author); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return insertAudit(ctx, tx, now, withDetail(n.Audit, n.ComplaintID, "note_id", row.ID))
	})
	return out, err
}

// Notes returns a complaint's notes, oldest first, with their authors' names.
func (db *DB) Notes(ctx context.Context, complaintID int64) ([]redress.Note, error) {
	var rows []struct {
		ID        int64
		AuthorID  int64
		Body      string
		CreatedAt time.Time
		Author    sql.NullString
	}
	err := db.bun.NewSelect().TableExpr("notes AS n").
		ColumnExpr("n.id, n.author_id, n.body, n.created_at, u.name AS author").
		Join("LEFT JOIN users AS u ON u.id = n.author_id").
		Where("n.complaint_id = ?", complaintID).OrderExpr("n.id").Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make([]redress.Note, len(rows))
	for i, r := range rows {
		out[i] = redress.Note{ID: r.ID, ComplaintID: complaintID, AuthorID: r.AuthorID, Author: r.Author.String,
			Body: r.Body, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// NewMessage is a message to store with its audit event and, for a message to the
// complainant, the notice email (none when they gave no address).
type NewMessage struct {
	ComplaintID int64
	Direction   string
	AuthorID    int64 // staff author; 0 for the complainant
	Body        string
	Mail        []redress.OutboundMail
	Audit       redress.AuditEvent
	// Resume is the status change a complainant's reply brings about (the case that
	// waited on them goes back under review), written in the reply's transaction: a
	// reply is never stored with the case still waiting. Stale, it fails the whole
	// transaction with ErrStaleStatus.
	Resume *StatusChange
}

// AddMessage stores a message, its notice email and its audit event in one transaction.
// A reply from the complainant marks every message to them answered.
func (db *DB) AddMessage(ctx context.Context, m NewMessage) (redress.Message, error) {
	if m.Direction != redress.MessageToComplainant && m.Direction != redress.MessageFromComplainant {
		return redress.Message{}, errors.New("store: unknown message direction " + m.Direction)
	}
	var out redress.Message
	err := db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		row := messageRow{ComplaintID: m.ComplaintID, Direction: m.Direction, AuthorID: nullID(m.AuthorID),
			Body: m.Body, CreatedAt: now}
		if _, err := tx.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
			return err
		}
		out = redress.Message{ID: row.ID, ComplaintID: m.ComplaintID, Direction: m.Direction, AuthorID: m.AuthorID,
			Body: m.Body, CreatedAt: now}
		ev := withDetail(m.Audit, m.ComplaintID, "message_id", row.ID)
		if m.Direction == redress.MessageFromComplainant {
			res, err := tx.NewUpdate().Model((*messageRow)(nil)).Set("answered_at = ?", now).
				Where("complaint_id = ? AND direction = ? AND answered_at IS NULL", m.ComplaintID, redress.MessageToComplainant).Exec(ctx)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			ev.Details["answered"] = n
			if err := markComplainantActivity(ctx, tx, m.ComplaintID, now); err != nil {
				return err
			}
		}
		mail := append([]redress.OutboundMail(nil), m.Mail...)
		for i := range mail {
			mail[i].ComplaintID, mail[i].AgencyID, mail[i].AgreementID = m.ComplaintID, ev.AgencyID, ev.AgreementID
		}
		if err := InsertOutbox(ctx, tx, now, mail...); err != nil {
			return err
		}
		if err := insertAudit(ctx, tx, now, ev); err != nil {
			return err
		}
		if m.Resume == nil {
			return nil
		}
		if m.Resume.ComplaintID != m.ComplaintID {
			return errors.New("store: a reply resumes its own complaint only")
		}
		return changeStatus(ctx, tx, now, *m.Resume)
	})
	return out, err
}

// Messages returns a complaint's messages, oldest first.
func (db *DB) Messages(ctx context.Context, complaintID int64) ([]redress.Message, error) {
	return messages(ctx, db.bun, complaintID)
}

func messages(ctx context.Context, q bun.IDB, complaintID int64) ([]redress.Message, error) {
	var rows []struct {
		ID         int64
		Direction  string
		AuthorID   *int64
		Body       string
		CreatedAt  time.Time
		ReadAt     *time.Time
		AnsweredAt *time.Time
		Author     sql.NullString
	}
	err := q.NewSelect().TableExpr("messages AS m").
		ColumnExpr("m.id, m.direction, m.author_id, m.body, m.created_at, m.read_at, m.answered_at, u.name AS author").
		Join("LEFT JOIN users AS u ON u.id = m.author_id").
		Where("m.complaint_id = ?", complaintID).OrderExpr("m.id").Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make([]redress.Message, len(rows))
	for i, r := range rows {
		out[i] = redress.Message{ID: r.ID, ComplaintID: complaintID, Direction: r.Direction, AuthorID: derefID(r.AuthorID),
			Author: r.Author.String, Body: r.Body, CreatedAt: r.CreatedAt}
		if r.ReadAt != nil {
			out[i].ReadAt = *r.ReadAt
		}
		if r.AnsweredAt != nil {
			out[i].AnsweredAt = *r.AnsweredAt
		}
	}
	return out, nil
}

// ReadMessages returns a complaint's messages and marks those of the given direction
// read, in one transaction. When it marked any and audit has an action, the reading is
// an audit event (with the number newly read). The returned messages show the state
// before this reading, so a caller can still point out what is new.
func (db *DB) ReadMessages(ctx context.Context, complaintID int64, direction string, audit redress.AuditEvent) ([]redress.Message, error) {
	var out []redress.Message
	err := db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		var err error
		if out, err = messages(ctx, tx, complaintID); err != nil {
			return err
		}
		res, err := tx.NewUpdate().Model((*messageRow)(nil)).Set("read_at = ?", now).
			Where("complaint_id = ? AND direction = ? AND read_at IS NULL", complaintID, direction).Exec(ctx)
		if err != nil {
			return err
		}
		if direction == redress.MessageFromComplainant {
			// Staff read the case's messages: nothing the complainant sent waits unread.
			if _, err := tx.NewUpdate().Table("complaints").Set("complainant_activity_at = NULL").
				Where("id = ? AND complainant_activity_at <= ?", complaintID, now).Exec(ctx); err != nil {
				return err
			}
		}
		n, _ := res.RowsAffected()
		if n == 0 || audit.Action == "" {
			return nil
		}
		return insertAudit(ctx, tx, now, withDetail(audit, complaintID, "read", n))
	})
	return out, err
}

// NewEvidence is a file to store with its audit event. Limit caps the number of files
// a complaint may hold; the count is taken under a lock on the complaint, so two
// uploads at once cannot pass it together.
type NewEvidence struct {
	ComplaintID int64
	UploadedBy  string
	FileName    string
	ContentType string
	SHA256      string
	Data        []byte
	Limit       int
	Audit       redress.AuditEvent
	// Mail goes out with a file the complainant sent (the assigned investigator's notice).
	Mail []redress.OutboundMail
}

// AddEvidence stores an evidence file and its audit event, unless the complaint already
// holds Limit files (ErrEvidenceLimit).
func (db *DB) AddEvidence(ctx context.Context, e NewEvidence) (redress.EvidenceInfo, error) {
	var out redress.EvidenceInfo
	err := db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		// SQLite transactions here take the write lock at BEGIN; PostgreSQL needs the row lock.
		if db.Dialect == PostgreSQL {
			if _, err := tx.NewSelect().Model((*complaintRow)(nil)).Column("id").
				Where("id = ?", e.ComplaintID).For("UPDATE").Exec(ctx); err != nil {
				return err
			}
		}
		n, err := tx.NewSelect().Model((*evidenceRow)(nil)).Where("complaint_id = ?", e.ComplaintID).Count(ctx)
		if err != nil {
			return err
		}
		if e.Limit > 0 && int(n) >= e.Limit {
			return redress.ErrEvidenceLimit
		}
		row := evidenceRow{ComplaintID: e.ComplaintID, UploadedBy: e.UploadedBy, FileName: e.FileName,
			ContentType: e.ContentType, Size: int64(len(e.Data)), SHA256: e.SHA256, Data: e.Data, CreatedAt: now}
		if _, err := tx.NewInsert().Model(&row).Returning("id").Exec(ctx); err != nil {
			return err
		}
		out = row.info()
		ev := withDetail(e.Audit, e.ComplaintID, "evidence_id", row.ID)
		if e.UploadedBy == redress.SubjectReceiptHolder {
			if err := markComplainantActivity(ctx, tx, e.ComplaintID, now); err != nil {
				return err
			}
		}
		mail := append([]redress.OutboundMail(nil), e.Mail...)
		for i := range mail {
			mail[i].ComplaintID, mail[i].AgencyID, mail[i].AgreementID = e.ComplaintID, ev.AgencyID, ev.AgreementID
		}
		if err := InsertOutbox(ctx, tx, now, mail...); err != nil {
			return err
		}
		return insertAudit(ctx, tx, now, ev)
	})
	return out, err
}

func (r evidenceRow) info() redress.EvidenceInfo {
	return redress.EvidenceInfo{ID: r.ID, ComplaintID: r.ComplaintID, UploadedBy: r.UploadedBy, FileName: r.FileName,
		ContentType: r.ContentType, Size: r.Size, SHA256: r.SHA256, CreatedAt: r.CreatedAt}
}

// Evidence lists a complaint's files, oldest first, without their bytes.
func (db *DB) Evidence(ctx context.Context, complaintID int64) ([]redress.EvidenceInfo, error) {
	var rows []evidenceRow
	err := db.bun.NewSelect().Model(&rows).
		Column("id", "complaint_id", "uploaded_by", "file_name", "content_type", "size", "sha256", "created_at").
		Where("complaint_id = ?", complaintID).Order("id").Scan(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]redress.EvidenceInfo, len(rows))
	for i, r := range rows {
		out[i] = r.info()
	}
	return out, nil
}

// OpenEvidence returns one file of a complaint and writes the audit event of its
// download in the same transaction: a download that is not recorded is not served.
func (db *DB) OpenEvidence(ctx context.Context, complaintID, evidenceID int64, audit redress.AuditEvent) (redress.EvidenceFile, error) {
	var out redress.EvidenceFile
	err := db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		var row evidenceRow
		if err := tx.NewSelect().Model(&row).Where("id = ? AND complaint_id = ?", evidenceID, complaintID).Scan(ctx); err != nil {
			return notFound(err, "Evidence file")
		}
		out = redress.EvidenceFile{EvidenceInfo: row.info(), Data: row.Data}
		ev := withDetail(audit, complaintID, "evidence_id", row.ID)
		ev.Details["sha256"], ev.Details["size"] = row.SHA256, row.Size
		return insertAudit(ctx, tx, now, ev)
	})
	return out, err
}

// withDetail sets an event's complaint and adds one detail, without touching the
// caller's map.
func withDetail(ev redress.AuditEvent, complaintID int64, key string, value any) redress.AuditEvent {
	details := make(map[string]any, len(ev.Details)+1)
	for k, v := range ev.Details {
		details[k] = v
	}
	details[key] = value
	ev.ComplaintID, ev.Details = complaintID, details
	return ev
}

// markComplainantActivity puts a complaint back on the desk: the complainant wrote or
// sent a file at now, which no case handler has read yet.
func markComplainantActivity(ctx context.Context, tx bun.Tx, complaintID int64, now time.Time) error {
	_, err := tx.NewUpdate().Table("complaints").Set("complainant_activity_at = ?", now).Where("id = ?", complaintID).Exec(ctx)
	return err
}
