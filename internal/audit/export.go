package audit

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// ExportFormat names the export format in its header line.
const ExportFormat = "redress-audit-export"

// maxLine bounds one line of an export (an event's details are small; a registry
// import's list of changes is the largest).
const maxLine = 64 << 20

// ExportFilter selects the events an export shows. Zero fields do not filter.
type ExportFilter struct {
	From        time.Time // occurred_at >= From
	To          time.Time // occurred_at < To
	ComplaintID int64
	AgreementID int64
}

func (f ExportFilter) empty() bool {
	return f.From.IsZero() && f.To.IsZero() && f.ComplaintID == 0 && f.AgreementID == 0
}

// ExportSummary says what an export holds.
type ExportSummary struct {
	FirstSeq, LastSeq int64 // the seq range of its event and elided lines; 0, 0 when empty
	HeadSeq           int64 // the trail's head when the export began
	Shown, Elided     int64
	Checkpoints       int64
}

// The lines of an export (docs/audit.md). Every line is one JSON object with a "type".
type headerLine struct {
	Type       string     `json:"type"`
	Format     string     `json:"format"`
	Version    int        `json:"version"`
	ExportedAt string     `json:"exported_at"`
	Filter     filterJSON `json:"filter"`
	FirstSeq   int64      `json:"first_seq"`
	LastSeq    int64      `json:"last_seq"`
	HeadSeq    int64      `json:"head_seq"`
}

type filterJSON struct {
	From        *string `json:"from"`
	To          *string `json:"to"`
	ComplaintID *int64  `json:"complaint_id"`
	AgreementID *int64  `json:"agreement_id"`
}

type eventLine struct {
	Type        string `json:"type"`
	Seq         int64  `json:"seq"`
	ID          int64  `json:"id"`
	OccurredAt  string `json:"occurred_at"`
	Actor       string `json:"actor"`
	ActorRole   string `json:"actor_role"`
	Action      string `json:"action"`
	ComplaintID *int64 `json:"complaint_id"`
	AgencyID    *int64 `json:"agency_id"`
	AgreementID *int64 `json:"agreement_id"`
	RequestID   string `json:"request_id"`
	Details     string `json:"details"`
	PrevHash    string `json:"prev_hash"`
	Hash        string `json:"hash"`
}

type elidedLine struct {
	Type        string `json:"type"`
	Seq         int64  `json:"seq"`
	ID          int64  `json:"id"`
	OccurredAt  string `json:"occurred_at"`
	ComplaintID *int64 `json:"complaint_id"`
	AgencyID    *int64 `json:"agency_id"`
	AgreementID *int64 `json:"agreement_id"`
	BodyDigest  string `json:"body_digest"`
	PrevHash    string `json:"prev_hash"`
	Hash        string `json:"hash"`
}

// chainLine reads an event or an elided line.
type chainLine struct {
	eventLine
	BodyDigest string `json:"body_digest"`
}

func (f ExportFilter) json() filterJSON {
	var j filterJSON
	if !f.From.IsZero() {
		s := FormatTime(f.From)
		j.From = &s
	}
	if !f.To.IsZero() {
		s := FormatTime(f.To)
		j.To = &s
	}
	if f.ComplaintID != 0 {
		j.ComplaintID = &f.ComplaintID
	}
	if f.AgreementID != 0 {
		j.AgreementID = &f.AgreementID
	}
	return j
}

// matches applies the filter as an offline verifier does: times compare as TimeLayout
// text, which sorts as time does.
func (j filterJSON) matches(occurredAt string, complaint, agreement *int64) bool {
	switch {
	case j.From != nil && occurredAt < *j.From,
		j.To != nil && occurredAt >= *j.To,
		j.ComplaintID != nil && (complaint == nil || *complaint != *j.ComplaintID),
		j.AgreementID != nil && (agreement == nil || *agreement != *j.AgreementID):
		return false
	}
	return true
}

// Export writes sealed events as JSON Lines: a header, then every event of a seq range
// in order, those the filter selects in full and the others elided (their body replaced
// by its digest), with the signed checkpoints of the range where they fall. The range
// runs from just after the last checkpoint before the first selected event to the
// first checkpoint at or after the last one (or the head), so every shown event is tied
// to signatures and an offline check can tell that nothing the filter selects in the
// range was left out. Without a filter, the export is the whole trail.
func Export(ctx context.Context, db *store.DB, w io.Writer, f ExportFilter) (ExportSummary, error) {
	st, err := db.AuditState(ctx)
	if err != nil {
		return ExportSummary{}, err
	}
	sum := ExportSummary{HeadSeq: st.HeadSeq}
	lo, hi, err := exportRange(ctx, db, st, f)
	if err != nil {
		return sum, err
	}
	sum.FirstSeq, sum.LastSeq = lo, hi

	bw := bufio.NewWriterSize(w, 256<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false) // details stay readable: < > & are not escaped
	filter := f.json()
	if err := enc.Encode(headerLine{Type: "header", Format: ExportFormat, Version: 1, ExportedAt: FormatTime(time.Now()),
		Filter: filter, FirstSeq: lo, LastSeq: hi, HeadSeq: st.HeadSeq}); err != nil {
		return sum, err
	}
	if hi == 0 {
		return sum, bw.Flush()
	}
	cw := &checkpointWriter{enc: enc, sum: &sum, cps: &checkpointStream{db: db, maxID: st.CheckpointMaxID, afterDB: lo - 2}}
	if err := cw.writeUpTo(ctx, lo-1); err != nil {
		return sum, err
	}
	prev, err := exportAnchor(ctx, db, lo)
	if err != nil {
		return sum, err
	}
	var h recordHasher
	prevHex := make([]byte, 2*HashSize)
	err = db.ScanSealedAudit(ctx, lo-1, hi, func(r *redress.AuditRecord) error {
		prevHex = hex.AppendEncode(prevHex[:0], prev)
		if err := enc.Encode(exportLine(&h, r, string(prevHex), filter, &sum)); err != nil {
			return err
		}
		prev = append(prev[:0], r.Hash...)
		return cw.writeUpTo(ctx, r.Seq)
	})
	if err != nil {
		return sum, err
	}
	return sum, bw.Flush()
}

// exportRange is the seq range an export covers (0, 0 when nothing matches): the whole
// trail without a filter, else widened to the checkpoints around the selected events.
func exportRange(ctx context.Context, db *store.DB, st store.AuditState, f ExportFilter) (lo, hi int64, err error) {
	lo, hi = 1, st.HeadSeq
	if !f.empty() {
		first, last, err := db.SealedAuditSeqRange(ctx, store.AuditEventRange{From: f.From, To: f.To, ComplaintID: f.ComplaintID, AgreementID: f.AgreementID})
		if err != nil {
			return 0, 0, err
		}
		last = min(last, st.HeadSeq)
		if first == 0 || first > last {
			lo, hi = 0, 0
		} else {
			before, after, err := db.AuditCheckpointSeqsAround(ctx, first, last)
			if err != nil {
				return 0, 0, err
			}
			lo = before + 1
			if after != 0 && after <= st.HeadSeq {
				hi = after
			}
		}
	}
	if hi == 0 {
		lo = 0
	}
	return lo, hi, nil
}

// exportAnchor is the hash the export's first event links to: zeros at the start of
// the trail, else the stored hash of the event before.
func exportAnchor(ctx context.Context, db *store.DB, lo int64) ([]byte, error) {
	if lo <= 1 {
		return make([]byte, HashSize), nil
	}
	var prev []byte // a deleted event leaves an empty prev_hash, which the check reports
	err := db.ScanSealedAudit(ctx, lo-2, lo-1, func(r *redress.AuditRecord) error {
		prev = append([]byte(nil), r.Hash...)
		return nil
	})
	return prev, err
}

// exportLine is one event as exported: in full when the filter selects it, elided to
// its body's digest otherwise.
func exportLine(h *recordHasher, r *redress.AuditRecord, prevHex string, filter filterJSON, sum *ExportSummary) any {
	at := string(h.occurredAt(r))
	complaint, agency, agreement := nullPtr(r.ComplaintID), nullPtr(r.AgencyID), nullPtr(r.AgreementID)
	if filter.matches(at, complaint, agreement) {
		sum.Shown++
		return eventLine{Type: "event", Seq: r.Seq, ID: r.ID, OccurredAt: at, Actor: string(r.Actor),
			ActorRole: string(r.ActorRole), Action: string(r.Action), ComplaintID: complaint, AgencyID: agency,
			AgreementID: agreement, RequestID: string(r.RequestID), Details: string(r.Details),
			PrevHash: prevHex, Hash: hex.EncodeToString(r.Hash)}
	}
	sum.Elided++
	d := h.digest(r)
	return elidedLine{Type: "elided", Seq: r.Seq, ID: r.ID, OccurredAt: at, ComplaintID: complaint,
		AgencyID: agency, AgreementID: agreement, BodyDigest: hex.EncodeToString(d[:]),
		PrevHash: prevHex, Hash: hex.EncodeToString(r.Hash)}
}

// checkpointWriter interleaves the stored checkpoints with the exported events.
type checkpointWriter struct {
	enc *json.Encoder
	cps *checkpointStream
	sum *ExportSummary
}

// writeUpTo writes the checkpoints not yet written whose seq is at most upto.
func (cw *checkpointWriter) writeUpTo(ctx context.Context, upto int64) error {
	for {
		cp, err := cw.cps.peek(ctx)
		if err != nil || cp == nil || cp.Seq > upto {
			return err
		}
		cw.cps.pop(cp)
		if err := cw.enc.Encode(cp); err != nil {
			return err
		}
		cw.sum.Checkpoints++
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
