package casework_test

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// The deadline watcher records a missed deadline in the audit trail, by the system
// actor, and only once however many times it looks.
func TestWatchDeadlinesRecordsEachMissOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, err := db.CreateComplaint(ctx, store.NewComplaint{
			Complaint: redress.Complaint{TrackingNumber: "RX-WTCH-0001", Language: "en", Channel: redress.ChannelWeb,
				IncidentDate: redress.Date{Year: 2025, Month: 7, Day: 4}, State: "TX", Narrative: "x", Filer: "self", Anonymous: true,
				Allegations: []redress.Allegation{{Category: "no_interpreter"}}},
			ReceiptHash: redress.HashReceiptCode("AAAAA-BBBBB-CCCCC-DDDDD"),
			Audit:       redress.AuditEvent{Actor: redress.ActorPublic, Action: redress.ActionComplaintFiled},
		})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)
		if err := db.StartClocks(ctx, c.ID, []redress.Clock{
			{Name: "triage", StartedAt: start, DueAt: start.Add(72 * time.Hour)},
			{Name: "resolve", StartedAt: start, DueAt: start.Add(90 * 24 * time.Hour)},
		}); err != nil {
			t.Fatal(err)
		}
		// The watcher's clock stands between the two deadlines; each pass reads it once.
		var passes atomic.Int64
		s := &casework.Service{DB: db, Deadlines: deadline.Defaults(), Now: func() time.Time {
			passes.Add(1)
			return start.Add(10 * 24 * time.Hour)
		}}
		// The metrics listener's counter is told of the miss once, like the trail.
		var told atomic.Int64
		s.MissedDeadlines = func(n int) { told.Add(int64(n)) }
		wctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.WatchDeadlines(wctx, time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
		}()
		for give := time.Now().Add(time.Minute); passes.Load() < 4; time.Sleep(time.Millisecond) {
			if time.Now().After(give) {
				t.Fatalf("the watcher made %d passes in a minute", passes.Load())
			}
		}
		stop()
		<-done

		evs, err := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c.ID, Action: redress.ActionDeadlineMissed})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].Actor != redress.ActorSystem || evs[0].Details["clock"] != "triage" {
			t.Fatalf("after %d passes, missed-deadline events %+v; want triage's, once, by the system", passes.Load(), evs)
		}
		if told.Load() != 1 {
			t.Fatalf("the watcher told of %d misses; want 1", told.Load())
		}
	})
}
