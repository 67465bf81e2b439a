package casework_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

func ids(us []redress.User) []int64 {
	out := make([]int64, len(us))
	for i, u := range us {
		out[i] = u.ID
	}
	slices.Sort(out)
	return out
}

// Who is offered a Texas case, and who the queue's bulk form offers: accounts that may
// start a review there, never one of another unit, a disabled one, or one that only
// does intake.
func TestAssignees(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		intake := f.user(t, "intake", redress.RoleIntake, "tx")
		second := f.user(t, "second", redress.RoleInvestigator, "tx")
		f.user(t, "florida", redress.RoleInvestigator, "fl")
		gone := f.user(t, "gone", redress.RoleInvestigator, "tx")
		if err := f.staff.DisableUser(ctx, auth.Meta{Actor: "test"}, gone.ID); err != nil {
			t.Fatal(err)
		}
		want := ids([]redress.User{f.investigator, f.supervisor, second})

		c := f.file(t, true)
		got, err := f.cases.Assignees(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(got), want) {
			t.Errorf("assignees of a tx case %v; want %v", ids(got), want)
		}

		got, err = f.cases.QueueAssignees(ctx, actor(intake).Subject)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(got), want) {
			t.Errorf("queue assignees for a tx intake officer %v; want %v", ids(got), want)
		}
		// An investigator assigns nowhere: the queue offers no one.
		if got, err = f.cases.QueueAssignees(ctx, actor(f.investigator).Subject); err != nil || len(got) != 0 {
			t.Errorf("queue assignees for an investigator %v %v; want none", ids(got), err)
		}
	})
}

// Assign refuses an assignee who does not investigate in the case's unit, a caller who
// does not assign there, and a reassignment by anyone but a supervisor; each refusal
// changes nothing and records nothing.
func TestAssignRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		intake := f.user(t, "intake", redress.RoleIntake, "tx")
		second := f.user(t, "second", redress.RoleInvestigator, "tx")
		florida := f.user(t, "florida", redress.RoleInvestigator, "fl")
		gone := f.user(t, "gone", redress.RoleInvestigator, "tx")
		if err := f.staff.DisableUser(ctx, auth.Meta{Actor: "test"}, gone.ID); err != nil {
			t.Fatal(err)
		}
		c := f.file(t, true)
		assign := func(by redress.User, to int64) error {
			return f.cases.Assign(ctx, actor(by), []redress.Complaint{f.load(t, c.ID)}, to, "en")
		}
		unchanged := func(t *testing.T, assignee int64, events int64) {
			t.Helper()
			if got := f.load(t, c.ID).AssigneeID; got != assignee {
				t.Errorf("assignee %d after a refusal; want %d", got, assignee)
			}
			if n := f.count(t, redress.ActionAssigned); n != events {
				t.Errorf("%d assignment events; want %d", n, events)
			}
		}

		for name, to := range map[string]int64{"OtherUnit": florida.ID, "IntakeOnly": intake.ID,
			"Disabled": gone.ID, "Unknown": 999999} {
			t.Run("NotInvestigator"+name, func(t *testing.T) {
				wantInvalid(t, assign(intake, to), "assignee", "not_investigator")
				unchanged(t, 0, 0)
			})
		}
		t.Run("CallerAssignsElsewhere", func(t *testing.T) {
			err := assign(florida, f.investigator.ID)
			if redress.ErrorCode(err) != redress.EFORBIDDEN || errors.Is(err, redress.ErrReassign) {
				t.Fatalf("assignment by an investigator of fl: %v; want EFORBIDDEN", err)
			}
			unchanged(t, 0, 0)
		})

		if err := assign(intake, f.investigator.ID); err != nil {
			t.Fatalf("first assignment by the intake officer: %v", err)
		}
		unchanged(t, f.investigator.ID, 1)
		t.Run("ReassignByIntake", func(t *testing.T) {
			if err := assign(intake, second.ID); !errors.Is(err, redress.ErrReassign) {
				t.Fatalf("reassignment by the intake officer: %v; want ErrReassign", err)
			}
			unchanged(t, f.investigator.ID, 1)
		})
		t.Run("SameInvestigatorAgain", func(t *testing.T) {
			// Not a reassignment: the case stays with whom it has.
			if err := assign(intake, f.investigator.ID); err != nil {
				t.Fatalf("assigning to its own investigator again: %v", err)
			}
		})
		t.Run("ReassignBySupervisor", func(t *testing.T) {
			if err := assign(f.supervisor, second.ID); err != nil {
				t.Fatalf("reassignment by the supervisor: %v", err)
			}
			if got := f.load(t, c.ID).AssigneeID; got != second.ID {
				t.Errorf("assignee %d after reassignment; want %d", got, second.ID)
			}
		})
	})
}
