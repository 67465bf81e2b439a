package web

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/workflow"
)

// The staff queue and its search. The page's filter form and the staff JSON API take the
// same query parameters, read by parseQueueQuery; every search is an audit event.

// queueFilters are the query parameters that narrow the queue, in the order the form
// shows them and errors are listed. sort, page and per_page only order and page it.
var queueFilters = []string{"q", "officer", "tracking", "status", "custody", "unit", "model", "function", "category",
	"agency", "assignee", "from", "to", "overdue", "due_soon", "open", "unread", "no_unit", "awaiting"}

// queueParams is every query parameter the queue takes: its filters, the order and the
// page, the page's language switch, and the count a bulk assignment redirects with.
// Any other is refused, never ignored: a filter misspelt or not offered would
// otherwise show the whole queue as if it were the answer.
var queueParams = slices.Concat(queueFilters, []string{"sort", "page", "per_page", "after", "before", "lang", "assigned"})

const (
	maxSearchText = 200
	maxPage       = 10000
)

// queueQuery is a queue request as read: the search and the page asked for.
type queueQuery struct {
	Filter  redress.SearchFilter
	Page    int
	PerPage int
	// Given holds the non-empty filters and the order, as typed; casework records them
	// (free text only as a tag). Empty when the caller only lists the queue.
	Given map[string]string
}

// queueSorts are the orders the queue offers: by the time received, or by the next
// running deadline (soonest first, complaints with none last).
var queueSorts = []string{"oldest", "newest", "deadline"}

// parseQueueQuery reads the queue's query parameters; the filter's Validate judges the
// values. pageOnly names parameters the caller (the page) takes besides the queue's.
// The units searched are those in which the caller may read complaints and, for a
// search of the complainant's words (q, officer), also read those words. Bad values
// come back as field errors naming the parameter, in the order of queueFilters.
func (s *Server) parseQueueQuery(r *http.Request, pageOnly ...string) (queueQuery, error) {
	pr, _ := principal(r)
	return s.parseQueueValues(pr, r.URL.Query(), pageOnly...)
}

// parseQueueValues is parseQueueQuery of the query v, for pr: the desk reads its
// links' queries with it, so each count is what its link lists.
func (s *Server) parseQueueValues(pr auth.Principal, v url.Values, pageOnly ...string) (queueQuery, error) {
	get := func(name string) string { return strings.TrimSpace(v.Get(name)) }
	qq := queueQuery{Page: 1, PerPage: redress.DefaultSearchLimit, Given: map[string]string{}}
	for _, name := range append(slices.Clone(queueFilters), "sort") {
		if val := get(name); val != "" {
			qq.Given[name] = val
		}
	}
	f := &qq.Filter
	f.AllUnits, f.Units = s.Authz.Units(pr.Subject(), permRead, "read")
	f.Text, f.Officer, f.Tracking = get("q"), get("officer"), get("tracking")
	f.Status, f.Unit = get("status"), get("unit")
	f.Model, f.Category = redress.Model(strings.ToUpper(get("model"))), redress.Category(get("category"))
	f.Function, f.Custody = redress.Function(get("function")), get("custody")
	var fe redress.FieldErrors
	refuseUnknownParams(v, slices.Concat(queueParams, pageOnly), &fe)
	f.AgencyID = parseIDParam("agency", get("agency"), &fe)
	switch a := get("assignee"); a {
	case "me":
		f.AssigneeID = pr.User.ID
	case "none":
		f.Unassigned = true
	default:
		var bad redress.FieldErrors
		if f.AssigneeID = parseIDParam("assignee", a, &bad); len(bad) > 0 {
			fe.Add("assignee", "assignee")
		}
	}
	f.ReceivedFrom = parseDateParam("from", get("from"), &fe)
	f.ReceivedTo = parseDateParam("to", get("to"), &fe)
	f.Overdue = parseBoolParam("overdue", get("overdue"), &fe)
	f.DueSoon = parseBoolParam("due_soon", get("due_soon"), &fe)
	f.Open = parseBoolParam("open", get("open"), &fe)
	f.Unread = parseBoolParam("unread", get("unread"), &fe)
	f.NoUnit = parseBoolParam("no_unit", get("no_unit"), &fe)
	if parseChoiceParam("awaiting", get("awaiting"), []string{"", "me"}, &fe) == "me" {
		// Findings or a closure someone else proposed, in the units where pr may approve.
		f.AwaitingApprovalBy = pr.User.ID
		aAll, aUnits := s.Authz.Units(pr.Subject(), workflow.Permission, string(workflow.ApproveClose))
		f.AllUnits, f.Units = intersectUnits(f.AllUnits, f.Units, aAll, aUnits)
	}
	switch parseChoiceParam("sort", get("sort"), queueSorts, &fe) {
	case "newest":
		f.NewestFirst = true
	case "deadline":
		f.ByDeadline = true
	}
	parsePaging(get, redress.MaxSearchLimit, &qq.Page, &qq.PerPage, &fe)
	f.Limit, f.Offset = qq.PerPage, (qq.Page-1)*qq.PerPage
	// A cursor (after, before) finds the page by key; the page number then only numbers it.
	f.After, f.Before = parseCursors(cursorQueue, get, &fe)
	if f.ByDeadline && (f.After != nil || f.Before != nil) {
		fe.Add("after", "cursor_sort")
		f.After, f.Before = nil, nil
	}
	fe = append(fe, redress.FieldsOf(f.Validate())...)
	s.narrowToNarrative(pr, f, &fe)
	return qq, sortFieldErrors(fe, append(slices.Clone(queueFilters), "sort", "page", "per_page", "after", "before")).Err()
}

// narrowToNarrative keeps a search of the complainant's words (q, officer) to the units
// in which the caller may read them; one who may read them nowhere is refused.
func (s *Server) narrowToNarrative(pr auth.Principal, f *redress.SearchFilter, fe *redress.FieldErrors) {
	nAll, nUnits := s.Authz.Units(pr.Subject(), permNarrative, "read")
	for _, t := range []struct{ name, text string }{{"q", f.Text}, {"officer", f.Officer}} {
		switch {
		case t.text == "" || fe.Has(t.name):
		case !nAll && len(nUnits) == 0:
			fe.Add(t.name, "search_narrative")
		default:
			f.AllUnits, f.Units = intersectUnits(f.AllUnits, f.Units, nAll, nUnits)
		}
	}
}

// refuseUnknownParams adds a field error for each parameter of v not in known, in
// the order of their names, so a request is refused rather than a parameter ignored.
// A name is echoed back cut to maxParamShown characters.
func refuseUnknownParams(v url.Values, known []string, fe *redress.FieldErrors) {
	for _, name := range slices.Sorted(maps.Keys(v)) {
		if !slices.Contains(known, name) {
			shown := []rune(strings.ToValidUTF8(name, "\uFFFD"))
			if len(shown) > maxParamShown {
				shown = append(shown[:maxParamShown], '…')
			}
			fe.Add(string(shown), "unknown_param", string(shown))
		}
	}
}

// maxParamShown bounds an unknown parameter's name as an error repeats it.
const maxParamShown = 60

// parseDateParam reads a day (YYYY-MM-DD); a value that is not one is a field error.
func parseDateParam(name, val string, fe *redress.FieldErrors) redress.Date {
	if val == "" {
		return redress.Date{}
	}
	day, err := redress.ParseDate(val)
	if err != nil {
		fe.Add(name, "date")
	}
	return day
}

// parseBoolParam reads a switch of the filter form or the API: 1/true/on or 0/false/off.
func parseBoolParam(name, val string, fe *redress.FieldErrors) bool {
	switch val {
	case "", "0", "false", "off":
		return false
	case "1", "true", "on":
		return true
	}
	fe.Add(name, "one_of", "1, 0")
	return false
}

// parseChoiceParam reads one of choices; empty is the first.
func parseChoiceParam(name, val string, choices []string, fe *redress.FieldErrors) string {
	if val == "" {
		return choices[0]
	}
	if !slices.Contains(choices, val) {
		fe.Add(name, "one_of", strings.Join(choices, ", "))
		return choices[0]
	}
	return val
}

// sortFieldErrors orders field errors as order lists their fields (the order a form
// shows them), keeping the order found within a field; fields not listed go last.
func sortFieldErrors(fe redress.FieldErrors, order []string) redress.FieldErrors {
	rank := func(field string) int {
		if i := slices.Index(order, field); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortStableFunc(fe, func(a, b redress.FieldError) int { return rank(a.Field) - rank(b.Field) })
	return fe
}

// parsePaging reads the page and per_page parameters of a paged list into page and
// perPage, which hold their defaults: a value out of range is a field error naming it.
func parsePaging(get func(string) string, maxPerPage int, page, perPage *int, fe *redress.FieldErrors) {
	for _, n := range []struct {
		name  string
		limit int
		to    *int
	}{{"page", maxPage, page}, {"per_page", maxPerPage, perPage}} {
		if val := get(n.name); val != "" {
			i, err := strconv.Atoi(val)
			if err != nil || i < 1 || i > n.limit {
				fe.Add(n.name, "number_range", n.limit)
				continue
			}
			*n.to = i
		}
	}
}

// intersectUnits is the units in both sets; all stands for every unit.
func intersectUnits(allA bool, a []string, allB bool, b []string) (bool, []string) {
	switch {
	case allA && allB:
		return true, nil
	case allA:
		return false, b
	case allB:
		return false, a
	}
	var out []string
	for _, u := range a {
		if slices.Contains(b, u) {
			out = append(out, u)
		}
	}
	return false, out
}

// searchQueue runs a parsed search through casework, which records a search with
// filters first: a search that cannot be recorded is not run.
func (s *Server) searchQueue(r *http.Request, qq queueQuery) ([]redress.QueueRow, int, error) {
	pr, _ := principal(r)
	rows, total, err := s.Casework.SearchQueue(r.Context(), casework.Actor{UserID: pr.User.ID, Subject: pr.Subject(), RequestID: requestID(r)},
		casework.QueueSearch{Filter: qq.Filter, Page: qq.Page, Given: qq.Given})
	nAll, nUnits := s.Authz.Units(pr.Subject(), permNarrative, "read")
	for i := range rows {
		// An agency the registry lacks is named in the complainant's words: shown
		// only where the caller may read them.
		if rows[i].AgencyName == "" && (nAll || slices.Contains(nUnits, rows[i].Unit)) {
			rows[i].AgencyName = rows[i].AgencyOther
		}
		rows[i].AgencyOther = ""
	}
	return rows, total, err
}

func (s *Server) handleStaffComplaints(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, s.pageLang(w, r))
	if n, err := strconv.Atoi(r.URL.Query().Get("assigned")); err == nil && n > 0 {
		p.Flash = p.T("queue.assigned", "Count", n)
	}
	s.queuePage(w, r, p, http.StatusOK, "", nil)
}

// queuePage shows the queue the request's query asks for; problem (with its status)
// is a bulk step that was refused, shown above the results.
//
// bulk is the refused bulk form, if any: its ticks and its choice of investigator are
// kept, so nothing the officer chose is lost.
func (s *Server) queuePage(w http.ResponseWriter, r *http.Request, p *page, status int, problem string, bulk url.Values) {
	v := &queueView{page: p, values: r.URL.Query(), Errors: map[string]string{}, Problem: problem,
		picked: bulk["ids"], PickedAssignee: bulk.Get("assignee")}
	p.Wide = true // the table of results takes the full width
	qp := &complaintsPage{page: p, Queue: v}
	qq, err := s.parseQueueQuery(r, foldParam)
	var de *redress.Error
	switch {
	case errors.As(err, &de) && de.Code == redress.EINVALID:
		v.setErrors(de.Fields)
		status = http.StatusUnprocessableEntity
	case err != nil:
		s.renderPageError(w, r, p, err)
		return
	default:
		var rows []redress.QueueRow
		var counted int
		rows, counted, err = s.searchQueue(r, qq)
		if err == nil {
			v.Rows, v.Zones, err = s.zonedRows(r, rows)
		}
		if err != nil {
			s.renderPageError(w, r, p, err)
			return
		}
		v.Filtered = len(qq.Given) > 0
		v.listCount = countList(counted, qq.Page, qq.PerPage)
		v.PrevURL, v.NextURL = pageLinks("/staff/complaints", v.values, v.Page, v.Next, !qq.Filter.ByDeadline,
			cursorQueue, queueKeys(rows))
	}
	if err := s.queueChoices(r, v); err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	v.Fold = foldFilters(w, r, "queue_filters", "/staff/complaints", v.values, v.InUse())
	s.render(w, r, status, qp)
}

// queueKeys are the keys of rows, in order: where keyset paging goes on from.
func queueKeys(rows []redress.QueueRow) []redress.ListKey {
	keys := make([]redress.ListKey, len(rows))
	for i, r := range rows {
		keys[i] = redress.ListKey{Time: r.ReceivedAt, ID: r.ID}
	}
	return keys
}

// zonedRows gives each row the zone of its unit (the office's for a unit without its
// own), and names the zones the page's dates are in.
func (s *Server) zonedRows(r *http.Request, rows []redress.QueueRow) ([]queueRow, string, error) {
	units, err := s.DB.ListUnits(r.Context())
	if err != nil {
		return nil, "", err
	}
	office := s.officeZone()
	zones := map[string]*time.Location{}
	for _, u := range units {
		if u.TimeZone != "" {
			if loc, err := time.LoadLocation(u.TimeZone); err == nil {
				zones[u.Name] = loc
			}
		}
	}
	out := make([]queueRow, len(rows))
	var named []string
	for i, row := range rows {
		loc := zones[row.Unit]
		if loc == nil {
			loc = office
		}
		out[i] = queueRow{QueueRow: row, Zone: loc}
		if !slices.Contains(named, loc.String()) {
			named = append(named, loc.String())
		}
	}
	if len(named) == 0 {
		named = append(named, office.String())
	}
	slices.Sort(named)
	return out, strings.Join(named, ", "), nil
}

// queueChoices fills in the choices of the filter form: only units and agencies the
// caller may see, and the people who handle cases.
func (s *Server) queueChoices(r *http.Request, v *queueView) error {
	ctx, p := r.Context(), v.page
	pr, _ := principal(r)
	sub := pr.Subject()
	all, units := s.Authz.Units(sub, permRead, "read")
	nAll, nUnits := s.Authz.Units(sub, permNarrative, "read")
	v.CanSearchText = nAll || len(nUnits) > 0
	choose := func(name, value, label string) option {
		return option{Value: value, Label: label, Checked: v.Val(name) == value}
	}
	for _, st := range workflow.States {
		v.Statuses = append(v.Statuses, choose("status", st, p.T("casestatus."+st)))
	}
	for _, m := range append(slices.Clone(redress.Models), redress.NoAgreement) {
		v.Models = append(v.Models, choose("model", string(m), p.T("model."+string(m))))
	}
	for _, c := range redress.Categories {
		v.Categories = append(v.Categories, choose("category", string(c), p.T("category."+string(c))))
	}
	for _, fn := range redress.Functions {
		v.Functions = append(v.Functions, choose("function", string(fn), p.T("function."+string(fn))))
	}
	for _, c := range redress.CustodyFacts {
		v.Custody = append(v.Custody, choose("custody", c, p.T("custody."+c)))
	}
	for _, o := range queueSorts {
		v.Sorts = append(v.Sorts, choose("sort", o, p.T("queue.sort."+o)))
	}
	known, err := s.DB.ListUnits(ctx)
	if err != nil {
		return err
	}
	for _, u := range known {
		if all || slices.Contains(units, u.Name) {
			v.Units = append(v.Units, choose("unit", u.Name, u.Title+" ("+u.Name+")"))
		}
	}
	agencies, err := s.DB.ComplaintAgencies(ctx, redress.ComplaintFilter{AllUnits: all, Units: units})
	if err != nil {
		return err
	}
	for _, a := range agencies {
		v.Agencies = append(v.Agencies, choose("agency", strconv.FormatInt(a.ID, 10), agencyLabel(p, a.Name)+" ("+a.State+")"))
	}
	users, err := s.Auth.ListUsers(ctx)
	if err != nil {
		return err
	}
	aAll, aUnits := s.Authz.Units(sub, permAssign, "assign")
	v.CanBulkAssign = aAll || len(aUnits) > 0
	investigators, err := s.Casework.QueueAssignees(ctx, sub)
	if err != nil {
		return err
	}
	for _, u := range investigators {
		v.Investigators = append(v.Investigators, option{Value: strconv.FormatInt(u.ID, 10), Label: u.Name})
	}
	for _, u := range users {
		hAll, hUnits := s.Authz.Units(auth.Subject(u.ID), permNarrative, "read")
		if common, commonUnits := intersectUnits(all, units, hAll, hUnits); !u.Disabled && (common || len(commonUnits) > 0) {
			v.Assignees = append(v.Assignees, choose("assignee", strconv.FormatInt(u.ID, 10), u.Name))
		}
	}
	return nil
}
