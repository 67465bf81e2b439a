package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// testKey is fixed so failures are reproducible.
var testKey, _ = audit.ParseKey("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")

// record writes n events of assorted shapes (with and without ids, details in several
// scripts) through the store's own API, as the application does.
func record(t testing.TB, db *store.DB, n int) {
	t.Helper()
	ctx := context.Background()
	base := time.Date(2025, 11, 26, 9, 30, 0, 123456789, time.UTC)
	for i := range n {
		ev := redress.AuditEvent{
			OccurredAt: base.Add(time.Duration(i) * time.Second), Actor: fmt.Sprintf("user:%d", i%3),
			ActorRole: "investigator", Action: "test.event", RequestID: fmt.Sprintf("req-%d", i),
			Details: map[string]any{"n": i, "note": "vio «algo» <b>&</b> 日本"},
		}
		if i%2 == 0 {
			ev.ComplaintID, ev.AgencyID = int64(100+i%4), 7
		}
		if i%3 == 0 {
			ev.AgreementID = int64(40 + i%2)
		}
		if err := db.RecordAudit(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
}

// sealer returns a sealer that signs a checkpoint every ten events (one per batch).
func sealer(db *store.DB) *audit.Sealer {
	return audit.NewSealer(db, testKey, audit.SealerConfig{BatchSize: 10, CheckpointEvery: 10})
}

func sealAll(t testing.TB, s *audit.Sealer) int {
	t.Helper()
	n, err := s.SealPending(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func verify(t testing.TB, db *store.DB, opt audit.VerifyOptions) audit.Report {
	t.Helper()
	rep, err := audit.Verify(context.Background(), db, opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func trusted() audit.VerifyOptions {
	return audit.VerifyOptions{TrustedKeys: []ed25519.PublicKey{testKey.Public()}}
}

func exec(t testing.TB, db *store.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.Bun().ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// dropTriggers removes the append-only triggers, as someone with full control of the
// database could.
func dropTriggers(t testing.TB, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	var names []struct{ Name, Table string }
	q := `SELECT tgname AS name, c.relname AS "table" FROM pg_trigger JOIN pg_class c ON c.oid = tgrelid
		WHERE NOT tgisinternal AND tgrelid IN ('audit_events'::regclass, 'audit_checkpoints'::regclass)`
	if db.Dialect == store.SQLite {
		q = `SELECT name, tbl_name AS "table" FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('audit_events', 'audit_checkpoints')`
	}
	if err := db.Bun().NewRaw(q).Scan(ctx, &names); err != nil {
		t.Fatal(err)
	}
	if len(names) < 4 {
		t.Fatalf("found only triggers %v", names)
	}
	for _, n := range names {
		if db.Dialect == store.SQLite {
			exec(t, db, "DROP TRIGGER "+n.Name)
		} else {
			exec(t, db, "DROP TRIGGER "+n.Name+" ON "+n.Table)
		}
	}
}

type exportedEvent struct {
	audit.Event
	hash [32]byte
}

// exportedEvents reads the event lines of an export, by the names docs/audit.md gives,
// apart from the package's own structs.
func exportedEvents(t testing.TB, b []byte) []exportedEvent {
	t.Helper()
	var out []exportedEvent
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var m map[string]any
		d := json.NewDecoder(bytes.NewReader(line))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		if m["type"] != "event" {
			continue
		}
		str := func(k string) string { s, _ := m[k].(string); return s }
		num := func(k string) *int64 {
			n, ok := m[k].(json.Number)
			if !ok {
				return nil
			}
			v, _ := n.Int64()
			return &v
		}
		ev := exportedEvent{Event: audit.Event{Seq: *num("seq"), ID: *num("id"), OccurredAt: str("occurred_at"),
			Actor: str("actor"), ActorRole: str("actor_role"), Action: str("action"), ComplaintID: num("complaint_id"),
			AgencyID: num("agency_id"), AgreementID: num("agreement_id"), RequestID: str("request_id"), Details: str("details")}}
		h, err := hex.DecodeString(str("hash"))
		if err != nil || len(h) != 32 {
			t.Fatalf("hash %q", str("hash"))
		}
		copy(ev.hash[:], h)
		out = append(out, ev)
	}
	return out
}

// manualHash is the encoding of docs/audit.md written out plainly, apart from the
// package's own code.
func manualHash(prev []byte, ev audit.Event) [32]byte {
	str := func(b *bytes.Buffer, s string) {
		binary.Write(b, binary.BigEndian, uint32(len(s)))
		b.WriteString(s)
	}
	opt := func(b *bytes.Buffer, p *int64) {
		if p == nil {
			b.WriteByte(0)
			return
		}
		b.WriteByte(1)
		binary.Write(b, binary.BigEndian, *p)
	}
	var body bytes.Buffer
	for _, s := range []string{ev.Actor, ev.ActorRole, ev.Action, ev.RequestID, ev.Details} {
		str(&body, s)
	}
	digest := sha256.Sum256(body.Bytes())
	var e bytes.Buffer
	e.Write(prev)
	e.WriteByte(1)
	binary.Write(&e, binary.BigEndian, ev.Seq)
	binary.Write(&e, binary.BigEndian, ev.ID)
	str(&e, ev.OccurredAt)
	opt(&e, ev.ComplaintID)
	opt(&e, ev.AgencyID)
	opt(&e, ev.AgreementID)
	e.Write(digest[:])
	return sha256.Sum256(e.Bytes())
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func seedOf(t testing.TB, k *audit.Key) []byte {
	b, err := base64.StdEncoding.DecodeString(k.Encode())
	if err != nil || len(b) != 32 {
		t.Fatalf("Encode: %q", k.Encode())
	}
	return b
}
