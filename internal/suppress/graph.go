package suppress

import (
	"container/heap"
	"slices"
)

// edge is one published number as a flow from one node to another; cells are where it
// is written back (a column total or grand total two linked tables share is one edge).
type edge struct {
	from, to int
	n        int
	status   Status
	cells    []*Cell
}

// graph is the circulation of one table or two linked ones.
type graph struct {
	nodes int
	edges []edge
	// out lists, per node, the edges leaving or entering it (an edge is walked either
	// way: forward when it grows, backward when it shrinks).
	adj [][]int
}

func (g *graph) node() int {
	g.nodes++
	g.adj = append(g.adj, nil)
	return g.nodes - 1
}

func (g *graph) add(from, to int, cells ...*Cell) {
	g.edges = append(g.edges, edge{from: from, to: to, n: cells[0].N, cells: cells})
	i := len(g.edges) - 1
	g.adj[from] = append(g.adj[from], i)
	g.adj[to] = append(g.adj[to], i)
}

// build lays the tables out: source → row (its total) → [sub-row (its total) → the
// row's column node (the sub-row's counts) →] column (the row's counts) → column total
// → …; one table closes at the sink and the grand total back to the source; a second
// table runs from the column totals through its rows to a node whose edge to the source
// is the grand total both share.
func build(tables []*Table) *graph {
	g := &graph{}
	src := g.node()
	a := tables[0]
	cols := make([]int, a.Cols)
	for j := range cols {
		cols[j] = g.node()
	}
	for i := range a.Rows {
		r := &a.Rows[i]
		rn := g.node()
		g.add(src, rn, &r.Total)
		if len(r.Children) == 0 {
			for j := range r.Cells {
				g.add(rn, cols[j], &r.Cells[j])
			}
			continue
		}
		sub := make([]int, a.Cols)
		for j := range sub {
			sub[j] = g.node()
			g.add(sub[j], cols[j], &r.Cells[j])
		}
		for k := range r.Children {
			c := &r.Children[k]
			cn := g.node()
			g.add(rn, cn, &c.Total)
			for j := range c.Cells {
				g.add(cn, sub[j], &c.Cells[j])
			}
		}
	}
	after := make([]int, a.Cols)
	sink := g.node()
	for j := range cols {
		if len(tables) == 1 {
			g.add(cols[j], sink, &a.Totals[j])
			continue
		}
		after[j] = g.node()
		g.add(cols[j], after[j], &a.Totals[j], &tables[1].Totals[j])
	}
	if len(tables) == 1 {
		g.add(sink, src, &a.Grand)
		return g
	}
	b := tables[1]
	for i := range b.Rows {
		r := &b.Rows[i]
		rn := g.node()
		for j := range r.Cells {
			g.add(after[j], rn, &r.Cells[j])
		}
		g.add(rn, sink, &r.Total)
	}
	g.add(sink, src, &a.Grand, &b.Grand)
	return g
}

// primary hides every small count, and withholds every count held from an earlier
// edition that can stay hidden (Threshold or more).
func (g *graph) primary() {
	for i := range g.edges {
		e := &g.edges[i]
		switch {
		case IsSmall(e.n):
			e.status = Small
		case e.n >= Threshold && slices.ContainsFunc(e.cells, func(c *Cell) bool { return c.Hold }):
			e.status = Withheld
		}
	}
}

// up and down say whether a number may grow or shrink by one and stay what a reader
// knows it is: a small count stays small, a withheld one stays at Threshold or more,
// and a shown one (a candidate to withhold) becomes a withheld one that may.
func up(e *edge) bool {
	if e.status == Small {
		return e.n < Threshold-1
	}
	return e.n >= Threshold
}

func down(e *edge) bool {
	if e.status == Small {
		return e.n > 1
	}
	return e.n > Threshold
}

// step is a move along edge i from one node to the next: forward when it grows.
func (g *graph) step(at, i int) (next int, forward bool) {
	e := &g.edges[i]
	if e.from == at {
		return e.to, true
	}
	return e.from, false
}

// safe says whether hidden edge i lies on a cycle of hidden numbers that can move by
// one: then a reader of the published numbers cannot tell its value from another.
func (g *graph) safe(i int) bool {
	e := &g.edges[i]
	return (up(e) && g.reach(e.to, e.from, i)) || (down(e) && g.reach(e.from, e.to, i))
}

// reach walks the hidden numbers' moves from a to b, never through edge skip.
func (g *graph) reach(a, b, skip int) bool {
	seen := make([]bool, g.nodes)
	stack := []int{a}
	seen[a] = true
	for len(stack) > 0 {
		at := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if at == b {
			return true
		}
		for _, i := range g.adj[at] {
			e := &g.edges[i]
			if i == skip || e.status == Shown {
				continue
			}
			next, fwd := g.step(at, i)
			if seen[next] || (fwd && !up(e)) || (!fwd && !down(e)) {
				continue
			}
			seen[next] = true
			stack = append(stack, next)
		}
	}
	return false
}

// complement withholds numbers until every hidden one is safe. Hiding more never makes
// a safe number unsafe, and the numbers a path withholds are safe by the very cycle
// they close, so one pass over the numbers hidden at the start (small or held) is
// enough.
func (g *graph) complement() {
	for i := range g.edges {
		if g.edges[i].status == Shown || g.safe(i) {
			continue
		}
		e := &g.edges[i]
		var best []int
		bestCost := -1
		try := func(ok bool, a, b int) {
			if !ok {
				return
			}
			if path, cost := g.cheapest(a, b, i); path != nil && (bestCost < 0 || cost < bestCost) {
				best, bestCost = path, cost
			}
		}
		try(up(e), e.to, e.from)
		try(down(e), e.from, e.to)
		if best == nil {
			// No cycle can hide it: withhold everything the tables publish.
			for k := range g.edges {
				if g.edges[k].status == Shown {
					g.edges[k].status = Withheld
				}
			}
			return
		}
		for _, k := range best {
			if g.edges[k].status == Shown {
				g.edges[k].status = Withheld
			}
		}
	}
}

// cheapest finds the path of moves from a to b (never through skip) that withholds the
// least: a hidden number's move costs nothing, a shown number's its count plus one.
func (g *graph) cheapest(a, b, skip int) (path []int, cost int) {
	const inf = int(^uint(0) >> 1)
	dist := make([]int, g.nodes)
	via := make([]int, g.nodes)
	for k := range dist {
		dist[k], via[k] = inf, -1
	}
	dist[a] = 0
	h := &queue{{a, 0}}
	for h.Len() > 0 {
		it := heap.Pop(h).(item)
		if it.d > dist[it.node] {
			continue
		}
		if it.node == b {
			break
		}
		for _, i := range g.adj[it.node] {
			e := &g.edges[i]
			if i == skip {
				continue
			}
			next, fwd := g.step(it.node, i)
			if (fwd && !up(e)) || (!fwd && !down(e)) {
				continue
			}
			w := 0
			if e.status == Shown {
				w = e.n + 1
			}
			if d := it.d + w; d < dist[next] {
				dist[next], via[next] = d, i
				heap.Push(h, item{next, d})
			}
		}
	}
	if dist[b] == inf {
		return nil, 0
	}
	for at := b; at != a; {
		i := via[at]
		path = append(path, i)
		at, _ = g.step(at, i)
	}
	return path, dist[b]
}

// write copies each edge's status to its cells.
func (g *graph) write([]*Table) {
	for _, e := range g.edges {
		for _, c := range e.cells {
			c.Status = e.status
		}
	}
}

type item struct{ node, d int }

type queue []item

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return q[i].d < q[j].d }
func (q queue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)        { *q = append(*q, x.(item)) }
func (q *queue) Pop() any          { o := *q; it := o[len(o)-1]; *q = o[:len(o)-1]; return it }
