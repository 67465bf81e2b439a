package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/web/browsertest"
	"github.com/redress-oversight/redress/internal/workflow"
)

// TestBrowserQueueFirstScreen opens the queue and the audit log in a real Chromium on a
// 1280×900 desktop screen: a complaint (an event) shows within the first screen, the
// filters folded above the rows. Opening the filters and searching keeps them open on
// the next visit; hiding them keeps them folded. The queue is checked with axe-core,
// and its first screen saved as queue-1280x900.png (the README's docs/screenshots/
// queue.png). SQLite only, as TestBrowser.
func TestBrowserQueueFirstScreen(t *testing.T) {
	b := browsertest.Start(t)
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	s := newStaff(t, db)
	ctx := context.Background()
	// A working day's queue: several complaints, one overdue, one withdrawn.
	var ids []int64
	for i := range 6 {
		in := validComplaint(s.agency.ID)
		if i%2 == 1 {
			in["categories"] = []string{"force"}
			in["custody"] = map[string]any{}
		}
		got := decode[created](t, s.postJSON("/api/v1/complaints", in))
		rr, err := db.ComplaintReceipt(ctx, got.TrackingNumber)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rr.ComplaintID)
	}
	now := time.Now().UTC()
	if _, err := db.Bun().NewRaw("INSERT INTO complaint_clocks (complaint_id, clock, started_at, due_at) VALUES (?, 'test', ?, ?)",
		ids[0], now.Add(-48*time.Hour), now.Add(-time.Hour)).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	sup := s.users["supervisor"]
	c, sealed, err := db.Complaint(ctx, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.srv.Casework.Transition(ctx, casework.Actor{UserID: sup.ID, Subject: "user:" + itoa(sup.ID), RequestID: "t"}, c, sealed,
		casework.TransitionInput{Transition: workflow.Withdraw, Reason: "asked by phone"}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.srv)
	t.Cleanup(ts.Close)
	want := func(what string, got, status int64) {
		t.Helper()
		if got != status {
			t.Fatalf("%s: HTTP %d, want %d", what, got, status)
		}
	}
	const width, height = 1280, 900
	folded := func(p *browsertest.Page) bool {
		return !browsertest.Run(p, chromedp.Evaluate[bool](`document.getElementById("filters").open`))
	}
	firstRowShows := func(p *browsertest.Page, what, css string) {
		t.Helper()
		box := p.BoxOf(css)
		t.Logf("%s: first row from %.0f to %.0f px", what, box.Top, box.Bottom)
		if box.Bottom > height || box.Top < 0 {
			t.Errorf("%s at %d×%d: the first row stands at %.0f–%.0f px, not within the first screen", what, width, height, box.Top, box.Bottom)
		}
	}

	p := b.NewPage(t, "en-US,en")
	signInBrowser(t, p, ts.URL, "supervisor")
	p.Screen(width, height)
	want("queue", p.Open(ts.URL+"/staff/complaints"), http.StatusOK)
	if !folded(p) {
		t.Error("the queue's filters show open with none in use")
	}
	firstRowShows(p, "queue", "table.queue tbody tr")
	if got := p.Text("table.queue thead"); !strings.Contains(got, "Allegations") || !strings.Contains(got, "Last activity") || !strings.Contains(got, "Next deadline") {
		t.Errorf("queue columns: %q", got)
	}
	p.CheckAccessibility("queue-1280x900")
	p.ScreenshotScreen(filepath.Join(b.Dir, "queue-1280x900.png"))

	// Opened and used, the filters stay open on the next visit; hidden, folded.
	p.Click("#filters > summary")
	p.Choose("filter-sort", "Next deadline first")
	want("search", p.ClickAndWait(`main form[role=search] button[type=submit]`), http.StatusOK)
	if !strings.Contains(p.Location(), "filters=open") || !strings.Contains(p.Location(), "sort=deadline") {
		t.Errorf("search went to %s", p.Location())
	}
	want("queue again", p.Open(ts.URL+"/staff/complaints"), http.StatusOK)
	if folded(p) {
		t.Error("the filters opened and used are folded on the next visit")
	}
	p.ScreenshotScreen(filepath.Join(b.Dir, "queue-open-1280x900.png"))
	firstRowShows(p, "queue with its filters open", "table.queue tbody tr")
	p.CheckAccessibility("queue-filters-open")
	want("hide", p.ClickAndWait(`#filters a[href*="filters=closed"]`), http.StatusOK)
	if !folded(p) {
		t.Error("the filters show open after hiding them")
	}
	want("queue once more", p.Open(ts.URL+"/staff/complaints"), http.StatusOK)
	if !folded(p) {
		t.Error("the filters hidden show open on the next visit")
	}
	p.Screenshot("queue-wide")

	a := b.NewPage(t, "en-US,en")
	signInBrowser(t, a, ts.URL, "auditor")
	a.Screen(width, height)
	want("audit log", a.Open(ts.URL+"/oversight/audit"), http.StatusOK)
	if !folded(a) {
		t.Error("the audit log's filters show open with none in use")
	}
	firstRowShows(a, "audit log", "main table.list tbody tr")
	a.CheckAccessibility("audit-log-1280x900")
	a.ScreenshotScreen(filepath.Join(b.Dir, "audit-log-1280x900.png"))
}
