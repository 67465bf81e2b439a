package storetest

import (
	"context"
	"testing"

	"github.com/redress-oversight/redress/internal/store"
)

// RefuseInserts makes the database refuse every new row of table, as a full disk or a
// lost connection would refuse it, while reads go on working; the refusal ends with the
// test. Tests use it to show that what must be recorded is not done unrecorded.
func RefuseInserts(t testing.TB, db *store.DB, table string) {
	t.Helper()
	name := "test_refuse_" + table
	create := []string{`CREATE TRIGGER ` + name + ` BEFORE INSERT ON ` + table +
		` BEGIN SELECT RAISE(ABORT, 'inserts refused by the test'); END`}
	drop := []string{`DROP TRIGGER ` + name}
	if db.Dialect == store.PostgreSQL {
		create = []string{
			`CREATE FUNCTION ` + name + `() RETURNS trigger LANGUAGE plpgsql AS
				$$ BEGIN RAISE EXCEPTION 'inserts refused by the test'; END $$`,
			`CREATE TRIGGER ` + name + ` BEFORE INSERT ON ` + table + ` FOR EACH ROW EXECUTE FUNCTION ` + name + `()`,
		}
		drop = []string{`DROP TRIGGER ` + name + ` ON ` + table, `DROP FUNCTION ` + name + `()`}
	}
	ctx := context.Background()
	for _, q := range create {
		if _, err := db.Bun().ExecContext(ctx, q); err != nil {
			t.Fatalf("refuse inserts into %s: %v", table, err)
		}
	}
	t.Cleanup(func() {
		for _, q := range drop {
			db.Bun().ExecContext(ctx, q) // the database may be closed already
		}
	})
}
