package suppress

import (
	"fmt"
	"slices"
)

// The attacker reads a protected table the way anyone can: every shown number, and
// for each hidden one what the rule says of it (a "fewer than 5" is 1 to 4; a withheld
// number is 0 or at least 5, since a small one would have said "fewer than 5"). It then
// tries every assignment of the hidden counts consistent with all of that and reports
// each hidden number (cell, row total, column total, grand total) that comes out the
// same in every one: a number it has worked out. It knows nothing of the algorithm.

// term is a leaf count with its sign in a constraint.
type term struct{ leaf, coef int }

// constraint: a published number is the sum of its leaves (what the reader knows of
// it in cell), or two linked totals are equal (cell nil: the sum is 0).
type constraint struct {
	name  string
	terms []term
	cell  *Cell
}

type attacker struct {
	leaves []*Cell
	names  []string
	cons   []constraint
	lo, hi []int // each leaf's domain's ends
	val    []int // the current assignment
	done   []bool
	seen   []map[int]bool // per constraint with a hidden cell: the values it took
	leafOf map[*Cell]int
}

// newAttacker gathers the leaves and the constraints of one table or two linked ones.
func newAttacker(tables ...*Table) *attacker {
	a := &attacker{leafOf: map[*Cell]int{}}
	leaf := func(name string, c *Cell) int {
		a.leaves = append(a.leaves, c)
		a.names = append(a.names, name)
		a.leafOf[c] = len(a.leaves) - 1
		return len(a.leaves) - 1
	}
	cols := make([][][]term, len(tables))
	for ti, t := range tables {
		cols[ti] = make([][]term, t.Cols)
		var all []term
		for i := range t.Rows {
			r := &t.Rows[i]
			rows := []*Row{r}
			if len(r.Children) > 0 {
				rows = nil
				for k := range r.Children {
					rows = append(rows, &r.Children[k])
				}
			}
			var rowTerms []term
			rowCols := make([][]term, t.Cols)
			for k, leafRow := range rows {
				var own []term
				for j := range leafRow.Cells {
					l := leaf(fmt.Sprintf("t%d r%d.%d c%d", ti, i, k, j), &leafRow.Cells[j])
					own = append(own, term{l, 1})
					rowCols[j] = append(rowCols[j], term{l, 1})
					cols[ti][j] = append(cols[ti][j], term{l, 1})
				}
				rowTerms = append(rowTerms, own...)
				if leafRow != r {
					a.cons = append(a.cons, constraint{fmt.Sprintf("t%d r%d.%d total", ti, i, k), own, &leafRow.Total})
				}
			}
			all = append(all, rowTerms...)
			a.cons = append(a.cons, constraint{fmt.Sprintf("t%d r%d total", ti, i), rowTerms, &r.Total})
			if len(r.Children) > 0 {
				for j := range r.Cells {
					a.cons = append(a.cons, constraint{fmt.Sprintf("t%d r%d c%d", ti, i, j), rowCols[j], &r.Cells[j]})
				}
			}
		}
		for j := range t.Totals {
			a.cons = append(a.cons, constraint{fmt.Sprintf("t%d col %d", ti, j), cols[ti][j], &t.Totals[j]})
		}
		a.cons = append(a.cons, constraint{fmt.Sprintf("t%d grand", ti), all, &t.Grand})
	}
	if len(tables) == 2 {
		// The shared totals are one number: equal whether shown or not.
		for j := range tables[0].Totals {
			var eq []term
			eq = append(eq, cols[0][j]...)
			for _, tm := range cols[1][j] {
				eq = append(eq, term{tm.leaf, -1})
			}
			a.cons = append(a.cons, constraint{fmt.Sprintf("linked col %d", j), eq, nil})
		}
	}
	a.domains(tables[0].Grand.N)
	return a
}

// domains gives each leaf what the reader knows: its value, 1–4, or 0 and 5 up to the
// smallest shown total it is part of (or a generous bound when none is shown).
func (a *attacker) domains(grand int) {
	n := len(a.leaves)
	a.lo, a.hi, a.val, a.done = make([]int, n), make([]int, n), make([]int, n), make([]bool, n)
	for l, c := range a.leaves {
		switch c.Status {
		case Shown:
			a.lo[l], a.hi[l] = c.N, c.N
		case Small:
			a.lo[l], a.hi[l] = 1, Threshold-1
		default:
			a.lo[l], a.hi[l] = 0, 2*grand+Threshold
			for _, k := range a.cons {
				if k.cell != nil && k.cell.Status == Shown && slices.ContainsFunc(k.terms, func(t term) bool { return t.leaf == l }) {
					a.hi[l] = min(a.hi[l], k.cell.N)
				}
			}
		}
	}
	a.seen = make([]map[int]bool, len(a.cons))
	for i := range a.seen {
		a.seen[i] = map[int]bool{}
	}
}

// allows says whether the reader's knowledge of c admits some value in [lo, hi].
func allows(c *Cell, lo, hi int) bool {
	switch {
	case c == nil:
		return lo <= 0 && 0 <= hi
	case c.Status == Shown:
		return lo <= c.N && c.N <= hi
	case c.Status == Small:
		return lo <= Threshold-1 && hi >= 1
	default:
		return lo <= 0 && hi >= 0 || hi >= Threshold
	}
}

// feasible checks each constraint against the bounds its unassigned leaves allow.
func (a *attacker) feasible() bool {
	for _, k := range a.cons {
		lo, hi := 0, 0
		for _, t := range k.terms {
			l, u := a.lo[t.leaf], a.hi[t.leaf]
			if a.done[t.leaf] {
				l, u = a.val[t.leaf], a.val[t.leaf]
			}
			if t.coef > 0 {
				lo, hi = lo+l, hi+u
			} else {
				lo, hi = lo-u, hi-l
			}
		}
		if !allows(k.cell, lo, hi) {
			return false
		}
		if lo == hi && k.cell != nil && k.cell.Status == Withheld && lo > 0 && lo < Threshold {
			return false
		}
	}
	return true
}

// leafCons is, for the hidden leaves, a constraint naming just them (their own value).
func (a *attacker) targets() []constraint {
	var out []constraint
	for l, c := range a.leaves {
		if c.Hidden() {
			out = append(out, constraint{a.names[l], []term{{l, 1}}, c})
		}
	}
	for _, k := range a.cons {
		if k.cell != nil && k.cell.Hidden() {
			out = append(out, k)
		}
	}
	return out
}

// pinned runs the search and returns the hidden numbers that took one value only.
func (a *attacker) pinned() []string {
	ts := a.targets()
	vals := make([]map[int]bool, len(ts))
	for i := range vals {
		vals[i] = map[int]bool{}
	}
	open := len(ts)
	var walk func(l int) bool // true: stop, every target seen twice
	walk = func(l int) bool {
		if !a.feasible() {
			return false
		}
		if l == len(a.leaves) {
			for i, t := range ts {
				s := 0
				for _, tm := range t.terms {
					s += tm.coef * a.val[tm.leaf]
				}
				if !vals[i][s] {
					vals[i][s] = true
					if len(vals[i]) == 2 {
						open--
					}
				}
			}
			return open == 0
		}
		a.done[l] = true
		defer func() { a.done[l] = false }()
		for v := a.lo[l]; v <= a.hi[l]; v++ {
			if a.leaves[l].Status == Withheld && v > 0 && v < Threshold {
				continue
			}
			a.val[l] = v
			if walk(l + 1) {
				return true
			}
		}
		return false
	}
	walk(0)
	var out []string
	for i, t := range ts {
		if len(vals[i]) < 2 {
			out = append(out, fmt.Sprintf("%s (%d values)", t.name, len(vals[i])))
		}
	}
	return out
}
