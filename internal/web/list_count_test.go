package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// TestListCountBound: past redress.CountBound (made 2 here, so four complaints pass it)
// the queue, the audit log and their APIs say "more than" the bound and still page on;
// a page past the bound counts as far as itself, and the last page is known again.
func TestListCountBound(t *testing.T) {
	defer func(b int) { redress.CountBound = b }(redress.CountBound)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		redress.CountBound = redress.DefaultSearchLimit
		s := newStaff(t, db)
		for range 3 {
			in := validComplaint(0)
			delete(in, "agency_id")
			in["state"] = "TX"
			decode[created](t, s.postJSON("/api/v1/complaints", in))
		}
		page := func(path, lang string) string {
			t.Helper()
			rec := s.queueGet("supervisor", path, lang)
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: %d", path, rec.Code)
			}
			return rec.Body.String()
		}
		has := func(what, body string, want ...string) {
			t.Helper()
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("%s lacks %q", what, w)
				}
			}
		}
		// Under the bound: the exact count.
		has("queue", page("/staff/complaints?per_page=1", ""), "4 complaints you may see.", "Page 1 of 4", `rel="next"`)

		redress.CountBound = 2
		body := page("/staff/complaints?per_page=1", "")
		has("queue", body, "More than 2 complaints you may see.", "<span>Page 1</span>", `rel="next"`, "page=2")
		has("queue in Spanish", page("/staff/complaints?per_page=1", "es"), "Más de 2 quejas que usted puede ver.", "<span>Página 1</span>")
		has("filtered queue", page("/staff/complaints?per_page=1&status=received", ""), "More than 2 complaints found.")
		// Page 3 of one row counts to 3 and finds more; page 4 is the last.
		has("page 3", page("/staff/complaints?per_page=1&page=3", ""), "More than 3 complaints you may see.", `rel="next"`, `rel="prev"`)
		last := page("/staff/complaints?per_page=1&page=4", "")
		has("page 4", last, "4 complaints you may see.", "Page 4 of 4")
		if strings.Contains(last, `rel="next"`) {
			t.Error("the last page links a next one")
		}

		api := decode[struct {
			Total      int  `json:"total"`
			TotalExact bool `json:"total_exact"`
		}](t, s.queueGet("supervisor", "/api/v1/staff/complaints?per_page=1", ""))
		if api.Total != 2 || api.TotalExact {
			t.Errorf("complaints API: %+v, want total 2 not exact", api)
		}
		api = decode[struct {
			Total      int  `json:"total"`
			TotalExact bool `json:"total_exact"`
		}](t, s.queueGet("supervisor", "/api/v1/staff/complaints?per_page=1&page=4", ""))
		if api.Total != 4 || !api.TotalExact {
			t.Errorf("complaints API, last page: %+v, want total 4 exact", api)
		}

		// The audit log holds far more than two events.
		rec := s.queueGet("auditor", "/oversight/audit?per_page=1", "")
		has("audit log", rec.Body.String(), "More than 2 events you may see.", "<span>Page 1</span>", `rel="next"`)
		has("audit log in Spanish", s.queueGet("auditor", "/oversight/audit?per_page=1", "es").Body.String(), "Más de 2 eventos que usted puede ver.")
		ev := decode[struct {
			Total      int  `json:"total"`
			TotalExact bool `json:"total_exact"`
		}](t, s.queueGet("auditor", "/api/v1/audit/events?per_page=1", ""))
		if ev.Total != 2 || ev.TotalExact {
			t.Errorf("events API: %+v, want total 2 not exact", ev)
		}
	})
}
