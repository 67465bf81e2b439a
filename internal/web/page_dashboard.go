package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/reports"
)

// The oversight dashboard (/oversight): the measures of a period as tables and charts,
// drilled down from every complaint to a state, an agency, an agreement and the
// de-identified cases behind a number. Oversight auditors see every unit, supervisors
// their own. Every table downloads as CSV and JSON (api_reports.go), each download an
// audit event; looking is not one, as the page shows counts, never a complaint.

// permMeasures, asked in each unit, lets one see the measures of that unit's complaints.
const permMeasures = "oversight.measures"

// dashFilters are the dashboard's query parameters, in the form's order: the period
// (a quarter, or months) and redress.MeasureFilter's fields.
var dashFilters = []string{"period", "from", "to", "state", "agency", "agreement", "model", "unit", "category",
	"function", "channel", "language", "priority", "custody"}

// Its views are registered here rather than in views.go's list, to keep this feature
// in files of its own.
func init() { views = append(views, &dashboardPage{}, &reportCardPage{}) }

type (
	dashboardPage struct {
		*page
		Dash *dashView
	}
	reportCardPage struct {
		*page
		Card *cardView
	}
)

func (*dashboardPage) template() string  { return "oversight_dashboard.html" }
func (*reportCardPage) template() string { return "oversight_card.html" }

// measureQuery is a dashboard request as read: the filter, and the period's name.
type measureQuery struct {
	Filter redress.MeasureFilter
	Period string
	// Values are the filters as given, for links that keep them.
	Values url.Values
	// All names the long table shown whole (?all=by_agency); links do not keep it.
	// Path is the page asked for, which that link returns to.
	All, Path string
}

// mostReceived keeps the n rows of a breakdown with the most complaints received, most
// first (ties in the table's order), with their keys.
func mostReceived(t reports.Table, n int) reports.Table {
	col := slices.Index(t.Columns, "received")
	idx := make([]int, len(t.Rows))
	for i := range idx {
		idx[i] = i
	}
	count := func(i int) int {
		if col < 0 {
			return 0
		}
		v, _ := t.Rows[i][col].(int)
		return v
	}
	slices.SortStableFunc(idx, func(a, b int) int { return count(b) - count(a) })
	out := reports.Table{Name: t.Name, Columns: t.Columns}
	for _, i := range idx[:min(n, len(idx))] {
		out.Rows = append(out.Rows, t.Rows[i])
		if i < len(t.Keys) {
			out.Keys = append(out.Keys, t.Keys[i])
		}
	}
	return out
}

// parseMeasureQuery reads the filter of the dashboard, a report card or an export:
// known are the parameters taken (any other is refused). The units are those where
// the caller may see the measures; a unit asked for outside them is refused.
func (s *Server) parseMeasureQuery(r *http.Request, known []string) (measureQuery, error) {
	v := r.URL.Query()
	get := func(name string) string { return strings.TrimSpace(v.Get(name)) }
	mq := measureQuery{Values: url.Values{}, All: strings.TrimSpace(v.Get("all")), Path: r.URL.Path}
	for _, name := range dashFilters {
		if val := get(name); val != "" && slices.Contains(known, name) {
			mq.Values.Set(name, val)
		}
	}
	var fe redress.FieldErrors
	refuseUnknownParams(v, known, &fe)
	f := &mq.Filter
	pr, _ := principal(r)
	f.AllUnits, f.Units = s.Authz.Units(pr.Subject(), permMeasures, "read")
	var err error
	f.From, f.To, mq.Period, err = reports.ParsePeriod(get("period"), get("from"), get("to"), s.Now(), s.officeZone())
	fe = append(fe, redress.FieldsOf(err)...)
	f.State = strings.ToUpper(get("state"))
	f.AgencyID = parseIDParam("agency", get("agency"), &fe)
	f.AgreementID = parseIDParam("agreement", get("agreement"), &fe)
	f.Model = redress.Model(strings.ToUpper(get("model")))
	f.Unit, f.Category, f.Function = get("unit"), redress.Category(get("category")), redress.Function(get("function"))
	f.Custody, f.Language, f.Priority = get("custody"), get("language"), get("priority")
	f.Channel = get("channel")
	// The languages are the catalog's, which only the web knows; the rest is Validate's.
	if f.Language != "" && !s.Catalog.Supported(f.Language) {
		fe.Add("language", "unknown_code", f.Language)
	}
	fe = append(fe, redress.FieldsOf(f.Validate())...)
	if f.Unit != "" && !fe.Has("unit") && !f.AllUnits && !slices.Contains(f.Units, f.Unit) {
		fe.Add("unit", "unknown_code", f.Unit)
	}
	return mq, sortFieldErrors(fe, dashFilters).Err()
}

// link is this filter's values with changes (an empty value deletes), as a query.
func (mq measureQuery) link(path string, kv ...string) string {
	q := url.Values{}
	for k, v := range mq.Values {
		q[k] = slices.Clone(v)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// crumb is one step of the drill-down's path.
type crumb struct{ Label, URL string }

// chartView is one chart and where its table is.
type chartView struct {
	P       *page
	Title   string
	SVG     template.HTML
	TableID string
}

// tableView is one table worded, with its downloads and, for a breakdown, each row's
// drill-down links.
type tableView struct {
	P *page
	reports.HTMLTable
	ID        string
	CSV, JSON string
	Links     []rowLinks
	// NameCol is the column a row's drill-down link goes on.
	NameCol int
	// Long folds a table of more than longTable rows (every agency of the country)
	// under a summary that says how many, so the page's other tables stay near.
	Long bool
	// Total is the rows a long table has when the page shows only the longTable with
	// the most complaints, and AllURL the page with all of them: every agency of the
	// country is a megabyte of page, too much for a phone and for the server to draw on
	// every look. The downloads always hold every row.
	Total  int
	AllURL string
}

const longTable = 25

// rowLinks are a breakdown row's links: deeper in the dashboard, its report card, its
// cases in the queue.
type rowLinks struct {
	Drill, Card, Cases string
}

// dashView is the dashboard: the form, where one is in the drill-down, the charts and
// the tables.
type dashView struct {
	P *page
	// Action is where the filter form goes; CardForm leaves out the filters that
	// choose the agreement.
	Action   string
	CardForm bool
	Form     *filterForm
	Fold     filterFold
	Period   string
	From     string
	To       string
	AsOf     string
	Units    string // a supervisor's units, named; empty for every unit
	Path     []crumb
	Charts   []chartView
	Tables   []tableView
	// Cases lists the cases behind the numbers, when the queue can filter as the page does.
	Cases string
	Card  string
	Print string
	Empty bool
}

func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) {
	p := &dashboardPage{page: s.newPage(r, s.pageLang(w, r))}
	v := &dashView{P: p.page, Action: "/oversight", Form: newFilterForm(p.page, r.URL.Query(), "dash.filter.")}
	p.Dash, p.Wide = v, true
	if s.Reports == nil {
		s.renderPageError(w, r, p, errNotFound)
		return
	}
	mq, err := s.parseMeasureQuery(r, slices.Concat(dashFilters, []string{"lang", foldParam, "all"}))
	s.dashChoices(v.Form)
	// The agencies and agreements the caller's complaints name, as the audit log offers.
	if err := s.auditChoices(r, v.Form, permMeasures, "read"); err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	var de *redress.Error
	switch {
	case errors.As(err, &de) && de.Code == redress.EINVALID:
		v.Form.setErrors(de.Fields)
		v.Fold = foldFilters(w, r, "dash_filters", "/oversight", r.URL.Query(), true)
		s.render(w, r, http.StatusUnprocessableEntity, p)
		return
	case err != nil:
		s.renderPageError(w, r, p, err)
		return
	}
	f := mq.Filter
	set, err := s.Reports.Build(r.Context(), f, reports.Breakdowns(f)...)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	words := reports.Words{Cat: s.Catalog, Lang: p.Lang}
	s.describePeriod(p.page, v, mq, set)
	if v.Path, err = s.dashPath(r, p.page, mq); err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	charts := words.Draw(set, "c-")
	v.Charts = baseCharts(p.page, charts)
	for _, by := range []string{redress.ByAgency, redress.ByAgreement, redress.ByUnit} {
		if svg, ok := charts.Compliance[reports.ByPrefix+by]; ok {
			v.Charts = append(v.Charts, chartView{P: p.page, Title: p.T("dash.chart.compliance", "By", words.Title(reports.ByPrefix+by)),
				SVG: template.HTML(svg), TableID: "t-" + reports.ByPrefix + by})
		}
	}
	for _, name := range set.Order {
		v.Tables = append(v.Tables, s.tableView(p.page, words, mq, set.Tables[name]))
	}
	v.Empty = set.Measures.Received == 0
	v.Cases, err = s.casesLink(r, f)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	if f.AgreementID != 0 {
		v.Card = mq.link("/oversight/agreements/"+strconv.FormatInt(f.AgreementID, 10), "agreement", "", "agency", "", "state", "", "model", "")
	}
	v.Fold = foldFilters(w, r, "dash_filters", "/oversight", r.URL.Query(), false)
	s.render(w, r, http.StatusOK, p)
}

// baseCharts are the charts of every filter: the monthly trend and the days to close.
func baseCharts(p *page, c reports.Charts) []chartView {
	// internal/chart escapes every text it draws: its SVG is safe as it is.
	return []chartView{{P: p, Title: p.T("dash.chart.trend"), SVG: template.HTML(c.Trend), TableID: "t-trend"},
		{P: p, Title: p.T("dash.chart.bands"), SVG: template.HTML(c.Bands), TableID: "t-close_bands"}}
}

// describePeriod words the period, when the figures were taken and whose units.
func (s *Server) describePeriod(p *page, v *dashView, mq measureQuery, set reports.Set) {
	words := reports.Words{Cat: s.Catalog, Lang: p.Lang}
	v.Period = mq.Period
	v.From, v.To = words.Period(mq.Filter, p.zone())
	if !set.AsOf.IsZero() {
		v.AsOf = p.Time(set.AsOf)
	}
	if !mq.Filter.AllUnits {
		v.Units = strings.Join(mq.Filter.Units, ", ")
	}
}

// tableView words a table with its download links and, for a breakdown, each row's
// links.
func (s *Server) tableView(p *page, words reports.Words, mq measureQuery, t reports.Table) tableView {
	tv := tableView{P: p, HTMLTable: words.Page(t), ID: "t-" + t.Name,
		CSV:  mq.link("/api/v1/reports/"+t.Name, "format", "csv"),
		JSON: mq.link("/api/v1/reports/"+t.Name, "format", "json"), Long: len(t.Rows) > longTable}
	by, ok := strings.CutPrefix(t.Name, reports.ByPrefix)
	if !ok {
		return tv
	}
	if tv.Long && mq.All != t.Name {
		total := len(t.Rows)
		t = mostReceived(t, longTable)
		tv.HTMLTable, tv.Total = words.Page(t), total
		tv.AllURL = mq.link(mq.Path, "all", t.Name) + "#" + tv.ID
	}
	tv.NameCol = slices.Index(t.Columns, "name")
	for _, key := range t.Keys {
		var l rowLinks
		switch {
		case reports.None(key): // no filter chooses the complaints with none alone
		case by == redress.ByState:
			l.Drill = mq.link("/oversight", "state", key)
		case by == redress.ByAgency:
			l.Drill = mq.link("/oversight", "agency", key)
			l.Cases = queueLink(mq.Filter, key, "")
		case by == redress.ByAgreement:
			l.Drill = mq.link("/oversight", "agreement", key)
			l.Card = mq.link("/oversight/agreements/"+key, "agreement", "", "agency", "", "state", "", "model", "")
		case by == redress.ByModel:
			l.Drill = mq.link("/oversight", "model", key)
		case by == redress.ByUnit:
			l.Drill = mq.link("/oversight", "unit", key)
		}
		tv.Links = append(tv.Links, l)
	}
	return tv
}

// queueLink is the queue of the cases a filter counts, de-identified for an auditor
// (the queue shows oversight auditors no narrative, identity or officer): its agency
// (agency, when given, in place of the filter's), model, unit, category, function and
// custody, and the days received. The queue counts days in UTC, the dashboard in the
// office's zone: the link's first and last days are the period's, in the office's zone.
// "" when the queue cannot filter as the dashboard does (state, channel, language,
// priority without an agency).
func queueLink(f redress.MeasureFilter, agency, model string) string {
	if f.Channel != "" || f.Language != "" || f.Priority != "" || f.AgreementID != 0 && agency == "" {
		return ""
	}
	q := url.Values{}
	if agency == "" && f.AgencyID != 0 {
		agency = strconv.FormatInt(f.AgencyID, 10)
	}
	if f.State != "" && agency == "" {
		return ""
	}
	if model == "" {
		model = string(f.Model)
	}
	for k, val := range map[string]string{"agency": agency, "model": model, "unit": f.Unit, "category": string(f.Category),
		"function": string(f.Function), "custody": f.Custody} {
		if val != "" {
			q.Set(k, val)
		}
	}
	if !f.From.IsZero() {
		q.Set("from", redress.DateOf(f.From).String())
	}
	if !f.To.IsZero() {
		q.Set("to", redress.DateOf(f.To.Add(-time.Nanosecond)).String())
	}
	return "/staff/complaints?" + q.Encode()
}

// casesLink is the queue link of the page's own filter: for an agreement, its agency
// and model.
func (s *Server) casesLink(r *http.Request, f redress.MeasureFilter) (string, error) {
	if f.AgreementID == 0 {
		return queueLink(f, "", ""), nil
	}
	a, err := s.DB.Agreement(r.Context(), f.AgreementID)
	if err != nil {
		return "", err
	}
	return queueLink(f, strconv.FormatInt(a.AgencyID, 10), string(a.Model)), nil
}

// dashPath is the drill-down's path to where the filter is: all, the state, the
// agency, the agreement; each step but the last a link.
func (s *Server) dashPath(r *http.Request, p *page, mq measureQuery) ([]crumb, error) {
	f := mq.Filter
	drop := []string{"state", "", "agency", "", "agreement", ""}
	path := []crumb{{Label: p.T("dash.path.all"), URL: mq.link("/oversight", drop...)}}
	state, agencyID := f.State, f.AgencyID
	var agreement string
	if f.AgreementID != 0 {
		a, err := s.DB.Agreement(r.Context(), f.AgreementID)
		if err != nil {
			return nil, err
		}
		agencyID, agreement = a.AgencyID, string(a.Model)+" #"+strconv.FormatInt(a.ID, 10)
	}
	var agency string
	if agencyID != 0 {
		ag, err := s.DB.Agency(r.Context(), agencyID)
		if err != nil {
			return nil, err
		}
		state, agency = ag.State, agencyLabel(p, ag.Name)
	}
	if state != "" {
		path = append(path, crumb{Label: state, URL: mq.link("/oversight", "state", state, "agency", "", "agreement", "")})
	}
	if agency != "" {
		path = append(path, crumb{Label: agency, URL: mq.link("/oversight", "state", "", "agency", strconv.FormatInt(agencyID, 10), "agreement", "")})
	}
	if agreement != "" {
		path = append(path, crumb{Label: agreement, URL: mq.link("/oversight", "state", "", "agency", "", "agreement", strconv.FormatInt(f.AgreementID, 10))})
	}
	path[len(path)-1].URL = "" // where one is
	return path, nil
}

// dashChoices fills in the form's fixed choices.
// wordedOptions offers codes, each worded by its catalog key prefix+code.
func wordedOptions[T ~string](p *page, prefix string, codes []T) []option {
	opts := make([]option, 0, len(codes))
	for _, c := range codes {
		opts = append(opts, option{Value: string(c), Label: p.T(prefix + string(c))})
	}
	return opts
}

func (s *Server) dashChoices(f *filterForm) {
	var opts []option
	for _, st := range redress.States {
		opts = append(opts, option{Value: st.Code, Label: st.Name + " (" + st.Code + ")"})
	}
	f.choose("state", opts)
	f.choose("model", wordedOptions(f.page, "model.", redress.Models))
	f.choose("category", wordedOptions(f.page, "category.", redress.Categories))
	f.choose("function", wordedOptions(f.page, "function.", redress.Functions))
	f.choose("channel", wordedOptions(f.page, "channel.", redress.Channels))
	opts = nil
	for _, l := range s.Catalog.Languages() {
		opts = append(opts, option{Value: l, Label: s.Catalog.T(l, "language.name", nil)})
	}
	f.choose("language", opts)
	f.choose("priority", wordedOptions(f.page, "priority.", []string{"normal", "urgent"}))
	f.choose("custody", wordedOptions(f.page, "custody.", redress.CustodyFacts))
}
