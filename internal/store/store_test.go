package store_test

import (
	"context"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

func TestMigrateTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		applied, err := db.Migrate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Fatalf("second migrate applied %v, want nothing", applied)
		}
	})
}

// The audit trail is append-only in the database itself, not only in our code.
func TestAuditTriggersRefuseChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.RecordAudit(ctx, redress.AuditEvent{Actor: "public", Action: "test.event"}); err != nil {
			t.Fatal(err)
		}
		for _, stmt := range []string{
			"UPDATE audit_events SET actor = 'someone else'",
			"UPDATE audit_events SET seq = 1, hash = 'x'",
			"DELETE FROM audit_events",
		} {
			if _, err := db.Bun().ExecContext(ctx, stmt); err == nil {
				t.Errorf("%s: succeeded, want refused", stmt)
			}
		}
		if db.Dialect == store.PostgreSQL {
			if _, err := db.Bun().ExecContext(ctx, "TRUNCATE audit_events"); err == nil {
				t.Error("TRUNCATE succeeded, want refused")
			}
		}
		evs, err := db.ListAudit(ctx, redress.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].Actor != "public" || evs[0].Action != "test.event" {
			t.Fatalf("events after refused changes = %+v", evs)
		}
	})
}
