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

// Numbers held from an earlier edition stay hidden (unless zero), and the tables stay
// safe around them. (Small tables: with many large hidden numbers the attacker's brute
// force grows fast.)
func TestHeldNumbers(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 17))
	for i := range 150 {
		tables := randomTables(r)
		tb := tables[0]
		var held []*Cell
		hold := func(c *Cell) {
			if r.IntN(5) == 0 {
				c.Hold = true
				held = append(held, c)
			}
		}
		for gi := range tb.Rows {
			g := &tb.Rows[gi]
			hold(&g.Total)
			for k := range g.Children {
				for j := range g.Children[k].Cells {
					hold(&g.Children[k].Cells[j])
				}
			}
			if len(g.Children) == 0 {
				for j := range g.Cells {
					hold(&g.Cells[j])
				}
			}
		}
		t.Run("", func(t *testing.T) {
			attack(t, tables...)
			for _, c := range held {
				if c.N != 0 && !c.Hidden() {
					t.Errorf("a held %d is shown", c.N)
				}
			}
			if t.Failed() {
				t.Logf("table %d: %+v", i, tb.Rows)
			}
		})
	}
}
