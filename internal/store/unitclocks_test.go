package store_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

func TestUnitClocks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, u := range []redress.Unit{{Name: "tx", Title: "Texas", States: []string{"TX"}}, {Name: "fl", Title: "Florida", States: []string{"FL"}}} {
			if _, err := db.SaveUnit(ctx, redress.AuditEvent{Actor: "test"}, u); err != nil {
				t.Fatal(err)
			}
		}
		by := redress.AuditEvent{Actor: "user:1", Action: "unit.clocks_saved", RequestID: "req-1"}
		const action = "unit.clocks_saved"
		events := func() []redress.AuditEvent {
			t.Helper()
			evs, err := db.ListAudit(ctx, redress.AuditFilter{Action: action})
			if err != nil {
				t.Fatal(err)
			}
			return evs
		}
		get := func(unit string) []deadline.Override {
			t.Helper()
			got, err := db.UnitClocks(ctx, unit)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		// asJSON compares what the audit trail kept with what was meant, through JSON as
		// both dialects store it.
		asJSON := func(v any) string {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			var generic any // as read back: maps, whose keys marshal in order
			if err := json.Unmarshal(b, &generic); err != nil {
				t.Fatal(err)
			}
			b, _ = json.Marshal(generic)
			return string(b)
		}
		triage := deadline.Override{Clock: "triage", Amount: 1, Business: true}
		resolve := deadline.Override{Clock: "resolve", Amount: 60, Business: true}

		t.Run("OK", func(t *testing.T) {
			if got := get("tx"); len(got) != 0 {
				t.Fatalf("a new unit has overrides %v", got)
			}
			if err := db.ReplaceUnitClocks(ctx, "tx", []deadline.Override{triage, resolve}, by); err != nil {
				t.Fatal(err)
			}
			want := []deadline.Override{resolve, triage} // by clock name
			if got := get("tx"); !reflect.DeepEqual(got, want) {
				t.Fatalf("tx overrides %v, want %v", got, want)
			}
			if got := get("fl"); len(got) != 0 {
				t.Fatalf("fl overrides %v, want none", got)
			}
			all, err := db.AllUnitClocks(ctx)
			if err != nil || len(all) != 1 || !reflect.DeepEqual(all["tx"], want) {
				t.Fatalf("all overrides %v %v", all, err)
			}
			evs := events()
			if len(evs) != 1 {
				t.Fatalf("%d audit events, want 1", len(evs))
			}
			ev := evs[0]
			if ev.Actor != "user:1" || ev.RequestID != "req-1" || ev.Details["unit"] != "tx" ||
				asJSON(ev.Details["old"]) != "[]" || asJSON(ev.Details["new"]) != asJSON(want) {
				t.Fatalf("audit event %+v", ev)
			}
		})

		t.Run("ReplaceAndClear", func(t *testing.T) {
			changed := deadline.Override{Clock: "triage", Amount: 3, Business: false}
			if err := db.ReplaceUnitClocks(ctx, "tx", []deadline.Override{changed}, by); err != nil {
				t.Fatal(err)
			}
			if got := get("tx"); !reflect.DeepEqual(got, []deadline.Override{changed}) {
				t.Fatalf("tx overrides %v, want only %v", got, changed)
			}
			evs := events()
			last := evs[len(evs)-1]
			if asJSON(last.Details["old"]) != asJSON([]deadline.Override{resolve, triage}) || asJSON(last.Details["new"]) != asJSON([]deadline.Override{changed}) {
				t.Fatalf("audit event details %v", last.Details)
			}
			// Saving the same again is no change and no event.
			if err := db.ReplaceUnitClocks(ctx, "tx", []deadline.Override{changed}, by); err != nil {
				t.Fatal(err)
			}
			if n := len(events()); n != len(evs) {
				t.Fatalf("%d events after saving nothing new, want %d", n, len(evs))
			}
			if err := db.ReplaceUnitClocks(ctx, "tx", nil, by); err != nil {
				t.Fatal(err)
			}
			if got := get("tx"); len(got) != 0 {
				t.Fatalf("tx overrides after clearing %v", got)
			}
			evs = events()
			if last := evs[len(evs)-1]; asJSON(last.Details["new"]) != "[]" {
				t.Fatalf("clearing recorded new=%v", last.Details["new"])
			}
		})

		// Refused input stores nothing: what was there stays, and no event is written.
		refused := func(t *testing.T, unit string, in []deadline.Override, code string) {
			t.Helper()
			if err := db.ReplaceUnitClocks(ctx, "fl", []deadline.Override{triage}, by); err != nil {
				t.Fatal(err)
			}
			before := len(events())
			err := db.ReplaceUnitClocks(ctx, unit, in, by)
			if redress.ErrorCode(err) != code {
				t.Fatalf("got %v, want %s", err, code)
			}
			if got := get("fl"); !reflect.DeepEqual(got, []deadline.Override{triage}) {
				t.Fatalf("fl overrides after a refused change %v", got)
			}
			if n := len(events()); n != before {
				t.Fatalf("%d events after a refused change, want %d", n, before)
			}
		}
		t.Run("ErrUnknownUnit", func(t *testing.T) {
			refused(t, "nowhere", []deadline.Override{triage}, redress.ENOTFOUND)
			if got := get("nowhere"); len(got) != 0 {
				t.Fatalf("overrides stored for an unknown unit: %v", got)
			}
		})
		t.Run("ErrAmount", func(t *testing.T) {
			refused(t, "fl", []deadline.Override{resolve, {Clock: "triage", Amount: 0}}, redress.EINVALID)
		})
		t.Run("ErrDuplicate", func(t *testing.T) {
			refused(t, "fl", []deadline.Override{resolve, resolve}, redress.EINVALID)
		})
		t.Run("ErrNoClock", func(t *testing.T) {
			refused(t, "fl", []deadline.Override{{Amount: 2}}, redress.EINVALID)
		})
	})
}
