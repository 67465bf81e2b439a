package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

func TestSealAndVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := sealer(db)
		if rep := verify(t, db, trusted()); !rep.OK() || rep.Events != 0 || rep.Checkpoints != 0 {
			t.Fatalf("empty trail: %v", rep)
		}
		record(t, db, 25)
		if rep := verify(t, db, trusted()); !rep.OK() || rep.Unsealed != 25 {
			t.Fatalf("unsealed events are not an error: %v", rep)
		}
		if n := sealAll(t, s); n != 25 {
			t.Fatalf("sealed %d, want 25", n)
		}
		if n := sealAll(t, s); n != 0 {
			t.Fatalf("sealed %d again", n)
		}
		rep := verify(t, db, trusted())
		// Batches of ten, a checkpoint when ten were sealed since the last: 10, 20; 25 is
		// signed once the interval passes.
		if !rep.OK() || rep.Events != 25 || rep.HeadSeq != 25 || rep.Unsealed != 0 || rep.Checkpoints != 2 || rep.LastSignedSeq != 20 {
			t.Fatalf("report %+v", rep)
		}
		if got := rep.String(); !strings.HasPrefix(got, "audit trail OK: 25 events (seq 1-25), 2 checkpoints (last at seq 20), 0 unsealed; signatures cover seq 1-20 of 1-25 (80.0%), then an unsigned tail of 5 events (seq 21-25) within the window of 1000") {
			t.Fatalf("summary %q", got)
		}

		// The head moved and the interval passed: a checkpoint with nothing to seal.
		later := audit.NewSealer(db, testKey, audit.SealerConfig{CheckpointInterval: time.Minute,
			Now: func() time.Time { return time.Now().Add(2 * time.Minute) }})
		sealAll(t, later)
		if rep := verify(t, db, trusted()); !rep.OK() || rep.Checkpoints != 3 || rep.LastSignedSeq != 25 {
			t.Fatalf("after the interval: %+v", rep)
		}
		// The head did not move: no new checkpoint, however long it has been.
		sealAll(t, later)
		if cps, _ := audit.Checkpoints(ctx, db, 0, 100); len(cps) != 3 {
			t.Fatalf("%d checkpoints, want 3", len(cps))
		}
		// Flush (serve on its way out) signs a head that moved at all, at once.
		record(t, db, 2)
		if n, err := s.Flush(ctx); err != nil || n != 2 {
			t.Fatalf("flush: %d %v", n, err)
		}
		if rep := verify(t, db, trusted()); !rep.OK() || rep.Checkpoints != 4 || rep.LastSignedSeq != 27 {
			t.Fatalf("after flush: %+v", rep)
		}
		if n, err := s.Flush(ctx); err != nil || n != 0 {
			t.Fatalf("second flush: %d %v", n, err)
		}
		if cps, _ := audit.Checkpoints(ctx, db, 0, 100); len(cps) != 4 {
			t.Fatalf("%d checkpoints after a flush with nothing new, want 4", len(cps))
		}

		// Another key's signatures are refused when a key is trusted.
		other, _ := audit.NewKey()
		rep = verify(t, db, audit.VerifyOptions{TrustedKeys: []ed25519.PublicKey{other.Public()}})
		if rep.OK() || rep.Problem.Seq != 10 || rep.Problem.Kind != audit.BadSignature {
			t.Fatalf("untrusted key: %v", rep)
		}
		// Without a trusted key the check still runs, and says what it could not prove.
		if rep := verify(t, db, audit.VerifyOptions{}); !rep.OK() || !strings.Contains(rep.String(), "no trusted key") {
			t.Fatalf("no key: %v", rep)
		}
	})
}

// The chain's hashes are exactly those of the documented encoding, computed from the
// events as exported (so an independent program computing the same gets the same).
func TestChainFollowsTheDocumentedEncoding(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		record(t, db, 3)
		sealAll(t, sealer(db))
		var out bytes.Buffer
		if _, err := audit.Export(ctx, db, &out, audit.ExportFilter{}); err != nil {
			t.Fatal(err)
		}
		var prev [32]byte
		for i, ev := range exportedEvents(t, out.Bytes()) {
			if ev.Seq != int64(i+1) {
				t.Fatalf("seq %d at %d", ev.Seq, i)
			}
			if want := "2025-11-26T09:30:0" + string(rune('0'+i)) + ".123456Z"; ev.OccurredAt != want {
				t.Fatalf("occurred_at %q, want %q (UTC, microseconds, six digits)", ev.OccurredAt, want)
			}
			h := manualHash(prev[:], ev.Event)
			if got := audit.Hash(prev[:], ev.Event); got != h {
				t.Fatalf("seq %d: audit.Hash %x, by hand %x", ev.Seq, got, h)
			}
			if ev.hash != h {
				t.Fatalf("seq %d: stored %x, by hand %x", ev.Seq, ev.hash, h)
			}
			prev = h
		}
	})
}

func TestSealerRefusesToSignTamperedChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := sealer(db)
		record(t, db, 15)
		sealAll(t, s) // checkpoint at 10
		dropTriggers(t, db)
		exec(t, db, "UPDATE audit_events SET action = 'nothing.happened' WHERE seq = 12")
		record(t, db, 10)
		if n := sealAll(t, s); n != 10 {
			t.Fatalf("sealed %d: business events must still be sealed", n)
		}
		cps, err := audit.Checkpoints(context.Background(), db, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(cps) != 1 || cps[0].Seq != 10 {
			t.Fatalf("checkpoints %v: the sealer signed over an altered event", cps)
		}
		if rep := verify(t, db, trusted()); rep.OK() || rep.Problem.Seq != 12 {
			t.Fatalf("verify: %v", rep)
		}
	})
}

func TestKeys(t *testing.T) {
	dir := t.TempDir()
	k1, created, err := audit.LoadOrCreateKeyFile(dir + "/audit.key")
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	k2, created, err := audit.LoadOrCreateKeyFile(dir + "/audit.key")
	if err != nil || created || !k1.Public().Equal(k2.Public()) {
		t.Fatalf("load: %v %v", created, err)
	}
	k3, err := audit.ParseKey(k1.Encode())
	if err != nil || !k3.Public().Equal(k1.Public()) {
		t.Fatalf("parse seed: %v", err)
	}
	full := append(k1.Public()[:0:0], seedOf(t, k1)...)
	full = append(full, k1.Public()...)
	if k4, err := audit.ParseKey(b64(full)); err != nil || !k4.Public().Equal(k1.Public()) {
		t.Fatalf("parse 64-byte key: %v", err)
	}
	full[40] ^= 1
	if _, err := audit.ParseKey(b64(full)); err == nil {
		t.Fatal("a 64-byte key whose halves disagree was accepted")
	}
	if _, err := audit.ParseKey("c2hvcnQ="); err == nil {
		t.Fatal("a short key was accepted")
	}
	pub, err := audit.ParsePublicKey(audit.EncodePublicKey(k1.Public()))
	if err != nil || !pub.Equal(k1.Public()) {
		t.Fatalf("public key round trip: %v", err)
	}
	if strings.Contains(k1.String(), k1.Encode()) || strings.Contains(k1.String(), b64(seedOf(t, k1))) {
		t.Fatal("String shows the private key")
	}
}

func TestFormatTime(t *testing.T) {
	for _, tc := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), "2025-07-01T00:00:00.000000Z"},
		{time.Date(2025, 12, 31, 23, 59, 59, 999999999, time.UTC), "2025-12-31T23:59:59.999999Z"},
		{time.Date(2025, 3, 9, 2, 5, 7, 1000, time.FixedZone("EST", -5*3600)), "2025-03-09T07:05:07.000001Z"},
		{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), "0001-01-01T00:00:00.000000Z"},
	} {
		if got := audit.FormatTime(tc.in); got != tc.want || got != tc.in.UTC().Truncate(time.Microsecond).Format(audit.TimeLayout) {
			t.Errorf("FormatTime(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The worked example of docs/audit.md, so the document and the code cannot drift apart.
func TestDocumentedExample(t *testing.T) {
	complaint, agency := int64(7), int64(312)
	ev := audit.Event{Seq: 1, ID: 42, OccurredAt: "2025-07-20T14:03:05.123456Z", Actor: "public", Action: "complaint.filed",
		ComplaintID: &complaint, AgencyID: &agency, RequestID: "req-1", Details: `{"language":"es"}`}
	digest := audit.BodyDigest(ev)
	h := audit.Hash(make([]byte, 32), ev)
	cp := testKey.Sign(1, h[:], time.Date(2025, 7, 20, 14, 4, 0, 0, time.UTC))
	for _, c := range []struct{ name, got, want string }{
		{"body digest", hex.EncodeToString(digest[:]), "ebd1aa6469b94ef93e08a7224dc0732766bc11ac7dfa1c3da18bd49e48bb1c3c"},
		{"entry", hex.EncodeToString(audit.Entry(ev, digest)), "010000000000000001000000000000002a0000001b323032352d30372d32305431343a30333a30352e3132333435365a01000000000000000701000000000000013800ebd1aa6469b94ef93e08a7224dc0732766bc11ac7dfa1c3da18bd49e48bb1c3c"},
		{"hash", hex.EncodeToString(h[:]), "f5c1948e61d47ac8d7b2d1cb5f55d623d07f8e4c6e0a86de337d4b1231ced301"},
		{"public key", audit.EncodePublicKey(testKey.Public()), "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg="},
		{"key id", cp.KeyID, "56475aa75463474c"},
		{"signature", b64(cp.Signature), "p29P+Emq/uT0z9I+uoRT5vb1/2mm5oqMulJL+pjxhmcGkDuGVcDzY/N0W5oInh3M36rWt0H1AZq78zJUoJFhAg=="},
	} {
		if c.got != c.want {
			t.Errorf("%s: %s, docs/audit.md says %s", c.name, c.got, c.want)
		}
	}
}

// A trail longer than one reader's range: the readers' ranges are chained in order, and
// a problem far into the trail is found at its sequence number.
func TestVerifyLongTrail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const n = 34000 // over two readers' ranges of 16384
		insertUnsealed(t, db, n)
		if got := sealAll(t, audit.NewSealer(db, testKey, audit.SealerConfig{BatchSize: 5000, CheckpointEvery: 10000})); got != n {
			t.Fatalf("sealed %d", got)
		}
		var calls, last int64
		opt := trusted()
		opt.Window = 10000 // the sealer's: its unsigned tail is 9000 events long
		opt.Progress = func(done, total int64) {
			if done < last || total != n {
				t.Errorf("progress %d/%d after %d", done, total, last)
			}
			calls, last = calls+1, done
		}
		rep := verify(t, db, opt)
		if !rep.OK() || rep.Events != n || rep.Checkpoints != 3 || last != n || calls < 3 {
			t.Fatalf("%v; progress called %d times, last %d", rep, calls, last)
		}
		dropTriggers(t, db)
		exec(t, db, "UPDATE audit_events SET actor = 'someone else' WHERE seq = 33001")
		if rep := verify(t, db, trusted()); rep.OK() || rep.Problem.Seq != 33001 || rep.Problem.Kind != audit.RowAltered {
			t.Fatalf("%v", rep)
		}
	})
}
