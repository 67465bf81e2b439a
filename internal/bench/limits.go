package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redress-oversight/redress/internal/store"
)

// runBare runs the bare limit's loop with clients goroutines for d.
func runBare(ctx context.Context, b *store.BareDB, clients int, d time.Duration) (filed, errs int, took time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n, e int
			for ctx.Err() == nil {
				if err := b.File(ctx); err != nil {
					if ctx.Err() == nil {
						e++
					}
					continue
				}
				n++
			}
			mu.Lock()
			filed, errs = filed+n, errs+e
			mu.Unlock()
		}()
	}
	wg.Wait()
	return filed, errs, time.Since(start)
}

// watchRSS samples the resident memory of process pid until ctx ends; the function it
// returns gives the largest seen, in bytes (0 when pid is 0 or unreadable).
func watchRSS(ctx context.Context, pid int) func() int64 {
	if pid <= 0 {
		return func() int64 { return 0 }
	}
	var mu sync.Mutex
	var peak int64
	sample := func() {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				mu.Lock()
				peak = max(peak, kb<<10)
				mu.Unlock()
			}
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			sample()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		cancel()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}
