package audit_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

func newComplaint(tracking string) store.NewComplaint {
	return store.NewComplaint{
		Complaint: redress.Complaint{
			TrackingNumber: tracking, Language: "en", Channel: redress.ChannelWeb,
			IncidentDate: redress.Date{Year: 2025, Month: 7, Day: 4}, State: "TX",
			Allegations: []redress.Allegation{{Category: "held_past_release"}},
			Narrative:   "Held two days past release.", Filer: "self", Anonymous: true,
		},
		ReceiptHash: redress.HashReceiptCode("AAAAA-BBBBB-CCCCC-DDDDD"),
		Audit:       redress.AuditEvent{Actor: redress.ActorPublic, Action: redress.ActionComplaintFiled},
	}
}

// Many goroutines file complaints through the real store while two sealers run, each
// on a pool of its own (on PostgreSQL, two processes' worth of advisory-lock contention).
// Afterwards every event is sealed exactly once and the chain verifies.
func TestConcurrentFilingWithTwoSealers(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		dbs := []*store.DB{storetest.Open(t, dsn), storetest.Open(t, dsn)}
		sealCtx, stopSealers := context.WithCancel(ctx)
		var sealers sync.WaitGroup
		for _, db := range dbs {
			s := audit.NewSealer(db, testKey, audit.SealerConfig{Interval: 2 * time.Millisecond, BatchSize: 7, CheckpointEvery: 25})
			sealers.Add(1)
			go func() { defer sealers.Done(); s.Run(sealCtx) }()
		}
		defer func() { stopSealers(); sealers.Wait() }()

		const workers, each = 8, 15
		var filers sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			filers.Add(1)
			go func() {
				defer filers.Done()
				for i := range each {
					db := dbs[(w+i)%2]
					if _, err := db.CreateComplaint(ctx, newComplaint(fmt.Sprintf("RX-%04d-%04d", w, i))); err != nil {
						errs <- err
						return
					}
					ev := redress.AuditEvent{Actor: fmt.Sprintf("user:%d", w), Action: "test.event", Details: map[string]any{"i": i}}
					if err := db.RecordAudit(ctx, ev); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		filers.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		// The running sealers catch up on their own; this waits for them without timing
		// them (the deadline only keeps a broken sealer from hanging the test).
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
			n, err := dbs[0].CountUnsealedAudit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d events still unsealed after a minute", n)
			}
		}
		stopSealers()
		sealers.Wait()

		const want = workers * each * 2
		rep := verify(t, dbs[1], trusted())
		if !rep.OK() || rep.Events != want || rep.HeadSeq != want || rep.Unsealed != 0 || rep.Checkpoints == 0 {
			t.Fatalf("%v", rep)
		}
		var rows, sealed, distinct, maxSeq int64
		err := dbs[0].Bun().QueryRowContext(ctx, "SELECT count(*), count(seq), count(DISTINCT seq), max(seq) FROM audit_events").
			Scan(&rows, &sealed, &distinct, &maxSeq)
		if err != nil {
			t.Fatal(err)
		}
		if rows != want || sealed != want || distinct != want || maxSeq != want {
			t.Fatalf("rows %d, sealed %d, distinct seqs %d, max seq %d; want %d of each", rows, sealed, distinct, maxSeq, want)
		}
		if n, err := dbs[0].CountAudit(ctx, redress.ActionComplaintFiled); err != nil || n != workers*each {
			t.Fatalf("%d complaint.filed events, want %d (%v)", n, workers*each, err)
		}
	})
}
