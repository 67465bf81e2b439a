package authz_test

import (
	"net/http"
	"testing"

	"github.com/redress-oversight/redress/internal/authz"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// BenchmarkDecisions: what a staff request's permission checks cost, from the loaded
// snapshot (no database): a route check, a unit check, and the units a list reads.
//
//	go test -run '^$' -bench Decisions ./internal/authz/
func BenchmarkDecisions(b *testing.B) {
	db := storetest.Open(b, storetest.SQLiteDSN(b))
	addUnits(b, db, "fl", "tx", "tx-north", "ga", "nc")
	_, sub := addUser(b, db, "cy", grant{redress.RoleInvestigator, "tx"}, grant{redress.RoleSupervisor, "fl"}, grant{redress.RoleAuditor, "ga"})
	e, err := authz.New(b.Context(), db, quiet)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("route", func(b *testing.B) {
		for b.Loop() {
			if !e.AllowedAnywhere(sub, "/staff/complaints", http.MethodGet) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("unit", func(b *testing.B) {
		for b.Loop() {
			if !e.Allowed(sub, "tx", "complaint.identity", "reveal") {
				b.Fatal("refused")
			}
		}
	})
	b.Run("units", func(b *testing.B) {
		for b.Loop() {
			if all, units := e.Units(sub, "complaint.read", "read"); all || len(units) == 0 {
				b.Fatal("no units")
			}
		}
	})
}
