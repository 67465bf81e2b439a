package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// window is the unsigned tail opt accepts.
func (opt VerifyOptions) window() int64 {
	if opt.Window > 0 {
		return opt.Window
	}
	return DefaultWindow
}

// checkTail fails a report whose unsigned tail is longer than allowed. Only with a
// trusted key: without one, no signature means anything anyway. why says why the tail
// is too long, for the message.
func checkTail(rep *Report, allowed int64, why string) {
	if !rep.Trusted || rep.Problem != nil || rep.Tail() <= allowed {
		return
	}
	from := max(rep.LastSignedSeq, rep.FirstSeq-1) + 1
	rep.Problem = &Problem{Seq: from, Kind: UnsignedTail, From: from, To: rep.HeadSeq, Detail: fmt.Sprintf(
		"%s; the %d events from seq %d on are signed by no checkpoint, %s: checkpoints were removed, or these events were made up",
		rep.Coverage(), rep.Tail(), from, why)}
}

// VerifyOptions tunes Verify and VerifyExport.
type VerifyOptions struct {
	// TrustedKeys are the public keys checkpoints must be signed with. Without any, a
	// checkpoint's own key is taken at its word, which anyone rewriting the trail could
	// also do.
	TrustedKeys []ed25519.PublicKey
	// Kept are checkpoints kept outside the database (from the API or an earlier
	// export), checked like stored ones: they catch a history rewritten together with
	// its stored checkpoints.
	Kept []Checkpoint
	// Progress, when set, is called now and then with the events checked so far and
	// the number expected (for an export, bytes read and the file size, when known).
	Progress func(done, total int64)
	// Window is the longest unsigned tail (events after the last good checkpoint)
	// accepted when TrustedKeys are given: the sealer's CheckpointEvery. Zero means
	// DefaultWindow. It comes from the verifier, never from what is verified.
	Window int64
}

// progressEvery is how many events pass between Progress calls.
const progressEvery = 1 << 14

// diagnoseWindow is how far past a broken link Verify looks to tell a reorder or an
// insertion from an altered row.
const diagnoseWindow = 512

var errStop = errors.New("stop")

// Verify recomputes the chain in the database from the first event, checks every
// checkpoint (stored and kept) against it and its signature, and reports the first
// problem. It reads in chunks, in constant memory, and looks only at what existed when
// it started: events sealed and checkpoints signed meanwhile wait for the next run.
// The error is for failures to read; a broken trail is a Report with a Problem.
func Verify(ctx context.Context, db *store.DB, opt VerifyOptions) (Report, error) {
	st, err := db.AuditState(ctx)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Trusted: len(opt.TrustedKeys) > 0, Window: opt.window()}
	if rep.Unsealed, err = db.CountUnsealedAudit(ctx); err != nil {
		return rep, err
	}
	w := &chainWalk{
		opt:      opt,
		rep:      &rep,
		head:     st.HeadSeq,
		cps:      &checkpointStream{db: db, maxID: st.CheckpointMaxID, kept: opt.Kept},
		expect:   1,
		prev:     make([]byte, HashSize),
		prevPrev: make([]byte, HashSize),
	}
	if opt.Progress != nil {
		opt.Progress(0, st.HeadSeq)
	}
	err = readEntries(ctx, db, st.HeadSeq, func(c *entryChunk) error { return w.chunk(ctx, c) })
	if err != nil && !errors.Is(err, errStop) {
		return rep, err
	}
	if w.brokenAt != 0 {
		p, err := diagnose(ctx, db, w.brokenAt, w.prev, w.prevPrev)
		rep.Problem = p
		return rep, err
	}
	if w.missingAt != 0 {
		next, err := nextSealed(ctx, db, w.missingAt, st.HeadSeq)
		if err != nil {
			return rep, err
		}
		if next != 0 {
			rep.Problem = newProblem(w.missingAt, Gap, gapDetail(w.missingAt, next))
			return rep, nil
		}
		// The trail ends here after all (its last events went while we read).
	}
	if rep.Problem == nil {
		if rep.Problem, err = checkpointsPastEnd(ctx, w.cps, w.expect); err != nil {
			return rep, err
		}
	}
	// The sealer signs at least every Window events; a longer unsigned tail is what
	// deleting the checkpoints (and rewriting what they covered) leaves.
	checkTail(&rep, rep.Window, fmt.Sprintf("more than the window of %d", rep.Window))
	if opt.Progress != nil {
		opt.Progress(rep.Events, st.HeadSeq)
	}
	return rep, nil
}

// chainWalk is Verify's state as it walks the chain in seq order.
type chainWalk struct {
	opt       VerifyOptions
	rep       *Report
	head      int64
	cps       *checkpointStream
	ch        chainer
	expect    int64
	prev      []byte // hash at expect-1
	prevPrev  []byte // hash at expect-2
	brokenAt  int64
	missingAt int64
}

// chunk checks the events of one chunk in order; it returns errStop at the first
// problem, leaving it in rep.Problem, brokenAt or missingAt.
func (w *chainWalk) chunk(ctx context.Context, c *entryChunk) error {
	rep := w.rep
	for i, seq := range c.seqs {
		if seq != w.expect {
			rep.Problem = newProblem(w.expect, Gap, gapDetail(w.expect, seq))
			return errStop
		}
		link := w.ch.link(w.prev, c.entry(i))
		if !bytes.Equal(link[:], c.hash(i)) {
			w.brokenAt = seq
			return errStop
		}
		w.prevPrev, w.prev = w.prev, append(w.prevPrev[:0], link[:]...)
		w.expect++
		if rep.Events++; rep.Events == 1 {
			rep.FirstSeq = seq
		}
		rep.HeadSeq = seq
		if p, err := w.cps.check(ctx, seq, link[:], w.opt.TrustedKeys, rep); err != nil || p != nil {
			rep.Problem = p
			return cmpErr(err)
		}
	}
	if w.expect <= c.hi {
		// The range should have been full: seqs are dense. Stopping here, rather than
		// at the next event, keeps a single absurd seq from making the readers walk
		// through billions of empty ranges.
		w.missingAt = w.expect
		return errStop
	}
	if w.opt.Progress != nil {
		w.opt.Progress(rep.Events, w.head)
	}
	return nil
}

// nextSealed is the seq of the first sealed event after seq, up to head; 0 if none.
func nextSealed(ctx context.Context, db *store.DB, seq, head int64) (int64, error) {
	next := int64(0)
	err := db.ScanSealedAudit(ctx, seq, head, func(r *redress.AuditRecord) error {
		next = r.Seq
		return errStop
	})
	if err != nil && !errors.Is(err, errStop) {
		return 0, err
	}
	return next, nil
}

// checkpointsPastEnd reports a checkpoint left once the trail has ended before seq
// expect: it signs events past the end of the trail, so they were deleted.
func checkpointsPastEnd(ctx context.Context, cps *checkpointStream, expect int64) (*Problem, error) {
	cp, err := cps.peek(ctx)
	if err != nil || cp == nil {
		return nil, err
	}
	return newProblem(expect, RowMissing, fmt.Sprintf(
		"a checkpoint signed at %s covers events up to seq %d, but the trail ends at seq %d: events were deleted from the end",
		FormatTime(cp.SignedAt), cp.Seq, expect-1)), nil
}

func cmpErr(err error) error {
	if err != nil {
		return err
	}
	return errStop
}

func gapDetail(expect, found int64) string {
	if found == expect+1 {
		return fmt.Sprintf("no event has seq %d (the next is %d): a sealed event was deleted", expect, found)
	}
	return fmt.Sprintf("no events have seq %d-%d (the next is %d): sealed events were deleted", expect, found-1, found)
}

// checkpointStream merges stored checkpoints (read a chunk at a time, by seq) with
// kept ones, and checks each when the chain reaches its seq.
type checkpointStream struct {
	db      *store.DB
	maxID   int64
	kept    []Checkpoint
	buf     []Checkpoint
	afterDB int64 // seq of the last stored checkpoint read
	done    bool
}

func (s *checkpointStream) peek(ctx context.Context) (*Checkpoint, error) {
	if len(s.buf) == 0 && !s.done {
		if s.maxID == 0 {
			s.done = true
		} else {
			rows, err := s.db.AuditCheckpoints(ctx, s.afterDB, s.maxID, 1000)
			if err != nil {
				return nil, err
			}
			for _, r := range rows {
				s.buf = append(s.buf, checkpointFromStore(r))
			}
			if len(rows) > 0 {
				s.afterDB = rows[len(rows)-1].Seq
			}
			s.done = len(rows) < 1000
		}
	}
	switch {
	case len(s.buf) > 0 && (len(s.kept) == 0 || s.buf[0].Seq <= s.kept[0].Seq):
		return &s.buf[0], nil
	case len(s.kept) > 0:
		return &s.kept[0], nil
	}
	return nil, nil
}

func (s *checkpointStream) pop(cp *Checkpoint) {
	if len(s.buf) > 0 && cp == &s.buf[0] {
		s.buf = s.buf[1:]
	} else {
		s.kept = s.kept[1:]
	}
}

// check verifies every checkpoint at or below seq against the chain's hash at seq.
func (s *checkpointStream) check(ctx context.Context, seq int64, hash []byte, trusted []ed25519.PublicKey, rep *Report) (*Problem, error) {
	for {
		cp, err := s.peek(ctx)
		if err != nil || cp == nil || cp.Seq > seq {
			return nil, err
		}
		s.pop(cp)
		if p := checkCheckpoint(*cp, seq, hash, trusted, rep); p != nil {
			return p, nil
		}
	}
}

func checkCheckpoint(cp Checkpoint, seq int64, hash []byte, trusted []ed25519.PublicKey, rep *Report) *Problem {
	if cp.Seq < seq {
		// Only a kept checkpoint for seq 0 or less can get here: stored ones are met
		// in order, each at its own seq.
		return newProblem(cp.Seq, Malformed, "a checkpoint for a sequence number no event can have")
	}
	what := "the checkpoint signed at " + FormatTime(cp.SignedAt)
	if cp.head != nil {
		what = "the published head of " + cp.head.Day // kept by a witness (head.go)
	}
	if err := cp.Verify(trusted); err != nil {
		return newProblem(cp.Seq, BadSignature, strings.TrimPrefix(what, "the ")+": "+err.Error())
	}
	if !bytes.Equal(cp.Hash, hash) {
		// The chain is consistent up to here, so which event was rewritten cannot be
		// told: anything since the last checkpoint that matched.
		good := rep.LastSignedSeq
		if good >= cp.Seq {
			good = rep.prevSigned
		}
		from, since := max(good+1, rep.FirstSeq), "the first event checked"
		if good >= rep.FirstSeq-1 && good > 0 {
			since = fmt.Sprintf("the good checkpoint at seq %d", good)
		}
		return &Problem{Seq: cp.Seq, Kind: CheckpointMismatch, From: from, To: cp.Seq, Detail: fmt.Sprintf(
			"%s rewritten (somewhere after %s, and every hash after that recomputed): %s gives seq %d the hash %x, the chain has %x",
			seqRange(from, cp.Seq), since, what, cp.Seq, cp.Hash[:8], hash[:8])}
	}
	rep.Checkpoints++
	if cp.Seq > rep.LastSignedSeq {
		rep.prevSigned, rep.LastSignedSeq = rep.LastSignedSeq, cp.Seq
	}
	return nil
}

// diagnose names what broke the link at seq s, given the verified hashes at s-1 (prev)
// and s-2 (prevPrev), by trying the explanations in turn against the rows that follow.
func diagnose(ctx context.Context, db *store.DB, s int64, prev, prevPrev []byte) (*Problem, error) {
	var w []redress.AuditRecord
	err := db.ScanSealedAudit(ctx, s-1, s-1+diagnoseWindow, func(r *redress.AuditRecord) error {
		w = append(w, r.Clone())
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(w) == 0 || w[0].Seq != s {
		return newProblem(s, HashMismatch, "the event changed while it was being verified"), nil
	}
	var h recordHasher
	matches := func(prev []byte, r *redress.AuditRecord, seq int64) bool {
		link := h.link(prev, r, seq)
		return bytes.Equal(link[:], r.Hash)
	}
	// The event at s was sealed at s-1: the event now at s-1 does not belong.
	if s >= 2 && matches(prevPrev, &w[0], s-1) {
		return newProblem(s-1, RowInserted, fmt.Sprintf(
			"the event at seq %d was never sealed there: the events from seq %d on were sealed one seq lower", s-1, s)), nil
	}
	// Some later event was sealed at s: it traded places with this one, or this one
	// was put in front of it.
	for j := 1; j < len(w); j++ {
		if !matches(prev, &w[j], s) {
			continue
		}
		t := w[j].Seq
		prevT := w[j-1].Hash
		if t == s+1 {
			prevT = w[j].Hash
		}
		if matches(prevT, &w[0], t) {
			return newProblem(s, Reordered, fmt.Sprintf("the events at seq %d (id %d) and seq %d (id %d) have traded places", s, w[0].ID, t, w[j].ID)), nil
		}
		return newProblem(s, RowInserted, fmt.Sprintf(
			"the event at seq %d (id %d) was never sealed there: the event sealed at seq %d now has seq %d", s, w[0].ID, s, t)), nil
	}
	if len(w) > 1 && w[1].Seq == s+1 && matches(w[0].Hash, &w[1], s+1) {
		detail := fmt.Sprintf("the event (id %d) no longer matches the hash it was sealed with", w[0].ID)
		if s > 1 {
			detail += fmt.Sprintf(" (or seq %d was changed together with its hash)", s-1)
		}
		return newProblem(s, RowAltered, detail), nil
	}
	return newProblem(s, HashMismatch, fmt.Sprintf("the event (id %d) does not match its stored hash, nor does that hash link to the next event", w[0].ID)), nil
}
