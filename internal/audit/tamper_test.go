package audit_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// Someone with full control of the database drops the triggers and changes the trail;
// verification names the first sequence number that is wrong and what is wrong with it.
// The trail: 30 events, checkpoints signed at seq 10, 20 and 30.
func TestTamperDetected(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, db *store.DB)
		// kept, when set, are checkpoints an oversight body fetched before the tampering.
		useKept bool
		seq     int64
		kind    audit.ProblemKind
	}{
		{name: "ChangeField", seq: 15, kind: audit.RowAltered, tamper: func(t *testing.T, db *store.DB) {
			exec(t, db, "UPDATE audit_events SET actor = 'someone else' WHERE seq = 15")
		}},
		{name: "ChangeDetails", seq: 7, kind: audit.RowAltered, tamper: func(t *testing.T, db *store.DB) {
			exec(t, db, `UPDATE audit_events SET details = '{"n":6}' WHERE seq = 7`)
		}},
		{name: "ChangeTimeByAMicrosecond", seq: 3, kind: audit.RowAltered, tamper: func(t *testing.T, db *store.DB) {
			exec(t, db, "UPDATE audit_events SET occurred_at = ? WHERE seq = 3", time.Date(2025, 11, 26, 9, 30, 2, 123457000, time.UTC))
		}},
		{name: "ChangeFieldAndItsHash", seq: 16, kind: audit.RowAltered, tamper: func(t *testing.T, db *store.DB) {
			// The forger recomputes seq 15's hash; the link to 16 breaks instead.
			exec(t, db, "UPDATE audit_events SET actor = 'someone else', hash = ? WHERE seq = 15",
				forgedHash(t, db, 15, "someone else"))
		}},
		{name: "DeleteOne", seq: 15, kind: audit.Gap, tamper: func(t *testing.T, db *store.DB) {
			exec(t, db, "DELETE FROM audit_events WHERE seq = 15")
		}},
		{name: "InsertOne", seq: 15, kind: audit.RowInserted, tamper: func(t *testing.T, db *store.DB) {
			// Make room at 15 by renumbering the rest, then put in an event whose hash
			// links correctly to 14.
			exec(t, db, "UPDATE audit_events SET seq = -seq WHERE seq >= 15")
			exec(t, db, "UPDATE audit_events SET seq = -seq + 1 WHERE seq < 0")
			forge(t, db, 15, hashAt(t, db, 14))
		}},
		{name: "ReorderTwo", seq: 12, kind: audit.Reordered, tamper: func(t *testing.T, db *store.DB) {
			swap(t, db, 12, 17)
		}},
		{name: "ReorderNeighbours", seq: 21, kind: audit.Reordered, tamper: func(t *testing.T, db *store.DB) {
			swap(t, db, 21, 22)
		}},
		{name: "TruncateTail", seq: 26, kind: audit.RowMissing, tamper: func(t *testing.T, db *store.DB) {
			exec(t, db, "DELETE FROM audit_events WHERE seq > 25")
		}},
		{name: "RewriteTail", seq: 20, kind: audit.CheckpointMismatch, tamper: rewriteTail},
		{name: "RewriteTailAndDropCheckpoints", seq: 20, kind: audit.CheckpointMismatch, useKept: true,
			tamper: func(t *testing.T, db *store.DB) {
				rewriteTail(t, db)
				exec(t, db, "DELETE FROM audit_checkpoints WHERE seq > 15")
			}},
		{name: "RewriteTailAndSignWithAnotherKey", seq: 20, kind: audit.BadSignature, tamper: func(t *testing.T, db *store.DB) {
			rewriteTail(t, db)
			exec(t, db, "DELETE FROM audit_checkpoints WHERE seq > 15")
			other, _ := audit.NewKey()
			cp := other.Sign(20, hashAt(t, db, 20), time.Now())
			exec(t, db, "INSERT INTO audit_checkpoints (seq, hash, signed_at, key_id, public_key, signature) VALUES (?, ?, ?, ?, ?, ?)",
				cp.Seq, cp.Hash, cp.SignedAt, cp.KeyID, []byte(cp.PublicKey), cp.Signature)
		}},
		{name: "ChangeCheckpointSignature", seq: 20, kind: audit.BadSignature, tamper: func(t *testing.T, db *store.DB) {
			cps, err := audit.Checkpoints(context.Background(), db, 19, 1)
			if err != nil || len(cps) != 1 {
				t.Fatal(err)
			}
			cps[0].Signature[5] ^= 1
			exec(t, db, "UPDATE audit_checkpoints SET signature = ? WHERE seq = 20", cps[0].Signature)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				record(t, db, 30)
				sealAll(t, sealer(db))
				if rep := verify(t, db, trusted()); !rep.OK() || rep.Checkpoints != 3 {
					t.Fatalf("before tampering: %v", rep)
				}
				kept, err := audit.Checkpoints(context.Background(), db, 0, 100)
				if err != nil {
					t.Fatal(err)
				}
				dropTriggers(t, db)
				tc.tamper(t, db)
				opt := trusted()
				if tc.useKept {
					if rep := verify(t, db, opt); !rep.OK() {
						t.Fatalf("without the kept checkpoints a consistent rewrite passes, yet: %v", rep)
					}
					opt.Kept = kept
				}
				rep := verify(t, db, opt)
				if rep.OK() || rep.Problem.Seq != tc.seq || rep.Problem.Kind != tc.kind {
					t.Fatalf("got %q, want seq %d: %s", rep, tc.seq, tc.kind)
				}
				t.Log(rep)
			})
		})
	}
}

// hashAt reads the stored hash at seq.
func hashAt(t *testing.T, db *store.DB, seq int64) []byte {
	t.Helper()
	var h []byte
	if err := db.Bun().QueryRowContext(context.Background(), "SELECT hash FROM audit_events WHERE seq = ?", seq).Scan(&h); err != nil {
		t.Fatalf("hash at %d: %v", seq, err)
	}
	return h
}

var forgedAt = time.Date(2025, 11, 27, 3, 0, 0, 0, time.UTC)

// forge inserts an event at seq whose hash links correctly to prev, and returns it.
func forge(t *testing.T, db *store.DB, seq int64, prev []byte) []byte {
	t.Helper()
	id := 1000 + seq
	ev := audit.Event{Seq: seq, ID: id, OccurredAt: audit.FormatTime(forgedAt), Actor: "forger", Action: "test.event", Details: "{}"}
	h := audit.Hash(prev, ev)
	exec(t, db, `INSERT INTO audit_events (id, occurred_at, actor, actor_role, action, request_id, details, seq, hash)
		VALUES (?, ?, 'forger', '', 'test.event', '', '{}', ?, ?)`, id, forgedAt, seq, h[:])
	return h[:]
}

// forgedHash is the hash seq would have with a different actor.
func forgedHash(t *testing.T, db *store.DB, seq int64, actor string) []byte {
	t.Helper()
	ev := exportedAt(t, db, seq)
	ev.Actor = actor
	h := audit.Hash(hashAt(t, db, seq-1), ev)
	return h[:]
}

func exportedAt(t *testing.T, db *store.DB, seq int64) audit.Event {
	t.Helper()
	var out bytes.Buffer
	if _, err := audit.Export(context.Background(), db, &out, audit.ExportFilter{}); err != nil {
		t.Fatal(err)
	}
	for _, ev := range exportedEvents(t, out.Bytes()) {
		if ev.Seq == seq {
			return ev.Event
		}
	}
	t.Fatalf("no seq %d", seq)
	return audit.Event{}
}

// swap makes the events at a and b trade sequence numbers (their hashes go with them).
func swap(t *testing.T, db *store.DB, a, b int64) {
	t.Helper()
	exec(t, db, "UPDATE audit_events SET seq = -1 WHERE seq = ?", a)
	exec(t, db, "UPDATE audit_events SET seq = ? WHERE seq = ?", a, b)
	exec(t, db, "UPDATE audit_events SET seq = ? WHERE seq = -1", b)
}

// rewriteTail replaces events 16-30 with forged ones chained correctly from 15: a
// history that checks out link by link, which only signatures can catch.
func rewriteTail(t *testing.T, db *store.DB) {
	t.Helper()
	exec(t, db, "DELETE FROM audit_events WHERE seq > 15")
	prev := hashAt(t, db, 15)
	for seq := int64(16); seq <= 30; seq++ {
		prev = forge(t, db, seq, prev)
	}
}

// A sealed event moved to an absurd sequence number is a gap where it was, found without
// reading through the empty numbers in between.
func TestTamperFarSeq(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		record(t, db, 30)
		sealAll(t, sealer(db))
		dropTriggers(t, db)
		exec(t, db, "UPDATE audit_events SET seq = 4000000000000 WHERE seq = 30")
		rep := verify(t, db, trusted())
		if rep.OK() || rep.Problem.Seq != 30 || rep.Problem.Kind != audit.Gap {
			t.Fatalf("got %q, want seq 30: gap", rep)
		}
	})
}
