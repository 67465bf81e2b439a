package audit_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// bigTrail makes 1030 events sealed by a sealer with the default configuration: one
// checkpoint, at seq 1000, and an unsigned tail of 30, within the default window.
func bigTrail(t *testing.T, db *store.DB) {
	t.Helper()
	insertUnsealed(t, db, 1030)
	if n := sealAll(t, audit.NewSealer(db, testKey, audit.SealerConfig{})); n != 1030 {
		t.Fatalf("sealed %d, want 1030", n)
	}
}

// forgeExport rewrites the actor of the event line at seq in a whole-trail export,
// recomputes every hash from there on and drops every checkpoint line: a file that is
// consistent line by line, which only the missing signatures give away.
func forgeExport(t *testing.T, b []byte, seq int64) []byte {
	t.Helper()
	var out bytes.Buffer
	evs := exportedEvents(t, b)
	prev := make([]byte, 32)
	n := 0
	for _, l := range lines(b) {
		var m map[string]any
		d := json.NewDecoder(strings.NewReader(l))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		switch m["type"] {
		case "checkpoint":
			continue
		case "event":
			ev := evs[n].Event
			n++
			if ev.Seq == seq {
				ev.Actor = "forger"
				m["actor"] = ev.Actor
			}
			h := audit.Hash(prev, ev)
			m["prev_hash"], m["hash"] = hex.EncodeToString(prev), hex.EncodeToString(h[:])
			prev = h[:]
		}
		nb, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(append(nb, '\n'))
	}
	if n == 0 {
		t.Fatal("no event lines")
	}
	return out.Bytes()
}

// rewriteFrom changes the actor of the event at seq and recomputes every hash after it,
// in the database, as someone who can drop the triggers could, in one transaction.
func rewriteFrom(t *testing.T, db *store.DB, seq int64) {
	t.Helper()
	ctx := context.Background()
	var out bytes.Buffer
	if _, err := audit.Export(ctx, db, &out, audit.ExportFilter{}); err != nil {
		t.Fatal(err)
	}
	evs := exportedEvents(t, out.Bytes())
	tx, err := db.Bun().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	prev := hashAt(t, db, seq-1)
	for _, ev := range evs[seq-1:] {
		if ev.Seq == seq {
			ev.Actor = "forger"
		}
		h := audit.Hash(prev, ev.Event)
		if _, err := tx.ExecContext(ctx, "UPDATE audit_events SET actor = ?, hash = ? WHERE seq = ?", ev.Actor, h[:], ev.Seq); err != nil {
			t.Fatal(err)
		}
		prev = h[:]
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// A whole export rewritten by whoever holds it, every hash recomputed and the
// checkpoint lines dropped, is consistent line by line: with a key, verification
// fails because no signature covers it, and says which seqs are unsigned.
func TestForgedExportFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bigTrail(t, db)
		honest, _ := export(t, db, audit.ExportFilter{})
		rep := verifyFile(t, honest, trusted())
		if want := "audit export OK: 1030 events (seq 1-1030, 1030 shown, 0 elided), 1 checkpoints (last at seq 1000); " +
			"signatures cover seq 1-1000 of 1-1030 (97.0%), then an unsigned tail of 30 events (seq 1001-1030) within the window of 1000"; rep.String() != want {
			t.Fatalf("honest export:\n got %q\nwant %q", rep, want)
		}

		forged := forgeExport(t, honest, 7)
		if rep := verifyFile(t, forged, audit.VerifyOptions{}); !rep.OK() {
			t.Fatalf("the forgery is not consistent line by line, so the test proves nothing: %v", rep)
		}
		rep = verifyFile(t, forged, trusted())
		if rep.OK() || !strings.HasPrefix(rep.String(), "audit export FAILED at seq 1-1030: unsigned tail: signatures cover none of seq 1-1030; the 1030 events from seq 1 on are signed by no checkpoint, more than the window of 1000") {
			t.Fatalf("forged export: %v", rep)
		}
		t.Log(rep)
	})
}

// Someone with the database deletes every checkpoint and rewrites the chain from an
// early event on: it links up, but with the key configured it no longer verifies.
// Deleting the checkpoints alone fails the same way.
func TestCheckpointsDeletedFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		bigTrail(t, db)
		if rep := verify(t, db, trusted()); !rep.OK() || !strings.HasSuffix(rep.String(),
			"0 unsealed; signatures cover seq 1-1000 of 1-1030 (97.0%), then an unsigned tail of 30 events (seq 1001-1030) within the window of 1000") {
			t.Fatalf("honest trail: %v", rep)
		}
		dropTriggers(t, db)
		exec(t, db, "DELETE FROM audit_checkpoints")
		rep := verify(t, db, trusted())
		if rep.OK() || !strings.HasPrefix(rep.String(), "audit trail FAILED at seq 1-1030: unsigned tail: signatures cover none of seq 1-1030") {
			t.Fatalf("checkpoints deleted: %v", rep)
		}
		rewriteFrom(t, db, 7)
		if rep := verify(t, db, audit.VerifyOptions{}); !rep.OK() {
			t.Fatalf("the rewrite does not link up, so the test proves nothing: %v", rep)
		}
		rep = verify(t, db, trusted())
		if rep.OK() || !strings.HasPrefix(rep.String(), "audit trail FAILED at seq 1-1030: unsigned tail") {
			t.Fatalf("checkpoints deleted, chain rewritten: %v", rep)
		}
		t.Log(rep)
	})
}

// The window is the verifier's: a sealer configured to sign every ten events leaves
// at most ten unsigned, and a verifier told so fails a tail of eleven, on the database
// and in an export; the default window lets honest tails through.
func TestUnsignedTailWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		record(t, db, 35)
		sealAll(t, sealer(db)) // checkpoints at 10, 20, 30
		opt := trusted()
		opt.Window = 10
		rep := verify(t, db, opt)
		if !rep.OK() || !strings.HasSuffix(rep.String(), "signatures cover seq 1-30 of 1-35 (85.7%), then an unsigned tail of 5 events (seq 31-35) within the window of 10") {
			t.Fatalf("honest tail: %v", rep)
		}
		whole, _ := export(t, db, audit.ExportFilter{})
		if rep := verifyFile(t, whole, opt); !rep.OK() {
			t.Fatalf("honest export: %v", rep)
		}

		dropTriggers(t, db)
		exec(t, db, "DELETE FROM audit_checkpoints WHERE seq > 20")
		record(t, db, 5)
		if n := sealAll(t, audit.NewSealer(db, testKey, audit.SealerConfig{CheckpointEvery: 1000})); n != 5 {
			t.Fatalf("sealed %d", n)
		}
		rep = verify(t, db, opt)
		if rep.OK() || rep.Problem.Kind != audit.UnsignedTail || rep.Problem.Seq != 21 || rep.Problem.From != 21 || rep.Problem.To != 40 {
			t.Fatalf("tail of 20 with a window of 10: %+v", rep.Problem)
		}
		if got := rep.String(); !strings.HasPrefix(got, "audit trail FAILED at seq 21-40: unsigned tail: signatures cover seq 1-20 of 1-40 (50.0%); the 20 events from seq 21 on are signed by no checkpoint, more than the window of 10") {
			t.Fatalf("summary %q", got)
		}
		if rep := verify(t, db, trusted()); !rep.OK() {
			t.Fatalf("within the default window: %v", rep)
		}
		cut, _ := export(t, db, audit.ExportFilter{})
		if rep := verifyFile(t, cut, opt); rep.OK() || rep.Problem.Kind != audit.UnsignedTail || rep.Problem.From != 21 || rep.Problem.To != 40 {
			t.Fatalf("export with a long tail: %v", rep)
		}
	})
}

// A filtered export that stops before the trail's head ends with the checkpoint that
// closes its range; dropping it leaves an unsigned tail, which fails at any window.
func TestFilteredExportWithoutItsLastCheckpoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		record(t, db, 35)
		sealAll(t, sealer(db))
		// Complaint 100 has i = 0, 4, …, 16 up to seq 17 with this time bound: range 1-20.
		b, sum := export(t, db, audit.ExportFilter{ComplaintID: 100, To: time.Date(2025, 11, 26, 9, 30, 17, 0, time.UTC)})
		if sum.FirstSeq != 1 || sum.LastSeq != 20 || sum.HeadSeq != 35 {
			t.Fatalf("summary %+v", sum)
		}
		if rep := verifyFile(t, b, trusted()); !rep.OK() || !strings.HasSuffix(rep.String(), "signatures cover seq 1-20 of 1-20 (100%)") {
			t.Fatalf("honest: %v", rep)
		}
		var kept []string
		for _, l := range lines(b) {
			if !strings.Contains(l, `"type":"checkpoint","seq":20,`) {
				kept = append(kept, l)
			}
		}
		if len(kept) != len(lines(b))-1 {
			t.Fatal("no checkpoint line for seq 20")
		}
		rep := verifyFile(t, []byte(strings.Join(kept, "\n")), trusted())
		if rep.OK() || rep.Problem.Kind != audit.UnsignedTail || rep.Problem.From != 11 || rep.Problem.To != 20 ||
			!strings.Contains(rep.Problem.Detail, "the export stops at seq 20, before the trail's head at seq 35") {
			t.Fatalf("last checkpoint dropped: %v", rep)
		}
	})
}

// A checkpointed region rewritten is reported as the range of seqs in doubt, from the
// checkpoint before to the one that no longer matches, on the database and in a file.
func TestRewrittenRegionRange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		record(t, db, 30)
		sealAll(t, sealer(db)) // checkpoints at 10, 20, 30
		kept, err := audit.Checkpoints(context.Background(), db, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		dropTriggers(t, db)
		rewriteTail(t, db) // 16-30
		exec(t, db, "DELETE FROM audit_checkpoints WHERE seq > 15")
		rep := verify(t, db, audit.VerifyOptions{TrustedKeys: trusted().TrustedKeys, Kept: kept})
		if rep.OK() || !strings.HasPrefix(rep.String(), "audit trail FAILED at seq 11-20: checkpoint does not match: seq 11-20 rewritten (somewhere after the good checkpoint at seq 10") {
			t.Fatalf("database: %v", rep)
		}
		b, _ := export(t, db, audit.ExportFilter{})
		rep = verifyFile(t, b, audit.VerifyOptions{TrustedKeys: trusted().TrustedKeys, Kept: kept})
		if rep.OK() || !strings.HasPrefix(rep.String(), "audit export FAILED at seq 11-20: checkpoint does not match") {
			t.Fatalf("export: %v", rep)
		}
		// The whole trail made anew under the first checkpoint: in doubt from the first event.
		exec(t, db, "DELETE FROM audit_events")
		insertUnsealed(t, db, 12) // not record: on SQLite, ids restart and the events would be the same
		sealAll(t, audit.NewSealer(db, testKey, audit.SealerConfig{CheckpointEvery: 1000}))
		rep = verify(t, db, trusted())
		if rep.OK() || !strings.HasPrefix(rep.String(), "audit trail FAILED at seq 1-10: checkpoint does not match: seq 1-10 rewritten (somewhere after the first event checked") {
			t.Fatalf("from the start: %v", rep)
		}
	})
}
