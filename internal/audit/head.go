package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redress-oversight/redress/internal/store"
)

// Published heads, for outside witnesses (docs/audit.md, "Outside witnesses").
//
// A checkpoint names the chain's (seq, hash) but not the checkpoint before it, so from
// two checkpoints alone nobody can tell that the later extends the earlier: that takes
// every event between them. Heads fix this without showing any event. Once a UTC day is
// over, the sealer signs the day's last checkpoint again as the day's head, and each
// head commits to the previous one (PrevDigest, the SHA-256 of its signed message).
// A witness that kept a head checks that the next one names it, and that the head it
// kept is still served unchanged: whoever rewrites events before a witnessed head must
// re-sign that head (or the chain of heads no longer verifies against the trail), and
// the witness sees the change. One head a day at most: the public learns no more than
// how many events each day brought.

// headDomain starts every signed head, so a head's signature can never pass for a
// checkpoint's or anything else's made with the same key.
const headDomain = "redress audit head v1\n"

// DayLayout is a head's day: a UTC date.
const DayLayout = "2006-01-02"

// Head is one published head: on Day (UTC) the chain's last checkpoint was at Seq with
// Hash; PrevDigest is the previous head's Digest (32 zero bytes for the first head).
type Head struct {
	Day        string
	Seq        int64
	Hash       []byte
	PrevDigest []byte
	KeyID      string
	Signature  []byte
}

// message is what is signed: the domain ‖ str(day) ‖ i64(seq) ‖ hash ‖ prev digest.
func (h Head) message() []byte {
	b := append([]byte(nil), headDomain...)
	b = appendStr(b, []byte(h.Day))
	b = binary.BigEndian.AppendUint64(b, uint64(h.Seq))
	b = append(b, h.Hash...)
	return append(b, h.PrevDigest...)
}

// Digest is SHA-256 of the head's signed message: what the next head's PrevDigest
// must be. It covers the previous digest too, so it commits to every head before.
func (h Head) Digest() []byte {
	sum := sha256.Sum256(h.message())
	return sum[:]
}

// Verify checks the head's form and its signature by pub.
func (h Head) Verify(pub ed25519.PublicKey) error {
	if _, err := time.Parse(DayLayout, h.Day); err != nil {
		return fmt.Errorf("head of seq %d: day %q is not a date", h.Seq, h.Day)
	}
	if h.Seq < 1 || len(h.Hash) != HashSize || len(h.PrevDigest) != HashSize {
		return fmt.Errorf("head of seq %d is malformed (hash of %d bytes, previous digest of %d)", h.Seq, len(h.Hash), len(h.PrevDigest))
	}
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, h.message(), h.Signature) {
		return fmt.Errorf("head of seq %d (%s): the signature does not verify with key %s", h.Seq, h.Day, KeyID(pub))
	}
	return nil
}

// Extends reports whether h names prev as the head before it.
func (h Head) Extends(prev Head) bool { return bytes.Equal(h.PrevDigest, prev.Digest()) }

// Equal reports whether two heads are the same signed statement.
func (h Head) Equal(o Head) bool {
	return h.Day == o.Day && h.Seq == o.Seq && bytes.Equal(h.Hash, o.Hash) && bytes.Equal(h.PrevDigest, o.PrevDigest) &&
		bytes.Equal(h.Signature, o.Signature)
}

// First reports whether h is the first head ever published (no previous digest).
func (h Head) First() bool { return bytes.Equal(h.PrevDigest, make([]byte, HashSize)) }

type headJSON struct {
	Type      string `json:"type"`
	Day       string `json:"day"`
	Seq       int64  `json:"seq"`
	Hash      string `json:"hash"`
	Prev      string `json:"prev"`
	KeyID     string `json:"key_id"`
	Signature string `json:"signature"`
}

// MarshalJSON writes the head as the public API and a witness's file show it: hashes
// in hex, the signature in base64.
func (h Head) MarshalJSON() ([]byte, error) {
	return json.Marshal(headJSON{Type: "head", Day: h.Day, Seq: h.Seq, Hash: hex.EncodeToString(h.Hash),
		Prev: hex.EncodeToString(h.PrevDigest), KeyID: h.KeyID, Signature: base64.StdEncoding.EncodeToString(h.Signature)})
}

// UnmarshalJSON reads a head; Verify checks it.
func (h *Head) UnmarshalJSON(b []byte) error {
	var j headJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.Type != "" && j.Type != "head" {
		return fmt.Errorf("not a head but %q", j.Type)
	}
	hash, err := hex.DecodeString(j.Hash)
	if err != nil {
		return fmt.Errorf("head hash: %w", err)
	}
	prev, err := hex.DecodeString(j.Prev)
	if err != nil {
		return fmt.Errorf("head prev: %w", err)
	}
	sig, err := base64.StdEncoding.DecodeString(j.Signature)
	if err != nil {
		return fmt.Errorf("head signature: %w", err)
	}
	*h = Head{Day: j.Day, Seq: j.Seq, Hash: hash, PrevDigest: prev, KeyID: j.KeyID, Signature: sig}
	return nil
}

// SignHead signs the head of day for the chain at (seq, hash), after prev (nil: the
// first head).
func (k *Key) SignHead(day string, seq int64, hash []byte, prev *Head) Head {
	h := Head{Day: day, Seq: seq, Hash: append([]byte(nil), hash...), PrevDigest: make([]byte, HashSize), KeyID: k.ID()}
	if prev != nil {
		h.PrevDigest = prev.Digest()
	}
	h.Signature = ed25519.Sign(k.priv, h.message())
	return h
}

// HeadFromStore converts a stored head.
func HeadFromStore(r store.AuditHead) Head {
	return Head{Day: r.Day, Seq: r.Seq, Hash: r.Hash, PrevDigest: r.PrevDigest, KeyID: r.KeyID, Signature: r.Signature}
}

// Heads returns up to limit published heads with seq > afterSeq, oldest first.
func Heads(ctx context.Context, db *store.DB, afterSeq int64, limit int) ([]Head, error) {
	rows, err := db.AuditHeads(ctx, afterSeq, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Head, len(rows))
	for i, r := range rows {
		out[i] = HeadFromStore(r)
	}
	return out, nil
}

// publishHead signs the head of the last UTC day before now's that has a checkpoint,
// unless it is published already. Only the day's last checkpoint becomes its head, so
// the head of a day waits for the day to end. Before vouching for the checkpoint again
// it checks that the checkpoint is the key's own and that the chain still has its hash
// at its seq: a row slipped into audit_checkpoints is never promoted.
func (s *Sealer) publishHead(ctx context.Context) error {
	return s.db.SealAudit(ctx, func(ctx context.Context, tx *store.AuditSealTx) error {
		today := s.cfg.Now().UTC().Truncate(24 * time.Hour)
		cp, ok, err := tx.LastCheckpointBefore(ctx, today)
		if err != nil || !ok {
			return err
		}
		day := cp.SignedAt.UTC().Format(DayLayout)
		last, haveLast, err := tx.LastHead(ctx)
		if err != nil {
			return err
		}
		if haveLast && (cp.Seq <= last.Seq || day <= last.Day) {
			return nil // published already (or the clocks of two servers disagree)
		}
		c := checkpointFromStore(cp)
		if err := c.Verify([]ed25519.PublicKey{s.key.Public()}); err != nil {
			s.cfg.Logger.Error("not publishing the audit head: the day's last checkpoint is not this key's", "seq", cp.Seq, "problem", err.Error())
			return errHeadRefused
		}
		hash, err := tx.HashAt(ctx, cp.Seq)
		if err != nil {
			return err
		}
		if !bytes.Equal(hash, cp.Hash) {
			s.cfg.Logger.Error("not publishing the audit head: the chain no longer has the checkpoint's hash; run `redress audit verify`", "seq", cp.Seq)
			return errHeadRefused
		}
		var prev *Head
		if haveLast {
			p := HeadFromStore(last)
			prev = &p
		}
		h := s.key.SignHead(day, cp.Seq, cp.Hash, prev)
		return tx.AddHead(ctx, store.AuditHead{Seq: h.Seq, Day: h.Day, Hash: h.Hash, PrevDigest: h.PrevDigest,
			SignedAt: s.cfg.Now(), KeyID: h.KeyID, PublicKey: s.key.Public(), Signature: h.Signature})
	})
}

// errHeadRefused: the head was not signed, and will not be until the next day.
var errHeadRefused = errors.New("audit head refused")

// maybePublishHead publishes the last day's head once per UTC day per process; the
// look costs two indexed reads, and a busy lock or an error is tried again next pass.
func (s *Sealer) maybePublishHead(ctx context.Context) error {
	day := s.cfg.Now().UTC().Format(DayLayout)
	if s.headDay == day {
		return nil
	}
	err := s.publishHead(ctx)
	switch {
	case err == nil, errors.Is(err, errHeadRefused):
		s.headDay = day
		return nil
	case errors.Is(err, store.ErrSealerBusy):
		return nil
	}
	return err
}
