package audit_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// The figures in docs/audit.md come from:
//
//	go test -run '^$' -bench . -benchtime 3x -timeout 30m ./internal/audit/
//
// Each iteration is a fixed amount of work (a 100,000-event backlog sealed, a million
// events verified, 4000 filings), so -benchtime 3x runs each three times.

// forDialects runs fn once per dialect on a fresh database, as a sub-benchmark whose own
// sub-benchmarks share that database.
func forDialects(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run(store.SQLite, func(b *testing.B) { fn(b, storetest.Open(b, storetest.SQLiteDSN(b))) })
	b.Run(store.PostgreSQL, func(b *testing.B) { fn(b, storetest.Open(b, storetest.PostgresDSN(b))) })
}

// insertUnsealed writes n unsealed events in one statement, shaped like a case being
// worked: a staff actor, a complaint, an agency, most with an agreement, a small JSON
// of what changed.
func insertUnsealed(b testing.TB, db *store.DB, n int) {
	b.Helper()
	q := `INSERT INTO audit_events (occurred_at, actor, actor_role, action, complaint_id, agency_id, agreement_id, request_id, details)
		SELECT timestamptz '2025-07-01 00:00:00+00' + g * interval '1 millisecond', 'user:' || (g % 50), 'investigator',
			'complaint.field_changed', g % 5000 + 1, g % 300 + 1, CASE WHEN g % 3 = 0 THEN NULL ELSE g % 700 + 1 END,
			'req-' || g, '{"field":"priority","old":"normal","new":"high","n":' || g || '}'
		FROM generate_series(1, ?) AS g`
	if db.Dialect == store.SQLite {
		q = `WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < ?)
		INSERT INTO audit_events (occurred_at, actor, actor_role, action, complaint_id, agency_id, agreement_id, request_id, details)
		SELECT strftime('%Y-%m-%d %H:%M:%f', '2025-07-01', '+' || (g / 1000.0) || ' seconds') || '+00:00', 'user:' || (g % 50), 'investigator',
			'complaint.field_changed', g % 5000 + 1, g % 300 + 1, CASE WHEN g % 3 = 0 THEN NULL ELSE g % 700 + 1 END,
			'req-' || g, '{"field":"priority","old":"normal","new":"high","n":' || g || '}'
		FROM s`
	}
	if _, err := db.Bun().ExecContext(context.Background(), q, n); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSeal: events sealed per second from a backlog of 100,000, in the sealer's
// default batches (each a transaction; a checkpoint, with its check of the chain since
// the last, every 1000 events).
func BenchmarkSeal(b *testing.B) {
	const backlog = 100_000
	forDialects(b, func(b *testing.B, db *store.DB) {
		s := audit.NewSealer(db, testKey, audit.SealerConfig{})
		b.Run("backlog=100k", func(b *testing.B) {
			// B/op is what sealing a 100,000-event backlog allocates in all: a batch's
			// rows are streamed, so it grows with the backlog only by the ids and hashes
			// written back, never by the rows themselves.
			b.ReportAllocs()
			for range b.N {
				b.StopTimer()
				insertUnsealed(b, db, backlog)
				b.StartTimer()
				if n, err := s.SealPending(context.Background()); err != nil || n != backlog {
					b.Fatalf("sealed %d of %d: %v", n, backlog, err)
				}
			}
			b.ReportMetric(float64(backlog*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	})
}

// BenchmarkVerify: a full verification of a million sealed events.
func BenchmarkVerify(b *testing.B) {
	const events = 1_000_000
	forDialects(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		start := time.Now()
		insertUnsealed(b, db, events)
		if n, err := audit.NewSealer(db, testKey, audit.SealerConfig{BatchSize: 10000}).SealPending(ctx); err != nil || n != events {
			b.Fatalf("sealed %d: %v", n, err)
		}
		if db.Dialect == store.PostgreSQL {
			// Sealing updated every row; let the benchmark read the table as it would be
			// after autovacuum rather than full of dead row versions.
			if _, err := db.Bun().ExecContext(ctx, "VACUUM ANALYZE audit_events"); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("made and sealed %d events in %v", events, time.Since(start).Round(time.Second))
		b.Run("1M", func(b *testing.B) {
			b.ReportAllocs()
			var checked int64
			for b.Loop() {
				rep, err := audit.Verify(ctx, db, audit.VerifyOptions{TrustedKeys: trusted().TrustedKeys})
				if err != nil || !rep.OK() || rep.Events != events {
					b.Fatalf("%v %v", rep, err)
				}
				checked += rep.Events
			}
			b.ReportMetric(float64(checked)/b.Elapsed().Seconds(), "events/s")
		})
	})
}

// BenchmarkFiling: complaints filed per second by 8 concurrent clients through the
// store, with the sealer stopped and with it running as in serve, in alternating rounds
// of 500 (four of each an iteration) so that the machine's other work weighs on both
// alike. The goal: running within 10% of stopped (a "running/stopped" of at least 0.9).
func BenchmarkFiling(b *testing.B) {
	const round, clients, alternations = 500, 8, 4
	forDialects(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		var tracking atomic.Int64
		fileRound := func() time.Duration {
			start := time.Now()
			var wg sync.WaitGroup
			for range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range round / clients {
						n := tracking.Add(1)
						if _, err := db.CreateComplaint(ctx, newComplaint(fmt.Sprintf("RX-%04X-%04X", n>>16, n&0xffff))); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			return time.Since(start)
		}
		sealer := audit.NewSealer(db, testKey, audit.SealerConfig{})
		b.Run("rounds", func(b *testing.B) {
			var stopped, running time.Duration
			for range b.N * alternations {
				stopped += fileRound()
				if _, err := sealer.SealPending(ctx); err != nil { // the backlog, outside the rounds
					b.Fatal(err)
				}
				sealCtx, stop := context.WithCancel(ctx)
				done := make(chan struct{})
				go func() { defer close(done); sealer.Run(sealCtx) }()
				running += fileRound()
				stop()
				<-done
			}
			n := float64(round * alternations * b.N)
			b.ReportMetric(n/stopped.Seconds(), "filings/s(stopped)")
			b.ReportMetric(n/running.Seconds(), "filings/s(running)")
			b.ReportMetric(stopped.Seconds()/running.Seconds(), "running/stopped")
		})
	})
}

// BenchmarkCanonicalEncoding: one event's canonical entry and its link in the chain, the
// work sealing and verification repeat per event.
func BenchmarkCanonicalEncoding(b *testing.B) {
	cid, aid, gid := int64(81234), int64(412), int64(977)
	e := audit.Event{Seq: 912345, ID: 912400, OccurredAt: "2026-12-03T11:50:20.123456Z", Actor: "user:17",
		ActorRole: "investigator", Action: "complaint.transitioned", ComplaintID: &cid, AgencyID: &aid, AgreementID: &gid,
		RequestID: "d871942b93ad5cf6d0b3447e", Details: `{"from":"triaged","to":"under_review","reason":"","unit":"tx"}`}
	prev := make([]byte, audit.HashSize)
	b.SetBytes(int64(len(audit.Entry(e, audit.BodyDigest(e)))))
	for b.Loop() {
		h := audit.Hash(prev, e)
		prev = h[:]
	}
}
