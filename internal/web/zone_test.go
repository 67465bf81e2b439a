package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// A unit in Pacific time and one in Eastern time each count their clocks' business
// days in their own zone, and the case page and the queue show each case's due times
// in it, the zone named: the date the arithmetic computes is the date shown, not a day
// off. Filed at 22:30 on Wednesday in Los Angeles (01:30 Thursday in New York), the
// five-business-day triage clock is due at the end of Wednesday the 9th in Los
// Angeles, of Thursday the 10th in New York.
func TestUnitZoneDeadlines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		m := auth.Meta{Actor: "test"}
		for _, u := range []redress.Unit{
			{Name: "ca", Title: "California", States: []string{"CA"}, TimeZone: "America/Los_Angeles"},
			{Name: "ny", Title: "New York", States: []string{"NY"}, TimeZone: "America/New_York"},
		} {
			if _, err := s.auth.SaveUnit(ctx, m, u); err != nil {
				t.Fatal(err)
			}
			if err := s.auth.AddRole(ctx, m, s.users["supervisor"].ID, redress.RoleSupervisor, u.Name); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.authz.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		_, err := s.auth.SaveUnit(ctx, m, redress.Unit{Name: "mars", Title: "Mars", TimeZone: "Mars/Olympus_Mons"})
		if redress.ErrorCode(err) != redress.EINVALID {
			t.Errorf("a unit in no zone offered: %v; want EINVALID", err)
		}
		at := time.Date(2026, 12, 3, 6, 30, 0, 0, time.UTC)
		s.srv.Casework.Now, db.Now = func() time.Time { return at }, func() time.Time { return at }
		rule, _ := s.srv.Casework.Deadlines.Clock("triage")

		for _, tc := range []struct {
			state, unit, zone, shown, listed string
		}{
			{"CA", "ca", "America/Los_Angeles", "December 9, 2026, 11:59 PM PST", "Dec 9, 2026, 11:59 PM PST"},
			{"NY", "ny", "America/New_York", "December 10, 2026, 11:59 PM EST", "Dec 10, 2026, 11:59 PM EST"},
		} {
			in := validComplaint(0)
			delete(in, "agency_id")
			in["state"] = tc.state
			got := decode[created](t, s.postJSON("/api/v1/complaints", in))
			rr, err := db.ComplaintReceipt(ctx, got.TrackingNumber)
			if err != nil {
				t.Fatal(err)
			}
			c, _, err := db.Complaint(ctx, rr.ComplaintID)
			if err != nil || c.Unit != tc.unit {
				t.Fatalf("%s complaint in unit %q (%v); want %s", tc.state, c.Unit, err, tc.unit)
			}
			loc, _ := time.LoadLocation(tc.zone)
			clocks, err := db.Clocks(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			var due time.Time
			for _, k := range clocks {
				if k.Name == "triage" {
					due = k.DueAt
				}
			}
			if want := deadline.Due(at, rule, loc); !due.Equal(want) {
				t.Fatalf("%s: triage due %s; the arithmetic in %s gives %s", tc.unit, due.In(loc), tc.zone, want.In(loc))
			}
			if got := due.In(loc).Format("January 2, 2006, 3:04 PM MST"); got != tc.shown {
				t.Fatalf("%s: triage due %s; want %s", tc.unit, got, tc.shown)
			}

			code, body, _ := s.getWith("supervisor", "/staff/complaints/"+itoa(c.ID))
			if code != http.StatusOK {
				t.Fatalf("case page: HTTP %d", code)
			}
			if row := `<td>Triage</td><td>` + tc.shown + `</td>`; !strings.Contains(body, row) {
				i := strings.Index(body, "<td>Triage</td>")
				t.Errorf("%s case page: want %s, shows %.120s", tc.unit, row, body[max(i, 0):])
			}
			if !strings.Contains(body, "this case’s time zone: "+tc.zone+".") {
				t.Errorf("%s case page does not name its zone %s", tc.unit, tc.zone)
			}
			_, body, _ = s.getWith("supervisor", "/staff/complaints?unit="+tc.unit)
			if cells := queueRowCells(t, body, c.TrackingNumber); !strings.HasPrefix(cells[len(cells)-1], tc.listed) {
				t.Errorf("%s queue row: next deadline %q; want %s", tc.unit, cells[len(cells)-1], tc.listed)
			}
			if !strings.Contains(body, "each complaint’s unit: "+tc.zone+".") {
				t.Errorf("%s queue does not name the zone %s", tc.unit, tc.zone)
			}
		}
	})
}
