package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

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
	err = db.ScanSealedAudit(ctx, lo-1, hi, func(r *store.AuditRecord) error {
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
	err := db.ScanSealedAudit(ctx, lo-2, lo-1, func(r *store.AuditRecord) error {
		prev = append([]byte(nil), r.Hash...)
		return nil
	})
	return prev, err
}

// exportLine is one event as exported: in full when the filter selects it, elided to
// its body's digest otherwise.
func exportLine(h *recordHasher, r *store.AuditRecord, prevHex string, filter filterJSON, sum *ExportSummary) any {
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

// VerifyExport checks an export file with no database: every line's hash, the links
// between consecutive lines, every checkpoint's signature (against opt.TrustedKeys)
// and its agreement with the chain, that the lines run without a gap from the header's
// first_seq to its last_seq, and that no elided event matches the header's filter. The
// file is read once, in constant memory.
func VerifyExport(ctx context.Context, r io.Reader, opt VerifyOptions) (Report, error) {
	v := &exportVerifier{
		opt:     opt,
		rep:     Report{Export: true, Trusted: len(opt.TrustedKeys) > 0, Window: opt.window()},
		counted: &countingReader{r: r},
		size:    fileSize(r),
		prev:    make([]byte, HashSize),
		kept:    opt.Kept,
	}
	sc := bufio.NewScanner(v.counted)
	sc.Buffer(make([]byte, 1<<20), maxLine)
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return v.rep, err
		}
		v.lineNo++
		if p := v.line(bytes.TrimSpace(sc.Bytes())); p != nil {
			v.rep.Problem = p
			return v.rep, nil
		}
	}
	if err := sc.Err(); err != nil {
		if !errors.Is(err, bufio.ErrTooLong) {
			return v.rep, err
		}
		v.rep.Problem = v.fail(v.expect, Malformed, "a line longer than %d bytes", maxLine)
		return v.rep, nil
	}
	if p := v.finish(); p != nil {
		v.rep.Problem = p
		return v.rep, nil
	}
	if opt.Progress != nil {
		opt.Progress(v.counted.n, v.size)
	}
	return v.rep, nil
}

// fileSize is r's size when it is a regular file, for progress; 0 when unknown.
func fileSize(r io.Reader) int64 {
	if f, ok := r.(interface{ Stat() (os.FileInfo, error) }); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	}
	return 0
}

// exportVerifier is VerifyExport's state as it reads the file line by line. Each step
// returns the problem found, or nil to go on.
type exportVerifier struct {
	opt      VerifyOptions
	rep      Report
	counted  *countingReader
	size     int64
	enc      encoder
	header   *headerLine
	started  bool  // the first event or elided line has been read
	anchored bool  // the chain's starting hash is known: zeros or a checkpoint's
	expect   int64 // seq of the next event or elided line
	prev     []byte
	kept     []Checkpoint
	lineNo   int
}

func (v *exportVerifier) fail(seq int64, kind ProblemKind, format string, args ...any) *Problem {
	return newProblem(seq, kind, fmt.Sprintf("line %d: ", v.lineNo)+fmt.Sprintf(format, args...))
}

// line checks one line of the file, dispatching on its type.
func (v *exportVerifier) line(b []byte) *Problem {
	if len(b) == 0 {
		return nil
	}
	var kind struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &kind); err != nil {
		return v.fail(v.expect, Malformed, "not a JSON object: %v", err)
	}
	if v.header == nil && kind.Type != "header" {
		return v.fail(0, Malformed, "the first line must be the export's header")
	}
	switch kind.Type {
	case "header":
		return v.headerLine(b)
	case "checkpoint":
		return v.checkpointLine(b)
	case "event", "elided":
		return v.chainLine(kind.Type, b)
	default:
		return v.fail(v.expect, Malformed, "unknown line type %q", kind.Type)
	}
}

func (v *exportVerifier) headerLine(b []byte) *Problem {
	if v.header != nil {
		return v.fail(v.expect, Malformed, "a second header")
	}
	var hl headerLine
	if err := json.Unmarshal(b, &hl); err != nil {
		return v.fail(0, Malformed, "header: %v", err)
	}
	if hl.Format != ExportFormat || hl.Version != 1 {
		return v.fail(0, Malformed, "not a %s version 1 file (format %q, version %d)", ExportFormat, hl.Format, hl.Version)
	}
	v.header = &hl
	v.expect, v.rep.FirstSeq = hl.FirstSeq, hl.FirstSeq
	if v.expect == 1 {
		v.anchored = true
	}
	return nil
}

func (v *exportVerifier) checkpointLine(b []byte) *Problem {
	var cj checkpointJSON
	if err := json.Unmarshal(b, &cj); err != nil {
		return v.fail(v.expect, Malformed, "checkpoint: %v", err)
	}
	var cp Checkpoint
	if err := cp.fromJSON(cj); err != nil {
		return v.fail(cj.Seq, Malformed, "%v", err)
	}
	if err := cp.Verify(v.opt.TrustedKeys); err != nil {
		return v.fail(cp.Seq, BadSignature, "checkpoint signed at %s: %v", FormatTime(cp.SignedAt), err)
	}
	switch {
	case !v.started && cp.Seq == v.header.FirstSeq-1:
		// The anchor: the signed hash the export's first line links to.
		v.prev, v.anchored = cp.Hash, true
		v.rep.Checkpoints++
		v.rep.LastSignedSeq = cp.Seq
	case v.started && cp.Seq == v.expect-1:
		if p := checkCheckpoint(cp, cp.Seq, v.prev, v.opt.TrustedKeys, &v.rep); p != nil {
			p.Detail = fmt.Sprintf("line %d: %s", v.lineNo, p.Detail)
			return p
		}
	default:
		return v.fail(cp.Seq, Malformed, "a checkpoint for seq %d out of place (the next line is seq %d)", cp.Seq, v.expect)
	}
	return nil
}

// chainLine checks an event or elided line: its place in the sequence, its link to the
// line before, and its own hash.
func (v *exportVerifier) chainLine(typ string, b []byte) *Problem {
	var l chainLine
	if err := json.Unmarshal(b, &l); err != nil {
		return v.fail(v.expect, Malformed, "%s: %v", typ, err)
	}
	l.Type = typ
	seq := l.Seq
	if p := v.inSequence(seq); p != nil {
		return p
	}
	if l.PrevHash != hex.EncodeToString(v.prev) {
		return v.fail(seq, HashMismatch, "prev_hash %.16s… is not the hash of seq %d (%x…)", l.PrevHash, seq-1, v.prev[:8])
	}
	digest, p := v.bodyDigest(&l)
	if p != nil {
		return p
	}
	link := v.enc.link(v.prev, seq, l.ID, []byte(l.OccurredAt), optID(l.ComplaintID), optID(l.AgencyID), optID(l.AgreementID), digest)
	if l.Hash != hex.EncodeToString(link[:]) {
		return v.fail(seq, RowAltered, "the line's fields do not match its hash")
	}
	if p := v.checkKept(seq, link[:]); p != nil {
		return p
	}
	v.prev = append([]byte(nil), link[:]...)
	v.expect++
	v.rep.Events++
	v.rep.HeadSeq = seq
	if v.opt.Progress != nil && v.rep.Events%progressEvery == 0 {
		v.opt.Progress(v.counted.n, v.size)
	}
	return nil
}

// inSequence checks that seq is the line expected next, and that the first one has
// something to link to.
func (v *exportVerifier) inSequence(seq int64) *Problem {
	if !v.started {
		v.started = true
		if !v.anchored {
			return v.fail(seq, Malformed, "the export starts at seq %d without the checkpoint at seq %d its first line links to", seq, seq-1)
		}
	}
	if seq != v.expect {
		if seq > v.expect {
			return v.fail(v.expect, Gap, "the export skips from seq %d to %d", v.expect-1, seq)
		}
		return v.fail(seq, Reordered, "seq %d comes after seq %d", seq, v.expect-1)
	}
	return nil
}

// bodyDigest is the digest of an event's body, computed for a shown event and read
// from an elided one, which the header's filter must not have selected.
func (v *exportVerifier) bodyDigest(l *chainLine) ([HashSize]byte, *Problem) {
	var digest [HashSize]byte
	if l.Type == "event" {
		digest = v.enc.bodyDigest([]byte(l.Actor), []byte(l.ActorRole), []byte(l.Action), []byte(l.RequestID), []byte(l.Details))
		v.rep.Shown++
		return digest, nil
	}
	d, err := hex.DecodeString(l.BodyDigest)
	if err != nil || len(d) != HashSize {
		return digest, v.fail(l.Seq, Malformed, "body_digest is not %d bytes of hex", HashSize)
	}
	copy(digest[:], d)
	v.rep.Elided++
	if v.header.Filter.matches(l.OccurredAt, l.ComplaintID, l.AgreementID) {
		return digest, v.fail(l.Seq, Withheld, "the export's filter selects this event, but its body was left out")
	}
	return digest, nil
}

// checkKept checks checkpoints kept outside the export as the chain passes them.
func (v *exportVerifier) checkKept(seq int64, hash []byte) *Problem {
	for len(v.kept) > 0 && v.kept[0].Seq <= seq {
		cp := v.kept[0]
		v.kept = v.kept[1:]
		if cp.Seq < v.rep.FirstSeq {
			continue // before this export: nothing to compare with
		}
		if p := checkCheckpoint(cp, seq, hash, v.opt.TrustedKeys, &v.rep); p != nil {
			return p
		}
	}
	return nil
}

// finish checks what only the end of the file shows: that nothing was cut off, and
// that the unsigned tail is within bounds.
func (v *exportVerifier) finish() *Problem {
	h := v.header
	if h == nil {
		return v.fail(0, Malformed, "empty file")
	}
	if h.LastSeq != 0 && v.expect-1 != h.LastSeq {
		return v.fail(v.expect, RowMissing, "the file ends at seq %d, its header says %d: it was cut short", v.expect-1, h.LastSeq)
	}
	if len(v.kept) > 0 && v.kept[0].Seq > v.rep.HeadSeq && h.LastSeq == h.HeadSeq {
		// A whole-trail export that ends before a checkpoint the verifier kept.
		return v.fail(v.expect, RowMissing, "a kept checkpoint covers events up to seq %d, but the export ends at seq %d", v.kept[0].Seq, v.rep.HeadSeq)
	}
	if h.LastSeq < h.HeadSeq {
		// Export ends a range short of the head at a checkpoint, by construction: its
		// last line unsigned means that checkpoint was dropped.
		checkTail(&v.rep, 0, fmt.Sprintf("yet the export stops at seq %d, before the trail's head at seq %d, so it must end with the checkpoint of seq %d",
			h.LastSeq, h.HeadSeq, h.LastSeq))
	} else {
		checkTail(&v.rep, v.rep.Window, fmt.Sprintf("more than the window of %d", v.rep.Window))
	}
	return nil
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
