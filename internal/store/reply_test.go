package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// A complainant's reply and the case leaving "waiting on the complainant" are one
// transaction: one call stores both, and when the resume cannot be written (the case
// moved on meanwhile) the reply is not stored either, so the caller can store it alone
// rather than leave a reply with the clocks still paused.
func TestReplyResumesInTheSameTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, err := db.CreateComplaint(ctx, newComplaint("RX-RPLY-0001"))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)
		if err := db.StartClocks(ctx, c.ID, []redress.Clock{{Name: "resolve", StartedAt: start, DueAt: start.Add(90 * 24 * time.Hour)}}); err != nil {
			t.Fatal(err)
		}
		ev := redress.AuditEvent{Actor: "user:7", Action: "complaint.transition"}
		if err := db.ChangeStatus(ctx, store.StatusChange{ComplaintID: c.ID, From: "received", To: "waiting_on_complainant",
			PauseClocks: []string{"resolve"}, Audit: ev}); err != nil {
			t.Fatal(err)
		}
		reply := func(from string) store.NewMessage {
			return store.NewMessage{ComplaintID: c.ID, Direction: redress.MessageFromComplainant, Body: "Aquí está la hoja.",
				Audit: redress.AuditEvent{Actor: redress.ActorPublic, Action: "complaint.message_replied"},
				Resume: &store.StatusChange{ComplaintID: c.ID, From: from, To: "under_review", ResumeClocks: true,
					Audit: redress.AuditEvent{Actor: redress.SubjectReceiptHolder, Action: "complaint.transition"}}}
		}
		replies := func() int {
			msgs, err := db.Messages(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			return len(msgs)
		}

		t.Run("ErrStaleStoresNothing", func(t *testing.T) {
			_, err := db.AddMessage(ctx, reply("under_review"))
			if !errors.Is(err, redress.ErrStaleStatus) {
				t.Fatalf("got %v, want the stale status", err)
			}
			if n := replies(); n != 0 {
				t.Fatalf("%d messages stored by a reply whose resume failed", n)
			}
		})

		t.Run("OK", func(t *testing.T) {
			if _, err := db.AddMessage(ctx, reply("waiting_on_complainant")); err != nil {
				t.Fatal(err)
			}
			got, _, err := db.Complaint(ctx, c.ID)
			if err != nil || got.Status != "under_review" {
				t.Fatalf("status after the reply %q %v, want under_review", got.Status, err)
			}
			clocks, _ := db.Clocks(ctx, c.ID)
			if len(clocks) != 1 || !clocks[0].PausedAt.IsZero() {
				t.Fatalf("clocks after the reply %+v: want resolve running", clocks)
			}
			if n := replies(); n != 1 {
				t.Fatalf("%d messages, want the reply", n)
			}
			evs, _ := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c.ID})
			var actions []string
			for _, e := range evs {
				actions = append(actions, e.Action)
			}
			n := len(evs)
			if n < 2 || evs[n-2].Action != "complaint.message_replied" || evs[n-1].Action != "complaint.transition" ||
				evs[n-1].Details["to"] != "under_review" || !evs[n-1].OccurredAt.Equal(evs[n-2].OccurredAt) {
				t.Fatalf("audit, oldest first: %v; want the reply, then the resume, at one time", actions)
			}
		})
	})
}
