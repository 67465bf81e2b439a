package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// Reads recorded at once share commits, and each caller returns only once its own record
// is stored; a record the database refuses is an error to its caller, never a silent loss.
func TestRecordReadBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const n = 300
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				errs <- db.RecordRead(ctx, redress.AuditEvent{Actor: redress.ActorPublic, ActorRole: redress.SubjectReceiptHolder,
					Action: redress.ActionStatusChecked, RequestID: fmt.Sprintf("read-%d", i)})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		evs, err := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionStatusChecked, Limit: 1000})
		if err != nil || len(evs) != n {
			t.Fatalf("%d records of %d: %v", len(evs), n, err)
		}
		seen := map[string]bool{}
		for _, ev := range evs {
			seen[ev.RequestID] = true
		}
		if len(seen) != n {
			t.Fatalf("%d distinct records of %d", len(seen), n)
		}

		// Refused by the database: every caller hears it, nothing is half-written.
		storetest.RefuseInserts(t, db, "audit_events")
		var refused sync.WaitGroup
		var mu sync.Mutex
		failed := 0
		for range 20 {
			refused.Go(func() {
				if err := db.RecordRead(ctx, redress.AuditEvent{Actor: redress.ActorPublic, Action: redress.ActionStatusChecked, RequestID: "refused"}); err != nil {
					mu.Lock()
					failed++
					mu.Unlock()
				}
			})
		}
		refused.Wait()
		if failed != 20 {
			t.Fatalf("%d of 20 refused records reported", failed)
		}
	})
}

// After Close a record is refused as unavailable, not hung on.
func TestRecordReadAfterClose(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	db.Close()
	if err := db.RecordRead(context.Background(), redress.AuditEvent{Actor: redress.ActorPublic, Action: redress.ActionStatusChecked}); redress.ErrorCode(err) != redress.EUNAVAILABLE {
		t.Fatalf("after close: %v", err)
	}
}
