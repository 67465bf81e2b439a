package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// Paging by key (After, Before) gives the same pages, and counts, as paging by offset,
// oldest and newest first, with and without a text search, when many complaints share
// a time received: the id breaks the ties.
func TestSearchKeyset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		base := time.Date(2025, 7, 20, 9, 0, 0, 0, time.UTC)
		for i := range 17 {
			// Five times received, three or four complaints each, not filed in time order.
			at := base.Add(time.Duration((i*3)%5) * time.Hour)
			db.Now = func() time.Time { return at }
			nc := newComplaint(redress.NewTrackingNumber())
			nc.Complaint.Unit = "tx"
			if i%4 == 3 {
				nc.Complaint.Narrative = "Nada que ver."
			}
			if _, err := db.CreateComplaint(ctx, nc); err != nil {
				t.Fatal(err)
			}
		}
		db.Now = time.Now
		defer func(b int) { redress.CountBound = b }(redress.CountBound)
		redress.CountBound = 5 // counts past it say "more", as at a million
		ids := func(rows []redress.QueueRow) []int64 {
			var out []int64
			for _, r := range rows {
				out = append(out, r.ID)
			}
			return out
		}
		const per = 4
		for _, c := range []struct {
			name string
			f    redress.SearchFilter
		}{
			{"oldest", redress.SearchFilter{}},
			{"newest", redress.SearchFilter{NewestFirst: true}},
			{"text, oldest", redress.SearchFilter{Text: "papeles"}},
			{"text, newest", redress.SearchFilter{Text: "papeles", NewestFirst: true}},
		} {
			f := c.f
			f.Units, f.Limit = []string{"tx"}, per
			var byOffset [][]int64
			var offsetTotals []int
			for page := 0; ; page++ {
				f.Offset = page * per
				rows, total, err := db.SearchComplaints(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) == 0 {
					break
				}
				byOffset, offsetTotals = append(byOffset, ids(rows)), append(offsetTotals, total)
			}
			if len(byOffset) < 3 {
				t.Fatalf("%s: %d pages", c.name, len(byOffset))
			}
			// The same pages whichever way a text search goes: counted past its cap it
			// walks the received_at index, within the bound it sorts the
			// full-text index's matches, and a walk that gives up falls back to that.
			for _, way := range []struct {
				name          string
				bound, budget int
			}{{"sorted", 1000, 2000}, {"walk gives up", 5, 3}} {
				redress.CountBound = way.bound
				restore := store.SetWalkBudget(way.budget)
				for page := range byOffset {
					f.Offset = page * per
					rows, _, err := db.SearchComplaints(ctx, f)
					if err != nil || !slices.Equal(ids(rows), byOffset[page]) {
						t.Errorf("%s, %s: page %d: %v %v, walking %v", c.name, way.name, page+1, ids(rows), err, byOffset[page])
					}
				}
				restore()
			}
			redress.CountBound = 5
			// Forwards by key from the first page, then backwards by key from the last.
			f.Offset = 0
			rows, _, err := db.SearchComplaints(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			pages := [][]redress.QueueRow{rows}
			for page := 1; page < len(byOffset); page++ {
				last := pages[page-1][len(pages[page-1])-1]
				f.After, f.Offset = &redress.ListKey{Time: last.ReceivedAt, ID: last.ID}, page*per
				rows, total, err := db.SearchComplaints(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(ids(rows), byOffset[page]) || total != offsetTotals[page] {
					t.Errorf("%s: page %d after %d: %v (total %d), by offset %v (total %d)", c.name, page+1, last.ID,
						ids(rows), total, byOffset[page], offsetTotals[page])
				}
				pages = append(pages, rows)
			}
			f.After = nil
			for page := len(byOffset) - 2; page >= 0; page-- {
				first := pages[page+1][0]
				f.Before, f.Offset = &redress.ListKey{Time: first.ReceivedAt, ID: first.ID}, page*per
				rows, total, err := db.SearchComplaints(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(ids(rows), byOffset[page]) || total != offsetTotals[page] {
					t.Errorf("%s: page %d before %d: %v (total %d), by offset %v (total %d)", c.name, page+1, first.ID,
						ids(rows), total, byOffset[page], offsetTotals[page])
				}
			}
		}
		if _, _, err := db.SearchComplaints(ctx, redress.SearchFilter{ComplaintFilter: redress.ComplaintFilter{AllUnits: true},
			ByDeadline: true, After: &redress.ListKey{Time: base, ID: 1}}); redress.ErrorCode(err) != redress.EINVALID {
			t.Errorf("by deadline, after a key: %v", err)
		}
	})
}
