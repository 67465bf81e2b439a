package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// Filings that arrive together share a transaction on SQLite, each in a savepoint: one
// refused after its first rows were written (its retry key taken by another filing) is
// undone alone, the others are stored whole.
func TestGroupedFilingsFailAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const n = 48
		errs := make([]error, n)
		ids := make([]int64, n)
		var start, wg sync.WaitGroup
		start.Add(1)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start.Wait()
				// Every fourth filing reuses the retry key of the one before it.
				key := i
				if i%4 == 3 {
					key = i - 1
				}
				nc := newComplaint(fmt.Sprintf("RX-G%03d-AAAA", i))
				nc.Idempotency = &store.IdempotencyKey{KeyHash: []byte(fmt.Sprintf("key-%d", key)),
					RequestHash: []byte("same"), AnswerSealed: []byte("answer"), TTL: time.Hour}
				c, err := db.CreateComplaint(ctx, nc)
				errs[i], ids[i] = err, c.ID
			}()
		}
		start.Done()
		wg.Wait()
		stored := 0
		for i := 0; i < n; i += 4 {
			// Of i+2 and i+3 (the same key) exactly one is stored; i and i+1 both are.
			for _, j := range []int{i, i + 1} {
				if errs[j] != nil {
					t.Errorf("filing %d: %v", j, errs[j])
				}
			}
			a, b := errs[i+2], errs[i+3]
			if (a == nil) == (b == nil) {
				t.Errorf("filings %d and %d share a key: errors %v and %v, want exactly one refused", i+2, i+3, a, b)
			}
			for _, e := range []error{a, b} {
				if e != nil && !errors.Is(e, store.ErrIdempotencyKeyTaken) {
					t.Errorf("refused with %v, want the key taken", e)
				}
			}
		}
		for i := range n {
			if errs[i] != nil {
				continue
			}
			stored++
			got, _, err := db.Complaint(ctx, ids[i])
			if err != nil || len(got.Allegations) != 2 || len(got.Functions) != 2 {
				t.Errorf("filing %d read back %+v, %v", i, got, err)
			}
		}
		if stored != n*3/4 {
			t.Errorf("%d stored, want %d", stored, n*3/4)
		}
		if all, err := db.CountComplaints(ctx); err != nil || all != int64(stored) {
			t.Errorf("%d complaints in the database (%v), want %d: a refused filing's rows must go with it", all, err, stored)
		}
		events, err := db.CountAudit(ctx, redress.ActionComplaintFiled)
		if err != nil || events != int64(stored) {
			t.Errorf("%d complaint.filed events (%v), want %d: a refused filing's event must go with it", events, err, stored)
		}
		if db.Dialect == store.SQLite && store.GroupedWrites(db) == 0 {
			t.Error("no transaction held more than one filing: the group writer did not group")
		}
		t.Logf("%s: %d transactions held several filings", db.Dialect, store.GroupedWrites(db))
	})
}
