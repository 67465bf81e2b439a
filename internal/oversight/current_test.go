package oversight_test

import (
	"context"
	"slices"
	"testing"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/workflow"
)

// Triage that moves a complaint to another agency, agreement and unit, raises its
// priority and adds a category keeps its summary current (checked after each step, as
// knownCases is); and a change made behind the store's back shows as stale, so the
// check can fail.
func TestSummaryFollowsEveryChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		id := f.file(complaint{when: "2026-05-04 09:00", state: "FL"})
		f.triage(id, "2026-05-05 09:00", casework.TriageInput{AgencyID: f.harris.ID, Unit: "tx",
			Priority: workflow.PriorityUrgent, Categories: []redress.Category{"property"}})
		f.step(id, "2026-05-06 09:00", casework.TransitionInput{Transition: workflow.StartReview})
		f.now = at("2026-05-07 09:00")
		c, _ := f.load(id)
		if err := f.cases.Assign(ctx, actor(f.sup), []redress.Complaint{c}, f.inv.ID, "en"); err != nil {
			t.Fatal(err)
		}
		f.checkCurrent("assignment")
		m, err := f.measures.Measures(ctx, redress.MeasureFilter{AllUnits: true, Unit: "tx", AgreementID: f.agree.ID,
			Priority: workflow.PriorityUrgent, Category: "property", From: at("2026-05-01 00:00"), To: at("2026-06-01 00:00")})
		if err != nil {
			t.Fatal(err)
		}
		if m.Received != 1 {
			t.Errorf("after triage the complaint is not found by its new unit, agreement, priority and category: %+v", m)
		}

		if _, err := db.Bun().NewRaw("UPDATE complaints SET status = 'closed', closed_at = status_changed_at WHERE id = ?", id).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		stale, err := db.MeasureRowsStale(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(stale, []int64{id}) {
			t.Errorf("a change behind the store's back: stale %v; want [%d]", stale, id)
		}
	})
}
