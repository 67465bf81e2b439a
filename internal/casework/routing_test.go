package casework_test

import (
	"context"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/workflow"
)

// A routing rule is validated before it is stored; each change stores the whole list
// with one routing.rules_saved event naming the old and new lists.
func TestRoutingRuleChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		by := actor(f.supervisor)
		rules := func() []workflow.Rule {
			t.Helper()
			rs, err := db.RoutingRules(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return rs
		}

		wantInvalid(t, f.cases.AddRoutingRule(ctx, by, workflow.Rule{Kind: workflow.RuleUnit, State: "TX", Unit: "nowhere"}), "unit", "unknown_unit")
		if n := len(rules()); n != 0 || f.count(t, redress.ActionRoutingSaved) != 0 {
			t.Fatalf("a refused rule stored %d rules or an event", n)
		}

		for _, r := range []workflow.Rule{{Kind: workflow.RuleUnit, State: "TX", Unit: "fl"},
			{Kind: workflow.RulePriority, Category: "force", Priority: workflow.PriorityUrgent}} {
			if err := f.cases.AddRoutingRule(ctx, by, r); err != nil {
				t.Fatal(err)
			}
		}
		if rs := rules(); len(rs) != 2 || rs[0].Unit != "fl" || rs[1].Priority != workflow.PriorityUrgent {
			t.Fatalf("rules after two additions: %+v", rs)
		}

		if err := f.cases.RemoveRoutingRule(ctx, by, 2); redress.ErrorCode(err) != redress.ENOTFOUND {
			t.Fatalf("removing rule 2 of 2: %v; want ENOTFOUND", err)
		}
		if err := f.cases.RemoveRoutingRule(ctx, by, 0); err != nil {
			t.Fatal(err)
		}
		if rs := rules(); len(rs) != 1 || rs[0].Kind != workflow.RulePriority {
			t.Fatalf("rules after removing the first: %+v", rs)
		}

		evs, err := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionRoutingSaved})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 3 {
			t.Fatalf("%d routing events; want one per change (3)", len(evs))
		}
		for _, ev := range evs {
			_, old := ev.Details["old"]
			_, now := ev.Details["new"]
			if ev.Actor != by.Subject || ev.RequestID != by.RequestID || !old || !now {
				t.Errorf("routing event %+v; want the actor, the request and the old and new lists", ev)
			}
		}
	})
}
