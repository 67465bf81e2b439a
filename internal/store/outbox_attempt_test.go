package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// An attempt is begun (committed "sending") before the message is handed over; the
// next claim after its lease marks it interrupted and flags the message; the worker
// that lost the lease may not begin another attempt.
func TestBeginMailAttempt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db)
		queue(t, db, 1)
		first, err := db.ClaimOutbox(ctx, "a", 10, time.Minute)
		if err != nil || len(first) != 1 || first[0].PossibleDuplicate {
			t.Fatalf("first claim = %+v, %v", first, err)
		}
		id := first[0].ID
		if _, err := db.BeginMailAttempt(ctx, id, "b"); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("a worker without the claim began an attempt: %v", err)
		}
		if _, err := db.BeginMailAttempt(ctx, id, "a"); err != nil {
			t.Fatal(err)
		}
		// Worker a dies here. Its lease runs out and b claims the message.
		clk.advance(time.Minute + time.Second)
		second, err := db.ClaimOutbox(ctx, "b", 10, time.Minute)
		if err != nil || len(second) != 1 || !second[0].PossibleDuplicate || second[0].Attempts != 1 {
			t.Fatalf("second claim = %+v, %v: want the message flagged, one attempt before", second, err)
		}
		if _, err := db.BeginMailAttempt(ctx, id, "a"); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("the worker whose lease ran out began an attempt: %v", err)
		}
		attemptID, err := db.BeginMailAttempt(ctx, id, "b")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RecordMailAttempt(ctx, store.MailAttempt{ID: id, AttemptID: attemptID, WorkerID: "b",
			Outcome: store.MailSent, PossibleDuplicate: true}); err != nil {
			t.Fatal(err)
		}
		attempts, err := db.OutboxAttempts(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(attempts) != 2 || attempts[0].Outcome != store.MailInterrupted || attempts[0].Worker != "a" ||
			attempts[1].Outcome != store.MailSent || attempts[1].Attempt != 2 || attempts[1].Worker != "b" {
			t.Fatalf("attempts = %+v", attempts)
		}
		if out, _ := db.ListOutbox(ctx, store.OutboxFilter{}); out[0].Attempts != 2 || out[0].Status != store.MailSent {
			t.Fatalf("outbox = %+v: want sent after 2 attempts", out[0])
		}
	})
}
