package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// LogMissedClocks records every missed clock once, across more than one of its batches,
// and leaves a clock not yet due alone; a second pass records nothing.
func TestLogMissedClocksInBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, err := db.CreateComplaint(ctx, newComplaint("RX-MISS-0001"))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)
		now := start.Add(30 * 24 * time.Hour)
		const missed = 1203 // more than two batches
		var clocks []redress.Clock
		for i := range missed {
			clocks = append(clocks, redress.Clock{Name: fmt.Sprintf("m%04d", i), StartedAt: start, DueAt: start.Add(time.Duration(i+1) * time.Minute)})
		}
		clocks = append(clocks, redress.Clock{Name: "later", StartedAt: start, DueAt: now.Add(time.Hour)})
		if err := db.StartClocks(ctx, c.ID, clocks); err != nil {
			t.Fatal(err)
		}
		n, err := db.LogMissedClocks(ctx, now)
		if err != nil || n != missed {
			t.Fatalf("first pass recorded %d: %v; want %d", n, err, missed)
		}
		if n, err := db.LogMissedClocks(ctx, now); err != nil || n != 0 {
			t.Fatalf("second pass recorded %d: %v; want 0", n, err)
		}
		evs, err := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c.ID, Action: redress.ActionDeadlineMissed, Limit: 2000})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[any]int{}
		for _, e := range evs {
			seen[e.Details["clock"]]++
		}
		if len(evs) != missed || len(seen) != missed || seen["later"] != 0 {
			t.Fatalf("%d missed-deadline events for %d clocks; want one for each of %d", len(evs), len(seen), missed)
		}
	})
}
