package audit

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/redress-oversight/redress/internal/store"
)

// checkpointDomain starts every signed message, so a checkpoint signature can never be
// mistaken for a signature over anything else made with the same key.
const checkpointDomain = "redress audit checkpoint v1\n"

// Checkpoint is a signed statement that the chain's event seq had hash Hash at
// SignedAt. Its JSON form is one line of an export ("type":"checkpoint"); a file of such
// lines, kept by an oversight body, is what `redress audit verify --checkpoints` reads.
type Checkpoint struct {
	Seq       int64
	Hash      []byte
	SignedAt  time.Time
	KeyID     string
	PublicKey ed25519.PublicKey
	Signature []byte
	// head is set when this stands for a published head read from a witness's file
	// (head.go): the same (seq, hash) fixed by another signed message.
	head *Head
}

// message is what is signed: the domain string ‖ i64(seq) ‖ hash ‖ str(signed_at).
func (c Checkpoint) message() []byte {
	b := append([]byte(nil), checkpointDomain...)
	b = binary.BigEndian.AppendUint64(b, uint64(c.Seq))
	b = append(b, c.Hash...)
	return appendStr(b, appendTime(nil, c.SignedAt))
}

// Verify checks the signature, and that the signing key is one of trusted. With no
// trusted keys given, the key stored with the checkpoint is taken at its word; that
// proves only that the checkpoint was not altered after signing.
func (c Checkpoint) Verify(trusted []ed25519.PublicKey) error {
	if len(c.PublicKey) != ed25519.PublicKeySize || len(c.Hash) != HashSize {
		return fmt.Errorf("malformed checkpoint (public key of %d bytes, hash of %d)", len(c.PublicKey), len(c.Hash))
	}
	if len(trusted) > 0 && !slices.ContainsFunc(trusted, func(k ed25519.PublicKey) bool { return c.PublicKey.Equal(k) }) {
		return fmt.Errorf("signed by key %s, which is not a trusted key", KeyID(c.PublicKey))
	}
	if c.head != nil {
		return c.head.Verify(c.PublicKey)
	}
	if !ed25519.Verify(c.PublicKey, c.message(), c.Signature) {
		return fmt.Errorf("the signature by key %s does not match the checkpoint", KeyID(c.PublicKey))
	}
	return nil
}

type checkpointJSON struct {
	Type      string `json:"type"`
	Seq       int64  `json:"seq"`
	Hash      string `json:"hash"`
	SignedAt  string `json:"signed_at"`
	KeyID     string `json:"key_id"`
	PublicKey string `json:"public_key"`
	Signature string `json:"signature"`
}

// MarshalJSON writes the checkpoint as an export line: hashes in hex, key and signature
// in base64, the time in TimeLayout.
func (c Checkpoint) MarshalJSON() ([]byte, error) {
	return json.Marshal(checkpointJSON{Type: "checkpoint", Seq: c.Seq, Hash: hex.EncodeToString(c.Hash),
		SignedAt: FormatTime(c.SignedAt), KeyID: c.KeyID, PublicKey: EncodePublicKey(c.PublicKey),
		Signature: base64.StdEncoding.EncodeToString(c.Signature)})
}

// UnmarshalJSON reads an export's checkpoint line.
func (c *Checkpoint) UnmarshalJSON(b []byte) error {
	var j checkpointJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	return c.fromJSON(j)
}

func (c *Checkpoint) fromJSON(j checkpointJSON) error {
	if j.Type != "" && j.Type != "checkpoint" {
		return fmt.Errorf("not a checkpoint but %q", j.Type)
	}
	hash, err := hex.DecodeString(j.Hash)
	if err != nil {
		return fmt.Errorf("checkpoint hash: %w", err)
	}
	at, err := time.Parse(TimeLayout, j.SignedAt)
	if err != nil {
		return fmt.Errorf("checkpoint signed_at: %w", err)
	}
	pub, err := ParsePublicKey(j.PublicKey)
	if err != nil {
		return fmt.Errorf("checkpoint public_key: %w", err)
	}
	sig, err := base64.StdEncoding.DecodeString(j.Signature)
	if err != nil {
		return fmt.Errorf("checkpoint signature: %w", err)
	}
	*c = Checkpoint{Seq: j.Seq, Hash: hash, SignedAt: at, KeyID: j.KeyID, PublicKey: pub, Signature: sig}
	return nil
}

func checkpointFromStore(cp store.AuditCheckpoint) Checkpoint {
	return Checkpoint{Seq: cp.Seq, Hash: cp.Hash, SignedAt: cp.SignedAt, KeyID: cp.KeyID,
		PublicKey: ed25519.PublicKey(cp.PublicKey), Signature: cp.Signature}
}

// Checkpoints returns up to limit stored checkpoints with seq > afterSeq, oldest first:
// what /api/v1/audit/checkpoints pages through, for oversight bodies to keep.
func Checkpoints(ctx context.Context, db *store.DB, afterSeq int64, limit int) ([]Checkpoint, error) {
	rows, err := db.AuditCheckpoints(ctx, afterSeq, 0, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Checkpoint, len(rows))
	for i, r := range rows {
		out[i] = checkpointFromStore(r)
	}
	return out, nil
}

// WriteCheckpoints writes checkpoints as JSON Lines, the form ReadCheckpoints reads.
func WriteCheckpoints(w io.Writer, cps []Checkpoint) error {
	for _, cp := range cps {
		b, err := json.Marshal(cp)
		if err != nil {
			return err
		}
		if _, err := w.Write(append(b, '\n')); err != nil {
			return err
		}
	}
	return nil
}

// ReadCheckpoints reads the checkpoint lines of a JSON Lines file (an export, or a file
// of checkpoints kept from the API) and ignores every other line, sorted by seq. The
// heads of an outside witness's file (witness.go) are read too, each as the (seq,
// hash) it signs, with the key the file pinned: a trail is checked against a witness's
// heads as against kept checkpoints.
func ReadCheckpoints(r io.Reader) ([]Checkpoint, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLine)
	var out []Checkpoint
	var witnessKey ed25519.PublicKey
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var j checkpointJSON
		if err := json.Unmarshal(line, &j); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		switch j.Type {
		case "witness":
			var err error
			if witnessKey, err = ParsePublicKey(j.PublicKey); err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			continue
		case "head":
			var h Head
			if err := json.Unmarshal(line, &h); err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			if witnessKey == nil {
				return nil, fmt.Errorf("line %d: a head before the witness line naming its key", n)
			}
			out = append(out, Checkpoint{Seq: h.Seq, Hash: h.Hash, KeyID: h.KeyID, PublicKey: witnessKey, Signature: h.Signature, head: &h})
			continue
		}
		if j.Type != "checkpoint" {
			continue
		}
		var cp Checkpoint
		if err := cp.fromJSON(j); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, cp)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b Checkpoint) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, nil
}
