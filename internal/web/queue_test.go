package web_test

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/web/browsertest"
)

// queueGet asks for a page or the API as a caller, in a language.
func (s *staff) queueGet(caller, path, lang string) *httptest.ResponseRecorder {
	s.t.Helper()
	h := []string{"Cookie", "redress_session=" + s.cookies[caller]}
	if lang != "" {
		h = append(h, "Accept-Language", lang)
	}
	return s.do(http.MethodGet, path, "", nil, h...)
}

var queueLink = regexp.MustCompile(`href="/staff/complaints/\d+">(RX-[0-9A-Z]{4}-[0-9A-Z]{4})<`)

// pageTracking is the tracking numbers of the queue page's result rows, in order.
func pageTracking(body string) []string {
	var out []string
	for _, m := range queueLink.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

type queueJSON struct {
	Complaints []struct {
		TrackingNumber string `json:"tracking_number"`
		Unit           string `json:"unit"`
		Priority       string `json:"priority"`
		Deadline       string `json:"deadline"`
	} `json:"complaints"`
	Total      int    `json:"total"`
	Page       int    `json:"page"`
	PerPage    int    `json:"per_page"`
	NextAfter  string `json:"next_after"`
	PrevBefore string `json:"prev_before"`
}

var pageLinkRe = regexp.MustCompile(`href="(/staff/complaints\?[^"]*)" rel="(next|prev)"`)

// pageLink is the queue page's link rel (next, prev), unescaped; "" when it has none.
func pageLink(body, rel string) string {
	for _, m := range pageLinkRe.FindAllStringSubmatch(body, -1) {
		if m[2] == rel {
			return html.UnescapeString(m[1])
		}
	}
	return ""
}

// The queue page and the staff API take the same filters and find the same complaints;
// a complaint of another unit never appears, however well it matches.
func TestQueueSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		tracking := func(id int64) string {
			c, _, err := db.Complaint(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return c.TrackingNumber
		}
		// tx and fl have the same Spanish narrative (validComplaint's); en is a second tx
		// complaint, in English, against Harris County under its JEM agreement.
		tx, fl := tracking(s.txCase), tracking(s.flCase)
		in := validComplaint(s.agency.ID)
		in["language"], in["state"] = "en", "TX"
		in["narrative"] = "They would not let my father call a lawyer at the jail."
		in["officers"] = "Sergeant Núñez"
		in["categories"] = []string{"denied_lawyer"}
		en := decode[created](t, s.postJSON("/api/v1/complaints", in)).TrackingNumber
		rr, err := db.ComplaintReceipt(ctx, en)
		if err != nil {
			t.Fatal(err)
		}
		enCase := rr.ComplaintID

		// en has a clock past due, tx one due within the day.
		now := time.Now().UTC()
		for _, k := range []struct {
			id  int64
			due time.Duration
		}{{enCase, -time.Hour}, {s.txCase, 2 * time.Hour}} {
			if _, err := db.Bun().NewRaw("INSERT INTO complaint_clocks (complaint_id, clock, started_at, due_at) VALUES (?, 'test', ?, ?)",
				k.id, now.Add(-48*time.Hour), now.Add(k.due)).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		today := now.Format(time.DateOnly)
		sloppy := strings.ToLower(strings.ReplaceAll(en, "-", " "))

		for _, tc := range []struct {
			caller, query string
			want          []string
		}{
			{"intake", "", []string{tx, en}},
			{"intake", "sort=newest", []string{en, tx}},
			{"intake", "q=espanol", []string{tx}},
			{"other_unit", "q=espanol", []string{fl}},
			{"intake", "q=ESPA%C3%91OL+fianza", []string{tx}},
			{"intake", "q=lawyer+jail", []string{en}},
			{"intake", "q=lawyer+fianza", nil},
			{"intake", "officer=nunez", []string{en}},
			{"intake", "officer=4411", []string{tx}},
			{"intake", "tracking=" + url.QueryEscape(sloppy), []string{en}},
			{"intake", "tracking=" + fl, nil},
			{"auditor", "tracking=" + fl, []string{fl}},
			{"intake", "status=received", []string{tx, en}},
			{"intake", "status=triaged", nil},
			{"intake", "unit=tx", []string{tx, en}},
			{"intake", "unit=fl", nil},
			{"auditor", "unit=fl", []string{fl}},
			{"intake", "model=JEM", []string{en}},
			{"intake", "model=tfm", nil},
			{"intake", "category=denied_lawyer", []string{en}},
			{"intake", "category=held_past_release", []string{tx}},
			{"intake", "agency=" + strconv.FormatInt(s.agency.ID, 10), []string{en}},
			{"intake", "assignee=none", []string{tx, en}},
			{"intake", "assignee=me", nil},
			{"intake", "from=" + today, []string{tx, en}},
			{"intake", "to=2025-01-01", nil},
			{"intake", "overdue=1", []string{en}},
			{"intake", "due_soon=1", []string{tx}},
			{"intake", "overdue=1&due_soon=1", []string{tx, en}},
			{"auditor", "overdue=1", []string{en}},
			{"intake", "q=lawyer&category=denied_lawyer&model=JEM&overdue=1&status=received&from=" + today, []string{en}},
			{"intake", "q=lawyer&category=held_past_release", nil},
		} {
			t.Run(tc.caller+"?"+tc.query, func(t *testing.T) {
				rec := s.queueGet(tc.caller, "/staff/complaints?"+tc.query, "")
				if rec.Code != http.StatusOK {
					t.Fatalf("page: status %d\n%s", rec.Code, rec.Body)
				}
				if got := pageTracking(rec.Body.String()); !slices.Equal(got, tc.want) {
					t.Errorf("page found %v, want %v", got, tc.want)
				}
				rec = s.queueGet(tc.caller, "/api/v1/staff/complaints?"+tc.query, "")
				if rec.Code != http.StatusOK {
					t.Fatalf("API: status %d\n%s", rec.Code, rec.Body)
				}
				res := decode[queueJSON](t, rec)
				var got []string
				for _, c := range res.Complaints {
					got = append(got, c.TrackingNumber)
				}
				if !slices.Equal(got, tc.want) || res.Total != len(tc.want) {
					t.Errorf("API found %v (total %d), want %v", got, res.Total, tc.want)
				}
			})
		}

		t.Run("Paging", func(t *testing.T) {
			body := s.queueGet("intake", "/staff/complaints?status=received&per_page=1", "").Body.String()
			if got := pageTracking(body); !slices.Equal(got, []string{tx}) {
				t.Errorf("page 1: %v", got)
			}
			// Next carries the key of the page's last row (keyset paging), Previous that
			// of its first; each lands on the page that page numbers give.
			next := pageLink(body, "next")
			if !strings.HasPrefix(next, "/staff/complaints?after=") || !strings.Contains(next, "page=2&per_page=1&status=received") ||
				!strings.Contains(body, "Page 1 of 2") || pageLink(body, "prev") != "" {
				t.Errorf("page 1 lacks its paging links (next %q):\n%s", next, body)
			}
			body = s.queueGet("intake", next, "").Body.String()
			prev := pageLink(body, "prev")
			if got := pageTracking(body); !slices.Equal(got, []string{en}) || prev == "" || pageLink(body, "next") != "" ||
				!strings.Contains(body, "Page 2 of 2") {
				t.Errorf("page 2 by key: %v, prev %q\n%s", got, prev, body)
			}
			// Back to page 1 from page 2 needs no cursor; from a page 3 it would carry before=.
			if prev != "/staff/complaints?per_page=1&status=received" {
				t.Errorf("page 2's previous link: %q", prev)
			}
			body = s.queueGet("intake", "/staff/complaints?status=received&per_page=1&page=2", "").Body.String()
			if got := pageTracking(body); !slices.Equal(got, []string{en}) || !strings.Contains(body, `rel="prev"`) || strings.Contains(body, `rel="next"`) {
				t.Errorf("page 2: %v\n%s", got, body)
			}
			// The API hands out the same cursors.
			first := decode[queueJSON](t, s.queueGet("intake", "/api/v1/staff/complaints?per_page=1", ""))
			byKey := decode[queueJSON](t, s.queueGet("intake", "/api/v1/staff/complaints?per_page=1&page=2&after="+first.NextAfter, ""))
			if first.NextAfter == "" || len(byKey.Complaints) != 1 || byKey.Complaints[0].TrackingNumber != en || byKey.Total != 2 ||
				byKey.NextAfter != "" || byKey.PrevBefore == "" {
				t.Errorf("API page 2 by key: %+v after %+v", byKey, first)
			}
			back := decode[queueJSON](t, s.queueGet("intake", "/api/v1/staff/complaints?per_page=1&page=1&before="+byKey.PrevBefore, ""))
			if len(back.Complaints) != 1 || back.Complaints[0].TrackingNumber != first.Complaints[0].TrackingNumber || back.Total != 2 {
				t.Errorf("API page 1 back by key: %+v", back)
			}
			res := decode[queueJSON](t, s.queueGet("intake", "/api/v1/staff/complaints?per_page=1&page=2", ""))
			if len(res.Complaints) != 1 || res.Complaints[0].TrackingNumber != en || res.Total != 2 || res.Page != 2 || res.PerPage != 1 {
				t.Errorf("API page 2: %+v", res)
			}
			if res.Complaints[0].Deadline != redress.DeadlineOverdue || res.Complaints[0].Priority == "" {
				t.Errorf("API row: %+v", res.Complaints[0])
			}
		})

		t.Run("Form", func(t *testing.T) {
			body := s.queueGet("intake", "/staff/complaints?q=lawyer&status=received&overdue=1", "es").Body.String()
			for _, want := range []string{`<form method="get" action="/staff/complaints" role="search"`, `<label for="filter-q">`,
				`name="q" value="lawyer"`, `<option value="received" selected>`, `id="filter-overdue" name="overdue" value="1" checked`,
				`<label for="filter-from">`, "Buscar quejas", "Se encontró 1 queja."} {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			// The auditor reads cases but not the complainant's words: no text search.
			body = s.queueGet("auditor", "/staff/complaints", "").Body.String()
			if strings.Contains(body, `id="filter-q"`) || !strings.Contains(body, `id="filter-status"`) {
				t.Errorf("auditor's form: text search shown or status missing")
			}
		})

		t.Run("ErrBadCursor", func(t *testing.T) {
			good := decode[queueJSON](t, s.queueGet("intake", "/api/v1/staff/complaints?per_page=1", "")).NextAfter
			for _, tc := range []struct {
				query, lang, field, message string
			}{
				{"after=not-a-cursor&page=2", "en", "after", "This page link is broken or out of date."},
				{"after=not-a-cursor&page=2", "es", "after", "Este enlace de página está dañado o ya no vale."},
				{"before=YTEuNQ&page=2", "es", "before", "Este enlace de página está dañado"}, // the audit log's kind
				{"after=" + good + "&before=" + good + "&page=2", "en", "before", "either after or before, not both"},
				{"sort=deadline&after=" + good + "&page=2", "es", "after", "Una lista ordenada por plazo se pagina por número"},
			} {
				t.Run(tc.lang+" "+tc.query, func(t *testing.T) {
					rec := s.queueGet("intake", "/api/v1/staff/complaints?"+tc.query, tc.lang)
					e := decode[errResp](t, rec)
					if rec.Code != http.StatusUnprocessableEntity || len(e.Fields) != 1 || e.Fields[0].Field != tc.field ||
						!strings.Contains(e.Fields[0].Message, tc.message) {
						t.Errorf("API: status %d, error %+v; want 422 naming %s with %q", rec.Code, e, tc.field, tc.message)
					}
					rec = s.queueGet("intake", "/staff/complaints?"+tc.query, tc.lang)
					if body := rec.Body.String(); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, tc.message) ||
						len(pageTracking(body)) != 0 {
						t.Errorf("page: status %d, want 422 with %q\n%s", rec.Code, tc.message, body)
					}
				})
			}
		})

		t.Run("ErrBadFilter", func(t *testing.T) {
			for _, tc := range []struct {
				caller, query, field, message string
			}{
				{"intake", "from=2025-13-01", "from", "Escriba la fecha como AAAA-MM-DD"},
				{"intake", "to=yesterday", "to", "Escriba la fecha como AAAA-MM-DD"},
				{"intake", "from=2025-07-02&to=2025-07-01", "to", "La fecha final no puede ser anterior"},
				{"intake", "status=lost", "status", "Elija una de estas opciones"},
				{"intake", "model=XYZ", "model", "Elija una de estas opciones: JEM, WSO, TFM, NONE."},
				{"intake", "category=nonsense", "category", "no es una de las que ofrecemos: nonsense"},
				{"intake", "tracking=12345", "tracking", "no es un número de seguimiento"},
				{"intake", "agency=harris", "agency", "número entero mayor que cero"},
				{"intake", "assignee=someone", "assignee", "me o none"},
				{"intake", "unit=Not+A+Unit", "unit", "letras minúsculas"},
				{"intake", "overdue=maybe", "overdue", "Elija una de estas opciones"},
				{"intake", "sort=random", "sort", "Elija una de estas opciones"},
				{"intake", "page=0", "page", "del 1 al 10000"},
				{"intake", "per_page=500", "per_page", "del 1 al 200"},
				{"intake", "q=" + strings.Repeat("x", 201), "q", "como máximo 200"},
				{"auditor", "q=fianza", "q", "Su función no permite buscar"},
			} {
				t.Run(tc.query, func(t *testing.T) {
					before, _ := db.CountAudit(ctx, "complaint.searched")
					rec := s.queueGet(tc.caller, "/api/v1/staff/complaints?"+tc.query, "es")
					if rec.Code != http.StatusUnprocessableEntity {
						t.Fatalf("API: status %d, want 422\n%s", rec.Code, rec.Body)
					}
					e := decode[errResp](t, rec)
					if len(e.Fields) != 1 || e.Fields[0].Field != tc.field || !strings.Contains(e.Fields[0].Message, tc.message) {
						t.Errorf("API error %+v, want field %s with %q", e, tc.field, tc.message)
					}
					rec = s.queueGet(tc.caller, "/staff/complaints?"+tc.query, "es")
					body := rec.Body.String()
					if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#filter-`+tc.field+`"`) ||
						!strings.Contains(body, tc.message) || len(pageTracking(body)) != 0 {
						t.Errorf("page: status %d, want 422 naming %s with %q\n%s", rec.Code, tc.field, tc.message, body)
					}
					if after, _ := db.CountAudit(ctx, "complaint.searched"); after != before {
						t.Errorf("a refused search was recorded")
					}
				})
			}
		})

		// A search is recorded with its filters; listing the queue is not a search.
		t.Run("Audit", func(t *testing.T) {
			before, _ := db.CountAudit(ctx, "complaint.searched")
			s.queueGet("intake", "/staff/complaints", "")
			s.queueGet("intake", "/staff/complaints?page=1", "")
			if after, _ := db.CountAudit(ctx, "complaint.searched"); after != before {
				t.Fatalf("listing the queue recorded %d searches", after-before)
			}
			s.queueGet("investigator", "/api/v1/staff/complaints?q=lawyer&overdue=1&tracking="+url.QueryEscape(sloppy), "")
			evs, err := db.ListAudit(ctx, redress.AuditFilter{Action: "complaint.searched"})
			if err != nil || len(evs) == 0 {
				t.Fatalf("no search event: %v", err)
			}
			ev := evs[len(evs)-1]
			filters, _ := ev.Details["filters"].(map[string]any)
			if ev.Actor != "user:"+strconv.FormatInt(s.users["investigator"].ID, 10) || !strings.HasPrefix(filters["q"].(string), "hmac:") ||
				filters["overdue"] != "1" || filters["tracking"] != en || len(filters) != 3 || ev.ComplaintID != 0 {
				t.Errorf("search event %+v", ev)
			}
		})
	})
}

// TestBrowserQueue fills in the queue's filter form in a real Chromium, in Spanish, as
// an intake officer: a text search with the overdue box ticked, then a bad date. Both
// pages are checked with axe-core. SQLite only, as TestBrowser.
func TestBrowserQueue(t *testing.T) {
	b := browsertest.Start(t)
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	s := newStaff(t, db)
	ctx := context.Background()
	tx, _, err := db.Complaint(ctx, s.txCase)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if _, err := db.Bun().NewRaw("INSERT INTO complaint_clocks (complaint_id, clock, started_at, due_at) VALUES (?, 'test', ?, ?)",
		s.txCase, now.Add(-48*time.Hour), now.Add(-time.Hour)).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.srv)
	t.Cleanup(ts.Close)
	p := b.NewPage(t, "es")
	want := func(what string, got, status int64) {
		t.Helper()
		if got != status {
			t.Fatalf("%s: HTTP %d, want %d", what, got, status)
		}
	}
	signInBrowser(t, p, ts.URL, "intake")

	want("queue", p.Open(ts.URL+"/staff/complaints"), http.StatusOK)
	p.Click("#filters > summary") // folded while no filter is in use
	p.Type("filter-q", "ESPAÑOL fianza")
	p.Tick("filter-overdue")
	want("search", p.ClickAndWait(`main form[role=search] button[type=submit]`), http.StatusOK)
	if got := p.Text("main table"); !strings.Contains(got, tx.TrackingNumber) || !strings.Contains(got, "Vencido") {
		t.Fatalf("search results lack %s, overdue:\n%s", tx.TrackingNumber, got)
	}
	if got := p.Text(`main p[role=status]`); got != "Se encontró 1 queja." {
		t.Fatalf("count %q", got)
	}
	p.Screenshot("queue-search")
	p.CheckAccessibility("queue-search")

	want("bad date", p.Open(ts.URL+"/staff/complaints?from=2025-13-01"), http.StatusUnprocessableEntity)
	if got := p.Text("#errors"); !strings.Contains(got, "Recibida desde") || !strings.Contains(got, "AAAA-MM-DD") {
		t.Fatalf("error summary %q", got)
	}
	p.CheckAccessibility("queue-bad-date")
}
