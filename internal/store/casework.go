package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
)

// The case workflow's writes. Each change and its audit event (with old and new values)
// commit together; a change made against a status that has moved on meanwhile is a
// conflict, never a silent overwrite.

// StatusChange moves a complaint from one status to another.
type StatusChange struct {
	ComplaintID int64
	From, To    string
	Reason      string
	// Disposition is set when the complaint closes; ProposedBy when findings or a
	// closure are proposed, with ProposedDisposition for a closure ("" for findings).
	Disposition         string
	ProposedBy          int64
	ProposedDisposition string
	// Findings per allegation id, written with a proposal, and the reasoning of each
	// (staff's own words, withheld from a reader who may not read them).
	Findings       map[int64]string
	FindingReasons map[int64]string
	// Letter, when not nil, is the personal paragraph of the outcome letter the
	// complainant reads under the standard words once the case closes: written with a
	// proposal, edited by the approver, cleared when a case ends without one.
	Letter *string
	// Clocks to stop (met), pause, resume or start with this change. A resumed clock's
	// due time moves on by the pause as Deadlines (the unit's) counts it, in the clock's
	// own units; a clock they do not define moves on by the wall time it stood still.
	MeetClocks   []string
	PauseClocks  []string
	ResumeClocks bool
	// EndClocks stops every clock still running or paused (the case closes or is
	// withdrawn), before StartClocks start; RestartClocks runs those stopped so again
	// (the case is reopened).
	EndClocks     bool
	RestartClocks bool
	Deadlines     deadline.Config
	StartClocks   []redress.Clock
	// Mail to queue in the same transaction (the outcome letter, say).
	Mail  []redress.OutboundMail
	Audit redress.AuditEvent
}

// ChangeStatus applies a status change. The caller has checked the transition is
// allowed; the store checks the complaint is still where the caller saw it.
func (db *DB) ChangeStatus(ctx context.Context, ch StatusChange) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error { return changeStatus(ctx, tx, now, ch) })
}

// changeStatus writes a status change within tx. It refuses a stale change before it
// writes anything.
func changeStatus(ctx context.Context, tx bun.Tx, now time.Time, ch StatusChange) error {
	q := tx.NewUpdate().Model((*complaintRow)(nil)).
		Set("status = ?", ch.To).Set("status_changed_at = ?", now).
		Where("id = ? AND status = ?", ch.ComplaintID, ch.From)
	if ch.Disposition != "" {
		q.Set("disposition = ?", ch.Disposition).Set("closed_at = ?", now)
	}
	if ch.ProposedBy != 0 {
		q.Set("proposed_by = ?", ch.ProposedBy).Set("proposed_disposition = ?", ch.ProposedDisposition)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return redress.ErrStaleStatus
	}
	for id, finding := range ch.Findings {
		if _, err := tx.NewUpdate().Table("allegations").Set("finding = ?", finding).Set("finding_reasoning = ?", ch.FindingReasons[id]).
			Where("id = ? AND complaint_id = ?", id, ch.ComplaintID).Exec(ctx); err != nil {
			return err
		}
	}
	if ch.Letter != nil {
		if _, err := tx.NewUpdate().Table("complaints").Set("outcome_letter = ?", *ch.Letter).
			Where("id = ?", ch.ComplaintID).Exec(ctx); err != nil {
			return err
		}
	}
	if _, err := tx.NewInsert().Model(&statusChangeRow{ComplaintID: ch.ComplaintID, Status: ch.To, ChangedAt: now,
		Actor: ch.Audit.Actor, Reason: ch.Reason}).Exec(ctx); err != nil {
		return err
	}
	stopped, err := changeClocks(ctx, tx, now, ch)
	if err != nil {
		return err
	}
	if err := InsertOutbox(ctx, tx, now, ch.Mail...); err != nil {
		return err
	}
	ev := ch.Audit
	ev.ComplaintID = ch.ComplaintID
	if ev.Details == nil {
		ev.Details = map[string]any{}
	}
	ev.Details["from"], ev.Details["to"] = ch.From, ch.To
	if ch.Reason != "" {
		ev.Details["reason"] = ch.Reason
	}
	if ch.Disposition != "" {
		ev.Details["disposition"] = ch.Disposition
	}
	if len(stopped) > 0 && ch.EndClocks {
		ev.Details["clocks_stopped"] = stopped
	}
	if len(stopped) > 0 && ch.RestartClocks {
		ev.Details["clocks_restarted"] = stopped
	}
	if len(ch.Findings) > 0 {
		ev.Details["findings"] = ch.Findings
	}
	if len(ch.FindingReasons) > 0 {
		ev.Details["finding_reasons"] = ch.FindingReasons
	}
	if ch.Letter != nil && *ch.Letter != "" {
		ev.Details["letter"] = *ch.Letter
	}
	return insertAudit(ctx, tx, now, ev)
}

// ResultsReport records that a case's results were reported to ICE: the day and how,
// with the clocks that meets, met at At.
type ResultsReport struct {
	ComplaintID int64
	On          redress.Date
	Method      string
	At          time.Time
	MeetClocks  []string
	Audit       redress.AuditEvent
}

// RecordResultsReported stores a results report and meets its clocks; it refuses a
// second report of one case (ECONFLICT), so two officers recording at once store one.
func (db *DB) RecordResultsReported(ctx context.Context, rr ResultsReport) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		res, err := tx.NewUpdate().Table("complaints").Set("results_reported_on = ?", rr.On.String()).
			Set("results_reported_method = ?", rr.Method).
			Where("id = ? AND results_reported_on = ''", rr.ComplaintID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return redress.ErrResultsReported
		}
		if err := meetClocks(ctx, tx, rr.At, rr.ComplaintID, rr.MeetClocks...); err != nil {
			return err
		}
		ev := rr.Audit
		ev.ComplaintID = rr.ComplaintID
		ev.Details = map[string]any{"reported_on": rr.On.String(), "method": rr.Method, "clocks_met": rr.MeetClocks}
		return insertAudit(ctx, tx, now, ev)
	})
}

// Assignment gives complaints to an investigator and queues the notices.
type AssignmentChange struct {
	ComplaintIDs []int64
	AssigneeID   int64
	Mail         []redress.OutboundMail
	Audit        redress.AuditEvent
}

// Assign sets the assignee of each complaint, one audit event per complaint with the
// old and new assignee.
func (db *DB) Assign(ctx context.Context, a AssignmentChange) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		for _, id := range a.ComplaintIDs {
			var row complaintRow
			if err := tx.NewSelect().Model(&row).Column("id", "assignee_id", "agency_id", "agreement_id").Where("id = ?", id).Scan(ctx); err != nil {
				return notFound(err, "Complaint")
			}
			if _, err := tx.NewUpdate().Table("complaints").Set("assignee_id = ?", a.AssigneeID).Where("id = ?", id).Exec(ctx); err != nil {
				return err
			}
			ev := a.Audit
			ev.ComplaintID, ev.AgencyID, ev.AgreementID = id, derefID(row.AgencyID), derefID(row.AgreementID)
			ev.Details = map[string]any{"old_assignee": derefID(row.AssigneeID), "new_assignee": a.AssigneeID}
			if err := insertAudit(ctx, tx, now, ev); err != nil {
				return err
			}
		}
		return InsertOutbox(ctx, tx, now, a.Mail...)
	})
}

// CaseState loads the workflow facts of a complaint.
func (db *DB) CaseState(ctx context.Context, complaintID int64) (redress.CaseState, error) {
	var row struct {
		Priority              string
		AssigneeID            sql.NullInt64
		ProposedBy            sql.NullInt64
		ProposedDisposition   string
		Disposition           string
		ClosedAt              sql.NullTime
		ResultsReportedOn     string
		ResultsReportedMethod string
		OutcomeLetter         string
	}
	err := db.bun.NewSelect().Table("complaints").Column("priority", "assignee_id", "proposed_by", "proposed_disposition", "disposition", "closed_at",
		"results_reported_on", "results_reported_method", "outcome_letter").
		Where("id = ?", complaintID).Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) {
		return redress.CaseState{}, notFound(err, "Complaint")
	} else if err != nil {
		return redress.CaseState{}, err
	}
	st := redress.CaseState{Priority: row.Priority, AssigneeID: row.AssigneeID.Int64, ProposedBy: row.ProposedBy.Int64,
		ProposedDisposition: row.ProposedDisposition, Disposition: row.Disposition, ResultsReportedMethod: row.ResultsReportedMethod, ClosedAt: row.ClosedAt.Time, Findings: map[int64]string{},
		FindingReasons: map[int64]string{}, OutcomeLetter: row.OutcomeLetter}
	if row.ResultsReportedOn != "" {
		if st.ResultsReportedOn, err = redress.ParseDate(row.ResultsReportedOn); err != nil {
			return st, fmt.Errorf("complaint %d: results_reported_on %q: %w", complaintID, row.ResultsReportedOn, err)
		}
	}
	var als []struct {
		ID               int64
		Finding          string
		FindingReasoning string
	}
	if err := db.bun.NewSelect().Table("allegations").Column("id", "finding", "finding_reasoning").Where("complaint_id = ?", complaintID).Scan(ctx, &als); err != nil {
		return st, err
	}
	for _, a := range als {
		if a.Finding != "" {
			st.Findings[a.ID] = a.Finding
		}
		if a.FindingReasoning != "" {
			st.FindingReasons[a.ID] = a.FindingReasoning
		}
	}
	var links []struct {
		OtherID int64
		Kind    string
	}
	if err := db.bun.NewRaw("SELECT other_id, kind FROM complaint_links WHERE complaint_id = ? UNION SELECT complaint_id, kind FROM complaint_links WHERE other_id = ?",
		complaintID, complaintID).Scan(ctx, &links); err != nil {
		return st, err
	}
	for _, l := range links {
		st.Links = append(st.Links, redress.ComplaintLink{OtherID: l.OtherID, Kind: l.Kind})
	}
	var hist []statusChangeRow
	if err := db.bun.NewSelect().Model(&hist).Where("complaint_id = ?", complaintID).Order("changed_at", "id").Scan(ctx); err != nil {
		return st, err
	}
	for _, h := range hist {
		st.History = append(st.History, redress.StatusStep{Status: h.Status, At: h.ChangedAt, Reason: h.Reason, Actor: h.Actor})
	}
	return st, nil
}
