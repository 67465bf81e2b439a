package casework_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

func TestSearchQueueRecordsTagsNotWords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		c := f.file(t, true)
		a := actor(f.investigator)
		given := map[string]string{"q": "María  LÓPEZ fianza", "officer": "Ramírez", "tracking": strings.ToLower(c.TrackingNumber),
			"status": c.Status, "sort": "newest"}
		rows, total, err := f.cases.SearchQueue(ctx, a, casework.QueueSearch{Page: 2, Given: given,
			Filter: redress.SearchFilter{ComplaintFilter: redress.ComplaintFilter{AllUnits: true}, Tracking: c.TrackingNumber}})
		if err != nil || total != 1 || len(rows) != 1 || rows[0].ID != c.ID {
			t.Fatalf("search: %+v %d %v", rows, total, err)
		}
		evs, err := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionComplaintSearched})
		if err != nil || len(evs) != 1 {
			t.Fatalf("events %+v %v", evs, err)
		}
		ev := evs[0]
		filters, _ := ev.Details["filters"].(map[string]any)
		if ev.Actor != a.Subject || ev.RequestID != a.RequestID || ev.ComplaintID != 0 || ev.Details["page"] != float64(2) || len(filters) != len(given) {
			t.Fatalf("event %+v", ev)
		}
		tag := regexp.MustCompile(`^hmac:[0-9a-f]{32}$`)
		q, _ := filters["q"].(string)
		officer, _ := filters["officer"].(string)
		if !tag.MatchString(q) || !tag.MatchString(officer) || q == officer {
			t.Fatalf("free text recorded as %q and %q", q, officer)
		}
		// Folded as the search folds words: case, accents and spacing do not change it.
		if again := f.cases.SearchTag("maria lopez FIANZA"); again != q {
			t.Errorf("SearchTag(maria lopez FIANZA) = %s, the search recorded %s", again, q)
		}
		if want := "hmac:" + f.cases.Box.Tag("audit search text v1", []byte("ramirez")); officer != want {
			t.Errorf("officer tag %s, want %s (the tags of earlier events must stay comparable)", officer, want)
		}
		if filters["tracking"] != c.TrackingNumber || filters["status"] != c.Status || filters["sort"] != "newest" {
			t.Errorf("filters %+v", filters)
		}
		for _, word := range []string{"maría", "maria", "lópez", "lopez", "fianza", "ramírez", "ramirez"} {
			for k, v := range filters {
				if s, _ := v.(string); strings.Contains(strings.ToLower(s), word) {
					t.Errorf("filter %s holds the word %q: %q", k, word, s)
				}
			}
		}
	})
}

// Listing the queue with no filter is not an event; a search that cannot be recorded
// is not run.
func TestSearchQueueRecordsFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		f.file(t, true)
		a := actor(f.investigator)
		all := redress.SearchFilter{ComplaintFilter: redress.ComplaintFilter{AllUnits: true}}
		if rows, _, err := f.cases.SearchQueue(ctx, a, casework.QueueSearch{Filter: all, Page: 1}); err != nil || len(rows) != 1 {
			t.Fatalf("list: %+v %v", rows, err)
		}
		if n := f.count(t, redress.ActionComplaintSearched); n != 0 {
			t.Fatalf("listing recorded %d searches", n)
		}
		storetest.RefuseInserts(t, db, "audit_events")
		rows, total, err := f.cases.SearchQueue(ctx, a, casework.QueueSearch{Filter: all, Page: 1, Given: map[string]string{"status": "received"}})
		if err == nil || rows != nil || total != 0 {
			t.Fatalf("unrecorded search answered: %+v %d %v", rows, total, err)
		}
	})
}
