package main

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// An outside witness against the real server: it keeps the published heads, extends
// them run after run, and exits non-zero naming the seq of a bad signature, a missing
// head, another key, and a history rewritten by someone holding both the database and
// the server's own key, which `redress audit verify` inside cannot see.
func TestAuditWitness(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		env := map[string]string{"REDRESS_DATABASE_URL": dsn, "REDRESS_DATA_DIR": t.TempDir(), "REDRESS_AUDIT_KEY": testAuditKey}
		key := mustKey(t)
		db := storetest.Open(t, dsn)
		// The server's first start writes its own events (the first administrator), sealed
		// and signed today; the test's days come after, in 2030, on the test's clock. The
		// server is stopped while the test seals, so its sealer never mixes in.
		_, _, stop := startServe(t, env)
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		// serve signs today's checkpoint on its way out; on a loaded machine its shutdown
		// can end before that last pass, so sign whatever it left, as its next start would.
		if _, err := audit.NewSealer(db, key, audit.SealerConfig{}).Flush(ctx); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		sealer := audit.NewSealer(db, key, audit.SealerConfig{CheckpointEvery: 5, Now: func() time.Time { return now }})
		days := func(from, to int) {
			t.Helper()
			for d := from; d <= to; d++ {
				now = time.Date(2030, 1, d, 12, 0, 0, 0, time.UTC)
				for i := range 10 {
					ev := redress.AuditEvent{Actor: "user:1", Action: "test.event", Details: map[string]any{"day": d, "i": i}}
					if err := db.RecordAudit(ctx, ev); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := sealer.SealPending(ctx); err != nil {
					t.Fatal(err)
				}
			}
			now = time.Date(2030, 1, to+1, 0, 30, 0, 0, time.UTC) // the last day is over: its head
			if _, err := sealer.SealPending(ctx); err != nil {
				t.Fatal(err)
			}
		}
		heads := func() []audit.Head {
			t.Helper()
			hs, err := audit.Heads(ctx, db, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			return hs
		}
		days(1, 3)
		// The server's own day is the first head (its first administrator's events).
		today := time.Now().UTC().Format(audit.DayLayout)
		if hs := heads(); len(hs) != 4 || hs[0].Day != today {
			t.Fatalf("%d heads, want today's and three", len(hs))
		}
		base, _, stop := startServe(t, env)
		store1 := filepath.Join(t.TempDir(), "witness.jsonl")
		out, stderr, err := runCLI(t, nil, "audit", "witness", "--url", base, "--store", store1)
		if err != nil || !strings.Contains(out, "audit witness OK: 4 new heads ("+today+" to 2030-01-03") ||
			!strings.Contains(stderr, "trusting key "+key.ID()+" ("+audit.EncodePublicKey(key.Public())+") on first use") {
			t.Fatalf("first run: %q %q %v", out, stderr, err)
		}
		out, stderr, err = runCLI(t, nil, "audit", "witness", "--url", base, "--store", store1)
		if err != nil || !strings.HasPrefix(out, "audit witness OK: no new head; 4 kept") || stderr != "" {
			t.Fatalf("second run: %q %q %v", out, stderr, err)
		}
		// Pinned from the start with --key; another key is refused, naming both.
		store2 := filepath.Join(t.TempDir(), "pinned.jsonl")
		if out, _, err := runCLI(t, nil, "audit", "witness", "--url", base, "--store", store2, "--key", audit.EncodePublicKey(key.Public())); err != nil ||
			!strings.Contains(out, "4 new heads") {
			t.Fatalf("pinned: %q %v", out, err)
		}
		other, _ := audit.NewKey()
		otherStore := filepath.Join(t.TempDir(), "other.jsonl")
		_, _, err = runCLI(t, nil, "audit", "witness", "--url", base, "--store", otherStore, "--key", audit.EncodePublicKey(other.Public()))
		if err == nil || !strings.Contains(err.Error(), "the server now names key "+key.ID()+", not the pinned key "+other.ID()) {
			t.Fatalf("another key pinned: %v", err)
		}
		if _, err := os.Stat(otherStore); err == nil {
			t.Error("a refused first run left a file")
		}
		_, _, err = runCLI(t, nil, "audit", "witness", "--url", base, "--store", store2, "--key", audit.EncodePublicKey(other.Public()))
		if err == nil || !strings.Contains(err.Error(), "pins key "+key.ID()+", but --key gives key "+other.ID()) {
			t.Fatalf("--key against the file's: %v", err)
		}
		if _, _, err := runCLI(t, nil, "audit", "witness", "--store", store1); err == nil {
			t.Error("no --url accepted")
		}
		stop()

		// Two more days: the next run extends what it kept.
		days(4, 5)
		base, _, stop = startServe(t, env)
		out, _, err = runCLI(t, nil, "audit", "witness", "--url", base, "--store", store1)
		if err != nil || !strings.Contains(out, "audit witness OK: 2 new heads (2030-01-04 to 2030-01-05") || !strings.Contains(out, "6 kept") {
			t.Fatalf("third run: %q %v", out, err)
		}
		hs := heads()
		kept, _ := os.ReadFile(store1)
		unchanged := func(what string) {
			t.Helper()
			if b, _ := os.ReadFile(store1); !bytes.Equal(b, kept) {
				t.Errorf("%s: the witness's file changed", what)
			}
		}

		// From here on the test is the database's administrator: it drops the triggers.
		for _, table := range []string{"audit_events", "audit_checkpoints", "audit_heads"} {
			dropTriggers(t, db, table)
		}
		addHead := func(h audit.Head, by *audit.Key) {
			t.Helper()
			if err := db.SealAudit(ctx, func(ctx context.Context, tx *store.AuditSealTx) error {
				return tx.AddHead(ctx, store.AuditHead{Seq: h.Seq, Day: h.Day, Hash: h.Hash, PrevDigest: h.PrevDigest, SignedAt: now,
					KeyID: h.KeyID, PublicKey: by.Public(), Signature: h.Signature})
			}); err != nil {
				t.Fatal(err)
			}
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Bun().ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}

		// A head signed by another key.
		forged := other.SignHead("2030-01-06", hs[5].Seq+1, hs[5].Hash, &hs[5])
		addHead(forged, other)
		_, _, err = runCLI(t, nil, "audit", "witness", "--url", base, "--store", store1)
		if want := "HISTORY REWRITTEN at seq " + itoa(forged.Seq) + " (head of 2030-01-06): the signature does not verify with the pinned key " + key.ID(); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("a head signed by another key: %v, want %q", err, want)
		}
		unchanged("bad signature")
		exec("DELETE FROM audit_heads WHERE seq = ?", forged.Seq)

		// The last kept head deleted.
		exec("DELETE FROM audit_heads WHERE seq = ?", hs[5].Seq)
		_, _, err = runCLI(t, nil, "audit", "witness", "--url", base, "--store", store1)
		if want := "HISTORY REWRITTEN at seq " + itoa(hs[5].Seq) + " (head of 2030-01-05): the kept head is missing from the server"; err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("a kept head deleted: %v, want %q", err, want)
		}
		unchanged("missing head")
		addHead(hs[5], key)
		if out, _, err := runCLI(t, nil, "audit", "witness", "--url", base, "--store", store1); err != nil || !strings.Contains(out, "no new head; 6 kept") {
			t.Fatalf("the head put back: %q %v", out, err)
		}

		// The server restarted with another key: refused, naming the last kept head.
		stop()
		envOther := maps.Clone(env)
		envOther["REDRESS_AUDIT_KEY"] = other.Encode()
		base, _, stop = startServe(t, envOther)
		_, _, err = runCLI(t, nil, "audit", "witness", "--url", base, "--store", store1)
		if want := "HISTORY REWRITTEN at seq " + itoa(hs[5].Seq) + " (head of 2030-01-05): after this kept head, the server now names key " + other.ID() + ", not the pinned key " + key.ID(); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("the server's key changed: %v, want %q", err, want)
		}
		unchanged("another key")

		// History rewritten: an event of January 2 changed, everything after it sealed
		// again and every checkpoint and head from there re-signed with the server's own
		// key, on the same days. Inside, the trail verifies; the witness sees it.
		stop()
		target := hs[2].Seq - 3
		exec("UPDATE audit_events SET details = ? WHERE seq = ?", `{"day":2,"i":7,"rewritten":true}`, target)
		exec("UPDATE audit_events SET seq = NULL, hash = NULL WHERE seq >= ?", target)
		exec("DELETE FROM audit_checkpoints WHERE seq >= ?", target)
		exec("DELETE FROM audit_heads WHERE seq >= ?", target)
		now = time.Date(2030, 1, 6, 12, 0, 0, 0, time.UTC)
		if _, err := audit.NewSealer(db, key, audit.SealerConfig{Now: func() time.Time { return now }}).Flush(ctx); err != nil {
			t.Fatal(err)
		}
		prev := hs[1]
		for _, h := range hs[2:] {
			var hash []byte
			if err := db.Bun().QueryRowContext(ctx, "SELECT hash FROM audit_events WHERE seq = ?", h.Seq).Scan(&hash); err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(hash, h.Hash) {
				t.Fatalf("seq %d kept its hash", h.Seq)
			}
			re := key.SignHead(h.Day, h.Seq, hash, &prev)
			addHead(re, key)
			prev = re
		}
		if out, _, err := runCLI(t, env, "audit", "verify"); err != nil {
			t.Fatalf("the rewritten trail should verify inside (that is why witnesses matter): %q %v", out, err)
		}
		// An export of the rewritten trail, checked offline against the witness's heads.
		exported := filepath.Join(t.TempDir(), "export.jsonl")
		if _, stderr, err := runCLI(t, env, "audit", "export", "--out", exported); err != nil {
			t.Fatalf("export: %v %s", err, stderr)
		}
		_, _, err = runCLI(t, nil, "audit", "verify", "--file", exported, "--key", audit.EncodePublicKey(key.Public()), "--checkpoints", store1)
		if want := "audit export FAILED at seq " + itoa(hs[1].Seq+1) + "-" + itoa(hs[2].Seq); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("the export against the witness's heads: %v, want %q", err, want)
		}
		base, _, _ = startServe(t, env)
		_, _, err = runCLI(t, nil, "audit", "witness", "--url", base, "--store", store1)
		if want := "HISTORY REWRITTEN at seq " + itoa(hs[2].Seq) + " (head of 2030-01-02): the witness kept hash "; err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("a rewritten history: %v, want %q", err, want)
		}
		unchanged("rewritten history")
		// The witness's file is also what the trail inside is checked against.
		_, _, err = runCLI(t, env, "audit", "verify", "--checkpoints", store1)
		if want := "audit trail FAILED at seq " + itoa(hs[1].Seq+1) + "-" + itoa(hs[2].Seq) + ": checkpoint does not match"; err == nil ||
			!strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "the published head of 2030-01-02 gives seq "+itoa(hs[2].Seq)) {
			t.Fatalf("verify against the witness's heads: %v, want %q", err, want)
		}
		// A witness who kept only the first three days sees it too, at the same place.
		_, _, err = runCLI(t, nil, "audit", "witness", "--url", base, "--store", store2, "--full")
		if want := "HISTORY REWRITTEN at seq " + itoa(hs[2].Seq) + " (head of 2030-01-02)"; err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("the pinned witness: %v, want %q", err, want)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// dropTriggers removes table's triggers, as the database's owner could.
func dropTriggers(t *testing.T, db *store.DB, table string) {
	t.Helper()
	ctx := context.Background()
	var names []string
	q := "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?"
	if db.Dialect == store.PostgreSQL {
		q = "SELECT tgname FROM pg_trigger WHERE tgrelid = ?::regclass AND NOT tgisinternal"
	}
	if err := db.Bun().NewRaw(q, table).Scan(ctx, &names); err != nil || len(names) == 0 {
		t.Fatalf("triggers of %s %v: %v", table, names, err)
	}
	for _, n := range names {
		stmt := "DROP TRIGGER " + n
		if db.Dialect == store.PostgreSQL {
			stmt += " ON " + table
		}
		if _, err := db.Bun().ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
}
