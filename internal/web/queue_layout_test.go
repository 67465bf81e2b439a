package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/workflow"
)

// getWith asks for path as caller with extra cookies (name=value), and returns the
// response.
func (s *staff) getWith(caller, path string, cookies ...string) (int, string, []*http.Cookie) {
	s.t.Helper()
	cookie := strings.Join(append([]string{"redress_session=" + s.cookies[caller]}, cookies...), "; ")
	rec := s.do(http.MethodGet, path, "", nil, "Cookie", cookie, "Accept-Language", "en")
	return rec.Code, rec.Body.String(), rec.Result().Cookies()
}

var filtersDetails = regexp.MustCompile(`<details class="filters" id="filters"( open)?>`)

// filtersOpen tells whether the page's filters show open; the page must have them.
func filtersOpen(t *testing.T, body string) bool {
	t.Helper()
	m := filtersDetails.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no folding filters on the page:\n%s", body)
	}
	return m[1] != ""
}

func cookieValue(cs []*http.Cookie, name string) string {
	for _, c := range cs {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// The queue's and the audit log's filters fold above the rows while none is in use,
// show open while one is (or is wrong), and otherwise as last chosen: the form's
// submit remembers them open, "hide filters" folded, in a cookie for that page. The
// choice is the page's: the API refuses it as an unknown parameter.
func TestFiltersFold(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		for _, pg := range []struct {
			caller, path, filter, cookie string
		}{
			{"supervisor", "/staff/complaints", "status=received", "queue_filters"},
			{"auditor", "/oversight/audit", "action=complaint.filed", "audit_filters"},
		} {
			code, body, _ := s.getWith(pg.caller, pg.path)
			if code != http.StatusOK || filtersOpen(t, body) {
				t.Errorf("%s: HTTP %d, open %v; want folded with no filter in use", pg.path, code, filtersOpen(t, body))
			}
			if !strings.Contains(body, `<input type="hidden" name="filters" value="open">`) {
				t.Errorf("%s: the form does not remember itself open when used", pg.path)
			}
			if _, body, _ := s.getWith(pg.caller, pg.path+"?"+pg.filter); !filtersOpen(t, body) {
				t.Errorf("%s?%s: folded while a filter is in use", pg.path, pg.filter)
			}
			if code, body, _ := s.getWith(pg.caller, pg.path+"?from=2025-13-01"); code != http.StatusUnprocessableEntity || !filtersOpen(t, body) {
				t.Errorf("%s with a bad date: HTTP %d, open %v; want 422, open", pg.path, code, filtersOpen(t, body))
			}
			_, body, cs := s.getWith(pg.caller, pg.path+"?filters=open")
			if !filtersOpen(t, body) || cookieValue(cs, pg.cookie) != "open" {
				t.Errorf("%s?filters=open: open %v, cookie %q", pg.path, filtersOpen(t, body), cookieValue(cs, pg.cookie))
			}
			if _, body, _ := s.getWith(pg.caller, pg.path, pg.cookie+"=open"); !filtersOpen(t, body) {
				t.Errorf("%s: the filters chosen open are folded on the next visit", pg.path)
			}
			if !strings.Contains(body, `href="`+pg.path+`?filters=closed"`) {
				t.Errorf("%s: no link to hide the filters", pg.path)
			}
			_, body, cs = s.getWith(pg.caller, pg.path+"?filters=closed", pg.cookie+"=open")
			if filtersOpen(t, body) || cookieValue(cs, pg.cookie) != "closed" {
				t.Errorf("%s?filters=closed: open %v, cookie %q", pg.path, filtersOpen(t, body), cookieValue(cs, pg.cookie))
			}
			if _, body, _ := s.getWith(pg.caller, pg.path, pg.cookie+"=closed"); filtersOpen(t, body) {
				t.Errorf("%s: the filters hidden show open on the next visit", pg.path)
			}
			if _, body, _ := s.getWith(pg.caller, pg.path+"?"+pg.filter, pg.cookie+"=closed"); !filtersOpen(t, body) {
				t.Errorf("%s?%s: hidden by the cookie while a filter is in use", pg.path, pg.filter)
			}
		}
		for _, api := range []string{"/api/v1/staff/complaints?filters=open", "/api/v1/audit/events?filters=open"} {
			caller := "supervisor"
			if strings.Contains(api, "audit") {
				caller = "auditor"
			}
			if code, _, _ := s.getWith(caller, api); code != http.StatusUnprocessableEntity {
				t.Errorf("%s: HTTP %d; want 422 (not one of the API's parameters)", api, code)
			}
		}
	})
}

// queueRowCells is the text of each cell of the queue row of a complaint.
func queueRowCells(t *testing.T, body, tracking string) []string {
	t.Helper()
	i := strings.Index(body, ">"+tracking+"</a>")
	if i < 0 {
		t.Fatalf("no row for %s:\n%s", tracking, body)
	}
	start := strings.LastIndex(body[:i], "<tr>")
	end := strings.Index(body[i:], "</tr>") + i
	var cells []string
	for _, m := range regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`).FindAllStringSubmatch(body[start:end], -1) {
		cells = append(cells, strings.TrimSpace(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], " ")))
	}
	return cells
}

// The queue shows each complaint's allegations, last activity and next deadline (in
// its unit's zone, named), and sorts by next deadline on request, the most overdue
// first and complaints with none running (a withdrawn one) last; the API sorts alike
// and carries the same facts. A closed case shows no deadline.
func TestQueueColumnsAndDeadlineSort(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		file := func() redress.Complaint {
			in := validComplaint(s.agency.ID)
			got := decode[created](t, s.postJSON("/api/v1/complaints", in))
			rr, err := db.ComplaintReceipt(ctx, got.TrackingNumber)
			if err != nil {
				t.Fatal(err)
			}
			c, _, err := db.Complaint(ctx, rr.ComplaintID)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		first, _, err := db.Complaint(ctx, s.txCase)
		if err != nil {
			t.Fatal(err)
		}
		withdrawn, overdue := file(), file()
		if _, err := db.Bun().NewRaw("INSERT INTO complaint_clocks (complaint_id, clock, started_at, due_at) VALUES (?, 'test', ?, ?)",
			overdue.ID, time.Now().UTC().Add(-48*time.Hour), time.Now().UTC().Add(-time.Hour)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		sup := s.users["supervisor"]
		c, sealed, err := db.Complaint(ctx, withdrawn.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.srv.Casework.Transition(ctx, casework.Actor{UserID: sup.ID, Subject: "user:" + itoa(sup.ID), RequestID: "t"}, c, sealed,
			casework.TransitionInput{Transition: workflow.Withdraw, Reason: "asked by phone"}); err != nil {
			t.Fatal(err)
		}

		code, body, _ := s.getWith("supervisor", "/staff/complaints")
		if code != http.StatusOK {
			t.Fatalf("queue: HTTP %d", code)
		}
		for _, h := range []string{">Allegations</th>", ">Last activity</th>", `<a href="/staff/complaints?sort=deadline"`} {
			if !strings.Contains(body, h) {
				t.Errorf("queue lacks %s", h)
			}
		}
		if got, want := pageTracking(body), []string{first.TrackingNumber, withdrawn.TrackingNumber, overdue.TrackingNumber}; !slices.Equal(got, want) {
			t.Errorf("oldest first: %v; want %v", got, want)
		}
		cells := queueRowCells(t, body, overdue.TrackingNumber)
		last := len(cells) - 1
		if !strings.Contains(strings.Join(cells, "|"), "Held past release, No interpreter") {
			t.Errorf("row %v lacks the allegations", cells)
		}
		today := time.Now().In(s.srv.Casework.Deadlines.Loc()).Format("Jan 2, 2006")
		if cells[last-1] != today {
			t.Errorf("last activity %q; want %q (filed today)", cells[last-1], today)
		}
		if !regexp.MustCompile(`^[A-Z][a-z]+ \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M E[SD]T\s+Overdue$`).MatchString(cells[last]) {
			t.Errorf("next deadline %q; want a date and time in the office's zone, named, and overdue", cells[last])
		}
		if cells := queueRowCells(t, body, withdrawn.TrackingNumber); cells[len(cells)-1] != "" {
			t.Errorf("a withdrawn case shows a running deadline: %q", cells[len(cells)-1])
		}
		if !strings.Contains(body, "time zone of each complaint’s unit: America/New_York.") {
			t.Error("no caption naming the zone")
		}

		want := []string{overdue.TrackingNumber, first.TrackingNumber, withdrawn.TrackingNumber}
		code, body, _ = s.getWith("supervisor", "/staff/complaints?sort=deadline")
		if got := pageTracking(body); code != http.StatusOK || !slices.Equal(got, want) {
			t.Errorf("sort=deadline: HTTP %d, %v; want %v", code, got, want)
		}
		if !strings.Contains(body, `aria-sort="ascending"`) {
			t.Error("the deadline column does not say it sorts the rows")
		}
		code, body, _ = s.getWith("supervisor", "/api/v1/staff/complaints?sort=deadline")
		var list struct {
			Complaints []struct {
				TrackingNumber string             `json:"tracking_number"`
				Categories     []redress.Category `json:"categories"`
				LastActivityAt time.Time          `json:"last_activity_at"`
				NextDueAt      *time.Time         `json:"next_due_at"`
			} `json:"complaints"`
		}
		if err := json.Unmarshal([]byte(body), &list); err != nil || code != http.StatusOK {
			t.Fatalf("API: HTTP %d %v\n%s", code, err, body)
		}
		var got []string
		for _, c := range list.Complaints {
			got = append(got, c.TrackingNumber)
			if len(c.Categories) == 0 || c.LastActivityAt.IsZero() {
				t.Errorf("API row %+v lacks categories or last activity", c)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("API sort=deadline: %v; want %v", got, want)
		}
		if list.Complaints[2].NextDueAt != nil {
			t.Errorf("API: the withdrawn case has a next deadline %s", list.Complaints[2].NextDueAt)
		}
		if code, _, _ := s.getWith("supervisor", "/staff/complaints?sort=soonest"); code != http.StatusUnprocessableEntity {
			t.Errorf("sort=soonest: HTTP %d; want 422", code)
		}
	})
}
