package store

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
