package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// The sealer publishes one head a UTC day, once the day is over: the day's last
// checkpoint, chained to the head before. A second process publishes nothing again.
func TestHeadsPublishedOncePerDay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2030, 5, 1, 8, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		a := audit.NewSealer(db, testKey, audit.SealerConfig{BatchSize: 10, CheckpointEvery: 10, Now: clock})
		b := audit.NewSealer(db, testKey, audit.SealerConfig{BatchSize: 10, CheckpointEvery: 10, Now: clock})
		heads := func() []audit.Head {
			t.Helper()
			hs, err := audit.Heads(ctx, db, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			return hs
		}
		record(t, db, 25)
		sealAll(t, a)
		now = now.Add(10 * time.Hour) // 18:00, the same day
		record(t, db, 10)
		sealAll(t, b)
		if hs := heads(); len(hs) != 0 {
			t.Fatalf("a head before the day is over: %+v", hs)
		}
		last, _, err := db.LastAuditCheckpoint(ctx)
		if err != nil || last.Seq != 35 {
			t.Fatalf("the day's last checkpoint: %+v %v", last, err)
		}

		now = time.Date(2030, 5, 2, 0, 0, 1, 0, time.UTC)
		sealAll(t, b)
		sealAll(t, a)
		hs := heads()
		if len(hs) != 1 || hs[0].Day != "2030-05-01" || hs[0].Seq != 35 || !bytes.Equal(hs[0].Hash, last.Hash) || !hs[0].First() {
			t.Fatalf("the head of May 1: %+v", hs)
		}
		if err := hs[0].Verify(testKey.Public()); err != nil {
			t.Fatal(err)
		}

		// Two days without events publish nothing; the next day with events does.
		now = time.Date(2030, 5, 4, 9, 0, 0, 0, time.UTC)
		sealAll(t, a)
		record(t, db, 10)
		sealAll(t, a)
		now = time.Date(2030, 5, 5, 9, 0, 0, 0, time.UTC)
		sealAll(t, a)
		sealAll(t, b)
		hs = heads()
		if len(hs) != 2 || hs[1].Day != "2030-05-04" || hs[1].Seq != 45 || !hs[1].Extends(hs[0]) {
			t.Fatalf("the head of May 4: %+v", hs)
		}
		if err := hs[1].Verify(testKey.Public()); err != nil {
			t.Fatal(err)
		}
		// Heads are append-only, like the checkpoints.
		if _, err := db.Bun().ExecContext(ctx, "UPDATE audit_heads SET seq = seq + 1"); err == nil {
			t.Error("a head was changed")
		}
		if _, err := db.Bun().ExecContext(ctx, "DELETE FROM audit_heads"); err == nil {
			t.Error("a head was deleted")
		}
	})
}

// A checkpoint row the key never signed is never promoted to a head.
func TestHeadNotPublishedForAForeignCheckpoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2030, 6, 1, 8, 0, 0, 0, time.UTC)
		s := audit.NewSealer(db, testKey, audit.SealerConfig{BatchSize: 10, CheckpointEvery: 10, Now: func() time.Time { return now }})
		record(t, db, 10)
		sealAll(t, s)
		other, _ := audit.NewKey()
		record(t, db, 5)
		// Seal the five without a checkpoint, then slip in one signed by another key.
		quiet := audit.NewSealer(db, testKey, audit.SealerConfig{BatchSize: 10, CheckpointEvery: 1000, CheckpointInterval: time.Hour, Now: func() time.Time { return now }})
		sealAll(t, quiet)
		head, hash := headOf(t, db)
		cp := other.Sign(head, hash, now.Add(time.Hour))
		if err := db.SealAudit(ctx, func(ctx context.Context, tx *store.AuditSealTx) error {
			return tx.AddCheckpoint(ctx, store.AuditCheckpoint{Seq: cp.Seq, Hash: cp.Hash, SignedAt: cp.SignedAt, KeyID: cp.KeyID,
				PublicKey: cp.PublicKey, Signature: cp.Signature})
		}); err != nil {
			t.Fatal(err)
		}
		now = time.Date(2030, 6, 2, 8, 0, 0, 0, time.UTC)
		sealAll(t, s)
		if hs, err := audit.Heads(ctx, db, 0, 10); err != nil || len(hs) != 0 {
			t.Fatalf("heads %+v %v, want none", hs, err)
		}
	})
}

func headOf(t *testing.T, db *store.DB) (int64, []byte) {
	t.Helper()
	var seq int64
	var hash []byte
	if err := db.Bun().QueryRowContext(context.Background(), "SELECT seq, hash FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)").Scan(&seq, &hash); err != nil {
		t.Fatal(err)
	}
	return seq, hash
}

// A head's signed message is as docs/audit.md specifies it.
func TestHeadFollowsTheDocumentedEncoding(t *testing.T) {
	hash := bytes.Repeat([]byte{0xab}, 32)
	first := testKey.SignHead("2030-01-02", 42, hash, nil)
	msg := []byte("redress audit head v1\n")
	msg = binary.BigEndian.AppendUint32(msg, 10)
	msg = append(msg, "2030-01-02"...)
	msg = binary.BigEndian.AppendUint64(msg, 42)
	msg = append(msg, hash...)
	msg = append(msg, make([]byte, 32)...)
	if !ed25519.Verify(testKey.Public(), msg, first.Signature) {
		t.Fatal("the signature is not over the documented message")
	}
	sum := sha256.Sum256(msg)
	if !bytes.Equal(first.Digest(), sum[:]) {
		t.Fatal("the digest is not SHA-256 of the message")
	}
	second := testKey.SignHead("2030-01-03", 50, hash, &first)
	if !second.Extends(first) || !bytes.Equal(second.PrevDigest, sum[:]) || second.First() {
		t.Fatal("the second head does not name the first")
	}
	// A checkpoint's signature is never a head's.
	cp := testKey.Sign(42, hash, time.Now())
	forged := first
	forged.Signature = cp.Signature
	if forged.Verify(testKey.Public()) == nil {
		t.Fatal("a checkpoint's signature passed for a head's")
	}
}

// chainOf signs a chain of heads, one a day from 2030-01-01, at the given seqs.
func chainOf(k *audit.Key, seqs ...int64) []audit.Head {
	var out []audit.Head
	for i, seq := range seqs {
		var prev *audit.Head
		if i > 0 {
			prev = &out[i-1]
		}
		day := time.Date(2030, 1, 1+i, 0, 0, 0, 0, time.UTC).Format(audit.DayLayout)
		out = append(out, k.SignHead(day, seq, bytes.Repeat([]byte{byte(seq)}, 32), prev))
	}
	return out
}

// CheckServed takes what extends the kept heads and names the first seq of anything else.
func TestCheckServed(t *testing.T) {
	pub := testKey.Public()
	heads := chainOf(testKey, 10, 20, 30, 40, 50)
	kept := heads[:3]
	// A run from the head before the last kept one (seq 20): the server gives 30, 40, 50.
	fresh, err := audit.CheckServed(kept, heads[2:], 20, pub)
	if err != nil || len(fresh) != 2 || fresh[0].Seq != 40 {
		t.Fatalf("fresh %+v %v", fresh, err)
	}
	if fresh, err := audit.CheckServed(nil, heads, 0, pub); err != nil || len(fresh) != 5 {
		t.Fatalf("the first run: %d %v", len(fresh), err)
	}
	if fresh, err := audit.CheckServed(kept, heads[2:3], 20, pub); err != nil || len(fresh) != 0 {
		t.Fatalf("nothing new: %d %v", len(fresh), err)
	}

	// The history rewritten from seq 25: every head from 30 on re-signed.
	rewritten := chainOf(testKey, 10, 20, 31, 40, 50)
	rewritten[2] = testKey.SignHead(rewritten[2].Day, 30, bytes.Repeat([]byte{0xee}, 32), &rewritten[1])
	for i := 3; i < 5; i++ {
		rewritten[i] = testKey.SignHead(rewritten[i].Day, rewritten[i].Seq, rewritten[i].Hash, &rewritten[i-1])
	}
	other, _ := audit.NewKey()
	badSig := append([]audit.Head(nil), heads...)
	badSig[3].Signature = other.SignHead(heads[3].Day, 40, heads[3].Hash, &heads[2]).Signature
	foreignNext := testKey.SignHead("2030-01-04", 40, heads[3].Hash, &rewritten[2])

	cases := []struct {
		name   string
		kept   []audit.Head
		served []audit.Head
		after  int64
		want   string
	}{
		{"kept head changed", kept, rewritten[2:], 20, "at seq 30 (head of 2030-01-03): the witness kept hash 1e1e1e1e1e1e1e1e…, the server now serves eeeeeeeeeeeeeeee…"},
		{"kept head missing", kept, heads[3:], 20, "at seq 30 (head of 2030-01-03): the kept head is missing from the server"},
		{"a head appears between kept ones", []audit.Head{heads[0], heads[2]}, heads[:3], 0, "at seq 20 (head of 2030-01-02): the server now has a head here that the witness never saw"},
		{"new head extends another", kept, []audit.Head{heads[2], foreignNext}, 20, "at seq 40 (head of 2030-01-04): does not extend the kept head of seq 30"},
		{"bad signature", kept, badSig[2:], 20, "at seq 40 (head of 2030-01-04): the signature does not verify"},
		{"another key", kept, chainOf(other, 10, 20, 30), 0, "at seq 10 (head of 2030-01-01): the signature does not verify"},
		{"backwards", kept, []audit.Head{heads[2], heads[1]}, 20, "at seq 20 (head of 2030-01-02): asked for heads after seq 20"},
		{"out of order", kept, []audit.Head{heads[2], heads[4], heads[3]}, 20, "at seq 40 (head of 2030-01-04): follows the head of seq 50"},
		{"first head names a deleted one", nil, heads[1:], 0, "at seq 20 (head of 2030-01-02): the first head served names a head before it"},
	}
	for _, c := range cases {
		_, err := audit.CheckServed(c.kept, c.served, c.after, pub)
		var rw *audit.Rewritten
		if !errors.As(err, &rw) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// A witness's file reads back as written, and a hand-edited one is refused.
func TestWitnessFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "witness.jsonl")
	if _, err := audit.ReadWitnessFile(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("no file yet: %v", err)
	}
	w := &audit.WitnessFile{URL: "https://example.org", PublicKey: testKey.Public(), Pinned: "given", Since: time.Now(), Heads: chainOf(testKey, 10, 20, 30)}
	if err := w.Write(path); err != nil {
		t.Fatal(err)
	}
	got, err := audit.ReadWitnessFile(path)
	if err != nil || len(got.Heads) != 3 || !got.Heads[2].Equal(w.Heads[2]) || !got.PublicKey.Equal(testKey.Public()) || got.Pinned != "given" {
		t.Fatalf("read back: %+v %v", got, err)
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".witness*")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	edited := strings.Join([]string{lines[0], lines[1], lines[3]}, "\n") // the head of seq 20 dropped
	os.WriteFile(path, []byte(edited), 0o600)
	if _, err := audit.ReadWitnessFile(path); err == nil || !strings.Contains(err.Error(), "seq 30 does not extend") {
		t.Fatalf("an edited file: %v", err)
	}
}
