package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/web/browsertest"
)

// The officer's desk in a real Chromium: the investigator's desk is clear of replies;
// the complainant of a closed case writes on the status page, as the outcome invites;
// the case is back on the investigator's desk, which links to it in the queue. The desk
// is checked with axe-core and is the README's picture at 1280×900. SQLite only, as the
// other walks.
func TestBrowserDesk(t *testing.T) {
	b := browsertest.Start(t)
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	s := newStaff(t, db)
	ts := httptest.NewServer(s.srv)
	t.Cleanup(ts.Close)
	ctx := context.Background()
	want := func(what string, got, status int64) {
		t.Helper()
		if got != status {
			t.Fatalf("%s: HTTP %d, want %d", what, got, status)
		}
	}
	id, tracking, receipt := s.filed()
	if code, body := s.post("supervisor", "/staff/complaints/"+strconv.FormatInt(id, 10)+"/assign",
		url.Values{"assignee": {strconv.FormatInt(s.users["investigator"].ID, 10)}}); code != 303 {
		t.Fatalf("assign: %d %s", code, body)
	}
	// Two more of the investigator's cases, one overdue, so the desk has something to say.
	for _, due := range []time.Duration{-time.Hour, 30 * time.Hour} {
		other := s.fileTX()
		s.post("supervisor", "/staff/complaints/"+strconv.FormatInt(other, 10)+"/assign",
			url.Values{"assignee": {strconv.FormatInt(s.users["investigator"].ID, 10)}})
		if _, err := db.Bun().NewRaw("UPDATE complaint_clocks SET due_at = ? WHERE complaint_id = ? AND clock = 'triage'",
			time.Now().Add(due).UTC(), other).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Bun().NewRaw("UPDATE complaints SET status = ?, closed_at = ? WHERE id = ?",
		redress.StatusClosed, time.Now().UTC(), id).Exec(ctx); err != nil {
		t.Fatal(err)
	}

	inv := b.NewPage(t, "en-US,en")
	signInBrowser(t, inv, ts.URL, "investigator")
	want("desk", inv.Open(ts.URL+"/staff"), http.StatusOK)
	if got := inv.Text("#desk-unread_mine .desk-count"); got != "0" {
		t.Fatalf("before the reply, unread on the desk: %q", got)
	}

	// The complainant reads the closed case's status with the receipt and writes.
	ana := b.NewPage(t, "es-US,es")
	want("status form", ana.Open(ts.URL+"/status"), http.StatusOK)
	ana.Type("tracking_number", tracking)
	ana.Type("receipt_code", receipt)
	want("status", ana.ClickAndWait(`main form button[type="submit"]`), http.StatusOK)
	ana.Type("reply", "Después de cerrar el caso encontré el recibo de la fianza.")
	want("reply", ana.ClickAndWait(`form[action="/status/reply"] button[type=submit]`), http.StatusOK)
	if got := ana.Text("#messages + ol"); !strings.Contains(got, "encontré el recibo") {
		t.Fatalf("the reply is not on the status page: %q", got)
	}

	// Back on the investigator's desk, with a link to it.
	want("desk", inv.Open(ts.URL+"/staff"), http.StatusOK)
	if got := inv.Text("#desk-unread_mine .desk-count"); got != "1" {
		t.Fatalf("after the reply, unread on the desk: %q\n%s", got, inv.Text("main"))
	}
	if got := inv.Text("#desk-overdue .desk-count"); got != "1" {
		t.Errorf("overdue on the desk: %q", got)
	}
	inv.CheckAccessibility("desk")
	inv.Screen(1280, 900)
	inv.ScreenshotScreen(filepath.Join(b.Dir, "desk-1280x900.png"))
	inv.Screenshot("desk")
	want("unread cases", inv.ClickAndWait(`#desk-unread_mine a`), http.StatusOK)
	if got := inv.Text("main table"); !strings.Contains(got, tracking) {
		t.Fatalf("the desk's link does not list the case %s:\n%s", tracking, got)
	}
	// Opening the case reads the reply; the desk is clear again.
	want("case", inv.Open(ts.URL+"/staff/complaints/"+strconv.FormatInt(id, 10)), http.StatusOK)
	want("desk", inv.Open(ts.URL+"/staff"), http.StatusOK)
	if got := inv.Text("#desk-unread_mine .desk-count"); got != "0" {
		t.Errorf("after reading the case, unread on the desk: %q", got)
	}
}
