package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

func export(t *testing.T, db *store.DB, f audit.ExportFilter) ([]byte, audit.ExportSummary) {
	t.Helper()
	var out bytes.Buffer
	sum, err := audit.Export(context.Background(), db, &out, f)
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), sum
}

func verifyFile(t *testing.T, b []byte, opt audit.VerifyOptions) audit.Report {
	t.Helper()
	rep, err := audit.VerifyExport(context.Background(), bytes.NewReader(b), opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func lines(b []byte) []string { return strings.Split(strings.TrimSpace(string(b)), "\n") }

func TestExportVerifiesOffline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		record(t, db, 35)
		sealAll(t, sealer(db)) // checkpoints at 10, 20, 30; 31-35 not yet signed

		t.Run("Whole", func(t *testing.T) {
			b, sum := export(t, db, audit.ExportFilter{})
			if sum.FirstSeq != 1 || sum.LastSeq != 35 || sum.Shown != 35 || sum.Elided != 0 || sum.Checkpoints != 3 {
				t.Fatalf("summary %+v", sum)
			}
			rep := verifyFile(t, b, trusted())
			if !rep.OK() || rep.Events != 35 || rep.Checkpoints != 3 || rep.LastSignedSeq != 30 {
				t.Fatalf("%v", rep)
			}
			if got := rep.String(); got != "audit export OK: 35 events (seq 1-35, 35 shown, 0 elided), 3 checkpoints (last at seq 30); signatures cover seq 1-30 of 1-35 (85.7%), then an unsigned tail of 5 events (seq 31-35) within the window of 1000" {
				t.Fatalf("summary %q", got)
			}
		})

		t.Run("ByComplaint", func(t *testing.T) {
			// Complaint 102 has the events i = 2, 6, 10, …, 34, that is seq 3, 7, …, 35.
			b, sum := export(t, db, audit.ExportFilter{ComplaintID: 102})
			if sum.FirstSeq != 1 || sum.LastSeq != 35 || sum.Shown != 9 || sum.Elided != 26 {
				t.Fatalf("summary %+v", sum)
			}
			if rep := verifyFile(t, b, trusted()); !rep.OK() || rep.Shown != 9 || rep.Elided != 26 {
				t.Fatalf("%v", rep)
			}
			// Elided lines show when and about what, never who or what was done.
			for _, l := range lines(b) {
				if strings.Contains(l, `"elided"`) && (strings.Contains(l, "user:") || strings.Contains(l, "note")) {
					t.Fatalf("elided line shows its body: %s", l)
				}
			}
		})

		t.Run("ByTime", func(t *testing.T) {
			// Events i = 12..16 (seq 13-17) happened in these five seconds: the export runs
			// from the checkpoint at 10 to the one at 20.
			from := time.Date(2025, 11, 26, 9, 30, 12, 0, time.UTC)
			b, sum := export(t, db, audit.ExportFilter{From: from, To: from.Add(5 * time.Second)})
			if sum.FirstSeq != 11 || sum.LastSeq != 20 || sum.Shown != 5 || sum.Elided != 5 || sum.Checkpoints != 2 {
				t.Fatalf("summary %+v", sum)
			}
			rep := verifyFile(t, b, trusted())
			if !rep.OK() || rep.FirstSeq != 11 || rep.HeadSeq != 20 || rep.Checkpoints != 2 {
				t.Fatalf("%v", rep)
			}
		})

		t.Run("NothingMatches", func(t *testing.T) {
			b, sum := export(t, db, audit.ExportFilter{AgreementID: 99})
			if sum.FirstSeq != 0 || len(lines(b)) != 1 {
				t.Fatalf("summary %+v, %d lines", sum, len(lines(b)))
			}
			if rep := verifyFile(t, b, trusted()); !rep.OK() || rep.Events != 0 {
				t.Fatalf("%v", rep)
			}
		})
	})
}

// Whoever holds an export cannot change it unnoticed: each way of altering the file is
// found, at the right sequence number.
func TestExportTamperDetected(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		record(t, db, 25)
		sealAll(t, sealer(db)) // checkpoints at 10, 20
		whole, _ := export(t, db, audit.ExportFilter{})
		byComplaint, _ := export(t, db, audit.ExportFilter{ComplaintID: 100}) // seq 1, 5, 9, …
		byTime, _ := export(t, db, audit.ExportFilter{From: time.Date(2025, 11, 26, 9, 30, 12, 0, time.UTC)})
		other, _ := audit.NewKey()

		// edit applies fn to the line of type typ for seq; a line fn marks "drop" goes.
		edit := func(b []byte, typ string, seq int64, fn func(m map[string]any)) []byte {
			var out []string
			found := false
			for _, l := range lines(b) {
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil {
					t.Fatal(err)
				}
				if m["type"] == typ && m["seq"] == float64(seq) {
					found = true
					if fn(m); m["drop"] == true {
						continue
					}
					nb, _ := json.Marshal(m)
					l = string(nb)
				}
				out = append(out, l)
			}
			if !found {
				t.Fatalf("no %s line for seq %d", typ, seq)
			}
			return []byte(strings.Join(out, "\n") + "\n")
		}
		drop := func(m map[string]any) { m["drop"] = true }

		cases := []struct {
			name string
			file []byte
			keys []ed25519.PublicKey
			seq  int64
			kind audit.ProblemKind
		}{
			{"ChangeActor", edit(whole, "event", 7, func(m map[string]any) { m["actor"] = "nobody" }), nil, 7, audit.RowAltered},
			{"ChangeDetails", edit(whole, "event", 8, func(m map[string]any) { m["details"] = "{}" }), nil, 8, audit.RowAltered},
			{"ChangeAgreement", edit(byComplaint, "elided", 4, func(m map[string]any) { m["agreement_id"] = 42 }), nil, 4, audit.RowAltered},
			{"DropLine", edit(whole, "event", 12, drop), nil, 12, audit.Gap},
			{"CutShort", []byte(strings.Join(lines(whole)[:20], "\n")), nil, 19, audit.RowMissing}, // header, 1-10, checkpoint, 11-18
			{"DropAnchor", edit(byTime, "checkpoint", 10, drop), nil, 11, audit.Malformed},
			{"ForgeCheckpoint", edit(whole, "checkpoint", 20, func(m map[string]any) {
				cp := other.Sign(20, mustHex(t, m["hash"].(string)), time.Now())
				nb, _ := json.Marshal(cp)
				json.Unmarshal(nb, &m)
			}), nil, 20, audit.BadSignature},
			{"ChangeCheckpointHash", edit(whole, "checkpoint", 10, func(m map[string]any) { m["hash"] = strings.Repeat("ab", 32) }), nil, 10, audit.BadSignature},
			{"WithholdAnEvent", edit(byComplaint, "event", 9, func(m map[string]any) {
				ev := audit.Event{Actor: m["actor"].(string), ActorRole: m["actor_role"].(string), Action: m["action"].(string),
					RequestID: m["request_id"].(string), Details: m["details"].(string)}
				d := audit.BodyDigest(ev)
				m["type"], m["body_digest"] = "elided", hexOf(d[:])
				for _, k := range []string{"actor", "actor_role", "action", "request_id", "details"} {
					delete(m, k)
				}
			}), nil, 9, audit.Withheld},
			{"UntrustedKey", whole, []ed25519.PublicKey{other.Public()}, 10, audit.BadSignature},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				opt := trusted()
				if tc.keys != nil {
					opt.TrustedKeys = tc.keys
				}
				rep := verifyFile(t, tc.file, opt)
				if rep.OK() || rep.Problem.Seq != tc.seq || rep.Problem.Kind != tc.kind {
					t.Fatalf("got %q, want seq %d: %s", rep, tc.seq, tc.kind)
				}
			})
		}

		// A checkpoint kept from earlier catches an export of a rewritten history even
		// when the export's own checkpoints were made to match.
		kept, err := audit.Checkpoints(context.Background(), db, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		kept[1].Hash = bytes.Repeat([]byte{1}, 32) // stands for the history as it was
		kept[1] = testKey.Sign(kept[1].Seq, kept[1].Hash, kept[1].SignedAt)
		rep := verifyFile(t, whole, audit.VerifyOptions{TrustedKeys: trusted().TrustedKeys, Kept: kept})
		if rep.OK() || rep.Problem.Seq != 20 || rep.Problem.Kind != audit.CheckpointMismatch {
			t.Fatalf("kept checkpoint: %v", rep)
		}
	})
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
