package oversight

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
)

// Cache keeps the measures' answers for a while, so the oversight pages open at once on
// a large database. At a million complaints the measures of a whole quarter of every
// unit, broken down by agency, take seconds to count (docs/performance.md), and the
// dashboard shows three such breakdowns. Answers are a few minutes old at most: each is
// kept per exact filter, breakdown and reach (a supervisor's units are part of the key,
// so no one is ever answered from another's reach), served as it is while younger than
// Fresh, served while a fresh one is counted in the background until Stale, and counted
// anew before answering after that. Every answer carries the time it was counted
// (Measures.AsOf), which the pages show.
//
// Counting is expensive, so at most Workers counts run at once, and many requests for
// one answer wait for a single count: a flood of requests costs memory for waiting
// requests, not CPU for repeated counts. At most MaxEntries answers are kept.
type Cache struct {
	Source     Source
	Fresh      time.Duration // default 2 minutes
	Stale      time.Duration // default 15 minutes
	Workers    int           // default 2
	MaxEntries int           // default 500
	Now        func() time.Time

	once    sync.Once
	sem     chan struct{}
	mu      sync.Mutex
	entries map[string]*cacheEntry
}

// Source is what the cache answers for: the Service.
type Source interface {
	Measures(ctx context.Context, f redress.MeasureFilter) (redress.Measures, error)
	Trend(ctx context.Context, f redress.MeasureFilter) ([]redress.MonthPoint, error)
	Breakdown(ctx context.Context, f redress.MeasureFilter, by string) ([]redress.Group, error)
	Dashboard(ctx context.Context, f redress.MeasureFilter, by string) (redress.Measures, []redress.Group, error)
}

type cacheEntry struct {
	ready      chan struct{} // closed when the first count ends
	at         time.Time     // when the kept answer was counted
	val        any
	err        error
	refreshing bool
}

// countTimeout bounds one count: a request that gives up does not stop a count others
// wait for, and a count that never ends does not hold a worker for ever.
const countTimeout = 2 * time.Minute

func (c *Cache) init() {
	c.once.Do(func() {
		if c.Fresh <= 0 {
			c.Fresh = 2 * time.Minute
		}
		if c.Stale <= c.Fresh {
			c.Stale = max(15*time.Minute, 2*c.Fresh)
		}
		if c.Workers <= 0 {
			c.Workers = 2
		}
		if c.MaxEntries <= 0 {
			c.MaxEntries = 500
		}
		if c.Now == nil {
			c.Now = time.Now
		}
		c.sem = make(chan struct{}, c.Workers)
		c.entries = map[string]*cacheEntry{}
	})
}

// Measures answers as Service.Measures does.
func (c *Cache) Measures(ctx context.Context, f redress.MeasureFilter) (redress.Measures, error) {
	v, err := c.get(ctx, cacheKey("measures", "", f), func(ctx context.Context) (any, error) {
		return c.Source.Measures(ctx, f)
	})
	m, _ := v.(redress.Measures)
	return m, err
}

// Trend answers as Service.Trend does.
func (c *Cache) Trend(ctx context.Context, f redress.MeasureFilter) ([]redress.MonthPoint, error) {
	v, err := c.get(ctx, cacheKey("trend", "", f), func(ctx context.Context) (any, error) {
		return c.Source.Trend(ctx, f)
	})
	t, _ := v.([]redress.MonthPoint)
	return t, err
}

// Breakdown answers as Service.Breakdown does.
func (c *Cache) Breakdown(ctx context.Context, f redress.MeasureFilter, by string) ([]redress.Group, error) {
	v, err := c.get(ctx, cacheKey("breakdown", by, f), func(ctx context.Context) (any, error) {
		return c.Source.Breakdown(ctx, f, by)
	})
	g, _ := v.([]redress.Group)
	return g, err
}

type dashboard struct {
	m      redress.Measures
	groups []redress.Group
}

// Dashboard answers as Service.Dashboard does.
func (c *Cache) Dashboard(ctx context.Context, f redress.MeasureFilter, by string) (redress.Measures, []redress.Group, error) {
	v, err := c.get(ctx, cacheKey("dashboard", by, f), func(ctx context.Context) (any, error) {
		m, g, err := c.Source.Dashboard(ctx, f, by)
		return dashboard{m, g}, err
	})
	d, _ := v.(dashboard)
	return d.m, d.groups, err
}

// get answers key from the kept answer or by count. A failed count is not kept.
func (c *Cache) get(ctx context.Context, key string, count func(context.Context) (any, error)) (any, error) {
	c.init()
	now := c.Now()
	c.mu.Lock()
	e := c.entries[key]
	if e != nil {
		select {
		case <-e.ready:
			age := now.Sub(e.at)
			switch {
			case e.err == nil && age < c.Fresh:
				c.mu.Unlock()
				return e.val, nil
			case e.err == nil && age < c.Stale:
				if !e.refreshing {
					e.refreshing = true
					go c.refresh(key, e, count)
				}
				c.mu.Unlock()
				return e.val, nil
			}
			e = nil // too old, or failed: count anew
		default: // a first count is running: wait for it below
		}
	}
	if e == nil {
		e = &cacheEntry{ready: make(chan struct{})}
		c.evictLocked()
		c.entries[key] = e
		go func() {
			val, err := c.count(count)
			c.mu.Lock()
			e.val, e.err, e.at = val, err, c.Now()
			if err != nil && c.entries[key] == e {
				delete(c.entries, key)
			}
			c.mu.Unlock()
			close(e.ready)
		}()
	}
	c.mu.Unlock()
	select {
	case <-e.ready:
		return e.val, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// refresh counts a kept answer again in the background and keeps the new one; on
// failure the old one stays until it is too old to serve.
func (c *Cache) refresh(key string, e *cacheEntry, count func(context.Context) (any, error)) {
	val, err := c.count(count)
	c.mu.Lock()
	defer c.mu.Unlock()
	e.refreshing = false
	if err == nil && c.entries[key] == e {
		e.val, e.at = val, c.Now()
	}
}

// count runs one count when a worker is free.
func (c *Cache) count(count func(context.Context) (any, error)) (any, error) {
	c.sem <- struct{}{}
	defer func() { <-c.sem }()
	ctx, cancel := context.WithTimeout(context.Background(), countTimeout)
	defer cancel()
	return count(ctx)
}

// evictLocked makes room for one more answer, dropping the oldest finished ones.
func (c *Cache) evictLocked() {
	for len(c.entries) >= c.MaxEntries {
		var oldest string
		var at time.Time
		for k, e := range c.entries {
			select {
			case <-e.ready:
				if oldest == "" || e.at.Before(at) {
					oldest, at = k, e.at
				}
			default:
			}
		}
		if oldest == "" {
			return // every kept answer is still being counted
		}
		delete(c.entries, oldest)
	}
}

// cacheKey names an answer by everything that chooses it: the filter, the breakdown and
// the caller's reach (units sorted, so the order they were granted in does not matter).
func cacheKey(kind, by string, f redress.MeasureFilter) string {
	units := slices.Clone(f.Units)
	slices.Sort(units)
	var from, to int64
	if !f.From.IsZero() {
		from = f.From.UnixNano()
	}
	if !f.To.IsZero() {
		to = f.To.UnixNano()
	}
	return fmt.Sprintf("%s|%s|%d|%d|%t|%q|%q|%d|%d|%q|%q|%q|%q|%q|%q|%q|%q", kind, by, from, to,
		f.AllUnits, units, f.State, f.AgencyID, f.AgreementID, f.Model, f.Unit, f.Category, f.Function,
		f.Channel, f.Language, f.Priority, f.Custody)
}
