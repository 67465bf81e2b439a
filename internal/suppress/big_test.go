package suppress

import (
	"math/rand/v2"
	"testing"
)

// Larger random tables, sparse as real agencies' quarters are: many zeros and small
// counts, a few large ones.
func TestLargerRandomTables(t *testing.T) {
	if testing.Short() {
		t.Skip("brute force over larger tables")
	}
	r := rand.New(rand.NewPCG(3, 5))
	count := func() int {
		switch r.IntN(5) {
		case 0, 1:
			return 0
		case 2:
			return 1 + r.IntN(4)
		default:
			return 5 + r.IntN(20)
		}
	}
	for i := range 60 {
		tb := bigTable(r, count)
		t.Run("", func(t *testing.T) {
			attack(t, tb)
			if t.Failed() {
				t.Logf("table %d: %+v", i, tb.Rows)
			}
		})
	}
	// The same draws without complements: the attacker works many small counts out.
	complementary = false
	defer func() { complementary = true }()
	caught := 0
	for range 60 {
		tb := bigTable(r, count)
		Protect(tb)
		if len(newAttacker(tb).pinned()) > 0 {
			caught++
		}
	}
	if caught < 15 {
		t.Fatalf("without complements the attacker caught %d of 60 tables", caught)
	}
	t.Logf("without complements the attacker caught %d of 60 tables", caught)
}

// bigTable draws two to four states of one to three agencies each, over three or four
// quarters.
func bigTable(r *rand.Rand, count func() int) *Table {
	cols := 3 + r.IntN(2)
	tb := &Table{Cols: cols}
	for range 2 + r.IntN(3) {
		var g Row
		for range 1 + r.IntN(3) {
			cs := make([]Cell, cols)
			for j := range cs {
				cs[j].N = count()
			}
			g.Children = append(g.Children, Row{Cells: cs})
		}
		tb.Rows = append(tb.Rows, g)
	}
	return tb
}
