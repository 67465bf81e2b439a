package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// outcomeJSON is the outcome in the status API's answer.
type outcomeJSON struct {
	Disposition string `json:"disposition"`
	Label       string `json:"label"`
	Explanation string `json:"explanation"`
	DecidedOn   string `json:"decided_on"`
	Findings    []struct {
		Category      string `json:"category"`
		CategoryLabel string `json:"category_label"`
		Finding       string `json:"finding"`
		Label         string `json:"label"`
		Explanation   string `json:"explanation"`
	} `json:"findings"`
	NextSteps string `json:"next_steps"`
	Avenues   []struct {
		ID, Name, What, URL, Phone string
	} `json:"avenues"`
}

type statusWithOutcome struct {
	Status  string `json:"status"`
	Steps   []struct{ Status, Date string }
	Outcome *outcomeJSON `json:"outcome"`
}

// The name of the supervisor who approves findings; the complainant never reads it.
const approverName = "Bernadette Okafor"

// addApprover gives unit tx a second supervisor, so findings one proposes the other
// can approve (closing takes two people).
func addApprover(t *testing.T, s *staff) {
	t.Helper()
	ctx, m := context.Background(), auth.Meta{Actor: "test"}
	u, token, err := s.auth.CreateUser(ctx, m, "okafor@example.org", approverName)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.auth.AddRole(ctx, m, u.ID, redress.RoleSupervisor, "tx"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.auth.SetPasswordWithToken(ctx, m, token, testPassword); err != nil {
		t.Fatal(err)
	}
	res, err := s.auth.Login(ctx, m, u.Email, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	s.cookies["approver"] = res.SessionToken
	if err := s.authz.Reload(ctx); err != nil {
		t.Fatal(err)
	}
}

// caseStep makes one case-work step through the case page's form.
func (s *staff) caseStep(caller string, complaintID int64, path string, form url.Values) {
	s.t.Helper()
	code, body := s.post(caller, "/staff/complaints/"+strconv.FormatInt(complaintID, 10)+path, form)
	if code != http.StatusSeeOther {
		s.t.Fatalf("%s %s %v: %d\n%s", caller, path, form, code, body)
	}
}

// proposeFindings proposes one finding per allegation, in filing order.
func (s *staff) proposeFindings(caller string, complaintID int64, findings ...string) {
	s.t.Helper()
	c, _, err := s.db.Complaint(context.Background(), complaintID)
	if err != nil || len(c.Allegations) != len(findings) {
		s.t.Fatalf("allegations %+v %v", c.Allegations, err)
	}
	f := url.Values{"transition": {"propose_findings"}}
	for i, a := range c.Allegations {
		f.Set("finding_"+strconv.FormatInt(a.ID, 10), findings[i])
		f.Set("reasoning_"+strconv.FormatInt(a.ID, 10), "What the evidence shows.")
	}
	s.caseStep(caller, complaintID, "/transition", f)
}

// apiStatus checks a status through the API, in the language the header asks for ("" for
// the complaint's own).
func (s *staff) apiStatus(tracking, receipt, lang string) statusWithOutcome {
	s.t.Helper()
	// The person's choice travels in the body: the API answers in the complaint's language
	// otherwise, whatever the browser's Accept-Language says.
	body := map[string]string{"tracking_number": tracking, "receipt_code": receipt}
	if lang != "" {
		body["language"] = lang
	}
	rec := s.postJSON("/api/v1/complaints/status", body, "Accept-Language", "en")
	if rec.Code != http.StatusOK {
		s.t.Fatalf("status API: %d %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), approverName) || strings.Contains(rec.Body.String(), "supervisor@example.org") {
		s.t.Fatalf("the status API names staff:\n%s", rec.Body)
	}
	return decode[statusWithOutcome](s.t, rec)
}

// statusPage checks a status on the page, in lang.
func (s *staff) statusPage(tracking, receipt, lang string) string {
	s.t.Helper()
	rec := s.do("POST", "/status?lang="+lang, formType,
		[]byte(url.Values{"tracking_number": {tracking}, "receipt_code": {receipt}}.Encode()))
	if rec.Code != http.StatusOK {
		s.t.Fatalf("status page: %d\n%s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// has reports whether a page shows a catalog text (escaped as the templates escape it).
func has(page string, cat *i18n.Catalog, lang, key string, kv ...any) bool {
	var data map[string]any
	if len(kv) > 0 {
		data = map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			data[kv[i].(string)] = kv[i+1]
		}
	}
	return strings.Contains(page, html.EscapeString(cat.T(lang, key, data)))
}

// A complaint closed on findings by two people: the complainant reads, on the status
// page and through the API, in English and in Spanish, what was decided on each
// allegation, when, and what they can do now. Nothing shows before the supervisor
// approves, and nothing once the case is reopened.
func TestOutcomeFindings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		addApprover(t, s)
		cat := mustCatalog(t)
		cid, tracking, receipt := s.filed() // categories held_past_release, no_interpreter; filed in Spanish
		const note = "Sgt. Marlowe says the release papers were lost"
		s.caseStep("investigator", cid, "/notes", url.Values{"body": {note}})

		noOutcome := func(when string) {
			t.Helper()
			for _, lang := range []string{"en", "es"} {
				if st := s.apiStatus(tracking, receipt, lang); st.Outcome != nil {
					t.Fatalf("%s: the API shows an outcome (%s) %+v", when, lang, st.Outcome)
				}
				page := s.statusPage(tracking, receipt, lang)
				if strings.Contains(page, `id="outcome"`) || has(page, cat, lang, "outcome.findings_made") ||
					has(page, cat, lang, "outcome.finding.sustained") || has(page, cat, lang, "outcome.next") {
					t.Fatalf("%s: the page shows an outcome (%s)", when, lang)
				}
			}
		}
		noOutcome("open")

		for _, tr := range []string{"triage", "start_review"} {
			s.caseStep("supervisor", cid, "/transition", url.Values{"transition": {tr}})
		}
		s.proposeFindings("supervisor", cid, "sustained", "not_sustained")
		// Proposed is not decided: the complainant learns nothing until another approves.
		noOutcome("proposed")
		s.caseStep("approver", cid, "/transition", url.Values{"transition": {"approve_close"}})

		// The API, in the complaint's language (Spanish) and in the one asked for.
		for _, lang := range []string{"", "en"} {
			want := lang
			if want == "" {
				want = "es"
			}
			st := s.apiStatus(tracking, receipt, lang)
			o := st.Outcome
			if st.Status != "closed" || o == nil {
				t.Fatalf("%s: %+v", want, st)
			}
			closedOn := st.Steps[len(st.Steps)-1]
			if o.Disposition != "findings_made" || o.Label != cat.T(want, "outcome.findings_made", nil) ||
				o.Explanation != cat.T(want, "outcome.findings_made.help", nil) || o.NextSteps != cat.T(want, "outcome.next", nil) ||
				closedOn.Status != "closed" || o.DecidedOn != closedOn.Date {
				t.Fatalf("%s outcome %+v, steps %+v", want, o, st.Steps)
			}
			wantFindings := [][2]string{{"held_past_release", "sustained"}, {"no_interpreter", "not_sustained"}}
			if len(o.Findings) != len(wantFindings) {
				t.Fatalf("%s findings %+v", want, o.Findings)
			}
			for i, f := range o.Findings {
				cat0, fd := wantFindings[i][0], wantFindings[i][1]
				if f.Category != cat0 || f.Finding != fd || f.CategoryLabel != cat.T(want, "category."+cat0, nil) ||
					f.Label != cat.T(want, "finding."+fd, nil) || f.Explanation != cat.T(want, "outcome.finding."+fd, nil) {
					t.Errorf("%s finding %d: %+v", want, i, f)
				}
			}
		}

		// The outcome email says the same in the complaint's language and sends the
		// complainant to the page for the rest: no finding, no receipt code.
		var letters []struct{ Language, Subject, Body string }
		if err := db.Bun().NewRaw("SELECT language, subject, body FROM outbox WHERE complaint_id = ? AND kind = 'complaint.outcome'", cid).
			Scan(context.Background(), &letters); err != nil || len(letters) != 1 {
			t.Fatalf("outcome emails %+v %v", letters, err)
		}
		l := letters[0]
		data := map[string]any{"Tracking": tracking, "StatusURL": "https://redress.example/status?lang=es",
			"Outcome": cat.T("es", "outcome.findings_made", nil)}
		if l.Language != "es" || l.Subject != cat.T("es", "email.outcome.subject", nil) ||
			!strings.Contains(l.Body, cat.T("es", "email.outcome.body", data)) || !strings.Contains(l.Body, cat.T("es", "email.outcome.read", data)) {
			t.Fatalf("outcome email %+v", l)
		}
		for _, secret := range []string{receipt, cat.T("es", "outcome.finding.sustained", nil), cat.T("es", "category.held_past_release", nil), "fianza"} {
			if strings.Contains(l.Body, secret) {
				t.Fatalf("the outcome email holds %q", secret)
			}
		}

		// The page, in both languages: the decision, each allegation with its finding in
		// plain words, the date, what to do now; no staff name, note or officer.
		for _, lang := range []string{"en", "es"} {
			page := s.statusPage(tracking, receipt, lang)
			st := s.apiStatus(tracking, receipt, lang)
			d, _ := redress.ParseDate(st.Outcome.DecidedOn)
			for _, k := range []string{"outcome.title", "outcome.findings_made", "outcome.findings_made.help", "outcome.findings",
				"category.held_past_release", "outcome.finding.sustained", "category.no_interpreter",
				"outcome.finding.not_sustained", "outcome.next_title", "outcome.next", "status.closed.help"} {
				if !has(page, cat, lang, k) {
					t.Errorf("%s page lacks %s", lang, k)
				}
			}
			if !has(page, cat, lang, "outcome.decided", "Date", cat.Date(lang, d.Year, d.Month, d.Day)) ||
				!has(page, cat, lang, "outcome.finding_term", "Finding", cat.T(lang, "finding.sustained", nil)) {
				t.Errorf("%s page lacks the date or the finding's name", lang)
			}
			if has(page, cat, lang, "outcome.finding.exonerated") || has(page, cat, lang, "outcome.withdrawn") {
				t.Errorf("%s page shows what was not decided", lang)
			}
			for _, secret := range []string{approverName, "supervisor@example.org", "Marlowe", "badge 4411", "Deputy R."} {
				if strings.Contains(page, secret) {
					t.Errorf("%s page shows %q", lang, secret)
				}
			}
		}

		// Reopened, the outcome is no longer final: it is not shown, the page says so,
		// and new findings proposed since do not show either.
		const reason = "New statement from Deputy Ruiz"
		s.caseStep("supervisor", cid, "/transition", url.Values{"transition": {"reopen"}, "reason": {reason}})
		page := s.statusPage(tracking, receipt, "es")
		if !has(page, cat, "es", "status.reopened.help") || strings.Contains(page, "Ruiz") {
			t.Fatalf("reopened page:\n%s", page)
		}
		noOutcome("reopened")
		s.caseStep("supervisor", cid, "/transition", url.Values{"transition": {"start_review"}})
		s.proposeFindings("supervisor", cid, "exonerated", "unfounded")
		noOutcome("proposed again")

		// Closed again, the new decision shows.
		s.caseStep("approver", cid, "/transition", url.Values{"transition": {"approve_close"}})
		o := s.apiStatus(tracking, receipt, "en").Outcome
		if o == nil || len(o.Findings) != 2 || o.Findings[0].Finding != "exonerated" || o.Findings[1].Finding != "unfounded" {
			t.Fatalf("after closing again: %+v", o)
		}
	})
}

// A case that ends without findings shows how it ended, in plain words, with no finding
// on any allegation: not even findings proposed before the complaint was withdrawn.
func TestOutcomeWithoutFindings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		cat := mustCatalog(t)
		for _, tc := range []struct {
			disposition string
			steps       func(cid int64)
		}{
			{"withdrawn", func(cid int64) {
				for _, tr := range []string{"triage", "start_review"} {
					s.caseStep("supervisor", cid, "/transition", url.Values{"transition": {tr}})
				}
				s.proposeFindings("supervisor", cid, "sustained", "sustained")
				s.caseStep("supervisor", cid, "/transition", url.Values{"transition": {"withdraw"}, "reason": {"The complainant asked by phone"}})
			}},
			{"duplicate", nil},
			{"outside_jurisdiction", nil},
			{"not_enough_information", nil},
			{"resolved_informally", nil},
			{"referred_out", nil},
		} {
			t.Run(tc.disposition, func(t *testing.T) {
				cid, tracking, receipt := s.filed()
				if tc.steps != nil {
					tc.steps(cid)
				} else {
					s.caseStep("intake", cid, "/transition", url.Values{"transition": {"close_administratively"},
						"disposition": {tc.disposition}, "reason": {"Intake officer's reason, for staff only"}})
				}
				for _, lang := range []string{"en", "es"} {
					st := s.apiStatus(tracking, receipt, lang)
					o := st.Outcome
					if o == nil || o.Disposition != tc.disposition || o.Label != cat.T(lang, "outcome."+tc.disposition, nil) ||
						o.Explanation != cat.T(lang, "outcome."+tc.disposition+".help", nil) || o.DecidedOn == "" ||
						o.Findings == nil || len(o.Findings) != 0 || o.NextSteps != cat.T(lang, "outcome.next", nil) {
						t.Fatalf("%s: status %s, outcome %+v", lang, st.Status, o)
					}
					page := s.statusPage(tracking, receipt, lang)
					for _, k := range []string{"outcome.title", "outcome." + tc.disposition, "outcome." + tc.disposition + ".help", "outcome.next"} {
						if !has(page, cat, lang, k) {
							t.Errorf("%s page lacks %s", lang, k)
						}
					}
					if has(page, cat, lang, "outcome.findings") || has(page, cat, lang, "outcome.finding.sustained") ||
						strings.Contains(page, "for staff only") || strings.Contains(page, "by phone") {
						t.Errorf("%s page shows findings or a reason", lang)
					}
				}
			})
		}
	})
}
