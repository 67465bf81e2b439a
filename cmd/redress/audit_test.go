package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/logtest"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

const testAuditKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

// runCLI runs the program with env and returns its stdout, stderr and error.
func runCLI(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func TestAuditCommands(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		dataDir := t.TempDir()
		env := map[string]string{"REDRESS_DATABASE_URL": dsn, "REDRESS_DATA_DIR": dataDir, "REDRESS_AUDIT_KEY": testAuditKey}
		key, _ := audit.ParseKey(testAuditKey)
		pub := audit.EncodePublicKey(key.Public())

		db := storetest.Open(t, dsn)
		for i := range 30 {
			ev := redress.AuditEvent{Actor: "user:1", Action: "test.event", Details: map[string]any{"i": i}}
			if i%3 == 0 {
				ev.AgreementID = 5
			}
			if err := db.RecordAudit(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := audit.NewSealer(db, key, audit.SealerConfig{BatchSize: 10, CheckpointEvery: 10}).SealPending(ctx); err != nil {
			t.Fatal(err)
		}

		t.Run("Key", func(t *testing.T) {
			out, _, err := runCLI(t, env, "audit", "key")
			if err != nil || strings.TrimSpace(out) != pub {
				t.Fatalf("audit key: %q %v, want %s", out, err, pub)
			}
		})

		t.Run("Verify", func(t *testing.T) {
			out, _, err := runCLI(t, env, "audit", "verify")
			if err != nil || !strings.HasPrefix(out, "audit trail OK: 30 events (seq 1-30), 3 checkpoints (last at seq 30)") ||
				!strings.Contains(out, "; signatures cover seq 1-30 of 1-30 (100%)") {
				t.Fatalf("verify: %q %v", out, err)
			}
			// Another key given as the trusted one: the checkpoints are refused.
			other, _ := audit.NewKey()
			_, _, err = runCLI(t, env, "audit", "verify", "--key", audit.EncodePublicKey(other.Public()))
			if err == nil || !strings.Contains(err.Error(), "FAILED at seq 10: bad signature") {
				t.Fatalf("verify with another key: %v", err)
			}
		})

		exportFile := filepath.Join(t.TempDir(), "export.jsonl")
		t.Run("ExportAndVerifyOffline", func(t *testing.T) {
			_, stderr, err := runCLI(t, env, "audit", "export", "--out", exportFile)
			if err != nil || !strings.Contains(stderr, "exported seq 1-30: 30 events shown, 0 elided, 3 checkpoints") {
				t.Fatalf("export: %v\n%s", err, stderr)
			}
			// No database: only the file and the public key.
			noDB := map[string]string{"REDRESS_DATABASE_URL": "postgres://nowhere.invalid/none"}
			out, _, err := runCLI(t, noDB, "audit", "verify", "--file", exportFile, "--key", pub)
			if err != nil || !strings.HasPrefix(out, "audit export OK: 30 events (seq 1-30, 30 shown, 0 elided), 3 checkpoints") {
				t.Fatalf("verify --file: %q %v", out, err)
			}
			if _, _, err := runCLI(t, noDB, "audit", "verify", "--file", exportFile); !errors.Is(err, errUsage) {
				t.Fatalf("verify --file without --key: %v", err)
			}

			out, stderr, err = runCLI(t, env, "audit", "export", "--agreement", "5")
			if err != nil || !strings.Contains(stderr, "10 events shown, 20 elided") {
				t.Fatalf("export --agreement: %v\n%s", err, stderr)
			}
			piped := filepath.Join(t.TempDir(), "agreement.jsonl")
			os.WriteFile(piped, []byte(out), 0o600)
			if out, _, err := runCLI(t, noDB, "audit", "verify", "--file", piped, "--key", pub); err != nil || !strings.Contains(out, "10 shown, 20 elided") {
				t.Fatalf("verify the agreement's export: %q %v", out, err)
			}
			if n, err := db.CountAudit(ctx, redress.ActionExported); err != nil || n != 2 {
				t.Fatalf("%d exports recorded, want 2 (%v)", n, err)
			}
			if _, _, err := runCLI(t, env, "audit", "export", "--from", "yesterday"); err == nil || !strings.Contains(err.Error(), "--from") {
				t.Fatalf("bad --from: %v", err)
			}
		})

		// A forger rewrites an event of the export, recomputes every hash and drops the
		// checkpoint lines; then deletes the checkpoints in the database. Told the
		// sealer's window (ten events here), verification fails both.
		t.Run("Forged", func(t *testing.T) {
			b, err := os.ReadFile(exportFile)
			if err != nil {
				t.Fatal(err)
			}
			forged := filepath.Join(t.TempDir(), "forged.jsonl")
			os.WriteFile(forged, forgeExport(t, b), 0o600)
			out, _, err := runCLI(t, nil, "audit", "verify", "--file", forged, "--key", pub)
			if err != nil || !strings.Contains(out, "0 checkpoints; signatures cover none of seq 1-30, then an unsigned tail of 30 events (seq 1-30) within the window of 1000") {
				t.Fatalf("a tail of 30 within the default window: %q %v", out, err)
			}
			_, _, err = runCLI(t, nil, "audit", "verify", "--file", forged, "--key", pub, "--window", "10")
			if err == nil || !strings.HasPrefix(err.Error(), "audit export FAILED at seq 1-30: unsigned tail: signatures cover none of seq 1-30; the 30 events from seq 1 on are signed by no checkpoint, more than the window of 10") {
				t.Fatalf("forged export, --window 10: %v", err)
			}
			_, _, err = runCLI(t, map[string]string{"REDRESS_AUDIT_CHECKPOINT_EVENTS": "10"}, "audit", "verify", "--file", forged, "--key", pub)
			if err == nil || !strings.Contains(err.Error(), "unsigned tail") {
				t.Fatalf("forged export, the setting at 10: %v", err)
			}
			if _, _, err := runCLI(t, nil, "audit", "verify", "--file", forged, "--key", pub, "--window", "-1"); err == nil || !strings.Contains(err.Error(), "--window") {
				t.Fatalf("--window -1: %v", err)
			}

			env10 := map[string]string{"REDRESS_AUDIT_CHECKPOINT_EVENTS": "10"}
			maps.Copy(env10, env)
			if out, _, err := runCLI(t, env10, "audit", "verify"); err != nil || !strings.Contains(out, "signatures cover seq 1-30 of 1-30 (100%)") {
				t.Fatalf("honest trail, window 10: %q %v", out, err)
			}
			dropCheckpointTriggers(t, db)
			if _, err := db.Bun().ExecContext(ctx, "DELETE FROM audit_checkpoints"); err != nil {
				t.Fatal(err)
			}
			_, _, err = runCLI(t, env10, "audit", "verify")
			if err == nil || !strings.HasPrefix(err.Error(), "audit trail FAILED at seq 1-30: unsigned tail") {
				t.Fatalf("checkpoints deleted: %v", err)
			}
		})

		t.Run("Tampered", func(t *testing.T) {
			// An export changed by whoever holds it.
			b, err := os.ReadFile(exportFile)
			if err != nil {
				t.Fatal(err)
			}
			changed := filepath.Join(t.TempDir(), "changed.jsonl")
			os.WriteFile(changed, bytes.Replace(b, []byte(`"details":"{\"i\":7}"`), []byte(`"details":"{\"i\":70}"`), 1), 0o600)
			_, _, err = runCLI(t, nil, "audit", "verify", "--file", changed, "--key", pub)
			if err == nil || !strings.Contains(err.Error(), "audit export FAILED at seq 8: row altered") {
				t.Fatalf("verify a changed export: %v", err)
			}

			// The database changed by someone who could drop the triggers.
			var names []string
			q := "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'"
			if db.Dialect == store.PostgreSQL {
				q = "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_events'::regclass AND NOT tgisinternal"
			}
			if err := db.Bun().NewRaw(q).Scan(ctx, &names); err != nil {
				t.Fatal(err)
			}
			for _, n := range names {
				stmt := "DROP TRIGGER " + n
				if db.Dialect == store.PostgreSQL {
					stmt += " ON audit_events"
				}
				if _, err := db.Bun().ExecContext(ctx, stmt); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.Bun().ExecContext(ctx, "DELETE FROM audit_events WHERE seq = 17"); err != nil {
				t.Fatal(err)
			}
			_, _, err = runCLI(t, env, "audit", "verify")
			if err == nil || !strings.Contains(err.Error(), "audit trail FAILED at seq 17: gap") {
				t.Fatalf("verify a changed trail: %v", err)
			}
		})
	})
}

// Two real serve processes on one PostgreSQL database take complaints at once; the
// sealer of one or the other (whichever holds the lock) chains every event exactly once.
func TestTwoServeProcessesSealOneChain(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs two servers")
	}
	dsn := storetest.PostgresDSN(t)
	start := func() (string, *exec.Cmd, *logtest.Buffer) {
		// 60 complaints from one address: a load test, so no filing limit (the default
		// would refuse the 31st, counted across both processes).
		return startBinary(t, 90*time.Second, "REDRESS_DATABASE_URL="+dsn, "REDRESS_AUDIT_KEY="+testAuditKey,
			"REDRESS_SECRET_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "REDRESS_FILING_LIMIT=0")
	}
	// One after the other: the first migrates and loads the registry.
	addr1, cmd1, logs1 := start()
	addr2, cmd2, logs2 := start()

	const workers, each = 6, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				addr := []string{addr1, addr2}[(w+i)%2]
				body := fmt.Sprintf(`{"language":"en","incident_date":"2025-07-01","state":"FL","categories":["force"],"filer":"self","narrative":"Pushed against a wall, complaint %d-%d."}`, w, i)
				resp, err := http.Post("http://"+addr+"/api/v1/complaints", "application/json", strings.NewReader(body))
				if err != nil {
					errs <- err
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 201 {
					errs <- fmt.Errorf("file via %s: %d", addr, resp.StatusCode)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// The servers' sealers catch up on their own (the deadline only keeps a broken
	// sealer from hanging the test).
	db := storetest.Open(t, dsn)
	ctx := context.Background()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		n, err := db.CountUnsealedAudit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events still unsealed after a minute\n%s\n%s", n, logs1, logs2)
		}
	}
	for _, cmd := range []*exec.Cmd{cmd1, cmd2} {
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("exit: %v", err)
		}
	}
	if strings.Contains(logs1.String()+logs2.String(), "sealing the audit trail") {
		t.Errorf("a sealer failed:\n%s\n%s", logs1, logs2)
	}

	total, err := db.CountAudit(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(ctx, db, audit.VerifyOptions{TrustedKeys: []ed25519.PublicKey{mustKey(t).Public()}})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Events != total || rep.Unsealed != 0 || rep.Checkpoints == 0 {
		t.Fatalf("%v (%d events in the table)", rep, total)
	}
	if n, err := db.CountAudit(ctx, redress.ActionComplaintFiled); err != nil || n != workers*each {
		t.Fatalf("%d complaint.filed events, want %d (%v)", n, workers*each, err)
	}
}

// forgeExport changes the details of seq 8 in a whole export, recomputes every hash
// and leaves the checkpoint lines out.
func forgeExport(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	prev := make([]byte, 32)
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var m map[string]any
		d := json.NewDecoder(bytes.NewReader(line))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		switch m["type"] {
		case "checkpoint":
			continue
		case "event":
			num := func(k string) *int64 {
				n, ok := m[k].(json.Number)
				if !ok {
					return nil
				}
				v, _ := n.Int64()
				return &v
			}
			if *num("seq") == 8 {
				m["details"] = `{"i":70}`
			}
			ev := audit.Event{Seq: *num("seq"), ID: *num("id"), OccurredAt: m["occurred_at"].(string), Actor: m["actor"].(string),
				ActorRole: m["actor_role"].(string), Action: m["action"].(string), ComplaintID: num("complaint_id"),
				AgencyID: num("agency_id"), AgreementID: num("agreement_id"), RequestID: m["request_id"].(string), Details: m["details"].(string)}
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
	return out.Bytes()
}

// dropCheckpointTriggers lets the test delete checkpoints, as the database's owner could.
func dropCheckpointTriggers(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	var names []string
	q := "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_checkpoints'"
	if db.Dialect == store.PostgreSQL {
		q = "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_checkpoints'::regclass AND NOT tgisinternal"
	}
	if err := db.Bun().NewRaw(q).Scan(ctx, &names); err != nil || len(names) == 0 {
		t.Fatalf("triggers %v: %v", names, err)
	}
	for _, n := range names {
		stmt := "DROP TRIGGER " + n
		if db.Dialect == store.PostgreSQL {
			stmt += " ON audit_checkpoints"
		}
		if _, err := db.Bun().ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
}

func mustKey(t *testing.T) *audit.Key {
	k, err := audit.ParseKey(testAuditKey)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
