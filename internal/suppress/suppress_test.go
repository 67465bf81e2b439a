package suppress

import (
	"math/rand/v2"
	"testing"
)

func flat(rows ...[]int) *Table {
	t := &Table{Cols: len(rows[0])}
	for _, r := range rows {
		t.Rows = append(t.Rows, Row{Cells: cells(r)})
	}
	return t
}

func cells(ns []int) []Cell {
	out := make([]Cell, len(ns))
	for i, n := range ns {
		out[i] = Cell{N: n}
	}
	return out
}

func nested(groups ...[][]int) *Table {
	t := &Table{Cols: len(groups[0][0])}
	for _, g := range groups {
		var r Row
		for _, c := range g {
			r.Children = append(r.Children, Row{Cells: cells(c)})
		}
		t.Rows = append(t.Rows, r)
	}
	return t
}

// attack protects the tables and fails the test on every hidden number the attacker
// works out, or on a small count left showing.
func attack(t *testing.T, tables ...*Table) {
	t.Helper()
	if err := Protect(tables...); err != nil {
		t.Fatal(err)
	}
	a := newAttacker(tables...)
	for _, c := range a.leaves {
		if IsSmall(c.N) && c.Status != Small {
			t.Errorf("a count of %d is %v", c.N, c.Status)
		}
	}
	for _, k := range a.cons {
		if k.cell != nil && IsSmall(k.cell.N) && k.cell.Status != Small {
			t.Errorf("%s: %d is shown", k.name, k.cell.N)
		}
	}
	for _, p := range a.pinned() {
		t.Errorf("worked out: %s", p)
	}
}

func TestSmallCellsAreHiddenAndSafe(t *testing.T) {
	cases := map[string][]*Table{
		"one small":         {flat([]int{3, 20, 30}, []int{12, 25, 40}, []int{8, 9, 10})},
		"small row total":   {flat([]int{1, 0, 2}, []int{12, 25, 40}, []int{8, 9, 10})},
		"zeros beside":      {flat([]int{4, 0, 0}, []int{0, 25, 40}, []int{8, 0, 10})},
		"all small":         {flat([]int{1, 2}, []int{3, 1})},
		"a single case":     {flat([]int{0, 1}, []int{0, 0})},
		"fives":             {flat([]int{1, 5, 6}, []int{5, 5, 9}, []int{6, 7, 5})},
		"agencies in state": {nested([][]int{{2, 9, 11}, {10, 12, 3}}, [][]int{{30, 31, 32}}, [][]int{{7, 0, 1}, {6, 8, 0}})},
		"agency alone":      {nested([][]int{{2, 9, 11}}, [][]int{{10, 12, 13}, {6, 7, 8}})},
		"linked": {
			nested([][]int{{2, 9, 11}, {10, 12, 3}}, [][]int{{30, 31, 32}}),
			flat([]int{12, 30, 40}, []int{30, 22, 6}),
		},
		"linked small total": {
			flat([]int{3, 9}, []int{0, 12}),
			flat([]int{1, 20}, []int{2, 1}),
		},
	}
	for name, tables := range cases {
		t.Run(name, func(t *testing.T) { attack(t, tables...) })
	}
}

// Without complementary suppression the attacker recovers small counts: the check
// above can fail.
func TestPrimaryAloneIsRecovered(t *testing.T) {
	complementary = false
	defer func() { complementary = true }()
	tables := []*Table{flat([]int{3, 20, 30}, []int{12, 25, 40}, []int{8, 9, 10})}
	if err := Protect(tables...); err != nil {
		t.Fatal(err)
	}
	if got := newAttacker(tables...).pinned(); len(got) == 0 {
		t.Fatal("primary suppression alone hid the 3, but its row and column give it away")
	}
	// And on random tables, as TestRandomTables draws them, it fails often.
	r := rand.New(rand.NewPCG(1, 2))
	caught := 0
	for range 50 {
		tables := randomTables(r)
		Protect(tables...)
		if len(newAttacker(tables...).pinned()) > 0 {
			caught++
		}
	}
	if caught < 10 {
		t.Fatalf("primary alone was caught on %d of 50 random tables", caught)
	}
}

// randomTables draws one table, nested or flat, or two linked ones, with many small
// counts and zeros.
func randomTables(r *rand.Rand) []*Table {
	count := func() int {
		switch r.IntN(4) {
		case 0:
			return 0
		case 1:
			return 1 + r.IntN(4)
		default:
			return r.IntN(14)
		}
	}
	row := func(cols int) []int {
		out := make([]int, cols)
		for j := range out {
			out[j] = count()
		}
		return out
	}
	cols := 2 + r.IntN(2)
	t := &Table{Cols: cols}
	for range 2 + r.IntN(2) {
		if r.IntN(2) == 0 {
			t.Rows = append(t.Rows, Row{Cells: cells(row(cols))})
			continue
		}
		var g Row
		for range 1 + r.IntN(2) {
			g.Children = append(g.Children, Row{Cells: cells(row(cols))})
		}
		t.Rows = append(t.Rows, g)
	}
	if r.IntN(3) > 0 {
		return []*Table{t}
	}
	// A second table over the same columns: each column's total split in two rows.
	t.sum()
	b := &Table{Cols: cols, Rows: []Row{{Cells: make([]Cell, cols)}, {Cells: make([]Cell, cols)}}}
	for j, c := range t.Totals {
		k := r.IntN(c.N + 1)
		b.Rows[0].Cells[j].N, b.Rows[1].Cells[j].N = k, c.N-k
	}
	return []*Table{t, b}
}

func TestRandomTables(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for i := range 300 {
		tables := randomTables(r)
		t.Run("", func(t *testing.T) {
			attack(t, tables...)
			if t.Failed() {
				t.Logf("table %d: %+v", i, tables[0].Rows)
			}
		})
	}
}

func TestLinkedTablesMustAgree(t *testing.T) {
	if err := Protect(flat([]int{1, 2}), flat([]int{1, 3})); err == nil {
		t.Fatal("two tables with different column totals were protected together")
	}
}

func TestMediansNeedFive(t *testing.T) {
	if Enough(4) || !Enough(5) {
		t.Fatal("a figure from fewer than 5 cases is shown, or one from 5 hidden")
	}
}
