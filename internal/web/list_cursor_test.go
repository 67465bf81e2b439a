package web_test

import (
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

type eventsPage struct {
	Events []struct {
		ID int64 `json:"id"`
	} `json:"events"`
	Total      int    `json:"total"`
	Upto       int64  `json:"upto"`
	NextAfter  string `json:"next_after"`
	PrevBefore string `json:"prev_before"`
}

func (p eventsPage) ids() []int64 {
	var out []int64
	for _, e := range p.Events {
		out = append(out, e.ID)
	}
	return out
}

var auditNextRe = regexp.MustCompile(`href="(/oversight/audit\?[^"]*)" rel="next"`)

// The audit log pages by event id: the API's cursors and the page's Next link land on
// the pages that page numbers give, forwards and back; a cursor that does not read is
// refused, naming its parameter, in the caller's language.
func TestAuditLogKeyset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		for range 3 {
			decode[created](t, s.postJSON("/api/v1/complaints", validComplaint(0)))
		}
		get := func(path string) eventsPage {
			t.Helper()
			rec := s.queueGet("auditor", path, "")
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: %d\n%s", path, rec.Code, rec.Body)
			}
			return decode[eventsPage](t, rec)
		}
		first := get("/api/v1/audit/events?per_page=2")
		base := "/api/v1/audit/events?per_page=2&upto=" + itoa(first.Upto)
		page2, page3 := get(base+"&page=2"), get(base+"&page=3")
		if len(page3.Events) != 2 || first.NextAfter == "" || first.PrevBefore != "" {
			t.Fatalf("pages by number: %+v %+v", first, page3)
		}
		key2 := get(base + "&page=2&after=" + first.NextAfter)
		key3 := get(base + "&page=3&after=" + key2.NextAfter)
		back2 := get(base + "&page=2&before=" + key3.PrevBefore)
		for _, c := range []struct {
			name      string
			got, want eventsPage
		}{{"page 2 after page 1", key2, page2}, {"page 3 after page 2", key3, page3}, {"page 2 before page 3", back2, page2}} {
			if !slices.Equal(c.got.ids(), c.want.ids()) || c.got.Total != c.want.Total {
				t.Errorf("%s: %v (total %d), by number %v (total %d)", c.name, c.got.ids(), c.got.Total, c.want.ids(), c.want.Total)
			}
		}
		body := s.queueGet("auditor", "/oversight/audit?per_page=2", "").Body.String()
		m := auditNextRe.FindStringSubmatch(body)
		if m == nil || !strings.Contains(m[1], "after=") || !strings.Contains(m[1], "upto=") {
			t.Fatalf("the log's next link: %v", m)
		}
		body = s.queueGet("auditor", html.UnescapeString(m[1]), "").Body.String()
		if !strings.Contains(body, `rel="prev"`) || !strings.Contains(body, "Page 2") {
			t.Errorf("page 2 by key lacks its links:\n%s", body)
		}
		const queueCursor = "cTEuNS4xNzAwMDAwMDAwMDAwMDAwMDAw" // a queue's cursor: complaint 5, received at 1.7e18 ns
		for _, c := range []struct{ query, lang, field, message string }{
			{"after=not-a-cursor", "en", "after", "This page link is broken or out of date."},
			{"before=" + queueCursor, "es", "before", "Este enlace de página está dañado"},
		} {
			rec := s.queueGet("auditor", "/api/v1/audit/events?page=2&"+c.query, c.lang)
			e := decode[errResp](t, rec)
			if rec.Code != http.StatusUnprocessableEntity || len(e.Fields) != 1 || e.Fields[0].Field != c.field ||
				!strings.Contains(e.Fields[0].Message, c.message) {
				t.Errorf("API %s: %d %+v", c.query, rec.Code, e)
			}
			rec = s.queueGet("auditor", "/oversight/audit?page=2&"+c.query, c.lang)
			if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), c.message) {
				t.Errorf("page %s: %d", c.query, rec.Code)
			}
		}
	})
}
