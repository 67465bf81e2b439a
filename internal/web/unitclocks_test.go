package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/web/browsertest"
)

// fileIn files a complaint through the API in state (with the agency, when given) and
// returns its id.
func (s *staff) fileIn(state string, agencyID int64) int64 {
	s.t.Helper()
	in := validComplaint(agencyID)
	if agencyID == 0 {
		delete(in, "agency_id")
	}
	in["state"] = state
	got := decode[created](s.t, s.postJSON("/api/v1/complaints", in))
	rr, err := s.db.ComplaintReceipt(context.Background(), got.TrackingNumber)
	if err != nil {
		s.t.Fatal(err)
	}
	return rr.ComplaintID
}

// clockOf returns a complaint's clock by name.
func (s *staff) clockOf(complaintID int64, name string) redress.Clock {
	s.t.Helper()
	clocks, err := s.db.Clocks(context.Background(), complaintID)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, k := range clocks {
		if k.Name == name {
			return k
		}
	}
	s.t.Fatalf("complaint %d has no %s clock: %+v", complaintID, name, clocks)
	return redress.Clock{}
}

// mustPost sends a form as caller and fails unless it answers want.
func (s *staff) mustPost(caller, path string, form url.Values, want int) string {
	s.t.Helper()
	code, body := s.post(caller, path, form)
	if code != want {
		s.t.Fatalf("%s %s %v: %d, want %d\n%s", caller, path, form, code, want, body)
	}
	return body
}

func clockDef(t *testing.T, name string) deadline.Clock {
	t.Helper()
	k, ok := deadline.Defaults().Clock(name)
	if !ok {
		t.Fatalf("no default clock %s", name)
	}
	return k
}

// An administrator gives unit tx its own triage deadline (1 business day): complaints
// routed to tx from then on are due by it, complaints of fl by the default, and a
// complaint filed before keeps its due time. Clearing the amount restores the default.
func TestUnitClocksOverride(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		triage := clockDef(t, "triage")
		before := s.clockOf(s.txCase, "triage")

		page := s.do("GET", "/admin/units", "", nil, "Cookie", "redress_session="+s.cookies["admin"]).Body.String()
		for _, want := range []string{`id="clk-tx-triage-amount"`, `name="amount.triage"`, "Default: 5 business days",
			`<option value="business_days" selected>`} {
			if !strings.Contains(page, want) {
				t.Fatalf("units page lacks %s", want)
			}
		}

		// Only an administrator may; a supervisor of tx is refused by the policy.
		set := url.Values{"op": {"clocks"}, "unit": {"tx"}, "amount.triage": {"1"}, "count.triage": {"business_days"},
			"amount.resolve": {""}, "count.resolve": {"calendar_days"}}
		s.mustPost("supervisor", "/admin/units", set, http.StatusForbidden)
		if got, _ := db.UnitClocks(ctx, "tx"); len(got) != 0 {
			t.Fatalf("overrides stored by a supervisor: %v", got)
		}
		rec := s.do("POST", "/admin/units", formType, []byte(set.Encode()), "Cookie", "redress_session="+s.cookies["admin"])
		if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || loc != "/admin/units?saved=1&unit=tx#clocks-tx" {
			t.Fatalf("save: %d %q\n%s", rec.Code, loc, rec.Body.String())
		}
		if got, _ := db.UnitClocks(ctx, "tx"); !reflect.DeepEqual(got, []deadline.Override{{Clock: "triage", Amount: 1, Business: true}}) {
			t.Fatalf("tx overrides %v", got)
		}
		evs, _ := db.ListAudit(ctx, redress.AuditFilter{Action: "unit.clocks_saved"})
		if len(evs) != 1 || evs[0].Actor != "user:"+strconv.FormatInt(s.users["admin"].ID, 10) {
			t.Fatalf("audit events %+v", evs)
		}
		page = s.do("GET", "/admin/units?saved=1&unit=tx", "", nil, "Cookie", "redress_session="+s.cookies["admin"]).Body.String()
		if !strings.Contains(page, `<details id="clocks-tx" open>`) || !strings.Contains(page, `name="amount.triage" value="1"`) ||
			!strings.Contains(page, "Texas: 1 deadline of its own") || !strings.Contains(page, "Florida: 0 deadlines of its own") {
			t.Fatalf("units page after saving does not show tx's own triage deadline:\n%s", page)
		}

		own := triage
		own.Amount, own.Unit = 1, deadline.BusinessDays
		tx, fl := s.clockOf(s.fileIn("TX", 0), "triage"), s.clockOf(s.fileIn("FL", 0), "triage")
		if want := deadline.Due(tx.StartedAt, own, deadline.DefaultLocation); !tx.DueAt.Equal(want) {
			t.Errorf("tx triage due %v, want %v (1 business day)", tx.DueAt, want)
		}
		if want := deadline.Due(fl.StartedAt, triage, deadline.DefaultLocation); !fl.DueAt.Equal(want) {
			t.Errorf("fl triage due %v, want %v (the default, 5 business days)", fl.DueAt, want)
		}
		if !tx.DueAt.Before(fl.DueAt) {
			t.Errorf("tx triage due %v is not before fl's %v", tx.DueAt, fl.DueAt)
		}
		if after := s.clockOf(s.txCase, "triage"); !after.DueAt.Equal(before.DueAt) {
			t.Errorf("a running clock moved from %v to %v", before.DueAt, after.DueAt)
		}

		// The clocks a case starts when it ends follow the unit too (JEM: report the
		// results within 30 days of a case resolved with results; tx: 10 business days).
		s.mustPost("admin", "/admin/units", url.Values{"op": {"clocks"}, "unit": {"tx"}, "amount.triage": {"1"}, "count.triage": {"business_days"},
			"amount.report_results": {"10"}, "count.report_results": {"business_days"}}, http.StatusSeeOther)
		jem := s.fileIn("TX", s.agency.ID)
		s.mustPost("intake", "/staff/complaints/"+strconv.FormatInt(jem, 10)+"/transition", url.Values{"transition": {"close_administratively"},
			"disposition": {"resolved_informally"}, "reason": {"Property returned."}}, http.StatusSeeOther)
		report, def := s.clockOf(jem, "report_results"), clockDef(t, "report_results")
		def.Amount, def.Unit = 10, deadline.BusinessDays
		if want := deadline.Due(report.StartedAt, def, deadline.DefaultLocation); !report.DueAt.Equal(want) {
			t.Errorf("report_results due %v, want %v (10 business days)", report.DueAt, want)
		}

		// An empty amount clears the unit's own deadline: the default again.
		s.mustPost("admin", "/admin/units", url.Values{"op": {"clocks"}, "unit": {"tx"}, "amount.triage": {""}, "count.triage": {"business_days"}}, http.StatusSeeOther)
		if got, _ := db.UnitClocks(ctx, "tx"); len(got) != 0 {
			t.Fatalf("tx overrides after clearing: %v", got)
		}
		if k := s.clockOf(s.fileIn("TX", 0), "triage"); !k.DueAt.Equal(deadline.Due(k.StartedAt, triage, deadline.DefaultLocation)) {
			t.Errorf("after clearing, tx triage due %v, want the default", k.DueAt)
		}
	})
}

// Refused input gets a 4xx with the reason in the administrator's language, is drawn
// again as entered, and stores nothing (not even the fields that were right).
func TestUnitClocksBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		s.mustPost("admin", "/admin/units", url.Values{"op": {"clocks"}, "unit": {"tx"}, "amount.triage": {"2"}, "count.triage": {"calendar_days"}}, http.StatusSeeOther)
		stored := []deadline.Override{{Clock: "triage", Amount: 2}}
		events := func() int {
			n, err := db.CountAudit(ctx, "unit.clocks_saved")
			if err != nil {
				t.Fatal(err)
			}
			return int(n)
		}
		saved := events()
		for _, tc := range []struct {
			name   string
			form   url.Values
			status int
			want   []string // in the Spanish page
		}{
			{"NotANumber", url.Values{"amount.triage": {"tres"}, "count.triage": {"business_days"}}, 422,
				[]string{"Texas, Clasificar: Escriba un número entero del 1 al 999.", `value="tres"`, `aria-invalid="true"`, `<details id="clocks-tx" open>`}},
			{"Zero", url.Values{"amount.triage": {"0"}, "count.triage": {"business_days"}}, 422,
				[]string{"Escriba un número entero del 1 al 999."}},
			{"TooLarge", url.Values{"amount.resolve": {"1000"}, "count.resolve": {"calendar_days"}}, 422,
				[]string{"Texas, Resolver: Escriba un número entero del 1 al 999."}},
			{"HoursForADayClock", url.Values{"amount.triage": {"3"}, "count.triage": {"hours"}}, 422,
				[]string{"Elija una de las formas de contar que se ofrecen para este plazo."}},
			{"UnknownUnit", url.Values{"unit": {"nowhere"}, "amount.triage": {"3"}, "count.triage": {"business_days"}}, 404, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				form := url.Values{"op": {"clocks"}, "unit": {"tx"}, "amount.acknowledge": {"4"}, "count.acknowledge": {"business_days"}}
				for k, v := range tc.form {
					form[k] = v
				}
				rec := s.do("POST", "/admin/units", formType, []byte(form.Encode()), "Cookie", "redress_session="+s.cookies["admin"]+"; lang=es")
				if rec.Code != tc.status {
					t.Fatalf("%d, want %d\n%s", rec.Code, tc.status, rec.Body.String())
				}
				for _, w := range tc.want {
					if !strings.Contains(rec.Body.String(), w) {
						t.Errorf("page lacks %s\n%s", w, rec.Body.String())
					}
				}
				if got, _ := db.UnitClocks(ctx, "tx"); !reflect.DeepEqual(got, stored) {
					t.Errorf("tx overrides after refused input %v, want %v", got, stored)
				}
				if n := events(); n != saved {
					t.Errorf("%d audit events after refused input, want %d", n, saved)
				}
			})
		}
	})
}

// A case of a unit with its own resolve deadline (30 business days) waits on the
// complainant from a Friday to the Sunday after: counted in the unit's business days,
// the pause gives back no time (the default, calendar days, would give back two).
func TestUnitClocksResume(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		s.mustPost("admin", "/admin/units", url.Values{"op": {"clocks"}, "unit": {"tx"}, "amount.resolve": {"30"}, "count.resolve": {"business_days"}}, http.StatusSeeOther)
		own := clockDef(t, "resolve")
		own.Amount, own.Unit = 30, deadline.BusinessDays

		id := s.fileIn("TX", 0)
		base := "/staff/complaints/" + strconv.FormatInt(id, 10)
		k := s.clockOf(id, "resolve")
		if want := deadline.Due(k.StartedAt, own, deadline.DefaultLocation); !k.DueAt.Equal(want) {
			t.Fatalf("resolve due %v, want %v (30 business days)", k.DueAt, want)
		}
		s.mustPost("intake", base+"/transition", url.Values{"transition": {"triage"}}, http.StatusSeeOther)
		s.mustPost("intake", base+"/transition", url.Values{"transition": {"ask_complainant"}}, http.StatusSeeOther)

		// The pause ran from the next Friday noon to the Sunday after (the store's clock
		// is moved there; the case stays well before its due time).
		ny := deadline.DefaultLocation
		friday := time.Now().In(ny)
		friday = time.Date(friday.Year(), friday.Month(), friday.Day()+1, 12, 0, 0, 0, ny)
		for friday.Weekday() != time.Friday {
			friday = friday.AddDate(0, 0, 1)
		}
		sunday := friday.AddDate(0, 0, 2)
		if _, err := db.Bun().NewUpdate().Table("complaint_clocks").Set("paused_at = ?", friday.UTC()).
			Where("complaint_id = ? AND clock = ? AND paused_at IS NOT NULL", id, "resolve").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		paused := s.clockOf(id, "resolve")
		if !paused.PausedAt.Equal(friday) {
			t.Fatalf("resolve clock %+v: not paused at %v", paused, friday)
		}
		s.auth.Now = time.Now // sessions stay on the real clock
		db.Now = func() time.Time { return sunday }
		s.mustPost("supervisor", base+"/transition", url.Values{"transition": {"complainant_replied"}}, http.StatusSeeOther)

		resumed := s.clockOf(id, "resolve")
		want := deadline.Resume(paused.DueAt, friday, sunday, own, ny)
		if !resumed.PausedAt.IsZero() || !resumed.DueAt.Equal(want) {
			t.Fatalf("resumed resolve clock %+v, want due %v", resumed, want)
		}
		if byDefault := deadline.Resume(paused.DueAt, friday, sunday, clockDef(t, "resolve"), ny); resumed.DueAt.Equal(byDefault) {
			t.Fatalf("resumed due %v is the default's (calendar days)", resumed.DueAt)
		}
	})
}

// The deadlines forms in a real browser: accessible unfolded and with an error, usable
// by keyboard without script, and not wider than a phone.
func TestUnitClocksBrowser(t *testing.T) {
	b := browsertest.Start(t)
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	s := newStaff(t, db)
	ts := httptest.NewServer(s.srv)
	t.Cleanup(ts.Close)

	p := b.NewPage(t, "en-US,en")
	signInBrowser(t, p, ts.URL, "admin")
	if st := p.Open(ts.URL + "/admin/units?unit=tx"); st != http.StatusOK {
		t.Fatalf("units page: %d", st)
	}
	p.Screenshot("staff-admin-units")
	p.CheckAccessibility("staff-admin-units")

	p.Type("clk-tx-triage-amount", "one")
	if st := p.ClickAndWait(`#clocks-tx button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Fatalf("bad amount: %d, want 422", st)
	}
	if got := p.Text("#errors"); !strings.Contains(got, "Texas, Triage: Give a whole number from 1 to 999.") {
		t.Fatalf("error summary %q", got)
	}
	p.CheckAccessibility("staff-admin-units-error")

	p.Type("clk-tx-triage-amount", "1")
	if st := p.ClickAndWait(`#clocks-tx button[type=submit]`); st != http.StatusOK {
		t.Fatalf("save: %d", st)
	}
	if got := p.Text(".flash"); got != "Saved." || p.Value("clk-tx-triage-amount") != "1" {
		t.Fatalf("after saving: flash %q, amount %q", got, p.Value("clk-tx-triage-amount"))
	}
	if got, _ := db.UnitClocks(context.Background(), "tx"); !reflect.DeepEqual(got, []deadline.Override{{Clock: "triage", Amount: 1, Business: true}}) {
		t.Fatalf("tx overrides %v", got)
	}
}
