package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/oversight"
	"github.com/redress-oversight/redress/internal/redress"
)

// The early warning (issue 15, point 6): /oversight/warnings for supervisors, over the
// units where they hold the warning, and /admin/warnings where administrators set its
// thresholds. Officer names (badges and surnames read from the complainant's words) are
// shown only over the units where the caller may read the officers field
// (complaint.narrative): supervisors do; oversight auditors, who read de-identified
// cases, get the page without the officers' section.

// permWarnings, asked per unit, lets one read the early warning of that unit's cases.
const permWarnings = "oversight.warnings"

// warningCaseView is one case behind a flag.
type warningCaseView struct {
	ID             int64
	TrackingNumber string
	Received       string // in the office's zone
}

// officerFlagView is an officer named in several complaints of one agency.
type officerFlagView struct {
	Agency    string
	Badge     string
	Name      string
	Count     int
	Cases     []warningCaseView
	QueueHref string
}

// agencyFlagView is an agency whose count or sustained share jumped.
type agencyFlagView struct {
	Agency                       string
	CountJump, SustainedJump     bool
	Recent, Past                 string
	PastAverage                  string
	RecentRate, PastRate         string
	RecentDecided, PastDecided   string
	RecentSustained, PastSustain string
	QueueHref                    string
}

// caseFlagView is a list of cases: the first of Total.
type caseFlagView struct {
	Total     int
	Shown     string
	More      int
	Cases     []warningCaseView
	QueueHref string
}

// warningsView is the early warning page.
type warningsView struct {
	At            string
	AgenciesAt    string
	Settings      redress.WarningSettings
	OfficersShown bool
	Officers      []officerFlagView
	Agencies      []agencyFlagView
	Custody       caseFlagView
	Urgent        caseFlagView
}

func (s *Server) handleWarnings(w http.ResponseWriter, r *http.Request) {
	p := &warningsPage{page: s.newPage(r, s.pageLang(w, r))}
	pr, _ := principal(r)
	sub := pr.Subject()
	all, units := s.Authz.Units(sub, permWarnings, "read")
	nAll, nUnits := s.Authz.Units(sub, permNarrative, "read")
	oAll, oUnits := intersectUnits(all, units, nAll, nUnits)
	scope := oversight.WarningScope{AllUnits: all, Units: units, OfficersAll: oAll, OfficersUnits: oUnits, OfficersAllowed: oAll || len(oUnits) > 0}
	rep, err := s.Warnings.Report(r.Context(), scope)
	if err == nil {
		// A look that cannot be recorded is not answered.
		err = s.Warnings.RecordView(r.Context(), casework.Actor{UserID: pr.User.ID, Subject: sub, RequestID: requestID(r)}, scope, rep)
	}
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	rows := s.newAuditRows(r, p.page) // names agencies once per page
	v := &warningsView{At: p.Time(rep.At), AgenciesAt: p.Time(rep.AgenciesAt), Settings: rep.Settings, OfficersShown: rep.OfficersShown}
	day := func(t time.Time) string { return redress.DateOf(t.In(s.officeZone())).String() }
	for _, o := range rep.Officers {
		f := officerFlagView{Agency: rows.agency(o.AgencyID), Badge: o.Badge, Name: o.Name, Count: len(o.Cases),
			Cases: s.warningCases(p.page, o.Cases)}
		words := o.Name
		if o.Badge != "" {
			words = o.Badge
		}
		f.QueueHref = "/staff/complaints?" + url.Values{"agency": {strconv.FormatInt(o.AgencyID, 10)}, "officer": {words},
			"from": {day(rep.At.Add(-rep.Settings.Days(redress.WarnOfficerDays)))}}.Encode()
		v.Officers = append(v.Officers, f)
	}
	for _, a := range rep.Agencies {
		v.Agencies = append(v.Agencies, agencyFlagView{Agency: rows.agency(a.AgencyID), CountJump: a.CountJump, SustainedJump: a.SustainedJump,
			Recent: p.N(a.Recent), Past: p.N(a.Past), PastAverage: fmt.Sprintf("%.1f", a.PastAverage),
			RecentRate: fmt.Sprintf("%.0f", a.RecentRate), PastRate: fmt.Sprintf("%.0f", a.PastRate),
			RecentDecided: p.N(a.RecentDecided), PastDecided: p.N(a.PastDecided),
			RecentSustained: p.N(a.RecentSustained), PastSustain: p.N(a.PastSustained),
			QueueHref: "/staff/complaints?" + url.Values{"agency": {strconv.FormatInt(a.AgencyID, 10)}, "from": {day(a.RecentFrom)}}.Encode()})
	}
	v.Custody = s.caseFlag(p.page, rep.Custody, "/staff/complaints?custody=held_past_release&open=1")
	v.Urgent = s.caseFlag(p.page, rep.Urgent, "/staff/complaints?assignee=none&open=1")
	p.Warnings, p.Wide = v, true
	s.render(w, r, http.StatusOK, p)
}

func (s *Server) warningCases(p *page, cases []redress.WarningCase) []warningCaseView {
	out := make([]warningCaseView, len(cases))
	for i, c := range cases {
		out[i] = warningCaseView{ID: c.ID, TrackingNumber: c.TrackingNumber, Received: p.DT(c.ReceivedAt)}
	}
	return out
}

func (s *Server) caseFlag(p *page, f oversight.CaseFlag, href string) caseFlagView {
	return caseFlagView{Total: f.Total, Shown: p.N(f.Total), More: f.Total - len(f.Cases), Cases: s.warningCases(p, f.Cases), QueueHref: href}
}

// warningSettingView is one threshold's field on the settings page.
type warningSettingView struct {
	Name    string
	Value   string
	Range   string
	Problem string
}

// adminWarningsView is the thresholds form.
type adminWarningsView struct {
	Settings []warningSettingView
	Problems []warningSettingView // the refused fields, in the form's order
}

func (s *Server) handleAdminWarnings(w http.ResponseWriter, r *http.Request) {
	p := &adminWarningsPage{page: s.newPage(r, s.pageLang(w, r))}
	set, err := s.Warnings.Settings(r.Context())
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	p.Form = warningSettingsForm(func(name string) string { return strconv.Itoa(set[name]) }, nil, p.page)
	if r.URL.Query().Get("saved") != "" {
		p.Flash = p.T("admin.saved")
	}
	s.render(w, r, http.StatusOK, p)
}

// handleAdminWarningsSave stores the thresholds; input out of range is drawn again as
// typed, each refused field named with its range (422), and nothing is stored.
func (s *Server) handleAdminWarningsSave(w http.ResponseWriter, r *http.Request) {
	p := &adminWarningsPage{page: s.newPage(r, s.pageLang(w, r))}
	if err := r.ParseForm(); err != nil {
		s.renderPageError(w, r, p, formReadError(err))
		return
	}
	pr, _ := principal(r)
	err := s.Warnings.SaveSettings(r.Context(), casework.Actor{UserID: pr.User.ID, Subject: pr.Subject(), RequestID: requestID(r)},
		r.PostForm.Get)
	if fe := redress.FieldsOf(err); len(fe) > 0 {
		p.Form = warningSettingsForm(r.PostForm.Get, fe, p.page)
		s.render(w, r, http.StatusUnprocessableEntity, p)
		return
	} else if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	http.Redirect(w, r, "/admin/warnings?saved=1", http.StatusSeeOther)
}

func warningSettingsForm(get func(string) string, fe redress.FieldErrors, p *page) *adminWarningsView {
	v := &adminWarningsView{}
	for _, d := range redress.WarningSettingDefs {
		f := warningSettingView{Name: d.Name, Value: get(d.Name), Range: strconv.Itoa(d.Min) + "–" + strconv.Itoa(d.Max)}
		if i := slices.IndexFunc(fe, func(e redress.FieldError) bool { return e.Field == d.Name }); i >= 0 {
			f.Problem = p.T("rule.warning_range", "Param", fe[i].Param)
			v.Problems = append(v.Problems, f)
		}
		v.Settings = append(v.Settings, f)
	}
	return v
}
