package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/workflow"
)

// The filing cache: what filing a complaint reads before its transaction (the agency,
// its agreements as the sheets in force on the incident date listed them, the routing
// rules, the units with their zones and deadlines) changes only when an ICE sheet is
// imported or an administrator edits routing or units, yet was read from the database
// on every filing, five to seven statements each. Each process keeps it here, in the
// package that owns those tables, as one FilingView.
//
// Invalidation, across processes:
//   - cache_versions' 'filing' row moves in the same transaction as every change to the
//     tables the view reads: by trigger (migration 110), so no write path can forget;
//   - the process that made the change drops its view as soon as the change commits
//     (filingChanged, called by every store method that writes those tables;
//     TestFilingWritersDropTheView finds them in the source and fails on one that does
//     not), so its next filing reads the change;
//   - every other process compares its view's version with the row at most once per
//     interval (DefaultFilingCacheInterval), on the first filing after the interval has
//     passed: one primary-key read per interval while filings come, none while idle,
//     with no goroutine to start or stop. An administrator's edit or an import thus
//     reaches filings in other processes within the interval (plus one such read).
//
// Polling rather than PostgreSQL's LISTEN/NOTIFY: a listener needs a connection of its
// own outside the pool in every process, reconnection after an outage (and a reload
// then, since notices sent meanwhile are lost), does not pass through a pooler in
// transaction mode, and SQLite has nothing like it, so polling would be needed anyway;
// one primary-key read a second is nothing beside the statements it saves.

// DefaultFilingCacheInterval bounds how long a change another process made to the
// registry, the routing rules or the units may take to reach this process's filings.
const DefaultFilingCacheInterval = time.Second

// FilingCacheInterval sets how often a process checks whether its filing cache is
// stale (zero or less: DefaultFilingCacheInterval).
func FilingCacheInterval(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.filingCache = d
		}
	}
}

// FilingVersion is the counter every change to what filing reads moves.
func (db *DB) FilingVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := db.bun.QueryRowContext(ctx, "SELECT version FROM cache_versions WHERE name = 'filing'").Scan(&v); err != nil {
		return 0, fmt.Errorf("filing cache version: %w", err)
	}
	return v, nil
}

type filingCache struct {
	interval time.Duration
	// mu lets one load run at a time, and makes a drop wait for a load in flight, so a
	// view loaded before a change committed is never kept after it.
	mu       sync.Mutex
	view     atomic.Pointer[FilingView]
	checked  atomic.Int64 // unix nanoseconds before the view's version was last read
	checking atomic.Bool  // a request is checking the version; the others go on meanwhile
}

// FilingView returns what filing reads, cached: at most one interval older than the
// database (see above), and at once current after a change made through this DB.
func (db *DB) FilingView(ctx context.Context) (*FilingView, error) {
	c := &db.filing
	v := c.view.Load()
	if v == nil {
		return db.loadFilingView(ctx)
	}
	if time.Since(time.Unix(0, c.checked.Load())) < c.interval || !c.checking.CompareAndSwap(false, true) {
		return v, nil
	}
	defer c.checking.Store(false)
	if err := db.RefreshFilingCache(ctx); err != nil {
		return nil, err
	}
	if v = c.view.Load(); v != nil {
		return v, nil
	}
	return db.loadFilingView(ctx)
}

// RefreshFilingCache reads the version now, dropping the view if it moved; the next
// FilingView loads afresh. FilingView calls it once per interval; tests call it to
// stand for the interval passing.
func (db *DB) RefreshFilingCache(ctx context.Context) error {
	c := &db.filing
	at := time.Now()
	version, err := db.FilingVersion(ctx)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v := c.view.Load(); v != nil && v.version != version {
		c.view.Store(nil)
	} else if v != nil {
		c.checked.Store(at.UnixNano())
	}
	return nil
}

// filingChanged drops this process's view after a change to what filing reads has
// committed. Each store method that writes those tables calls it.
func (db *DB) filingChanged() {
	c := &db.filing
	c.mu.Lock()
	c.view.Store(nil)
	c.mu.Unlock()
}

func (db *DB) loadFilingView(ctx context.Context) (*FilingView, error) {
	c := &db.filing
	c.mu.Lock()
	defer c.mu.Unlock()
	if v := c.view.Load(); v != nil {
		return v, nil // another request loaded it while this one waited
	}
	// The version first: a change committed between it and the reads leaves the view
	// newer than its version says, and the next check just loads once more.
	at := time.Now()
	version, err := db.FilingVersion(ctx)
	if err != nil {
		return nil, err
	}
	v := &FilingView{db: db, version: version, agreements: map[int64]agencyAgreements{}}
	var rows []agencyRow
	if err := db.bun.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return nil, fmt.Errorf("filing cache: agencies: %w", err)
	}
	v.agencies = make(map[int64]redress.Agency, len(rows))
	for _, r := range rows {
		v.agencies[r.ID] = r.agency()
	}
	if v.rules, err = db.RoutingRules(ctx); err != nil {
		return nil, fmt.Errorf("filing cache: routing rules: %w", err)
	}
	if v.units, err = db.ListUnits(ctx); err != nil {
		return nil, fmt.Errorf("filing cache: %w", err)
	}
	if v.clocks, err = db.AllUnitClocks(ctx); err != nil {
		return nil, fmt.Errorf("filing cache: unit clocks: %w", err)
	}
	if err := v.loadAgreements(ctx); err != nil {
		return nil, fmt.Errorf("filing cache: agreements: %w", err)
	}
	c.view.Store(v)
	c.checked.Store(at.UnixNano())
	return v, nil
}

// eagerListings bounds the registry's history a view loads whole: ICE's sheets list
// about 1,500 agreements each, so a registry of a dozen sheets or so is read in two
// statements when the view loads; past it, each agency's agreements are read the first
// time a filing names it, so a registry of years of weekly sheets costs neither the
// time to read it all after every change nor the memory to hold it.
var eagerListings int64 = 20_000 // a variable for tests of the other way

// loadAgreements reads every agency's agreements and their listings, unless the
// listings are more than eagerListings.
func (v *FilingView) loadAgreements(ctx context.Context) error {
	n, err := v.db.bun.NewSelect().Model((*listingRow)(nil)).Count(ctx)
	if err != nil || int64(n) > eagerListings {
		return err
	}
	all, err := v.db.ListAgreements(ctx, redress.AgreementFilter{})
	if err != nil {
		return err
	}
	listings, err := v.db.listings(ctx, nil)
	if err != nil {
		return err
	}
	for id := range v.agencies {
		v.agreements[id] = agencyAgreements{list: []redress.Agreement{}, listings: listings}
	}
	for _, a := range all {
		aa := v.agreements[a.AgencyID]
		aa.list = append(aa.list, a)
		v.agreements[a.AgencyID] = aa
	}
	return nil
}

// FilingView is one consistent picture of what filing reads. It never changes once
// loaded, except that, in a registry of many sheets (eagerListings), an agency's
// agreements are read the first time a filing names the agency. Its methods return
// copies, which callers may change.
type FilingView struct {
	db       *DB
	version  int64
	agencies map[int64]redress.Agency
	rules    []workflow.Rule
	units    []redress.Unit
	clocks   map[string][]deadline.Override

	mu         sync.Mutex
	agreements map[int64]agencyAgreements
}

// agencyAgreements are an agency's agreements with their newest values, and what
// every sheet said of each, to be read as of any date.
type agencyAgreements struct {
	list     []redress.Agreement
	listings map[int64][]redress.Listing
}

// Agency is DB.Agency from the view: ENOTFOUND for an agency the registry lacks.
func (v *FilingView) Agency(id int64) (redress.Agency, error) {
	a, ok := v.agencies[id]
	if !ok {
		return redress.Agency{}, redress.Errorf(redress.ENOTFOUND, "Agency not found.")
	}
	return a, nil
}

// AgreementsForAgencyOn is DB.AgreementsForAgencyOn from the view.
func (v *FilingView) AgreementsForAgencyOn(ctx context.Context, agencyID int64, d redress.Date) ([]redress.Agreement, error) {
	if _, ok := v.agencies[agencyID]; !ok {
		return []redress.Agreement{}, nil // as the query answers; nothing kept for it
	}
	v.mu.Lock()
	aa, ok := v.agreements[agencyID]
	v.mu.Unlock()
	if !ok {
		// Two filings naming a new agency at once may both read it; both get the same.
		list, err := v.db.AgreementsForAgency(ctx, agencyID)
		if err != nil {
			return nil, err
		}
		ids := make([]int64, len(list))
		for i, a := range list {
			ids[i] = a.ID
		}
		listings, err := v.db.listingsOf(ctx, ids)
		if err != nil {
			return nil, err
		}
		aa = agencyAgreements{list: list, listings: listings}
		v.mu.Lock()
		v.agreements[agencyID] = aa
		v.mu.Unlock()
	}
	out := make([]redress.Agreement, len(aa.list))
	for i, a := range aa.list {
		if a.Agency != nil {
			ag := *a.Agency
			a.Agency = &ag
		}
		out[i] = a.On(aa.listings[a.ID], d)
	}
	return out, nil
}

// RoutingRules is DB.RoutingRules from the view.
func (v *FilingView) RoutingRules() []workflow.Rule { return slices.Clone(v.rules) }

// Units is DB.ListUnits from the view.
func (v *FilingView) Units() []redress.Unit {
	out := slices.Clone(v.units)
	for i := range out {
		out[i].States, out[i].AgencyIDs = slices.Clone(out[i].States), slices.Clone(out[i].AgencyIDs)
	}
	return out
}

// UnitClocks is DB.UnitClocks from the view.
func (v *FilingView) UnitClocks(unit string) []deadline.Override {
	if os, ok := v.clocks[unit]; ok {
		return slices.Clone(os)
	}
	return []deadline.Override{}
}

// UnitTimeZone is DB.UnitTimeZone from the view.
func (v *FilingView) UnitTimeZone(unit string) string {
	for _, u := range v.units {
		if u.Name == unit {
			return u.TimeZone
		}
	}
	return ""
}
