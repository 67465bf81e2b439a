package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// fileWith files a Texas complaint (no agency unless in says so) changed by set, and
// returns its id and tracking number.
func (s *staff) fileWith(set map[string]any) (int64, string) {
	s.t.Helper()
	in := validComplaint(0)
	delete(in, "agency_id")
	in["state"] = "TX"
	for k, v := range set {
		in[k] = v
	}
	rec := s.postJSON("/api/v1/complaints", in)
	if rec.Code != http.StatusCreated {
		s.t.Fatalf("filing: %d %s", rec.Code, rec.Body)
	}
	got := decode[created](s.t, rec)
	rr, err := s.db.ComplaintReceipt(context.Background(), got.TrackingNumber)
	if err != nil {
		s.t.Fatal(err)
	}
	return rr.ComplaintID, got.TrackingNumber
}

// The case page shows every fact the complainant gave, custody first with a marker
// for someone held now; a role that may not read the complainant's own words (an
// oversight auditor) sees the custody answers and consent but not the place or the
// language they typed. The case API says the same.
func TestCaseShowsFactsGiven(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		held, _ := s.fileWith(map[string]any{"preferred_language": "K'iche'"})
		free, _ := s.fileWith(map[string]any{"custody": map[string]any{"in_custody": false}, "place": "",
			"anonymous": true, "consent_to_share_identity": nil, "contact": nil})

		page := s.queueGet("intake", "/staff/complaints/"+strconv.FormatInt(held, 10), "en").Body.String()
		given, grid := strings.Index(page, `id="given-title"`), strings.Index(page, `class="case-grid"`)
		marker := strings.Index(page, "In custody now: the complainant says")
		if given < 0 || marker < given || grid < marker {
			t.Fatalf("facts section %d, in-custody marker %d, case facts %d: want the section first, the marker at its top", given, marker, grid)
		}
		section := page[given:grid]
		for _, want := range []string{"In custody now", "ICE hold (detainer) placed", "Held past release",
			"Harris County Jail, 1200 Baker St", "K&#39;iche&#39;", "DHS Office of Inspector General",
			"DHS Office for Civil Rights and Civil Liberties"} {
			if !strings.Contains(section, want) {
				t.Errorf("facts section lacks %q", want)
			}
		}
		if strings.Index(section, "Held past release") < strings.Index(section, "ICE hold") {
			t.Error("custody answers out of order")
		}

		other := s.queueGet("intake", "/staff/complaints/"+strconv.FormatInt(free, 10), "es").Body.String()
		section = other[strings.Index(other, `id="given-title"`):strings.Index(other, `class="case-grid"`)]
		if strings.Contains(section, "Detenida ahora: quien") {
			t.Error("marker shown for someone not in custody")
		}
		for _, want := range []string{"Detenida ahora</dt><dd>No</dd>", "Sin respuesta, o no lo sabe", "Ninguna: la queja es anónima.", "No lo indicó"} {
			if !strings.Contains(section, want) {
				t.Errorf("Spanish facts section lacks %q:\n%s", want, section)
			}
		}

		audited := s.queueGet("auditor", "/staff/complaints/"+strconv.FormatInt(held, 10), "en").Body.String()
		if !strings.Contains(audited, "In custody now: the complainant says") || !strings.Contains(audited, "DHS Office of Inspector General") {
			t.Error("the auditor does not see custody or consent")
		}
		for _, hidden := range []string{"Baker St", "iche"} {
			if strings.Contains(audited, hidden) {
				t.Errorf("the auditor sees the complainant's words %q", hidden)
			}
		}

		type caseFacts struct {
			Custody           redress.Custody     `json:"custody"`
			Place             *string             `json:"place"`
			PreferredLanguage *string             `json:"preferred_language"`
			Consent           []redress.Recipient `json:"consent_to_share_identity"`
		}
		api := decode[caseFacts](t, s.queueGet("intake", "/api/v1/staff/complaints/"+strconv.FormatInt(held, 10), ""))
		if !api.Custody.Says("in_custody") || !api.Custody.Says("detainer") || api.Place == nil || *api.Place != "Harris County Jail, 1200 Baker St" ||
			api.PreferredLanguage == nil || *api.PreferredLanguage != "K'iche'" || !slices.Equal(api.Consent, []redress.Recipient{"dhs_crcl", "dhs_oig"}) {
			t.Errorf("case API facts %+v", api)
		}
		api = decode[caseFacts](t, s.queueGet("auditor", "/api/v1/staff/complaints/"+strconv.FormatInt(held, 10), ""))
		if api.Place != nil || api.PreferredLanguage != nil || !api.Custody.Says("in_custody") {
			t.Errorf("auditor's case API facts %+v", api)
		}
		api = decode[caseFacts](t, s.queueGet("intake", "/api/v1/staff/complaints/"+strconv.FormatInt(free, 10), ""))
		if api.Custody.InCustody == nil || *api.Custody.InCustody || api.Custody.DetainerIssued != nil || api.Consent == nil || len(api.Consent) != 0 {
			t.Errorf("second case API facts %+v", api)
		}
	})
}

// The queue filters by function and by custody, on the page and in the API, and marks
// someone held now in its rows.
func TestQueueFiltersFunctionAndCustody(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		// s.txCase: detainer; all three custody answers yes.
		tx := tracking(t, db, s.txCase)
		_, nta := s.fileWith(map[string]any{"functions": []string{"notice_to_appear", "warrant"},
			"custody": map[string]any{"in_custody": false, "detainer_issued": true}})
		_, free := s.fileWith(map[string]any{"functions": []string{"interview"}, "custody": nil})

		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"", []string{tx, nta, free}},
			{"function=detainer", []string{tx}},
			{"function=notice_to_appear", []string{nta}},
			{"function=warrant&custody=detainer", []string{nta}},
			{"function=field_arrest", nil},
			{"custody=in_custody", []string{tx}},
			{"custody=detainer", []string{tx, nta}},
			{"custody=held_past_release", []string{tx}},
		} {
			rec := s.queueGet("intake", "/staff/complaints?"+tc.query, "en")
			if rec.Code != 200 {
				t.Fatalf("%s: page %d", tc.query, rec.Code)
			}
			if got := pageTracking(rec.Body.String()); !slices.Equal(got, tc.want) {
				t.Errorf("%s: page %v, want %v", tc.query, got, tc.want)
			}
			api := decode[queueJSON](t, s.queueGet("intake", "/api/v1/staff/complaints?"+tc.query, ""))
			var got []string
			for _, c := range api.Complaints {
				got = append(got, c.TrackingNumber)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s: API %v, want %v", tc.query, got, tc.want)
			}
		}

		body := s.queueGet("intake", "/staff/complaints", "en").Body.String()
		if n := strings.Count(body, `<strong class="urgent">In custody now</strong>`); n != 1 {
			t.Errorf("%d in-custody markers in the queue, want 1", n)
		}
		for _, want := range []string{`id="filter-function"`, `id="filter-custody"`, `<option value="in_custody">In custody now</option>`} {
			if !strings.Contains(body, want) {
				t.Errorf("queue form lacks %s", want)
			}
		}
		type rowCustody struct {
			Complaints []struct {
				Custody redress.Custody `json:"custody"`
			} `json:"complaints"`
		}
		rows := decode[rowCustody](t, s.queueGet("intake", "/api/v1/staff/complaints?custody=in_custody", ""))
		if len(rows.Complaints) != 1 || !rows.Complaints[0].Custody.Says("held_past_release") {
			t.Errorf("API rows' custody %+v", rows)
		}

		for _, q := range []string{"function=arrest", "custody=yes"} {
			name, _, _ := strings.Cut(q, "=")
			if rec := s.queueGet("intake", "/api/v1/staff/complaints?"+q, "en"); rec.Code != 422 || !strings.Contains(rec.Body.String(), `"field":"`+name+`"`) {
				t.Errorf("%s: API %d %s", q, rec.Code, rec.Body)
			}
			if rec := s.queueGet("intake", "/staff/complaints?"+q, "en"); rec.Code != 422 || !strings.Contains(rec.Body.String(), `href="#filter-`+name+`"`) {
				t.Errorf("%s: page %d", q, rec.Code)
			}
		}
	})
}

// A query parameter the queue, the audit log or the export does not take is refused
// with a 422 naming it, in the caller's language, never ignored; every parameter they
// take is still taken.
func TestUnknownQueryParamsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		for _, tc := range []struct {
			caller, path string
			api          bool
		}{
			{"intake", "/staff/complaints?function=detainer&colour=red", false},
			{"intake", "/api/v1/staff/complaints?colour=red&status=received", true},
			{"auditor", "/oversight/audit?colour=red", false},
			{"auditor", "/api/v1/audit/events?colour=red", true},
			{"auditor", "/oversight/export?download=1&colour=red", false},
			{"auditor", "/api/v1/audit/export?colour=red", true},
		} {
			for lang, words := range map[string]string{"en": "is not something this list can be filtered", "es": "no es algo por lo que se pueda filtrar"} {
				rec := s.queueGet(tc.caller, tc.path, lang)
				body := rec.Body.String()
				if rec.Code != 422 || !strings.Contains(body, "colour "+words) {
					t.Errorf("%s (%s): %d\n%s", tc.path, lang, rec.Code, body)
				}
				if tc.api && !strings.Contains(body, `"field":"colour"`) {
					t.Errorf("%s: the field is not named: %s", tc.path, body)
				}
			}
		}
		// A name too long is cut where it is repeated.
		rec := s.queueGet("intake", "/api/v1/staff/complaints?"+strings.Repeat("x", 500)+"=1", "en")
		if rec.Code != 422 || strings.Contains(rec.Body.String(), strings.Repeat("x", 61)) {
			t.Errorf("long name: %d %s", rec.Code, rec.Body)
		}

		for _, tc := range []struct{ caller, path string }{
			{"intake", "/staff/complaints?q=fianza&officer=4411&tracking=&status=received&custody=in_custody&unit=tx&model=&function=detainer" +
				"&category=held_past_release&agency=&assignee=none&from=2020-01-01&to=&overdue=0&due_soon=0&sort=newest&page=1&per_page=10&lang=es&assigned=2"},
			{"intake", "/api/v1/staff/complaints?sort=oldest&page=1&per_page=5&lang=en&assigned=1"},
			{"auditor", "/oversight/audit?complaint=&agreement=&agency=&actor=&action=complaint.*&from=&to=&upto=&page=1&per_page=10&lang=es"},
			{"auditor", "/api/v1/audit/events?action=complaint.*&page=1&per_page=10&upto=999999"},
			{"auditor", "/oversight/export?lang=en&colour=red"}, // the form alone reads no parameter
		} {
			if rec := s.queueGet(tc.caller, tc.path, ""); rec.Code != 200 {
				t.Errorf("%s: %d\n%s", tc.path, rec.Code, rec.Body)
			}
		}
	})
}

// A routing rule may ask for the model of the complaint's agreement and a function:
// intake ties the agreement before it routes, so the rule sees the model.
func TestRoutingByModelAndFunction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		for _, f := range []url.Values{
			{"op": {"add"}, "kind": {"unit"}, "model": {"JEM"}, "function": {"detainer"}, "unit": {"fl"}},
			{"op": {"add"}, "kind": {"priority"}, "model": {"JEM"}, "function": {"interview"}, "priority": {"urgent"}},
		} {
			if code, body := s.post("admin", "/admin/routing", f); code != 303 {
				t.Fatalf("add rule: %d\n%s", code, body)
			}
		}
		rules, err := db.RoutingRules(ctx)
		if err != nil || len(rules) != 2 || rules[0].Model != "JEM" || rules[0].Function != "detainer" {
			t.Fatalf("stored rules %+v, %v", rules, err)
		}
		page := s.queueGet("admin", "/admin/routing", "en").Body.String()
		if !strings.Contains(page, "Agreement model JEM Placed an ICE hold (detainer)") || !strings.Contains(page, `<select id="rule-function" name="function">`) {
			t.Error("the routing page does not show the rule's model and function")
		}
		for _, f := range []url.Values{
			{"op": {"add"}, "kind": {"unit"}, "model": {"XYZ"}, "unit": {"fl"}},
			{"op": {"add"}, "kind": {"unit"}, "function": {"arrest"}, "unit": {"fl"}},
		} {
			if code, _ := s.post("admin", "/admin/routing", f); code != 422 {
				t.Errorf("%v: %d, want 422", f, code)
			}
		}

		file := func(agency bool, functions ...string) redress.Complaint {
			set := map[string]any{"functions": functions, "custody": nil, "categories": []string{"privacy"}}
			if agency {
				set["agency_id"] = s.agency.ID
			}
			id, _ := s.fileWith(set)
			c, _, err := db.Complaint(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		if c := file(true, "detainer"); c.Unit != "fl" || c.AgreementID == 0 {
			t.Errorf("JEM detainer: unit %q agreement %d, want fl by rule", c.Unit, c.AgreementID)
		}
		if c := file(false, "detainer"); c.Unit != "tx" {
			t.Errorf("no agreement: unit %q, want tx", c.Unit)
		}
		if c := file(true, "interview"); c.Unit != "tx" || c.Priority != "urgent" {
			t.Errorf("JEM interview: unit %q priority %q, want tx, urgent by rule", c.Unit, c.Priority)
		}
		if c := file(false, "interview"); c.Priority != "normal" {
			t.Errorf("interview without agreement: priority %q, want normal", c.Priority)
		}
	})
}
