package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

func TestTakeLimitCountsUpToMaxThenRefusesUntilTheWindowEnds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2025, 8, 1, 12, 0, 0, 0, time.UTC)
		for i := 1; i <= 3; i++ {
			ok, reset, err := db.TakeLimit(ctx, "filing", "k1", 3, time.Hour, t0.Add(time.Duration(i)*time.Minute))
			if err != nil || !ok {
				t.Fatalf("hit %d: ok=%v err=%v", i, ok, err)
			}
			// The window starts at the first hit and does not move with later ones.
			if want := t0.Add(time.Minute + time.Hour); !reset.Equal(want) {
				t.Fatalf("hit %d: window ends %v, want %v", i, reset, want)
			}
		}
		ok, reset, err := db.TakeLimit(ctx, "filing", "k1", 3, time.Hour, t0.Add(30*time.Minute))
		if err != nil || ok || !reset.Equal(t0.Add(61*time.Minute)) {
			t.Fatalf("fourth hit: ok=%v reset=%v err=%v, want refused until %v", ok, reset, err, t0.Add(61*time.Minute))
		}
		// A refused hit writes nothing: the count stays at the limit.
		if hits, _, _ := db.LimitHits(ctx, "filing", "k1", t0.Add(30*time.Minute)); hits != 3 {
			t.Fatalf("hits after a refusal = %d, want 3", hits)
		}
		// Other keys and other scopes are counted apart.
		if ok, _, err := db.TakeLimit(ctx, "filing", "k2", 3, time.Hour, t0.Add(30*time.Minute)); !ok || err != nil {
			t.Fatalf("another key: ok=%v err=%v", ok, err)
		}
		if ok, _, err := db.TakeLimit(ctx, "receipt", "k1", 3, time.Hour, t0.Add(30*time.Minute)); !ok || err != nil {
			t.Fatalf("another scope: ok=%v err=%v", ok, err)
		}
		// Once the window ends, a new one starts with this hit.
		later := t0.Add(61 * time.Minute)
		ok, reset, err = db.TakeLimit(ctx, "filing", "k1", 3, time.Hour, later)
		if err != nil || !ok || !reset.Equal(later.Add(time.Hour)) {
			t.Fatalf("after the window: ok=%v reset=%v err=%v", ok, reset, err)
		}
		if hits, _, _ := db.LimitHits(ctx, "filing", "k1", later); hits != 1 {
			t.Fatalf("hits in the new window = %d, want 1", hits)
		}
	})
}

// Concurrent hits of one key are each counted once: exactly max get through.
func TestTakeLimitConcurrentHitsCountOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2025, 8, 1, 12, 0, 0, 0, time.UTC)
		var wg sync.WaitGroup
		var mu sync.Mutex
		passed := 0
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, _, err := db.TakeLimit(ctx, "filing", "busy", 7, time.Hour, now)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					passed++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if passed != 7 {
			t.Fatalf("%d of 20 concurrent hits passed, want 7", passed)
		}
	})
}

func TestPruneLimitsDeletesEndedWindowsInBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2025, 8, 1, 12, 0, 0, 0, time.UTC)
		for i := range 25 {
			if _, _, err := db.TakeLimit(ctx, "receipt", fmt.Sprint("old", i), 5, time.Minute, t0); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := db.TakeLimit(ctx, "receipt", "current", 5, time.Hour, t0); err != nil {
			t.Fatal(err)
		}
		at := t0.Add(2 * time.Minute)
		for _, want := range []int64{10, 10, 5, 0} {
			n, err := db.PruneLimits(ctx, at, 10)
			if err != nil || n != want {
				t.Fatalf("pruned %d (%v), want %d", n, err, want)
			}
		}
		if hits, _, _ := db.LimitHits(ctx, "receipt", "current", at); hits != 1 {
			t.Fatalf("a running window was pruned: hits = %d", hits)
		}
	})
}
