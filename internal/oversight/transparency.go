// Package oversight gives oversight bodies and the public the numbers of how complaints
// are resolved. This file is the public transparency report (issue 15, point 5).
package oversight

import (
	"cmp"
	"context"
	"sync"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/suppress"
)

// The public transparency report: counts of complaints by state and agency, by model,
// of allegations by category and by finding, and the median time to close and the
// deadlines met, per quarter received. Published to anyone, so:
//
//   - only quarters that have ended: a quarter still running would change from one
//     refresh to the next, and two copies taken an hour apart would tell that a
//     complaint about an agency came in that hour;
//   - counts from 1 to 4 say "fewer than 5", and others are withheld around them until
//     none can be worked out (internal/suppress); a median or a share from fewer than
//     5 cases is not shown;
//   - no free text, no place, no day: quarters are the finest time, labels are the
//     registry's agencies and the fixed vocabulary's codes.
//
// Editions: counts of ended quarters barely change (an agency corrected at triage), but
// findings do, as cases close, and two copies whose hidden numbers differ could be set
// against each other. So a number hidden in one build stays hidden in the next ones
// (suppress's Hold) while it is not zero. That memory is the process's own: a restart,
// or another serve process, starts afresh (storing it would close that; not done).
//
// Building it reads the whole window once per table; serving it reads nothing. It is
// built on the first request, then kept TTL; a request after that gets the kept one at
// once while a fresh one is built behind it, so a reader sees figures at most TTL plus
// one build old.

// DefaultTTL is how long a built report is served before a fresh one is built.
const DefaultTTL = time.Hour

// DefaultQuarters is how many ended quarters the report covers: two years.
const DefaultQuarters = 8

// TallySource is what the report reads: the store's grouped counts.
type TallySource interface {
	ComplaintTallies(ctx context.Context, bounds []time.Time) ([]redress.ComplaintTally, error)
	AllegationTallies(ctx context.Context, bounds []time.Time) ([]redress.AllegationTally, error)
}

// MeasureSource gives the measures of a filter (the oversight dashboard's, so the public
// figures match it); nil leaves the report's times and deadlines out.
type MeasureSource interface {
	Measures(ctx context.Context, f redress.MeasureFilter) (redress.Measures, error)
}

// Transparency builds the report and keeps it.
type Transparency struct {
	Tallies  TallySource
	Measures MeasureSource
	// Loc is the office's zone: quarters begin at midnight there.
	Loc      *time.Location
	Now      func() time.Time
	TTL      time.Duration
	Quarters int
	// OnError is told of a refresh that failed behind a served report (may be nil).
	OnError func(error)

	mu       sync.Mutex
	cur      *Report
	building bool
	// held are the numbers the last build hid (heldKey), kept hidden by the next.
	held map[string]bool
	// retryAt holds the next refresh back a minute after one failed, so a database in
	// trouble is not asked again on every request.
	retryAt time.Time
	// first serialises the first build, so a crowd arriving at a cold start builds once.
	first sync.Mutex
}

// Report returns the kept report, building it when there is none and starting a fresh
// build behind it when it is older than TTL.
func (t *Transparency) Report(ctx context.Context) (*Report, error) {
	t.mu.Lock()
	cur := t.cur
	if now := t.now(); cur != nil && now.Sub(cur.Built) >= t.ttl() && !t.building && !now.Before(t.retryAt) {
		t.building = true
		go t.refresh()
	}
	t.mu.Unlock()
	if cur != nil {
		return cur, nil
	}
	t.first.Lock()
	defer t.first.Unlock()
	t.mu.Lock()
	cur = t.cur
	t.mu.Unlock()
	if cur != nil {
		return cur, nil
	}
	r, err := t.Build(ctx)
	if err != nil {
		return nil, err
	}
	t.keep(r)
	return r, nil
}

// Warm builds the first report now (serve calls it at start, in the background).
func (t *Transparency) Warm(ctx context.Context) error {
	_, err := t.Report(ctx)
	return err
}

func (t *Transparency) refresh() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	r, err := t.Build(ctx)
	t.mu.Lock()
	t.building = false
	if err != nil {
		t.retryAt = t.now().Add(time.Minute)
	}
	t.mu.Unlock()
	if err != nil {
		if t.OnError != nil {
			t.OnError(err)
		}
		return
	}
	t.keep(r)
}

func (t *Transparency) keep(r *Report) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cur == nil || !r.Built.Before(t.cur.Built) {
		t.cur = r
	}
}

func (t *Transparency) now() time.Time {
	if t.Now == nil {
		return time.Now()
	}
	return t.Now()
}

func (t *Transparency) ttl() time.Duration {
	if t.TTL <= 0 {
		return DefaultTTL
	}
	return t.TTL
}

func (t *Transparency) loc() *time.Location {
	if t.Loc == nil {
		return time.UTC
	}
	return t.Loc
}

// window is the report's quarters, oldest first (the last DefaultQuarters that ended
// by now), and their edges in the office's zone.
func (t *Transparency) window(now time.Time) ([]redress.Quarter, []time.Time) {
	n := t.Quarters
	if n <= 0 {
		n = DefaultQuarters
	}
	q := redress.QuarterOf(now.In(t.loc()))
	qs := make([]redress.Quarter, n)
	for i := n - 1; i >= 0; i-- {
		q = prevQuarter(q)
		qs[i] = q
	}
	bounds := make([]time.Time, 0, n+1)
	for _, q := range qs {
		from, _ := q.Bounds(t.loc())
		bounds = append(bounds, from)
	}
	_, end := qs[n-1].Bounds(t.loc())
	return qs, append(bounds, end)
}

// Build computes a report now, from the database.
func (t *Transparency) Build(ctx context.Context) (*Report, error) {
	now := t.now()
	qs, bounds := t.window(now)
	r := &Report{Built: now, TTL: t.ttl(), Quarters: qs}
	// The two scans run side by side on two connections: each reads the window once.
	var as []redress.AllegationTally
	var aerr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		as, aerr = t.Tallies.AllegationTallies(ctx, bounds)
	}()
	cs, err := t.Tallies.ComplaintTallies(ctx, bounds)
	<-done
	if err = cmp.Or(err, aerr); err != nil {
		return nil, err
	}
	r.States, r.Models = complaintTables(len(qs), cs)
	r.Categories, r.Findings = allegationTables(len(qs), as)
	t.mu.Lock()
	held := t.held
	t.mu.Unlock()
	r.eachCell(func(key string, c *suppress.Cell) { c.Hold = held[key] })
	if err := suppress.Protect(&r.States.Table, &r.Models.Table); err != nil {
		return nil, err
	}
	if err := suppress.Protect(&r.Categories.Table, &r.Findings.Table); err != nil {
		return nil, err
	}
	hidden := map[string]bool{}
	r.eachCell(func(key string, c *suppress.Cell) {
		if c.Hidden() {
			hidden[key] = true
		}
	})
	t.mu.Lock()
	t.held = hidden
	t.mu.Unlock()
	if t.Measures != nil {
		if r.Times, err = t.times(ctx, bounds); err != nil {
			return nil, err
		}
	}
	return r, nil
}
