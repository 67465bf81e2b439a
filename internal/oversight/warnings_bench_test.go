package oversight_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/oversight"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// BenchmarkWarnings times each read of the early warning on a seeded database named by
// REDRESS_BENCH_DSN (docs/performance.md, "Early warning"); skipped without one. It
// reads only; the database must be migrated.
//
//	REDRESS_BENCH_DSN='postgres://postgres@127.0.0.1:5432/bench1m?sslmode=disable' \
//	  go test ./internal/oversight -run '^$' -bench BenchmarkWarnings -benchtime 10x
func BenchmarkWarnings(b *testing.B) {
	dsn := os.Getenv("REDRESS_BENCH_DSN")
	if dsn == "" {
		b.Skip("REDRESS_BENCH_DSN names no seeded database")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	unit := os.Getenv("REDRESS_BENCH_UNIT")
	if unit == "" {
		unit = "tx"
	}
	set := redress.DefaultWarningSettings()
	now := time.Now()
	recentFrom := now.Add(-set.Days(redress.WarnAgencyRecentDays))
	pastFrom := recentFrom.Add(-set.Days(redress.WarnAgencyPastDays))
	for _, sc := range []struct {
		name  string
		all   bool
		units []string
	}{{"unit", false, []string{unit}}, {"all", true, nil}} {
		b.Run("officers/"+sc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := db.OfficerGroups(ctx, sc.all, sc.units, now.Add(-set.Days(redress.WarnOfficerDays)), set[redress.WarnOfficerMin], oversight.MaxWarningGroups); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("agencies/"+sc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := db.AgencyWindows(ctx, sc.all, sc.units, pastFrom, recentFrom, now, set[redress.WarnAgencyMin], set[redress.WarnSustainedMin]); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("custody/"+sc.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := db.HeldPastReleaseOpen(ctx, sc.all, sc.units, now.Add(-set.Hours(redress.WarnCustodyHours)), oversight.MaxWarningCases); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("urgent/"+sc.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := db.UrgentUnassigned(ctx, sc.all, sc.units, now.Add(-set.Hours(redress.WarnUrgentHours)), oversight.MaxWarningCases); err != nil {
					b.Fatal(err)
				}
			}
		})
		w := &oversight.Warnings{DB: db}
		b.Run("report/"+sc.name, func(b *testing.B) {
			scope := oversight.WarningScope{AllUnits: sc.all, Units: sc.units, OfficersAll: sc.all, OfficersUnits: sc.units, OfficersAllowed: true}
			for b.Loop() {
				if _, err := w.Report(ctx, scope); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
