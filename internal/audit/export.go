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
	lo, hi := int64(1), st.HeadSeq
	if !f.empty() {
		first, last, err := db.SealedAuditSeqRange(ctx, store.AuditEventRange{From: f.From, To: f.To, ComplaintID: f.ComplaintID, AgreementID: f.AgreementID})
		if err != nil {
			return sum, err
		}
		last = min(last, st.HeadSeq)
		if first == 0 || first > last {
			lo, hi = 0, 0
		} else {
			before, after, err := db.AuditCheckpointSeqsAround(ctx, first, last)
			if err != nil {
				return sum, err
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
	cps := &checkpointStream{db: db, maxID: st.CheckpointMaxID, afterDB: lo - 2}
	writeCheckpoints := func(upto int64) error {
		for {
			cp, err := cps.peek(ctx)
			if err != nil || cp == nil || cp.Seq > upto {
				return err
			}
			cps.pop(cp)
			if err := enc.Encode(cp); err != nil {
				return err
			}
			sum.Checkpoints++
		}
	}
	if err := writeCheckpoints(lo - 1); err != nil {
		return sum, err
	}
	prev := make([]byte, HashSize)
	if lo > 1 {
		prev = nil // a deleted event leaves an empty prev_hash, which the check reports
		err := db.ScanSealedAudit(ctx, lo-2, lo-1, func(r *store.AuditRecord) error {
			prev = append([]byte(nil), r.Hash...)
			return nil
		})
		if err != nil {
			return sum, err
		}
	}
	var h recordHasher
	prevHex := make([]byte, 2*HashSize)
	err = db.ScanSealedAudit(ctx, lo-1, hi, func(r *store.AuditRecord) error {
		at := string(h.occurredAt(r))
		complaint, agency, agreement := nullPtr(r.ComplaintID), nullPtr(r.AgencyID), nullPtr(r.AgreementID)
		prevHex = hex.AppendEncode(prevHex[:0], prev)
		var line any
		if filter.matches(at, complaint, agreement) {
			sum.Shown++
			line = eventLine{Type: "event", Seq: r.Seq, ID: r.ID, OccurredAt: at, Actor: string(r.Actor),
				ActorRole: string(r.ActorRole), Action: string(r.Action), ComplaintID: complaint, AgencyID: agency,
				AgreementID: agreement, RequestID: string(r.RequestID), Details: string(r.Details),
				PrevHash: string(prevHex), Hash: hex.EncodeToString(r.Hash)}
		} else {
			sum.Elided++
			d := h.digest(r)
			line = elidedLine{Type: "elided", Seq: r.Seq, ID: r.ID, OccurredAt: at, ComplaintID: complaint,
				AgencyID: agency, AgreementID: agreement, BodyDigest: hex.EncodeToString(d[:]),
				PrevHash: string(prevHex), Hash: hex.EncodeToString(r.Hash)}
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
		prev = append(prev[:0], r.Hash...)
		return writeCheckpoints(r.Seq)
	})
	if err != nil {
		return sum, err
	}
	return sum, bw.Flush()
}

// VerifyExport checks an export file with no database: every line's hash, the links
// between consecutive lines, every checkpoint's signature (against opt.TrustedKeys)
// and its agreement with the chain, that the lines run without a gap from the header's
// first_seq to its last_seq, and that no elided event matches the header's filter. The
// file is read once, in constant memory.
func VerifyExport(ctx context.Context, r io.Reader, opt VerifyOptions) (Report, error) {
	rep := Report{Export: true, Trusted: len(opt.TrustedKeys) > 0, Window: opt.window()}
	var size int64
	if f, ok := r.(interface{ Stat() (os.FileInfo, error) }); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
	}
	counted := &countingReader{r: r}
	sc := bufio.NewScanner(counted)
	sc.Buffer(make([]byte, 1<<20), maxLine)

	var (
		enc      encoder
		header   *headerLine
		started  bool  // the first event or elided line has been read
		anchored bool  // the chain's starting hash is known: zeros or a checkpoint's
		expect   int64 // seq of the next event or elided line
		prev     = make([]byte, HashSize)
		kept     = opt.Kept
		lineNo   int
	)
	fail := func(seq int64, kind ProblemKind, format string, args ...any) (Report, error) {
		rep.Problem = newProblem(seq, kind, fmt.Sprintf("line %d: ", lineNo)+fmt.Sprintf(format, args...))
		return rep, nil
	}
	// checkKept checks checkpoints kept outside the export as the chain passes them.
	checkKept := func(seq int64, hash []byte) *Problem {
		for len(kept) > 0 && kept[0].Seq <= seq {
			cp := kept[0]
			kept = kept[1:]
			if cp.Seq < rep.FirstSeq {
				continue // before this export: nothing to compare with
			}
			if p := checkCheckpoint(cp, seq, hash, opt.TrustedKeys, &rep); p != nil {
				return p
			}
		}
		return nil
	}
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		lineNo++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var kind struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(b, &kind); err != nil {
			return fail(expect, Malformed, "not a JSON object: %v", err)
		}
		if header == nil && kind.Type != "header" {
			return fail(0, Malformed, "the first line must be the export's header")
		}
		switch kind.Type {
		case "header":
			if header != nil {
				return fail(expect, Malformed, "a second header")
			}
			var hl headerLine
			if err := json.Unmarshal(b, &hl); err != nil {
				return fail(0, Malformed, "header: %v", err)
			}
			if hl.Format != ExportFormat || hl.Version != 1 {
				return fail(0, Malformed, "not a %s version 1 file (format %q, version %d)", ExportFormat, hl.Format, hl.Version)
			}
			header = &hl
			expect, rep.FirstSeq = hl.FirstSeq, hl.FirstSeq
			if expect == 1 {
				anchored = true
			}
		case "checkpoint":
			var cj checkpointJSON
			if err := json.Unmarshal(b, &cj); err != nil {
				return fail(expect, Malformed, "checkpoint: %v", err)
			}
			var cp Checkpoint
			if err := cp.fromJSON(cj); err != nil {
				return fail(cj.Seq, Malformed, "%v", err)
			}
			if err := cp.Verify(opt.TrustedKeys); err != nil {
				return fail(cp.Seq, BadSignature, "checkpoint signed at %s: %v", FormatTime(cp.SignedAt), err)
			}
			switch {
			case !started && cp.Seq == header.FirstSeq-1:
				// The anchor: the signed hash the export's first line links to.
				prev, anchored = cp.Hash, true
				rep.Checkpoints++
				rep.LastSignedSeq = cp.Seq
			case started && cp.Seq == expect-1:
				if p := checkCheckpoint(cp, cp.Seq, prev, opt.TrustedKeys, &rep); p != nil {
					p.Detail = fmt.Sprintf("line %d: %s", lineNo, p.Detail)
					rep.Problem = p
					return rep, nil
				}
			default:
				return fail(cp.Seq, Malformed, "a checkpoint for seq %d out of place (the next line is seq %d)", cp.Seq, expect)
			}
		case "event", "elided":
			var l chainLine
			if err := json.Unmarshal(b, &l); err != nil {
				return fail(expect, Malformed, "%s: %v", kind.Type, err)
			}
			l.Type = kind.Type
			seq := l.Seq
			if !started {
				started = true
				if !anchored {
					return fail(seq, Malformed, "the export starts at seq %d without the checkpoint at seq %d its first line links to", seq, seq-1)
				}
			}
			if seq != expect {
				if seq > expect {
					return fail(expect, Gap, "the export skips from seq %d to %d", expect-1, seq)
				}
				return fail(seq, Reordered, "seq %d comes after seq %d", seq, expect-1)
			}
			if l.PrevHash != hex.EncodeToString(prev) {
				return fail(seq, HashMismatch, "prev_hash %.16s… is not the hash of seq %d (%x…)", l.PrevHash, seq-1, prev[:8])
			}
			var digest [HashSize]byte
			if l.Type == "event" {
				digest = enc.bodyDigest([]byte(l.Actor), []byte(l.ActorRole), []byte(l.Action), []byte(l.RequestID), []byte(l.Details))
				rep.Shown++
			} else {
				d, err := hex.DecodeString(l.BodyDigest)
				if err != nil || len(d) != HashSize {
					return fail(seq, Malformed, "body_digest is not %d bytes of hex", HashSize)
				}
				copy(digest[:], d)
				rep.Elided++
				if header.Filter.matches(l.OccurredAt, l.ComplaintID, l.AgreementID) {
					return fail(seq, Withheld, "the export's filter selects this event, but its body was left out")
				}
			}
			link := enc.link(prev, seq, l.ID, []byte(l.OccurredAt), optID(l.ComplaintID), optID(l.AgencyID), optID(l.AgreementID), digest)
			if l.Hash != hex.EncodeToString(link[:]) {
				return fail(seq, RowAltered, "the line's fields do not match its hash")
			}
			if p := checkKept(seq, link[:]); p != nil {
				rep.Problem = p
				return rep, nil
			}
			prev = append([]byte(nil), link[:]...)
			expect++
			rep.Events++
			rep.HeadSeq = seq
			if opt.Progress != nil && rep.Events%progressEvery == 0 {
				opt.Progress(counted.n, size)
			}
		default:
			return fail(expect, Malformed, "unknown line type %q", kind.Type)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fail(expect, Malformed, "a line longer than %d bytes", maxLine)
		}
		return rep, err
	}
	if header == nil {
		return fail(0, Malformed, "empty file")
	}
	if header.LastSeq != 0 && expect-1 != header.LastSeq {
		return fail(expect, RowMissing, "the file ends at seq %d, its header says %d: it was cut short", expect-1, header.LastSeq)
	}
	if len(kept) > 0 && kept[0].Seq > rep.HeadSeq && header.LastSeq == header.HeadSeq {
		// A whole-trail export that ends before a checkpoint the verifier kept.
		return fail(expect, RowMissing, "a kept checkpoint covers events up to seq %d, but the export ends at seq %d", kept[0].Seq, rep.HeadSeq)
	}
	if header.LastSeq < header.HeadSeq {
		// Export ends a range short of the head at a checkpoint, by construction: its
		// last line unsigned means that checkpoint was dropped.
		checkTail(&rep, 0, fmt.Sprintf("yet the export stops at seq %d, before the trail's head at seq %d, so it must end with the checkpoint of seq %d",
			header.LastSeq, header.HeadSeq, header.LastSeq))
	} else {
		checkTail(&rep, rep.Window, fmt.Sprintf("more than the window of %d", rep.Window))
	}
	if opt.Progress != nil {
		opt.Progress(counted.n, size)
	}
	return rep, nil
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
