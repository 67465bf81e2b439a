package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// clock replaces db.Now so tests move time instead of sleeping.
type clock struct{ offset atomic.Int64 }

func useClock(db *store.DB) *clock {
	c := &clock{}
	db.Now = func() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }
	return c
}

func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }

func testMail(i int) redress.OutboundMail {
	return redress.OutboundMail{
		Key: redress.NewMailKey(), Kind: redress.MailReceipt, Language: "en",
		RecipientSealed: []byte(fmt.Sprintf("sealed-%d", i)), Subject: "Subject", Body: "Body",
	}
}

func queue(t *testing.T, db *store.DB, n int) {
	t.Helper()
	msgs := make([]redress.OutboundMail, n)
	for i := range msgs {
		msgs[i] = testMail(i)
	}
	if err := db.QueueMail(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
}

func TestOutboxWithComplaint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		nc := newComplaint("RX-MAIL-0001")
		nc.Mail = []redress.OutboundMail{testMail(1)}
		c, err := db.CreateComplaint(ctx, nc)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.ListOutbox(ctx, store.OutboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ComplaintID != c.ID || got[0].Status != store.MailQueued || got[0].Key != nc.Mail[0].Key {
			t.Fatalf("outbox = %+v", got)
		}
		if nc.Mail[0].ComplaintID != 0 {
			t.Error("CreateComplaint changed the caller's message")
		}

		t.Run("ErrTrackingTaken", func(t *testing.T) {
			nc := newComplaint("RX-MAIL-0001")
			nc.Mail = []redress.OutboundMail{testMail(2)}
			if _, err := db.CreateComplaint(ctx, nc); redress.ErrorCode(err) != redress.ECONFLICT {
				t.Fatalf("got %v, want conflict", err)
			}
			if n, _ := db.CountQueuedMail(ctx); n != 1 {
				t.Fatalf("%d queued after a refused complaint, want 1", n)
			}
		})

		t.Run("ErrIncompleteMail", func(t *testing.T) {
			nc := newComplaint("RX-MAIL-0002")
			m := testMail(3)
			m.RecipientSealed = nil
			nc.Mail = []redress.OutboundMail{m}
			if _, err := db.CreateComplaint(ctx, nc); err == nil {
				t.Fatal("complaint stored with a message lacking its recipient")
			}
			if n, _ := db.CountComplaints(ctx); n != 1 {
				t.Fatalf("%d complaints, want 1: the complaint and its mail commit together or not at all", n)
			}
		})
	})
}

func TestClaimOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db)
		queue(t, db, 5)
		a, err := db.ClaimOutbox(ctx, "a", 3, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		b, err := db.ClaimOutbox(ctx, "b", 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != 3 || len(b) != 2 {
			t.Fatalf("claimed %d and %d, want 3 and 2", len(a), len(b))
		}
		if a[0].Key == "" || string(a[0].RecipientSealed) != "sealed-0" || a[0].Attempts != 0 || a[0].ClaimedUntil.Sub(a[0].ClaimedAt) != time.Minute {
			t.Fatalf("claimed %+v", a[0])
		}
		if c, _ := db.ClaimOutbox(ctx, "c", 10, time.Minute); len(c) != 0 {
			t.Fatalf("claimed %d messages others hold", len(c))
		}

		if err := db.ReleaseOutbox(ctx, "b", b[0].ID, b[1].ID); err != nil {
			t.Fatal(err)
		}
		if c, _ := db.ClaimOutbox(ctx, "c", 10, time.Minute); len(c) != 2 || c[0].ID != b[0].ID {
			t.Fatalf("after release claimed %+v, want b's two", c)
		}

		// A worker that dies keeps its messages only until its lease runs out.
		clk.advance(time.Minute + time.Second)
		if d, _ := db.ClaimOutbox(ctx, "d", 10, time.Minute); len(d) != 5 {
			t.Fatalf("after the leases ran out claimed %d, want 5", len(d))
		}
	})
}

// Many workers claiming at once never get the same message twice.
func TestClaimOutboxConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		queue(t, db, 60)
		var mu sync.Mutex
		seen := map[int64]string{}
		var errs []error
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("w%d", w)
				for {
					got, err := db.ClaimOutbox(ctx, id, 3, time.Minute)
					if err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, m := range got {
						if other, dup := seen[m.ID]; dup {
							errs = append(errs, fmt.Errorf("message %d claimed by %s and %s", m.ID, other, id))
						}
						seen[m.ID] = id
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			t.Error(err)
		}
		if len(seen) != 60 {
			t.Fatalf("claimed %d distinct messages, want 60", len(seen))
		}
	})
}

func TestRecordMailAttempt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db)
		nc := newComplaint("RX-MAIL-0003")
		nc.Mail = []redress.OutboundMail{testMail(1)}
		c, err := db.CreateComplaint(ctx, nc)
		if err != nil {
			t.Fatal(err)
		}
		claim := func(worker string, want int) []store.ClaimedMail {
			t.Helper()
			got, err := db.ClaimOutbox(ctx, worker, 10, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != want {
				t.Fatalf("%s claimed %d, want %d", worker, len(got), want)
			}
			return got
		}
		record := func(a store.MailAttempt) {
			t.Helper()
			if err := db.RecordMailAttempt(ctx, a); err != nil {
				t.Fatal(err)
			}
		}

		m := claim("a", 1)[0]
		record(store.MailAttempt{ID: m.ID, WorkerID: "a", Outcome: store.MailDeferred, RetryIn: 10 * time.Minute,
			ErrorClass: "temporary", Error: "451 try later"})
		claim("b", 0) // not due yet
		clk.advance(11 * time.Minute)
		m = claim("b", 1)[0]
		if m.Attempts != 1 || m.Refusals != 0 {
			t.Fatalf("claimed %+v after one deferral", m)
		}

		// a's lease is long gone; its late report counts but leaves b's claim alone.
		record(store.MailAttempt{ID: m.ID, WorkerID: "a", Outcome: store.MailDeferred, RetryIn: time.Hour, ErrorClass: "timeout"})
		claim("c", 0)
		record(store.MailAttempt{ID: m.ID, WorkerID: "b", MessageID: "<k@example.org>", Outcome: store.MailSent})

		out, _ := db.ListOutbox(ctx, store.OutboxFilter{ComplaintID: c.ID})
		if len(out) != 1 || out[0].Status != store.MailSent || out[0].Attempts != 3 || out[0].SentAt.IsZero() {
			t.Fatalf("outbox = %+v", out)
		}
		var sealed []byte
		if err := db.Bun().NewSelect().TableExpr("outbox").Column("recipient_sealed").Where("id = ?", m.ID).Scan(ctx, &sealed); err != nil {
			t.Fatal(err)
		}
		if sealed != nil {
			t.Error("the sealed recipient is kept after sending")
		}
		attempts, _ := db.OutboxAttempts(ctx, m.ID)
		if len(attempts) != 3 || attempts[0].Outcome != store.MailDeferred || attempts[0].Error != "451 try later" ||
			attempts[1].Worker != "a" || attempts[2].Outcome != store.MailSent || attempts[2].Attempt != 3 {
			t.Fatalf("attempts = %+v", attempts)
		}
		evs, _ := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionMailSent})
		if len(evs) != 1 || evs[0].ComplaintID != c.ID || evs[0].Actor != redress.ActorSystem ||
			evs[0].Details["message_id"] != "<k@example.org>" || evs[0].Details["attempt"] != float64(3) ||
			evs[0].Details["kind"] != redress.MailReceipt || evs[0].Details["outcome"] != store.MailSent {
			t.Fatalf("audit = %+v", evs)
		}

		t.Run("GiveUp", func(t *testing.T) {
			queue(t, db, 1)
			m := claim("a", 1)[0]
			record(store.MailAttempt{ID: m.ID, WorkerID: "a", Outcome: store.MailFailed, Refused: true, ErrorClass: "permanent"})
			out, _ := db.ListOutbox(ctx, store.OutboxFilter{Status: store.MailFailed})
			if len(out) != 1 || out[0].ID != m.ID || out[0].Refusals != 1 || out[0].LastErrorClass != "permanent" {
				t.Fatalf("failed = %+v", out)
			}
			evs, _ := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionMailFailed})
			if len(evs) != 1 || evs[0].Details["error_class"] != "permanent" || evs[0].Details["outbox_id"] != float64(m.ID) {
				t.Fatalf("audit = %+v", evs)
			}
			claim("b", 0)
		})

		t.Run("ErrNotFound", func(t *testing.T) {
			err := db.RecordMailAttempt(ctx, store.MailAttempt{ID: 999, WorkerID: "a", Outcome: store.MailSent})
			if redress.ErrorCode(err) != redress.ENOTFOUND {
				t.Fatalf("got %v", err)
			}
		})
	})
}
