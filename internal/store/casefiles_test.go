package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

func TestCaseFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, err := db.CreateComplaint(ctx, newComplaint("RX-NNNN-0001"))
		if err != nil {
			t.Fatal(err)
		}
		var staff int64
		if err := db.Bun().NewRaw("INSERT INTO users (email, name, created_at) VALUES ('n@example.org', 'Nora Staff', ?) RETURNING id", time.Now()).
			Scan(ctx, &staff); err != nil {
			t.Fatal(err)
		}
		ev := func(action string) redress.AuditEvent {
			return redress.AuditEvent{Actor: "user:1", Action: action, Details: map[string]any{"length": 4}}
		}
		lastEvent := func(action string) redress.AuditEvent {
			t.Helper()
			evs, err := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c.ID, Action: action})
			if err != nil || len(evs) == 0 {
				t.Fatalf("no %s event: %v", action, err)
			}
			return evs[len(evs)-1]
		}

		t.Run("Notes", func(t *testing.T) {
			n, err := db.AddNote(ctx, store.NewNote{ComplaintID: c.ID, AuthorID: staff, Body: "Call the jail", Audit: ev("complaint.note_added")})
			if err != nil {
				t.Fatal(err)
			}
			notes, err := db.Notes(ctx, c.ID)
			if err != nil || len(notes) != 1 || notes[0].ID != n.ID || notes[0].Body != "Call the jail" || notes[0].Author != "Nora Staff" {
				t.Fatalf("notes %+v %v", notes, err)
			}
			if e := lastEvent("complaint.note_added"); e.Details["note_id"] != float64(n.ID) || e.ComplaintID != c.ID {
				t.Fatalf("audit %+v", e)
			}
		})

		t.Run("MessagesReadAndAnswered", func(t *testing.T) {
			mail := redress.OutboundMail{Key: redress.NewMailKey(), Kind: "complaint.message", Language: "es",
				RecipientSealed: []byte("sealed"), Subject: "s", Body: "b"}
			m, err := db.AddMessage(ctx, store.NewMessage{ComplaintID: c.ID, Direction: redress.MessageToComplainant, AuthorID: staff,
				Body: "¿Qué día fue?", Mail: []redress.OutboundMail{mail}, Audit: ev("complaint.message_sent")})
			if err != nil {
				t.Fatal(err)
			}
			if out, _ := db.ListOutbox(ctx, store.OutboxFilter{ComplaintID: c.ID}); len(out) != 1 || out[0].Kind != "complaint.message" {
				t.Fatalf("outbox %+v", out)
			}
			// The complainant reads: the list shows the message unread, and it is read after.
			got, err := db.ReadMessages(ctx, c.ID, redress.MessageToComplainant, redress.AuditEvent{Actor: "public", Action: "complaint.messages_read"})
			if err != nil || len(got) != 1 || got[0].ID != m.ID || !got[0].ReadAt.IsZero() || got[0].Author != "Nora Staff" {
				t.Fatalf("read %+v %v", got, err)
			}
			if e := lastEvent("complaint.messages_read"); e.Details["read"] != float64(1) {
				t.Fatalf("read event %+v", e)
			}
			// Reading again marks nothing and records nothing.
			before, _ := db.CountAudit(ctx, "complaint.messages_read")
			got, _ = db.ReadMessages(ctx, c.ID, redress.MessageToComplainant, redress.AuditEvent{Actor: "public", Action: "complaint.messages_read"})
			after, _ := db.CountAudit(ctx, "complaint.messages_read")
			if got[0].ReadAt.IsZero() || after != before {
				t.Fatalf("second reading: %+v, events %d -> %d", got[0], before, after)
			}

			reply, err := db.AddMessage(ctx, store.NewMessage{ComplaintID: c.ID, Direction: redress.MessageFromComplainant,
				Body: "El 4 de julio", Audit: ev("complaint.message_replied")})
			if err != nil {
				t.Fatal(err)
			}
			msgs, _ := db.Messages(ctx, c.ID)
			if len(msgs) != 2 || msgs[0].AnsweredAt.IsZero() || msgs[1].ID != reply.ID || msgs[1].AuthorID != 0 || msgs[1].Author != "" {
				t.Fatalf("after reply %+v", msgs)
			}
			if e := lastEvent("complaint.message_replied"); e.Details["answered"] != float64(1) || e.Details["message_id"] != float64(reply.ID) {
				t.Fatalf("reply event %+v", e)
			}
		})

		t.Run("ErrUnknownDirection", func(t *testing.T) {
			if _, err := db.AddMessage(ctx, store.NewMessage{ComplaintID: c.ID, Direction: "sideways", Body: "x"}); err == nil {
				t.Fatal("stored a message going sideways")
			}
		})

		t.Run("EvidenceLimitAndDownload", func(t *testing.T) {
			c2, err := db.CreateComplaint(ctx, newComplaint("RX-NNNN-0002"))
			if err != nil {
				t.Fatal(err)
			}
			add := func(name string) (redress.EvidenceInfo, error) {
				return db.AddEvidence(ctx, store.NewEvidence{ComplaintID: c2.ID, UploadedBy: "receipt_holder", FileName: name,
					ContentType: "text/plain; charset=utf-8", SHA256: "x", Data: []byte("hello " + name), Limit: 3,
					Audit: redress.AuditEvent{Actor: "public", ActorRole: "receipt_holder", Action: "complaint.evidence_added"}})
			}
			// Concurrent uploads cannot pass the limit together.
			var wg sync.WaitGroup
			errs := make([]error, 5)
			for i := range errs {
				wg.Add(1)
				go func() { defer wg.Done(); _, errs[i] = add("f.txt") }()
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case redress.ErrorCode(err) != redress.ECONFLICT:
					t.Fatalf("upload: %v", err)
				}
			}
			list, _ := db.Evidence(ctx, c2.ID)
			if ok != 3 || len(list) != 3 {
				t.Fatalf("%d uploads passed, %d stored; want 3", ok, len(list))
			}
			f, err := db.OpenEvidence(ctx, c2.ID, list[0].ID, redress.AuditEvent{Actor: "user:1", Action: "complaint.evidence_downloaded"})
			if err != nil || string(f.Data) != "hello f.txt" || f.Size != int64(len(f.Data)) || f.UploadedBy != "receipt_holder" {
				t.Fatalf("open %+v %v", f.EvidenceInfo, err)
			}
			evs, _ := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c2.ID, Action: "complaint.evidence_downloaded"})
			if len(evs) != 1 || evs[0].Details["evidence_id"] != float64(f.ID) {
				t.Fatalf("download events %+v", evs)
			}
			// A file of another complaint is not found through this one.
			if _, err := db.OpenEvidence(ctx, c.ID, f.ID, redress.AuditEvent{Actor: "user:1", Action: "complaint.evidence_downloaded"}); redress.ErrorCode(err) != redress.ENOTFOUND {
				t.Fatalf("other complaint's file: %v", err)
			}
		})
	})
}
