package audit

import (
	"context"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// Status is the trail at a glance, for the oversight pages.
type Status struct {
	HeadSeq        int64       // the last sealed event; 0 before the first
	Unsealed       int64       // events waiting for the sealer
	LastCheckpoint *Checkpoint // nil before the first
}

// ReadStatus reads the trail's Status.
func ReadStatus(ctx context.Context, db *store.DB) (Status, error) {
	st, err := db.AuditState(ctx)
	if err != nil {
		return Status{}, err
	}
	out := Status{HeadSeq: st.HeadSeq}
	if out.Unsealed, err = db.CountUnsealedAudit(ctx); err != nil {
		return out, err
	}
	cp, ok, err := db.LastAuditCheckpoint(ctx)
	if err != nil {
		return out, err
	}
	if ok {
		c := checkpointFromStore(cp)
		out.LastCheckpoint = &c
	}
	return out, nil
}

// ExportedEvent is the audit event recording an export: who took it, with what filter,
// and which part of the trail it holds. The web layer and the command line record the
// same.
func ExportedEvent(actor, role, requestID string, f ExportFilter, sum ExportSummary) redress.AuditEvent {
	d := map[string]any{"first_seq": sum.FirstSeq, "last_seq": sum.LastSeq, "shown": sum.Shown, "elided": sum.Elided}
	if !f.From.IsZero() {
		d["from"] = FormatTime(f.From)
	}
	if !f.To.IsZero() {
		d["to"] = FormatTime(f.To)
	}
	return redress.AuditEvent{Actor: actor, ActorRole: role, Action: redress.ActionExported, RequestID: requestID,
		ComplaintID: f.ComplaintID, AgreementID: f.AgreementID, Details: d}
}

// VerifiedEvent is the audit event recording a verification and its outcome.
func VerifiedEvent(actor, role, requestID string, rep Report) redress.AuditEvent {
	d := map[string]any{"ok": rep.OK(), "events": rep.Events, "head_seq": rep.HeadSeq, "checkpoints": rep.Checkpoints,
		"last_signed_seq": rep.LastSignedSeq, "trusted_key": rep.Trusted}
	if p := rep.Problem; p != nil {
		d["problem_seq"], d["problem"] = p.Seq, string(p.Kind)
		if p.From != 0 {
			d["problem_from"], d["problem_to"] = p.From, p.To
		}
	}
	return redress.AuditEvent{Actor: actor, ActorRole: role, Action: redress.ActionVerified, RequestID: requestID, Details: d}
}
