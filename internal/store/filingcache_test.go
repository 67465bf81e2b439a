package store_test

import (
	"context"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/ice/icetest"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/workflow"
)

// queryLog records the statements a store runs.
type queryLog struct {
	mu sync.Mutex
	on bool
	qs []string
}

func (l *queryLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (l *queryLog) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.on {
		l.qs = append(l.qs, e.Query)
	}
}

// record runs fn and returns the statements it ran.
func (l *queryLog) record(fn func()) []string {
	l.mu.Lock()
	l.on, l.qs = true, nil
	l.mu.Unlock()
	fn()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = false
	return l.qs
}

var tableRef = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+"?([a-z_]+)"?`)

// tablesOf names the tables statements read.
func tablesOf(qs []string) []string {
	var out []string
	for _, q := range qs {
		for _, m := range tableRef.FindAllStringSubmatch(q, -1) {
			if !slices.Contains(out, m[1]) {
				out = append(out, m[1])
			}
		}
	}
	slices.Sort(out)
	return out
}

// filingFixture: the registry from ICE's June and July sheets, two units (one in its
// own zone, with its own deadline) and a routing rule.
func filingFixture(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	apply(t, db, icetest.Read(t, icetest.June))
	apply(t, db, icetest.Read(t, icetest.July))
	by := redress.AuditEvent{Actor: "user:1"}
	for _, u := range []redress.Unit{{Name: "tx", Title: "Texas", States: []string{"TX"}, TimeZone: "America/Chicago"},
		{Name: "fl", Title: "Florida", States: []string{"FL"}}} {
		if _, err := db.SaveUnit(ctx, by, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.ReplaceRoutingRules(ctx, []workflow.Rule{{Kind: workflow.RuleUnit, State: "GA", Unit: "fl"}}, by); err != nil {
		t.Fatal(err)
	}
	if err := db.ReplaceUnitClocks(ctx, "tx", []deadline.Override{{Clock: "triage", Amount: 2, Business: true}}, by); err != nil {
		t.Fatal(err)
	}
}

// TestFilingViewReadsAsTheDatabase: every answer of the view is the database's own.
// A registry of many sheets is read one agency at a time, as filings name them: the
// same answers.
func TestFilingViewReadsAsTheDatabase(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		db := storetest.Open(t, dsn)
		filingFixture(t, db)
		whole, err := db.FilingView(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		t.Run("whole", func(t *testing.T) { viewReadsAsTheDatabase(t, db, whole) })
		store.SetEagerListings(t, 0)
		lazy, err := storetest.Open(t, dsn).FilingView(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		t.Run("by agency", func(t *testing.T) { viewReadsAsTheDatabase(t, db, lazy) })
	})
}

func viewReadsAsTheDatabase(t *testing.T, db *store.DB, v *store.FilingView) {
	{
		ctx := context.Background()
		agencies, err := db.ListAgencies(ctx, "", "", 0)
		if err != nil || len(agencies) < 500 {
			t.Fatalf("agencies: %d, %v", len(agencies), err)
		}
		days := []redress.Date{{Year: 2019, Month: 1, Day: 1}, {Year: 2025, Month: 5, Day: 1}, {Year: 2025, Month: 6, Day: 20}, {Year: 2025, Month: 7, Day: 30}}
		for i, a := range agencies {
			got, err := v.Agency(a.ID)
			if err != nil || got != a {
				t.Fatalf("view agency %d = %+v, %v; want %+v", a.ID, got, err, a)
			}
			if i%5 != 0 {
				continue // the agreements of one agency in five: enough, and quick
			}
			for _, d := range days {
				want, err := db.AgreementsForAgencyOn(ctx, a.ID, d)
				if err != nil {
					t.Fatal(err)
				}
				got, err := v.AgreementsForAgencyOn(ctx, a.ID, d)
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Fatalf("view agreements of %d on %s = %+v, %v;\nwant %+v", a.ID, d, got, err, want)
				}
			}
		}
		if _, err := v.Agency(999999); redress.ErrorCode(err) != redress.ENOTFOUND {
			t.Errorf("unknown agency: %v; want ENOTFOUND", err)
		}
		if _, err := db.Agency(ctx, 999999); redress.ErrorCode(err) != redress.ENOTFOUND {
			t.Errorf("unknown agency, from the database: %v; want ENOTFOUND", err)
		}
		if got, err := v.AgreementsForAgencyOn(ctx, 999999, days[1]); err != nil || len(got) != 0 {
			t.Errorf("agreements of an unknown agency = %v, %v; want none", got, err)
		}
		rules, _ := db.RoutingRules(ctx)
		units, _ := db.ListUnits(ctx)
		if !reflect.DeepEqual(v.RoutingRules(), rules) || len(rules) != 1 {
			t.Errorf("rules = %+v; want %+v", v.RoutingRules(), rules)
		}
		if !reflect.DeepEqual(v.Units(), units) || len(units) != 2 {
			t.Errorf("units = %+v; want %+v", v.Units(), units)
		}
		for _, u := range []string{"tx", "fl", "nowhere"} {
			clocks, _ := db.UnitClocks(ctx, u)
			zone, _ := db.UnitTimeZone(ctx, u)
			if got := v.UnitClocks(u); !reflect.DeepEqual(got, clocks) {
				t.Errorf("clocks of %s = %+v; want %+v", u, got, clocks)
			}
			if got := v.UnitTimeZone(u); got != zone {
				t.Errorf("zone of %s = %q; want %q", u, got, zone)
			}
		}
		// Callers get copies: changing one changes nothing for the next filing.
		v.Units()[0].States[0] = "ZZ"
		v.RoutingRules()[0].Unit = "changed"
		if !reflect.DeepEqual(v.Units(), units) || !reflect.DeepEqual(v.RoutingRules(), rules) {
			t.Error("a caller's change reached the view")
		}
	}
}

// TestFilingViewReadsOncePerInterval: a warm view answers a filing's every question
// with no statement; once the interval has passed, one primary-key read of the version.
func TestFilingViewReadsOncePerInterval(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		for _, c := range []struct {
			interval time.Duration
			want     []string
		}{{time.Hour, nil}, {time.Nanosecond, []string{"cache_versions"}}} {
			db := storetest.Open(t, dsn, store.FilingCacheInterval(c.interval))
			if c.interval == time.Hour {
				filingFixture(t, db)
			}
			log := &queryLog{}
			db.Bun().AddQueryHook(log)
			agencies, _ := db.ListAgencies(ctx, "TX", "Harris", 1)
			use := func() {
				v, err := db.FilingView(ctx)
				if err != nil {
					t.Fatal(err)
				}
				v.Agency(agencies[0].ID)
				v.AgreementsForAgencyOn(ctx, agencies[0].ID, redress.Date{Year: 2025, Month: 7, Day: 1})
				v.RoutingRules()
				v.Units()
				v.UnitClocks("tx")
				v.UnitTimeZone("tx")
			}
			cold := log.record(use)
			if len(cold) < 5 {
				t.Errorf("cold view: %d statements %v; want the loads", len(cold), cold)
			}
			for range 3 {
				if warm := log.record(use); !slices.Equal(tablesOf(warm), c.want) || len(warm) > len(c.want) {
					t.Errorf("interval %s, warm view: %v; want reads of %v", c.interval, warm, c.want)
				}
			}
		}
	})
}

// TestFilingTablesMoveTheVersion: every table the view reads (found from its own
// statements, so a table it comes to read is checked too) moves the version when a
// statement writes it, in the writing transaction.
func TestFilingTablesMoveTheVersion(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := storetest.Open(t, dsn)
		filingFixture(t, db)
		agencies, _ := db.ListAgencies(ctx, "TX", "Harris", 1)
		other := storetest.Open(t, dsn, store.FilingCacheInterval(time.Hour))
		log := &queryLog{}
		other.Bun().AddQueryHook(log)
		qs := log.record(func() {
			v, err := other.FilingView(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := v.AgreementsForAgencyOn(ctx, agencies[0].ID, redress.Date{Year: 2025, Month: 7, Day: 1}); err != nil {
				t.Fatal(err)
			}
		})
		tables := slices.DeleteFunc(tablesOf(qs), func(s string) bool { return s == "cache_versions" || strings.HasPrefix(s, "bun_") })
		want := []string{"agencies", "agreement_listings", "agreements", "registry_sheets", "routing_rules", "unit_clocks", "units"}
		if !slices.Equal(tables, want) {
			t.Errorf("the view reads %v; the triggers of migration 110 cover %v: cover the new table (both dialects) and this list", tables, want)
		}
		for _, table := range tables {
			tx, err := db.Bun().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			version := func() int64 {
				var v int64
				if err := tx.QueryRowContext(ctx, "SELECT version FROM cache_versions WHERE name = 'filing'").Scan(&v); err != nil {
					t.Fatal(err)
				}
				return v
			}
			rows, err := tx.QueryContext(ctx, "SELECT * FROM "+table+" LIMIT 1")
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			rows.Close()
			before := version()
			// Writes every row back as it was: a change in every dialect's eyes.
			if _, err := tx.ExecContext(ctx, "UPDATE "+table+" SET "+cols[0]+" = "+cols[0]); err != nil {
				t.Fatal(err)
			}
			if after := version(); after <= before {
				t.Errorf("UPDATE %s: version %d → %d; want it moved", table, before, after)
			}
			tx.Rollback()
		}
	})
}

// TestFilingVersionMovesOnEveryWrite: each way the store changes what filing reads
// moves the version and drops this process's view at once; filing itself, and other
// writes, move nothing.
func TestFilingVersionMovesOnEveryWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		by := redress.AuditEvent{Actor: "user:1"}
		step := func(name string, moves bool, fn func() error) {
			t.Helper()
			before, err := db.FilingVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			v, err := db.FilingView(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := fn(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			after, _ := db.FilingVersion(ctx)
			again, err := db.FilingView(ctx)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case moves && after <= before:
				t.Errorf("%s: version %d → %d; want it moved", name, before, after)
			case moves && again == v:
				t.Errorf("%s: this process kept its view", name)
			case !moves && (after != before || again != v):
				t.Errorf("%s: version %d → %d, view kept %v; want neither to change", name, before, after, again == v)
			}
		}
		step("import", true, func() error { _, err := db.ApplySheet(ctx, icetest.Read(t, icetest.June), "operator", ""); return err })
		step("the same sheet again", true, func() error {
			_, err := db.ApplySheet(ctx, icetest.Read(t, icetest.June), "operator", "")
			return err
		})
		step("a newer sheet", true, func() error { _, err := db.ApplySheet(ctx, icetest.Read(t, icetest.July), "operator", ""); return err })
		step("new unit", true, func() error {
			_, err := db.SaveUnit(ctx, by, redress.Unit{Name: "tx", Title: "Texas", States: []string{"TX"}})
			return err
		})
		step("unit's zone", true, func() error {
			_, err := db.SaveUnit(ctx, by, redress.Unit{Name: "tx", Title: "Texas", States: []string{"TX"}, TimeZone: "America/Chicago"})
			return err
		})
		step("routing rules", true, func() error {
			return db.ReplaceRoutingRules(ctx, []workflow.Rule{{Kind: workflow.RuleUnit, State: "GA", Unit: "tx"}}, by)
		})
		step("no routing rules", true, func() error { return db.ReplaceRoutingRules(ctx, nil, by) })
		step("unit's deadlines", true, func() error {
			return db.ReplaceUnitClocks(ctx, "tx", []deadline.Override{{Clock: "triage", Amount: 2, Business: true}}, by)
		})
		step("unit's deadlines cleared", true, func() error { return db.ReplaceUnitClocks(ctx, "tx", nil, by) })
		step("filing", false, func() error { _, err := db.CreateComplaint(ctx, newComplaint("RX-CACH-0001")); return err })
		step("an office", false, func() error {
			_, err := db.SaveOffice(ctx, store.OfficeChange{SealedOffice: store.SealedOffice{
				Office: redress.Office{Name: "Legal aid", Recipients: []string{"legal_aid"}, States: []string{"TX"}}, EmailSealed: []byte("sealed")}}, by)
			return err
		})
	})
}
