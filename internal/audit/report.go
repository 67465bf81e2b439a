package audit

import (
	"fmt"
	"strconv"
	"strings"
)

// What a verification reports: the first problem found, by kind, and how much of the
// trail was checked and is covered by signatures.

// ProblemKind names what is wrong with the trail at a sequence number.
type ProblemKind string

const (
	// HashMismatch: the event does not match its stored hash, and neither does the
	// hash link to the next event: the event and its hash were both changed.
	HashMismatch ProblemKind = "hash mismatch"
	// RowAltered: the event's fields were changed after sealing; its stored hash is the
	// sealed one (it still links to the next event). Equally: the event before it was
	// changed together with its hash.
	RowAltered ProblemKind = "row altered"
	// Gap: no event has this sequence number: a sealed event was deleted.
	Gap ProblemKind = "gap"
	// RowMissing: a checkpoint signs events beyond the end of the trail: the tail was
	// deleted (or an export file was cut short).
	RowMissing ProblemKind = "row missing"
	// RowInserted: an event stands where no event was sealed; the events after it were
	// renumbered.
	RowInserted ProblemKind = "inserted row"
	// Reordered: two events have traded sequence numbers.
	Reordered ProblemKind = "reorder"
	// BadSignature: a checkpoint's signature does not verify, or its key is not trusted.
	BadSignature ProblemKind = "bad signature"
	// CheckpointMismatch: a correctly signed checkpoint disagrees with the chain: the
	// history up to it was rewritten (hashes and all).
	CheckpointMismatch ProblemKind = "checkpoint does not match"
	// Withheld: an export elided an event that matches the export's own filter.
	Withheld ProblemKind = "withheld event"
	// Malformed: an export line that cannot be read, or a file out of order.
	Malformed ProblemKind = "malformed export"
	// UnsignedTail: with a trusted key, more events follow the last good checkpoint
	// than the sealer ever leaves unsigned: checkpoints were removed, or the events
	// after the last one were made up (a rewritten chain with its checkpoints dropped).
	UnsignedTail ProblemKind = "unsigned tail"
)

// DefaultWindow is the longest unsigned tail, in events, a verification with a trusted
// key accepts unless told otherwise: the sealer's default CheckpointEvery. It is fixed
// here, not read from what is verified, so a forger cannot claim a wider one.
const DefaultWindow = 1000

// Problem is the first thing found wrong, at the lowest sequence number.
type Problem struct {
	Seq    int64
	Kind   ProblemKind
	Detail string
	// From and To, when set, are the seqs the problem puts in doubt: for a checkpoint
	// that no longer matches, everything since the previous good checkpoint (the
	// rewrite lies somewhere in there); for an unsigned tail, the tail.
	From, To int64
}

func (p *Problem) Error() string { return fmt.Sprintf("seq %s: %s: %s", p.Where(), p.Kind, p.Detail) }

// Where is the seq found wrong, or the range of seqs in doubt ("11-20").
func (p *Problem) Where() string {
	if p.From != 0 && p.To > p.From {
		return fmt.Sprintf("%d-%d", p.From, p.To)
	}
	return strconv.FormatInt(p.Seq, 10)
}

// Report is the outcome of a verification. Problem is nil when everything checked out.
type Report struct {
	Events        int64 // sealed events (in an export: event and elided lines) checked
	FirstSeq      int64
	HeadSeq       int64 // the last seq checked
	Checkpoints   int64 // checkpoints whose signature and hash were checked
	LastSignedSeq int64 // the highest seq a good checkpoint covers
	Unsealed      int64 // events not sealed yet (database only; not an error)
	Trusted       bool  // signatures were checked against keys given as trusted
	Shown, Elided int64 // export only
	Export        bool
	// Window is the longest unsigned tail accepted, in events (with a trusted key).
	Window  int64
	Problem *Problem

	// prevSigned is the good checkpoint before LastSignedSeq, for when a second
	// checkpoint at LastSignedSeq (a kept one) disagrees.
	prevSigned int64
}

// Tail is how many checked events no good checkpoint covers: those after LastSignedSeq
// (all of them in an export whose only checkpoint is the anchor before its first line).
func (r Report) Tail() int64 {
	if r.Events == 0 {
		return 0
	}
	return r.HeadSeq - max(r.LastSignedSeq, r.FirstSeq-1)
}

// Coverage says how much of what was checked the signatures cover:
// "signatures cover seq 1-4000 of 1-4012 (99.7%)".
func (r Report) Coverage() string {
	if r.Events == 0 {
		return "no sealed events to sign"
	}
	if r.LastSignedSeq < r.FirstSeq {
		return "signatures cover none of " + seqRange(r.FirstSeq, r.HeadSeq)
	}
	return fmt.Sprintf("signatures cover %s of %s (%s)", seqRange(r.FirstSeq, r.LastSignedSeq),
		strings.TrimPrefix(seqRange(r.FirstSeq, r.HeadSeq), "seq "), CoveredPercent(r.LastSignedSeq-r.FirstSeq+1, r.HeadSeq-r.FirstSeq+1))
}

// seqRange writes "seq 11-20", or "seq 20" for one.
func seqRange(from, to int64) string {
	if to > from {
		return fmt.Sprintf("seq %d-%d", from, to)
	}
	return fmt.Sprintf("seq %d", from)
}

// CoveredPercent writes covered/total as a percentage to a tenth, rounded down, so
// that anything short of everything never reads as 100%.
func CoveredPercent(covered, total int64) string {
	if total <= 0 || covered >= total {
		return "100%"
	}
	tenths := covered * 1000 / total
	return fmt.Sprintf("%d.%d%%", tenths/10, tenths%10)
}

// OK tells whether the trail verified.
func (r Report) OK() bool { return r.Problem == nil }

// String is the one-line summary `redress audit verify` prints.
func (r Report) String() string {
	var b strings.Builder
	what := "audit trail"
	if r.Export {
		what = "audit export"
	}
	if r.Problem != nil {
		fmt.Fprintf(&b, "%s FAILED at seq %s: %s: %s", what, r.Problem.Where(), r.Problem.Kind, r.Problem.Detail)
		return b.String()
	}
	fmt.Fprintf(&b, "%s OK: %d events", what, r.Events)
	if r.Events > 0 {
		fmt.Fprintf(&b, " (seq %d-%d", r.FirstSeq, r.HeadSeq)
		if r.Export {
			fmt.Fprintf(&b, ", %d shown, %d elided", r.Shown, r.Elided)
		}
		b.WriteString(")")
	}
	fmt.Fprintf(&b, ", %d checkpoints", r.Checkpoints)
	if r.Checkpoints > 0 {
		fmt.Fprintf(&b, " (last at seq %d)", r.LastSignedSeq)
	}
	if !r.Export {
		fmt.Fprintf(&b, ", %d unsealed", r.Unsealed)
	}
	if !r.Trusted {
		// Anyone who rewrote the trail could have signed it with a key of their own.
		b.WriteString("; no trusted key given: signatures checked only against the keys stored with them, which proves nothing about who wrote the trail")
		return b.String()
	}
	fmt.Fprintf(&b, "; %s", r.Coverage())
	if tail := r.Tail(); tail > 0 {
		from := max(r.LastSignedSeq, r.FirstSeq-1) + 1
		fmt.Fprintf(&b, ", then an unsigned tail of %d events (%s) within the window of %d", tail, seqRange(from, r.HeadSeq), r.Window)
	}
	return b.String()
}

func newProblem(seq int64, kind ProblemKind, detail string) *Problem {
	return &Problem{Seq: seq, Kind: kind, Detail: detail}
}
