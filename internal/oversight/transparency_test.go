package oversight_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/oversight"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/suppress"
)

// fakeTallies answers with fixed tallies and counts how often it is asked.
type fakeTallies struct {
	mu     sync.Mutex
	calls  int
	bounds []time.Time
	err    error
	cs     []redress.ComplaintTally
	as     []redress.AllegationTally
}

func (f *fakeTallies) ComplaintTallies(_ context.Context, b []time.Time) ([]redress.ComplaintTally, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.bounds = b
	return f.cs, f.err
}

func (f *fakeTallies) AllegationTallies(context.Context, []time.Time) ([]redress.AllegationTally, error) {
	return f.as, nil
}

func (f *fakeTallies) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func transparencyFixture() *fakeTallies {
	return &fakeTallies{
		cs: []redress.ComplaintTally{
			{Quarter: 6, State: "TX", AgencyID: 1, AgencyName: "Harris", Model: "JEM", N: 12},
			{Quarter: 7, State: "TX", AgencyID: 1, AgencyName: "Harris", Model: "JEM", N: 3},
			{Quarter: 6, State: "FL", AgencyID: 2, AgencyName: "Collier", Model: "WSO", N: 7},
			{Quarter: 7, State: "FL", AgencyID: 2, AgencyName: "Collier", Model: "WSO", N: 9},
			{Quarter: 7, State: "CA", N: 2},
		},
		as: []redress.AllegationTally{
			{Quarter: 6, Category: "force", Closed: true, Finding: "sustained", N: 12},
			{Quarter: 7, Category: "force", N: 14},
		},
	}
}

func TestTransparencyBuild(t *testing.T) {
	f := transparencyFixture()
	loc, _ := time.LoadLocation("America/Chicago")
	now := time.Date(2025, 8, 1, 15, 0, 0, 0, time.UTC)
	tr := &oversight.Transparency{Tallies: f, Loc: loc, Now: func() time.Time { return now }}
	r, err := tr.Report(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Eight ended quarters, the running one (2025-Q3) left out, edges at midnight in
	// the office's zone.
	if len(r.Quarters) != 8 || r.Quarters[0].String() != "2023-Q3" || r.Quarters[7].String() != "2025-Q2" {
		t.Fatalf("quarters %v", r.Quarters)
	}
	if want := time.Date(2025, 7, 1, 0, 0, 0, 0, loc); !f.bounds[8].Equal(want) {
		t.Fatalf("last edge %v, want %v", f.bounds[8], want)
	}
	// States in name order: California, Florida, Texas.
	names := []string{r.States.Labels[0].Name, r.States.Labels[1].Name, r.States.Labels[2].Name}
	if names[0] != "California" || names[1] != "Florida" || names[2] != "Texas" {
		t.Fatalf("states %v", names)
	}
	tx := r.States.Rows[2]
	if tx.Cells[6] != (suppress.Cell{N: 12, Status: tx.Cells[6].Status}) || tx.Cells[7].Status != suppress.Small {
		t.Fatalf("Texas %+v", tx.Cells)
	}
	if ca := r.States.Rows[0]; ca.Cells[7].Status != suppress.Small || r.States.Labels[0].Children[0].Key != "transparency.none.agency" {
		t.Fatalf("California %+v %+v", ca.Cells, r.States.Labels[0])
	}
	if r.States.Grand.N != 33 || r.Models.Grand.N != 33 || r.Categories.Grand.N != 26 || r.Findings.Grand.N != 26 {
		t.Fatalf("grand totals %d %d %d %d", r.States.Grand.N, r.Models.Grand.N, r.Categories.Grand.N, r.Findings.Grand.N)
	}
}

// The report is built once and then served from memory; once older than its TTL the
// kept one is served at once while a fresh one is built behind it.
func TestTransparencyCache(t *testing.T) {
	f := transparencyFixture()
	var mu sync.Mutex
	now := time.Date(2025, 8, 1, 15, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	tr := &oversight.Transparency{Tallies: f, Now: clock, TTL: time.Hour}
	ctx := context.Background()
	first, err := tr.Report(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		r, err := tr.Report(ctx)
		if err != nil || r != first {
			t.Fatalf("a request within the TTL got another report (%v)", err)
		}
	}
	if f.count() != 1 {
		t.Fatalf("the database was asked %d times for 101 requests", f.count())
	}
	mu.Lock()
	now = now.Add(time.Hour + time.Minute)
	mu.Unlock()
	if r, _ := tr.Report(ctx); r != first {
		t.Fatal("a stale report was not served while the fresh one is built")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, _ := tr.Report(ctx)
		if r != first {
			if f.count() != 2 || !r.Built.Equal(clock()) {
				t.Fatalf("refresh: %d builds, built %v", f.count(), r.Built)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no fresh report after the TTL")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A refresh that fails leaves the kept report served, says why, and is not tried again
// for a minute.
func TestTransparencyRefreshFails(t *testing.T) {
	f := transparencyFixture()
	var mu sync.Mutex
	now := time.Date(2025, 8, 1, 15, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	failed := make(chan error, 4)
	tr := &oversight.Transparency{Tallies: f, Now: clock, TTL: time.Hour, OnError: func(err error) { failed <- err }}
	ctx := context.Background()
	first, err := tr.Report(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.err = errors.New("database down")
	f.mu.Unlock()
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	if r, _ := tr.Report(ctx); r != first {
		t.Fatal("the kept report was not served")
	}
	if err := <-failed; err == nil || err.Error() != "database down" {
		t.Fatalf("told %v", err)
	}
	for range 20 {
		if r, _ := tr.Report(ctx); r != first {
			t.Fatal("the kept report was not served")
		}
	}
	if f.count() != 2 {
		t.Fatalf("asked %d times within the minute after a failure", f.count())
	}
}

// A number hidden in one build stays hidden in the next, even when that build alone
// would show it: two editions cannot be set against each other.
func TestTransparencyHoldsAcrossBuilds(t *testing.T) {
	f := transparencyFixture()
	now := time.Date(2025, 8, 1, 15, 0, 0, 0, time.UTC)
	tr := &oversight.Transparency{Tallies: f, Now: func() time.Time { return now }}
	ctx := context.Background()
	first, err := tr.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Texas's 2025-Q2 grows from 3 to 6, California's from 2 to 7: on its own, a build
	// would hide nothing in those rows.
	f.mu.Lock()
	f.cs[1].N, f.cs[4].N = 6, 7
	f.mu.Unlock()
	alone, err := (&oversight.Transparency{Tallies: f, Now: func() time.Time { return now }}).Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	second, err := tr.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	shownAlone := 0
	for i, r := range first.States.Rows {
		for j, c := range append(slices.Clone(r.Cells), r.Total) {
			now := append(slices.Clone(second.States.Rows[i].Cells), second.States.Rows[i].Total)[j]
			was := append(slices.Clone(alone.States.Rows[i].Cells), alone.States.Rows[i].Total)[j]
			if c.Hidden() && now.N != 0 && !now.Hidden() {
				t.Errorf("state row %d, column %d: hidden in the first build, shown in the second", i, j)
			}
			if c.Hidden() && !was.Hidden() {
				shownAlone++
			}
		}
	}
	if shownAlone == 0 {
		t.Fatal("the second build alone hides the same: the test shows nothing")
	}
}
