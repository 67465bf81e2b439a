// Package suppress hides the small counts of a published table so that no count under
// Threshold can be read from it, nor worked out from the numbers left showing: the rows,
// the columns, the totals and the knowledge of the rule itself.
//
// A table is rows of counts by column (quarters, say), each row with its total, each
// column with its total, and a grand total; a row may be made of sub-rows (a state of
// its agencies), its counts then being their sums. Every one of those numbers is
// published or withheld:
//
//   - Primary suppression: a count from 1 to Threshold−1 is Small, shown as "fewer
//     than 5". A zero is shown: it names nobody, and the check below counts it as the
//     fixed number it is, so a zero beside a hidden cell never narrows that cell further
//     than the check allows.
//   - Complementary suppression: other counts are Withheld until no hidden number can
//     be pinned to one value. The published numbers of a table are the flows of a
//     circulation (source → row → sub-row → column → sink → source), so the hidden
//     ones can change together only around a cycle of hidden numbers. A hidden number
//     is safe when some cycle through it can move by one, keeping every Small number
//     within 1…Threshold−1 and every Withheld one at Threshold or more (a reader knows a
//     withheld count is not small). For each unsafe one the cheapest cycle of published
//     numbers is withheld (a shortest path, each count costing its size plus one, so
//     small complements are preferred). Withholding more only widens what a reader
//     cannot know, so the loop ends with every hidden number safe.
//
// Two tables may share their columns and column totals (complaints by state and by
// model, per quarter): Protect checks them as one circulation, the second table's
// flows running back from the columns to the source, so a total hidden in one is
// hidden in both and the two cannot be played against each other.
package suppress

import (
	"errors"
	"fmt"
)

// Threshold is the smallest count shown: 1 to Threshold−1 are Small.
const Threshold = 5

// Status is how a number is published.
type Status uint8

const (
	Shown    Status = iota // the number itself
	Small                  // primary: 1 to Threshold−1, shown as "fewer than 5"
	Withheld               // complementary: hidden so a small one cannot be worked out
)

// Cell is one published number. Hold, set by the caller, keeps a number hidden that an
// earlier edition hid (when it is not zero: a hidden zero could not move), so two
// editions cannot be set against each other to read it.
type Cell struct {
	N      int
	Status Status
	Hold   bool
}

// Hidden says whether the number is not shown.
func (c Cell) Hidden() bool { return c.Status != Shown }

// Row is one row of a table. A row with Children holds their sums: set the counts of
// the children's Cells; otherwise set the row's own. Protect fills the rest.
type Row struct {
	Cells    []Cell
	Total    Cell
	Children []Row
}

// Table is rows by columns, with column totals and a grand total filled by Protect.
type Table struct {
	Cols   int
	Rows   []Row
	Totals []Cell
	Grand  Cell
}

// complementary switches complementary suppression; the tests turn it off to show
// their attacker then recovers small counts.
var complementary = true

// Protect sums and suppresses one table, or two sharing their columns (their column
// totals must agree). Tables come back with every Cell's Status set.
func Protect(tables ...*Table) error {
	if len(tables) == 0 || len(tables) > 2 {
		return errors.New("suppress: one or two tables")
	}
	for _, t := range tables {
		if err := t.sum(); err != nil {
			return err
		}
	}
	if len(tables) == 2 {
		a, b := tables[0], tables[1]
		if a.Cols != b.Cols || a.Grand.N != b.Grand.N {
			return errors.New("suppress: linked tables differ in their columns")
		}
		for j := range a.Totals {
			if a.Totals[j].N != b.Totals[j].N {
				return fmt.Errorf("suppress: linked tables differ in column %d's total", j)
			}
		}
	}
	g := build(tables)
	g.primary()
	if complementary {
		g.complement()
	}
	g.write(tables)
	return nil
}

// sum fills each parent row from its children, the row totals, the column totals and
// the grand total, and clears every status.
func (t *Table) sum() error {
	t.Totals = zeroed(t.Totals, t.Cols)
	t.Grand.N = 0
	for i := range t.Rows {
		r := &t.Rows[i]
		if len(r.Children) > 0 {
			r.Cells = zeroed(r.Cells, t.Cols)
			for k := range r.Children {
				if err := sumRow(&r.Children[k], t.Cols); err != nil {
					return err
				}
				for j, c := range r.Children[k].Cells {
					r.Cells[j].N += c.N
				}
			}
		}
		if err := sumRow(r, t.Cols); err != nil {
			return err
		}
		for j, c := range r.Cells {
			t.Totals[j].N += c.N
		}
		t.Grand.N += r.Total.N
	}
	return nil
}

func sumRow(r *Row, cols int) error {
	if len(r.Cells) != cols {
		return fmt.Errorf("suppress: a row of %d cells in a table of %d columns", len(r.Cells), cols)
	}
	r.Total.N = 0
	for j := range r.Cells {
		if r.Cells[j].N < 0 {
			return errors.New("suppress: a negative count")
		}
		r.Cells[j].Status = Shown
		r.Total.N += r.Cells[j].N
	}
	return nil
}

// zeroed is cs with every count zero and its holds kept, or cols new cells.
func zeroed(cs []Cell, cols int) []Cell {
	if len(cs) != cols {
		return make([]Cell, cols)
	}
	for i := range cs {
		cs[i].N, cs[i].Status = 0, Shown
	}
	return cs
}

// IsSmall says whether a count is suppressed on its own.
func IsSmall(n int) bool { return n > 0 && n < Threshold }

// Enough says whether a figure worked out from n cases (a median, a share) may be shown.
func Enough(n int) bool { return n >= Threshold }
