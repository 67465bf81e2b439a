package store

import (
	"context"
	"reflect"
)

// TableColumns lists a table's columns as the database has them (tests only).
func TableColumns(ctx context.Context, db *DB, table string) ([]string, error) {
	var cols []string
	var err error
	if db.Dialect == PostgreSQL {
		err = db.bun.NewRaw(`SELECT column_name FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`, table).Scan(ctx, &cols)
	} else {
		err = db.bun.NewRaw(`SELECT name FROM pragma_table_info(?)`, table).Scan(ctx, &cols)
	}
	return cols, err
}

// ModelColumns names the table a bun model writes and the columns it has fields for.
func ModelColumns(db *DB, model any) (string, []string) {
	t := db.bun.Table(reflect.TypeOf(model))
	cols := make([]string, len(t.Fields))
	for i, f := range t.Fields {
		cols[i] = f.Name
	}
	return t.Name, cols
}

// GroupedWrites counts the group writer's transactions that held more than one write
// (tests only; zero on PostgreSQL).
func GroupedWrites(db *DB) int64 {
	if db.group == nil {
		return 0
	}
	return db.group.grouped.Load()
}

// SetByteOrder makes db compare text prefixes as under a collation that is not byte
// order (false), or as under C (true): the tests take both paths on any database.
func SetByteOrder(db *DB, byteOrder bool) { db.byteOrder = byteOrder }

// SetWalkBudget sets how many complaints a text search's walk reads before it gives
// up, and returns what restores it.
func SetWalkBudget(n int) func() {
	old := walkBudget
	walkBudget = n
	return func() { walkBudget = old }
}
