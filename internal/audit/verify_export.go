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
)

// Checking an export file offline, line by line, in constant memory.

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
