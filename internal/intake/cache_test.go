package intake_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/intake"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/workflow"
)

// TestFilingCacheAcrossProcesses: two store handles on one database stand for two
// serve processes, each caching what filing reads. An administrator's change made
// through A holds at once for A's filings; B may file with what it had until its
// version check (store.RefreshFilingCache, which B's filings run once per interval:
// the interval here is an hour, so B's filings show the stale read the bound allows),
// and files with the change after it.
func TestFilingCacheAcrossProcesses(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a := storetest.Open(t, dsn, store.FilingCacheInterval(time.Hour))
		b := storetest.Open(t, dsn, store.FilingCacheInterval(time.Hour))
		f := newFixture(t, a)
		svc := func(db *store.DB) *intake.Service {
			s := *f.svc
			s.DB = db
			s.Casework = &casework.Service{DB: db, Deadlines: deadline.Defaults()}
			return &s
		}
		svcA, svcB := svc(a), svc(b)
		admin := casework.Actor{Subject: "user:1", RequestID: "req-admin"}
		by := redress.AuditEvent{Actor: "user:1", ActorRole: "administrator"}
		for _, u := range []redress.Unit{{Name: "tx", Title: "Texas", States: []string{"TX"}}, {Name: "gulf", Title: "Gulf"}} {
			if _, err := a.SaveUnit(ctx, by, u); err != nil {
				t.Fatal(err)
			}
		}
		file := func(t *testing.T, s *intake.Service, in redress.ComplaintInput) (redress.Complaint, *redress.Agreement, error) {
			t.Helper()
			filed, err := s.FileComplaint(ctx, in, intake.Request{Actor: redress.ActorPublic, RequestID: "req-file", Today: today})
			return filed.Complaint, filed.Agreement, err
		}
		mustFile := func(t *testing.T, s *intake.Service, in redress.ComplaintInput) redress.Complaint {
			t.Helper()
			c, _, err := file(t, s, in)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		in := valid()
		in.AgencyID = f.harris.ID
		refreshB := func(t *testing.T) {
			t.Helper()
			if err := b.RefreshFilingCache(ctx); err != nil {
				t.Fatal(err)
			}
		}

		t.Run("routing rule", func(t *testing.T) {
			if c := mustFile(t, svcB, in); c.Unit != "tx" { // B's view now holds the rules: none
				t.Fatalf("before the rule: unit %q, want tx", c.Unit)
			}
			rule := workflow.Rule{Kind: workflow.RuleUnit, State: "TX", Unit: "gulf"}
			if err := svcA.Casework.AddRoutingRule(ctx, admin, rule); err != nil {
				t.Fatal(err)
			}
			if c := mustFile(t, svcA, in); c.Unit != "gulf" {
				t.Errorf("A, at once: unit %q, want gulf", c.Unit)
			}
			if c := mustFile(t, svcB, in); c.Unit != "tx" {
				t.Errorf("B before its check: unit %q; with an hour's interval it still files by the rules it had", c.Unit)
			}
			refreshB(t)
			if c := mustFile(t, svcB, in); c.Unit != "gulf" {
				t.Errorf("B after its check: unit %q, want gulf", c.Unit)
			}
		})

		triageDue := func(t *testing.T, db *store.DB, c redress.Complaint) time.Time {
			t.Helper()
			clocks, err := db.Clocks(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range clocks {
				if k.Name == "triage" {
					return k.DueAt
				}
			}
			t.Fatalf("no triage clock in %+v", clocks)
			return time.Time{}
		}
		t.Run("unit deadline", func(t *testing.T) {
			before := triageDue(t, b, mustFile(t, svcB, in)) // 5 business days: a week or more away
			oneDay := func(due time.Time) bool { return time.Until(due) < 4*24*time.Hour }
			err := svcA.Casework.SetUnitClocks(ctx, admin, "gulf", []casework.ClockSetting{{Clock: "triage", Amount: 1, Count: deadline.BusinessDays}})
			if err != nil {
				t.Fatal(err)
			}
			if due := triageDue(t, a, mustFile(t, svcA, in)); !oneDay(due) {
				t.Errorf("A, at once: triage due %s, want in one business day (was %s)", due, before)
			}
			if due := triageDue(t, b, mustFile(t, svcB, in)); !due.Equal(before) {
				t.Errorf("B before its check: triage due %s; with an hour's interval, still %s", due, before)
			}
			refreshB(t)
			if due := triageDue(t, b, mustFile(t, svcB, in)); !oneDay(due) {
				t.Errorf("B after its check: triage due %s, want in one business day", due)
			}
		})

		t.Run("unit zone", func(t *testing.T) {
			zoneOf := func(t *testing.T, db *store.DB, c redress.Complaint) string {
				t.Helper()
				clocks, err := db.Clocks(ctx, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range clocks {
					if k.Name == "triage" {
						// Business days end at midnight in the unit's zone.
						return k.DueAt.In(time.UTC).Format("15:04")
					}
				}
				return ""
			}
			before := zoneOf(t, b, mustFile(t, svcB, in))
			if _, err := a.SaveUnit(ctx, by, redress.Unit{Name: "gulf", Title: "Gulf", TimeZone: "America/Chicago"}); err != nil {
				t.Fatal(err)
			}
			after := zoneOf(t, a, mustFile(t, svcA, in))
			if after == before {
				t.Fatalf("A, at once: triage due at %s UTC, as in New York; want Chicago's day", after)
			}
			if got := zoneOf(t, b, mustFile(t, svcB, in)); got != before {
				t.Errorf("B before its check: due at %s UTC, want New York's %s", got, before)
			}
			refreshB(t)
			if got := zoneOf(t, b, mustFile(t, svcB, in)); got != after {
				t.Errorf("B after its check: due at %s UTC, want Chicago's %s", got, after)
			}
		})

		t.Run("import", func(t *testing.T) {
			// A sheet with a new agency and a new agreement for Harris.
			sheet := redress.Sheet{FileName: "participatingAgencies08012025.xlsx", Kind: redress.SheetParticipating,
				AsOf: time.Date(2025, 8, 1, 12, 0, 0, 0, time.UTC), SHA256: "test-sheet-2",
				Rows: []redress.SheetRow{
					{Row: 2, State: "TX", AgencyName: "Harris County Sheriff's Office", AgencyType: "County", County: "Harris",
						Model: redress.ModelJEM, SignedRaw: "2020-01-10", SignedOn: redress.Date{Year: 2020, Month: 1, Day: 10}, MOAListed: true},
					{Row: 3, State: "TX", AgencyName: "Harris County Sheriff's Office", AgencyType: "County", County: "Harris",
						Model: redress.ModelTFM, SignedRaw: "2025-03-01", SignedOn: redress.Date{Year: 2025, Month: 3, Day: 1}, MOAListed: true},
					{Row: 4, State: "TX", AgencyName: "Galveston County Sheriff's Office", AgencyType: "County", County: "Galveston",
						Model: redress.ModelWSO, SignedRaw: "2024-05-01", SignedOn: redress.Date{Year: 2024, Month: 5, Day: 1}, MOAListed: true},
				}}
			tfm := in
			tfm.Functions = []redress.Function{"field_arrest"} // TFM only
			_, agB, err := file(t, svcB, tfm)                  // B's view now holds Harris's agreements: JEM only
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.ApplySheet(ctx, sheet, redress.ActorSystem, ""); err != nil {
				t.Fatal(err)
			}
			galveston, err := a.ListAgencies(ctx, "TX", "Galveston", 1)
			if err != nil || len(galveston) != 1 {
				t.Fatalf("galveston: %v %v", galveston, err)
			}
			gal := in
			gal.AgencyID = galveston[0].ID
			c, ag, err := file(t, svcA, gal)
			if err != nil || ag == nil || ag.Model != redress.ModelWSO || c.AgreementID != ag.ID {
				t.Fatalf("A, at once: the new agency's agreement = %+v, %v; want its WSO agreement", ag, err)
			}
			_, agA, err := file(t, svcA, tfm)
			if err != nil {
				t.Fatal(err)
			}
			if agA == nil || (agB != nil && agA.ID == agB.ID) || agA.Model != redress.ModelTFM {
				t.Errorf("A, at once: Harris's agreement for an arrest = %+v (before the import %+v); want the new TFM one", agA, agB)
			}
			// B has not checked: the agency it never heard of is unknown, as an agency
			// out of the registry is, and Harris still has its old agreements.
			if _, _, err := file(t, svcB, gal); !hasFieldError(err, "agency_id", "unknown_agency") {
				t.Errorf("B before its check, new agency: %v; want the unknown agency's field error", err)
			}
			refreshB(t)
			if _, ag, err := file(t, svcB, gal); err != nil || ag == nil || ag.Model != redress.ModelWSO {
				t.Errorf("B after its check, new agency: %+v, %v; want its WSO agreement", ag, err)
			}
			if _, ag, err := file(t, svcB, tfm); err != nil || ag == nil || ag.ID != agA.ID {
				t.Errorf("B after its check: Harris's agreement for an arrest = %+v, %v; want %+v", ag, err, agA)
			}
		})
	})
}

func hasFieldError(err error, field, rule string) bool {
	var de *redress.Error
	return errors.As(err, &de) && de.Code == redress.EINVALID &&
		slices.ContainsFunc(de.Fields, func(e redress.FieldError) bool { return e.Field == field && e.Rule == rule })
}

// statementLog records the statements a store runs while on.
type statementLog struct {
	mu sync.Mutex
	on bool
	qs []string
}

func (l *statementLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}
func (l *statementLog) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.on {
		l.qs = append(l.qs, e.Query)
	}
}

// TestFilingReadsNoRegistry: once the filing cache is warm, a filing (an agency named,
// a unit with its own deadlines and zone, a routing rule) reads nothing of the
// registry, the routing rules or the units: only its own transaction runs.
func TestFilingReadsNoRegistry(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := storetest.Open(t, dsn, store.FilingCacheInterval(time.Hour))
		f := newFixture(t, db)
		f.svc.Casework = &casework.Service{DB: db, Deadlines: deadline.Defaults()}
		by := redress.AuditEvent{Actor: "user:1"}
		if _, err := db.SaveUnit(ctx, by, redress.Unit{Name: "tx", Title: "Texas", States: []string{"TX"}, TimeZone: "America/Chicago"}); err != nil {
			t.Fatal(err)
		}
		if err := db.ReplaceRoutingRules(ctx, []workflow.Rule{{Kind: workflow.RulePriority, State: "TX", Priority: workflow.PriorityUrgent}}, by); err != nil {
			t.Fatal(err)
		}
		if err := db.ReplaceUnitClocks(ctx, "tx", []deadline.Override{{Clock: "triage", Amount: 2, Business: true}}, by); err != nil {
			t.Fatal(err)
		}
		log := &statementLog{}
		db.Bun().AddQueryHook(log)
		in := valid()
		in.AgencyID = f.harris.ID
		f.file(t, in) // warms the cache
		log.mu.Lock()
		log.on = true
		log.mu.Unlock()
		filed := f.file(t, in)
		log.mu.Lock()
		defer log.mu.Unlock()
		if filed.Complaint.Unit != "tx" || filed.Complaint.Priority != workflow.PriorityUrgent || filed.Agreement == nil {
			t.Errorf("filed %+v, agreement %v; want unit tx, priority urgent, Harris's agreement", filed.Complaint, filed.Agreement)
		}
		read := regexp.MustCompile(`(?i)\b(FROM|JOIN)\s+"?(agencies|agreements|agreement_listings|registry_sheets|routing_rules|units|unit_clocks|cache_versions)\b`)
		for _, q := range log.qs {
			if read.MatchString(q) {
				t.Errorf("a warm filing ran %s", q)
			}
		}
		t.Logf("a warm filing: %d statements, BEGIN and COMMIT included", len(log.qs))
	})
}
