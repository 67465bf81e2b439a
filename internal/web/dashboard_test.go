package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/reports"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// dashPeriod is a period around now, when the tests' complaints are received: the
// month before to the month after.
func dashPeriod() url.Values {
	now := time.Now().UTC()
	return url.Values{"from": {now.AddDate(0, -1, 0).Format("2006-01")}, "to": {now.AddDate(0, 1, 0).Format("2006-01")}}
}

// dashFixture files, besides newStaff's complaint in each unit (no agency named), one
// complaint under Harris County's agreement and one naming an agency the registry
// lacks, both in tx, every free-text field, identity and contact a distinctive
// marker, and a note and a transition reason of staff's own. It returns the markers.
func dashFixture(t *testing.T, s *staff) []string {
	t.Helper()
	var marks []string
	m := func(field string) string { marks = append(marks, "qxz"+field+"zxq"); return "qxz" + field + "zxq" }
	for _, in := range []map[string]any{validComplaint(s.agency.ID), validComplaint(0)} {
		if in["agency_id"] == int64(0) {
			delete(in, "agency_id")
			in["state"], in["agency_other"] = "TX", m("AgencyOther")
		}
		for k, v := range map[string]any{"narrative": m("Narrative") + " at the jail.", "officers": "Deputy " + m("Officer"),
			"witnesses": m("Witness"), "place": m("Place"),
			"contact": map[string]any{"name": m("Name"), "email": m("Email") + "@example.org", "phone": "+1 713 555 0177", "address": m("Address")}} {
			in[k] = v
		}
		rec := s.postJSON("/api/v1/complaints", in)
		if rec.Code != http.StatusCreated {
			t.Fatalf("filing: %d %s", rec.Code, rec.Body)
		}
		rr, err := s.db.ComplaintReceipt(context.Background(), decode[created](t, rec).TrackingNumber)
		if err != nil {
			t.Fatal(err)
		}
		// Planted for real: the supervisor, who may read the case's words, reads them.
		if body := s.get("supervisor", "/staff/complaints/"+strconv.FormatInt(rr.ComplaintID, 10)).Body.String(); !strings.Contains(body, "qxzNarrativezxq") {
			t.Fatalf("the narrative marker is not on the case page")
		}
		s.caseStep("intake", rr.ComplaintID, "/notes", url.Values{"body": {m("Note")}})
		s.caseStep("intake", rr.ComplaintID, "/transition", url.Values{"transition": {"triage"}, "reason": {m("Reason")}})
	}
	return append(marks, "555 0177", "Ana Gómez", "Deputy R.", "badge 4411", "Mi hermano")
}

// noMarks fails when any marker reaches what an oversight user is given.
func noMarks(t *testing.T, what, body string, marks []string) {
	t.Helper()
	for _, m := range marks {
		if strings.Contains(body, m) {
			t.Errorf("%s holds %q", what, m)
		}
	}
}

// An oversight auditor drills from every complaint down to an agreement's report card
// and downloads every table; nothing a complainant wrote or staff typed, no identity,
// no contact and no officer's name reaches a page or an export.
func TestDashboardDrillDownAndExports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		marks := dashFixture(t, s)
		q := dashPeriod()
		agreement := strconv.FormatInt(s.agreementID(), 10)
		agency := strconv.FormatInt(s.agency.ID, 10)

		page := func(caller, path string, want ...string) string {
			t.Helper()
			rec := s.get(caller, path)
			if rec.Code != http.StatusOK {
				t.Fatalf("%s %s: %d\n%.2000s", caller, path, rec.Code, rec.Body)
			}
			body := rec.Body.String()
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("%s %s lacks %q", caller, path, w)
				}
			}
			noMarks(t, path, body, marks)
			return body
		}
		// All: charts with their text alternatives and tables, by state.
		all := page("auditor", "/oversight?"+q.Encode(), "Oversight dashboard", `role="img"`, "<desc", `href="#t-trend"`,
			`id="t-trend"`, `id="t-by_state"`, `href="/oversight?from=`, "state=TX", "/api/v1/reports/summary?format=csv")
		if strings.Contains(all, "<script") {
			t.Errorf("the dashboard has script")
		}
		// State → agency → agreement: each level lists the one below, linked.
		q.Set("state", "TX")
		page("auditor", "/oversight?"+q.Encode(), `id="t-by_agency"`, "agency="+agency, "Harris County")
		q.Del("state")
		q.Set("agency", agency)
		page("auditor", "/oversight?"+q.Encode(), `id="t-by_agreement"`, "agreement="+agreement, "/oversight/agreements/"+agreement)
		q.Del("agency")
		q.Set("agreement", agreement)
		atAgreement := page("auditor", "/oversight?"+q.Encode(), `aria-current="page"`, "/oversight/agreements/"+agreement,
			"/staff/complaints?agency="+agency)
		// The cases behind the numbers: the queue, de-identified for the auditor, lists
		// the Harris complaint and none of its words.
		m := regexp.MustCompile(`href="(/staff/complaints\?agency=[^"]+)"`).FindStringSubmatch(atAgreement)
		if m == nil {
			t.Fatal("no link to the cases")
		}
		cases := page("auditor", html.UnescapeString(m[1]), "RX-")
		if n := strings.Count(cases, `href="/staff/complaints/`); n != 1 {
			t.Errorf("the cases behind the agreement's numbers list %d complaints, want 1", n)
		}
		q.Del("agreement")

		// The report card: registry facts and history, audit log and export links.
		card := page("auditor", "/oversight/agreements/"+agreement+"?"+q.Encode(), "participatingAgencies07182025pm.xlsx",
			"/oversight/audit?agreement="+agreement, "/oversight/export?agreement="+agreement, `id="t-peers"`, `id="t-findings"`,
			"/api/v1/reports/peers?agreement="+agreement)
		if !strings.Contains(card, "Harris County") {
			t.Errorf("the card does not name its agency")
		}
		// In Spanish.
		page("auditor", "/oversight/agreements/"+agreement+"?lang=es", "Ficha del acuerdo", "Frente a los acuerdos del mismo modelo")
		page("auditor", "/oversight?lang=es", "Panel de supervisión")

		// Every table, in both formats; the counts match the fixture.
		tables := append([]string{}, reports.Tables...)
		for _, by := range redress.Breakdowns {
			tables = append(tables, reports.ByPrefix+by)
		}
		tables = append(tables, reports.TablePeers)
		for _, name := range tables {
			for _, format := range []string{"csv", "json"} {
				eq := dashPeriod()
				eq.Set("format", format)
				eq.Set("agreement", agreement)
				rec := s.get("auditor", "/api/v1/reports/"+name+"?"+eq.Encode())
				if rec.Code != http.StatusOK {
					t.Errorf("%s %s: %d %s", name, format, rec.Code, rec.Body)
					continue
				}
				noMarks(t, name+"."+format, rec.Body.String(), marks)
				if !strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
					t.Errorf("%s.%s is not an attachment", name, format)
				}
				if format == "csv" {
					if _, err := csv.NewReader(rec.Body).ReadAll(); err != nil {
						t.Errorf("%s.csv: %v", name, err)
					}
				} else if !json.Valid(rec.Body.Bytes()) {
					t.Errorf("%s.json is not JSON", name)
				}
			}
		}
		evs, err := db.ListAudit(context.Background(), redress.AuditFilter{Action: redress.ActionReportExported})
		if err != nil || len(evs) != 2*len(tables) {
			t.Errorf("%d report.exported events for %d exports (%v)", len(evs), 2*len(tables), err)
		}
		if got := received(t, s, "auditor", dashPeriod()); got != 4 {
			t.Errorf("the auditor counts %d complaints, want 4", got)
		}
	})
}

// received is the summary's complaints received, from its JSON export.
func received(t *testing.T, s *staff, caller string, q url.Values) int {
	t.Helper()
	rec := s.get(caller, "/api/v1/reports/summary?"+q.Encode())
	if rec.Code != http.StatusOK {
		t.Fatalf("%s summary: %d %s", caller, rec.Code, rec.Body)
	}
	tab := decode[reports.JSONTable](t, rec)
	for _, r := range tab.Rows {
		if r["measure"] == "received" {
			return int(r["value"].(float64))
		}
	}
	t.Fatalf("no received row: %+v", tab)
	return 0
}

// A supervisor sees the measures of their units only, and is refused another's.
func TestDashboardSupervisorUnits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		dashFixture(t, s)
		if got := received(t, s, "supervisor", dashPeriod()); got != 3 {
			t.Errorf("the tx supervisor counts %d complaints, want tx's 3", got)
		}
		body := s.get("supervisor", "/oversight?"+dashPeriod().Encode()).Body.String()
		if !strings.Contains(body, "Your units only: tx.") {
			t.Errorf("the supervisor's dashboard does not say whose units")
		}
		// The menu offers the dashboard to those who may open it.
		for caller, want := range map[string]bool{"auditor": true, "supervisor": true, "investigator": false} {
			if got := strings.Contains(s.get(caller, "/staff").Body.String(), `href="/oversight"`); got != want {
				t.Errorf("menu of %s links the dashboard: %v", caller, got)
			}
		}
		q := dashPeriod()
		q.Set("unit", "fl")
		if rec := s.get("supervisor", "/oversight?"+q.Encode()); rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("another unit: %d", rec.Code)
		}
		if got := received(t, s, "auditor", q); got != 1 {
			t.Errorf("the auditor counts %d in fl, want 1", got)
		}
	})
}

// Bad filters are refused with a message per field, on the page and in the API.
func TestDashboardBadFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		rec := s.get("auditor", "/oversight?period=2026-Q5&model=XYZ&agency=-1&colour=red")
		if rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("bad filters: %d", rec.Code)
		}
		body := rec.Body.String()
		for _, want := range []string{"2026-Q3", "href=\"#filter-period\"", "href=\"#filter-model\"", "href=\"#filter-agency\"", "colour",
			`aria-invalid="true"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if rec := s.get("auditor", "/oversight?lang=es&from=julio"); rec.Code != http.StatusUnprocessableEntity ||
			!strings.Contains(rec.Body.String(), "Escriba un mes como AAAA-MM") {
			t.Errorf("Spanish month error: %d", rec.Code)
		}
		rec = s.get("auditor", "/api/v1/reports/summary?format=xml&period=2026-Q1&from=2026-01")
		if rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("bad format: %d", rec.Code)
		}
		var fields []string
		for _, f := range decode[errResp](t, rec).Fields {
			fields = append(fields, f.Field)
		}
		if strings.Join(fields, ",") != "period,format" {
			t.Errorf("fields %v", fields)
		}
		if rec := s.get("auditor", "/api/v1/reports/nonsense"); rec.Code != http.StatusNotFound {
			t.Errorf("unknown table: %d", rec.Code)
		}
		// A report card takes the dashboard's filters but those that choose its agreement.
		rec = s.get("auditor", "/oversight/agreements/"+strconv.FormatInt(s.agreementID(), 10)+"?period=soon&state=TX")
		if body := rec.Body.String(); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#filter-period"`) ||
			!strings.Contains(body, "state") || !strings.Contains(body, "Harris County") {
			t.Errorf("a card's bad filters: %d", rec.Code)
		}
		if rec := s.get("auditor", "/oversight/agreements/999999"); rec.Code != http.StatusNotFound {
			t.Errorf("unknown agreement: %d", rec.Code)
		}
		if rec := s.get("auditor", "/api/v1/reports/peers"); rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("peers without an agreement: %d", rec.Code)
		}
	})
}
