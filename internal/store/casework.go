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
	// Findings per allegation id, written with a proposal.
	Findings map[int64]string
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
		if _, err := tx.NewUpdate().Table("allegations").Set("finding = ?", finding).
			Where("id = ? AND complaint_id = ?", id, ch.ComplaintID).Exec(ctx); err != nil {
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

// TriageChange records what triage decided.
type TriageChange struct {
	ComplaintID int64
	AgencyID    int64 // 0 leaves it
	AgreementID int64 // 0 leaves it
	// ClearAgreement drops the agreement: the agency named now has none in force, for
	// the reason in Attribution (redress.Attribution*).
	ClearAgreement bool
	Attribution    string
	Priority       string
	Unit           string
	Categories     []redress.Category // added as allegations when missing
	Links          []redress.ComplaintLink
	// AgreementReason is why staff set or cleared the agreement by hand (audited).
	AgreementReason string
	// StartClocks are clocks that begin with this triage (those of the agreement's
	// model, when triage is where the agreement became known); StopClocks, running
	// clocks of the old agreement's model that the new one does not have.
	StartClocks []redress.Clock
	StopClocks  []string
	Audit       redress.AuditEvent
}

// Triage applies a triage decision with an audit event of old and new values.
func (db *DB) Triage(ctx context.Context, ch TriageChange) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		var row complaintRow
		if err := tx.NewSelect().Model(&row).Where("id = ?", ch.ComplaintID).Scan(ctx); err != nil {
			return notFound(err, "Complaint")
		}
		old, changed := map[string]any{}, map[string]any{}
		q := tx.NewUpdate().Table("complaints").Where("id = ?", ch.ComplaintID)
		set := func(col string, oldV, newV any) {
			q.Set(col+" = ?", newV)
			old[col], changed[col] = oldV, newV
		}
		if ch.AgencyID != 0 && ch.AgencyID != derefID(row.AgencyID) {
			set("agency_id", derefID(row.AgencyID), ch.AgencyID)
		}
		if ch.AgreementID != 0 && ch.AgreementID != derefID(row.AgreementID) {
			set("agreement_id", derefID(row.AgreementID), ch.AgreementID)
			q.Set("attribution = ''")
		} else if ch.ClearAgreement && row.AgreementID != nil {
			set("agreement_id", derefID(row.AgreementID), nil)
		}
		if ch.ClearAgreement {
			// Why no agreement is tied follows from the new agency (the event records the
			// agency's change); kept with the complaint for the case page.
			q.Set("attribution = ?", ch.Attribution)
		}
		if ch.Priority != "" && ch.Priority != row.Priority {
			set("priority", row.Priority, ch.Priority)
		}
		if ch.Unit != "" && ch.Unit != row.Unit {
			set("unit", row.Unit, ch.Unit)
		}
		if len(changed) > 0 {
			if _, err := q.Exec(ctx); err != nil {
				return err
			}
		}
		added, err := addAllegations(ctx, tx, ch.ComplaintID, ch.Categories)
		if err != nil {
			return err
		}
		links, err := addLinks(ctx, tx, now, ch.ComplaintID, ch.Links)
		if err != nil {
			return err
		}
		if err := startClocks(ctx, tx, ch.ComplaintID, ch.StartClocks); err != nil {
			return err
		}
		if err := stopClocks(ctx, tx, ch.ComplaintID, ch.StopClocks); err != nil {
			return err
		}
		ev := ch.Audit
		ev.ComplaintID = ch.ComplaintID
		ev.AgencyID, ev.AgreementID = derefID(row.AgencyID), derefID(row.AgreementID)
		if ch.AgencyID != 0 {
			ev.AgencyID = ch.AgencyID
		}
		if ch.AgreementID != 0 {
			ev.AgreementID = ch.AgreementID
		}
		ev.Details = map[string]any{"old": old, "new": changed}
		if len(added) > 0 {
			ev.Details["categories_added"] = added
		}
		if len(links) > 0 {
			ev.Details["links"] = links
		}
		if ch.AgreementReason != "" {
			ev.Details["agreement_reason"] = ch.AgreementReason
		}
		if len(ch.StartClocks) > 0 || len(ch.StopClocks) > 0 {
			var started []string
			for _, k := range ch.StartClocks {
				started = append(started, k.Name)
			}
			ev.Details["clocks_started"], ev.Details["clocks_stopped"] = started, ch.StopClocks
		}
		return insertAudit(ctx, tx, now, ev)
	})
}

// addAllegations adds the categories a complaint does not have yet as allegations,
// and returns those it added.
func addAllegations(ctx context.Context, tx bun.Tx, complaintID int64, cats []redress.Category) ([]redress.Category, error) {
	var added []redress.Category
	for _, cat := range cats {
		exists, err := tx.NewSelect().Model((*allegationRow)(nil)).Where("complaint_id = ? AND category = ?", complaintID, cat).Exists(ctx)
		if err != nil {
			return nil, err
		}
		if !exists {
			if _, err := tx.NewInsert().Model(&allegationRow{ComplaintID: complaintID, Category: string(cat)}).Exec(ctx); err != nil {
				return nil, err
			}
			added = append(added, cat)
		}
	}
	return added, nil
}

// addLinks ties a complaint to duplicates and related complaints (never to itself; a
// link already there stays), and returns them as the audit event lists them.
func addLinks(ctx context.Context, tx bun.Tx, now time.Time, complaintID int64, ls []redress.ComplaintLink) ([]map[string]any, error) {
	var links []map[string]any
	for _, l := range ls {
		if l.OtherID == complaintID {
			continue
		}
		if _, err := tx.NewRaw("INSERT INTO complaint_links (complaint_id, other_id, kind, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
			complaintID, l.OtherID, l.Kind, now).Exec(ctx); err != nil {
			return nil, err
		}
		links = append(links, map[string]any{"other": l.OtherID, "kind": l.Kind})
	}
	return links, nil
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
	}
	err := db.bun.NewSelect().Table("complaints").Column("priority", "assignee_id", "proposed_by", "proposed_disposition", "disposition", "closed_at",
		"results_reported_on", "results_reported_method").
		Where("id = ?", complaintID).Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) {
		return redress.CaseState{}, notFound(err, "Complaint")
	} else if err != nil {
		return redress.CaseState{}, err
	}
	st := redress.CaseState{Priority: row.Priority, AssigneeID: row.AssigneeID.Int64, ProposedBy: row.ProposedBy.Int64,
		ProposedDisposition: row.ProposedDisposition, Disposition: row.Disposition, ResultsReportedMethod: row.ResultsReportedMethod, ClosedAt: row.ClosedAt.Time, Findings: map[int64]string{}}
	if row.ResultsReportedOn != "" {
		if st.ResultsReportedOn, err = redress.ParseDate(row.ResultsReportedOn); err != nil {
			return st, fmt.Errorf("complaint %d: results_reported_on %q: %w", complaintID, row.ResultsReportedOn, err)
		}
	}
	var als []struct {
		ID      int64
		Finding string
	}
	if err := db.bun.NewSelect().Table("allegations").Column("id", "finding").Where("complaint_id = ?", complaintID).Scan(ctx, &als); err != nil {
		return st, err
	}
	for _, a := range als {
		if a.Finding != "" {
			st.Findings[a.ID] = a.Finding
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
