package oversight_test

import (
	"context"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/oversight"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// counted is the real service, counting how often it is asked.
type counted struct {
	*oversight.Service
	n atomic.Int64
}

func (c *counted) Measures(ctx context.Context, f redress.MeasureFilter) (redress.Measures, error) {
	c.n.Add(1)
	return c.Service.Measures(ctx, f)
}

// The cache answers many requests for one answer with one count, serves a kept answer
// while it is fresh, serves it while counting again once it is stale, counts anew
// before answering once it is too old, never answers one reach from another's, and
// keeps no failure.
func TestCache(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		knownCases(f)
		src := &counted{Service: f.measures}
		var mu sync.Mutex
		clock := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
		now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
		move := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
		c := &oversight.Cache{Source: src, Fresh: time.Minute, Stale: 10 * time.Minute, Now: now}
		// The period named: the service's default follows the fixture's clock.
		all := redress.MeasureFilter{AllUnits: true, From: at("2026-04-01 00:00"), To: at("2026-07-01 00:00")}

		// A flood of one request: one count, every answer the same.
		var wg sync.WaitGroup
		got := make([]int, 50)
		for i := range got {
			wg.Go(func() {
				m, err := c.Measures(ctx, all)
				if err != nil {
					t.Error(err)
				}
				got[i] = m.Received
			})
		}
		wg.Wait()
		if n := src.n.Load(); n != 1 {
			t.Errorf("50 requests at once counted %d times, want 1", n)
		}
		for _, r := range got {
			if r != 7 {
				t.Fatalf("received %v, want 7 each", got)
			}
		}

		// A filing in the quarter: the fresh answer stands, the stale one is served once
		// more while it is counted again, and the next request has the new count.
		f.file(complaint{when: "2026-05-04 10:00"})
		move(30 * time.Second)
		if m, _ := c.Measures(ctx, all); m.Received != 7 || src.n.Load() != 1 {
			t.Errorf("fresh: received %d after %d counts, want 7 after 1", m.Received, src.n.Load())
		}
		move(time.Minute)
		if m, _ := c.Measures(ctx, all); m.Received != 7 {
			t.Errorf("stale: received %d, want the kept 7 while counting", m.Received)
		}
		var m redress.Measures
		for range 200 { // the background count ends on its own; this bounds the wait
			if m, _ = c.Measures(ctx, all); m.Received == 8 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if m.Received != 8 || src.n.Load() != 2 {
			t.Errorf("after the refresh: received %d after %d counts, want 8 after 2", m.Received, src.n.Load())
		}

		// Too old: counted before answering.
		f.file(complaint{when: "2026-05-05 10:00"})
		move(11 * time.Minute)
		if m, _ := c.Measures(ctx, all); m.Received != 9 || src.n.Load() != 3 {
			t.Errorf("too old: received %d after %d counts, want 9 after 3", m.Received, src.n.Load())
		}

		// Another reach is another answer: fl's supervisor gets fl's count, not every unit's.
		fl := redress.MeasureFilter{Units: []string{"fl"}, From: all.From, To: all.To}
		want, err := f.measures.Measures(ctx, fl)
		if err != nil {
			t.Fatal(err)
		}
		if m, _ := c.Measures(ctx, fl); m.Received != want.Received || m.Received == 9 {
			t.Errorf("fl's reach answered %d complaints; fl has %d, every unit 9", m.Received, want.Received)
		}

		// A failure is not kept: a bad filter is refused each time it is asked.
		before := src.n.Load()
		for range 2 {
			if _, err := c.Measures(ctx, redress.MeasureFilter{AllUnits: true, Model: "XYZ"}); !isField(err, "model") {
				t.Errorf("bad filter through the cache: %v", err)
			}
		}
		if src.n.Load() != before+2 {
			t.Errorf("a failed count was kept: %d counts for 2 requests", src.n.Load()-before)
		}
	})
}

// Every field of a filter chooses the answer: two filters differing in any one field
// never share a kept answer.
func TestCacheKeyCoversTheFilter(t *testing.T) {
	base := redress.MeasureFilter{}
	typ := reflect.TypeOf(base)
	for i := range typ.NumField() {
		g := base
		v := reflect.ValueOf(&g).Elem().Field(i)
		switch v.Kind() {
		case reflect.String:
			v.SetString("x")
		case reflect.Int64:
			v.SetInt(7)
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Slice:
			v.Set(reflect.ValueOf([]string{"tx"}))
		case reflect.Struct: // time.Time
			v.Set(reflect.ValueOf(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)))
		default:
			t.Fatalf("field %s of kind %s: teach this test its kind", typ.Field(i).Name, v.Kind())
		}
		if oversight.CacheKey("m", "", base) == oversight.CacheKey("m", "", g) {
			t.Errorf("filters differing in %s share a key", typ.Field(i).Name)
		}
	}
	if oversight.CacheKey("m", "", redress.MeasureFilter{Units: []string{"a", "b"}}) !=
		oversight.CacheKey("m", "", redress.MeasureFilter{Units: []string{"b", "a"}}) {
		t.Error("the order units were granted in changes the key")
	}
}
