package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// Backlog counts the mail waiting and given up on, and the unsealed audit events, with
// the age of the oldest of each: what the metrics listener shows at every scrape.
func TestBacklog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db)
		before, err := db.Backlog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if before.MailQueued != 0 || before.MailFailed != 0 || !before.MailOldest.IsZero() {
			t.Fatalf("a new database's outbox: %+v", before)
		}

		// Two emails written an hour ago, one of them with a complaint (its filing event
		// waits for the sealer).
		clk.advance(-time.Hour)
		queue(t, db, 1)
		nc := newComplaint("RX-BLOG-0001")
		nc.Mail = append(nc.Mail, testMail(2))
		if _, err := db.CreateComplaint(ctx, nc); err != nil {
			t.Fatal(err)
		}
		clk.advance(time.Hour)
		b, err := db.Backlog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if b.MailQueued != 2 || b.MailFailed != 0 {
			t.Fatalf("outbox after two emails: %+v", b)
		}
		if age := time.Since(b.MailOldest); age < 59*time.Minute || age > 61*time.Minute {
			t.Fatalf("oldest email %v old, want an hour", age)
		}
		if b.Unsealed <= before.Unsealed || b.UnsealedOldest.IsZero() || time.Since(b.UnsealedOldest) < 59*time.Minute {
			t.Fatalf("unsealed after a filing: %+v (before %+v)", b, before)
		}

		// The outbox gives up on one: one waits, one failed.
		got, err := db.ClaimOutbox(ctx, "a", 1, time.Minute)
		if err != nil || len(got) != 1 {
			t.Fatalf("claim: %v %v", got, err)
		}
		if err := db.RecordMailAttempt(ctx, store.MailAttempt{ID: got[0].ID, WorkerID: "a", Outcome: store.MailFailed,
			Refused: true, ErrorClass: "permanent"}); err != nil {
			t.Fatal(err)
		}
		if b, err = db.Backlog(ctx); err != nil || b.MailQueued != 1 || b.MailFailed != 1 || b.MailOldest.IsZero() {
			t.Fatalf("after one failed: %+v %v", b, err)
		}

		// A database that does not answer in time is an error, not a zero.
		gone, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := db.Backlog(gone); err == nil {
			t.Fatal("Backlog answered on a cancelled context")
		}

		if s := db.PoolStats(); s.OpenConnections < 1 || s.MaxOpenConnections < 1 {
			t.Fatalf("pool stats %+v", s)
		}
	})
}
