package web

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gorilla/mux"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/redress"
)

// The audit log for oversight auditors and supervisors: the page and
// GET /api/v1/audit/events take the same query parameters, read by parseAuditQuery.
// Every look at the log is an audit event of its own, recording the filters, never the
// events found.

// Permissions checked on the audit trail (policies/policy.csv).
const (
	// permAuditLog, asked in a complaint's unit, lets one read the events about it; held
	// in every unit, all events.
	permAuditLog = "audit.log"
	// permAuditExport, held in every unit, lets one export the trail.
	permAuditExport = "audit.trail"
)

// Audit actions of looking at the trail (docs/audit-events.md).
const (
	actionAuditSearched      = "audit.searched"
	actionAuditHistoryViewed = "audit.history_viewed"
)

// auditFilterNames are the log's filters, in the order the form shows them and errors
// are listed; page and per_page only page it.
var auditFilterNames = []string{"complaint", "agreement", "agency", "actor", "action", "from", "to"}

const (
	defaultAuditPerPage = 50
	maxAuditPerPage     = 200
)

// auditQuery is a request for the log as read.
type auditQuery struct {
	Filter  redress.AuditFilter
	Page    int
	PerPage int
	// Given holds the filters given: the audit event's details, the actor as a subject
	// or a tag (auditActorGiven), never an address or other text as typed.
	Given map[string]any
}

// parseAuditQuery reads the log's query parameters. The events searched are those the
// caller may read: all of them with audit.log in every unit, else those about
// complaints now in the caller's units.
func (s *Server) parseAuditQuery(r *http.Request) (auditQuery, error) {
	ctx := r.Context()
	pr, _ := principal(r)
	v := r.URL.Query()
	get := func(name string) string { return strings.TrimSpace(v.Get(name)) }
	aq := auditQuery{Page: 1, PerPage: defaultAuditPerPage, Given: map[string]any{}}
	for _, name := range auditFilterNames {
		if val := get(name); val != "" {
			aq.Given[name] = val
		}
	}
	f := &aq.Filter
	f.NewestFirst = true
	all, units := s.Authz.Units(pr.Subject(), permAuditLog, "read")
	f.Scoped, f.Units = !all, units

	var fe redress.FieldErrors
	var err error
	if f.ComplaintID, err = s.parseComplaintParam(ctx, "complaint", get("complaint"), all, units, &fe); err != nil {
		return aq, err
	}
	f.AgreementID = parseIDParam("agreement", get("agreement"), &fe)
	f.AgencyID = parseIDParam("agency", get("agency"), &fe)
	f.Actor, f.Action = get("actor"), get("action")
	f.From, f.To = parseTimeRange(get("from"), get("to"), &fe)
	// upto holds the pages of one search still while events are added.
	f.UptoID = parseIDParam("upto", get("upto"), &fe)
	parsePaging(get, maxAuditPerPage, &aq.Page, &aq.PerPage, &fe)
	f.Limit, f.Offset = aq.PerPage, (aq.Page-1)*aq.PerPage
	fe = append(fe, redress.FieldsOf(f.Validate())...)
	if f.Actor != "" && !fe.Has("actor") {
		if f.Actor, err = s.auditActor(ctx, f.Actor, &fe); err != nil {
			return aq, err
		}
		if f.Actor != "" {
			aq.Given["actor"] = s.auditActorGiven(f.Actor)
		}
	}
	if tn := redress.NormalizeTrackingNumber(get("complaint")); tn != "" {
		aq.Given["complaint"] = tn
	}
	order := append(slices.Clone(auditFilterNames), "upto", "page", "per_page")
	return aq, sortFieldErrors(fe, order).Err()
}

// auditActor is the subject an actor filter names: as given, or the account of a staff
// member given by address, for people who do not know account ids.
func (s *Server) auditActor(ctx context.Context, actor string, fe *redress.FieldErrors) (string, error) {
	if !strings.Contains(actor, "@") {
		return actor, nil
	}
	u, err := s.Auth.UserByEmail(ctx, actor)
	switch {
	case redress.ErrorCode(err) == redress.ENOTFOUND:
		fe.Add("actor", "unknown_actor")
		return "", nil
	case err != nil:
		return "", err
	}
	return auth.Subject(u.ID), nil
}

// parseComplaintParam reads a tracking number and finds its complaint's id. A complaint
// outside the units the caller may look in (all, units) is answered as one that does not
// exist: the filter must not tell whether another unit has it.
func (s *Server) parseComplaintParam(ctx context.Context, name, val string, all bool, units []string, fe *redress.FieldErrors) (int64, error) {
	if val == "" {
		return 0, nil
	}
	tracking := redress.NormalizeTrackingNumber(val)
	if tracking == "" {
		fe.Add(name, "tracking_number")
		return 0, nil
	}
	ref, err := s.DB.ComplaintByTracking(ctx, tracking)
	switch {
	case err != nil && redress.ErrorCode(err) != redress.ENOTFOUND:
		return 0, err
	case err != nil || !all && !slices.Contains(units, ref.Unit):
		fe.Add(name, "unknown_tracking", tracking)
		return 0, nil
	}
	return ref.ID, nil
}

func parseIDParam(name, val string, fe *redress.FieldErrors) int64 {
	if val == "" {
		return 0
	}
	id, err := strconv.ParseInt(val, 10, 64)
	if err != nil || id <= 0 {
		fe.Add(name, "id")
		return 0
	}
	return id
}

// parseTimeRange reads from and to: each a day (UTC; to includes its whole day) or an
// RFC 3339 time (to excluded), as `redress audit export` takes them. Whether they make
// a range is AuditFilter.Validate's to say.
func parseTimeRange(from, to string, fe *redress.FieldErrors) (time.Time, time.Time) {
	read := func(name, val string, upper bool) time.Time {
		if val == "" {
			return time.Time{}
		}
		if d, err := time.Parse(time.DateOnly, val); err == nil {
			if upper {
				d = d.AddDate(0, 0, 1)
			}
			return d
		}
		t, err := time.Parse(time.RFC3339Nano, val)
		if err != nil {
			fe.Add(name, "date_time")
			return time.Time{}
		}
		return t.UTC()
	}
	return read("from", from, false), read("to", to, true)
}

// searchAudit runs a parsed query of the log. The look is recorded first: a search
// that cannot be recorded is not run. It returns the UptoID that holds later pages of
// the same search still (the newest event found, unless the query named one).
func (s *Server) searchAudit(r *http.Request, aq auditQuery) ([]redress.AuditEntry, int, int64, error) {
	pr, _ := principal(r)
	ev := redress.AuditEvent{Actor: pr.Subject(), Action: actionAuditSearched, RequestID: requestID(r),
		Details: map[string]any{"filters": aq.Given, "page": aq.Page}}
	if err := s.DB.RecordAudit(r.Context(), ev); err != nil {
		return nil, 0, 0, err
	}
	entries, total, err := s.DB.SearchAudit(r.Context(), aq.Filter)
	upto := aq.Filter.UptoID
	if upto == 0 && len(entries) > 0 && aq.Page == 1 {
		upto = entries[0].ID
	}
	return entries, total, upto, err
}

// filterForm is a filter form as filled in and what was wrong with it, for the
// oversight pages. Labels come from the catalog under prefix.
type filterForm struct {
	page    *pageData
	values  url.Values
	prefix  string
	Errors  map[string]string
	order   []string
	choices map[string][]option
}

func newFilterForm(p *pageData, values url.Values, prefix string) *filterForm {
	return &filterForm{page: p, values: values, prefix: prefix, Errors: map[string]string{}, choices: map[string][]option{}}
}

// Val is a parameter as typed, to fill the form in again.
func (f *filterForm) Val(name string) string { return f.values.Get(name) }

// Err is the problem with a parameter, in the page's language.
func (f *filterForm) Err(name string) string { return f.Errors[name] }

// ErrorList is the summary above the form, each entry linking to its field.
func (f *filterForm) ErrorList() []errorLink {
	var out []errorLink
	for _, name := range f.order {
		out = append(out, errorLink{ID: "filter-" + name, Label: f.page.T(f.prefix + name), Message: f.Errors[name]})
	}
	return out
}

// errorSummary is what the shared error summary draws.
type errorSummary struct {
	Title  string
	Errors []errorLink
}

// Summary is the error summary above the form (empty when nothing is wrong).
func (f *filterForm) Summary() errorSummary {
	return errorSummary{Title: f.page.T("form.errors_title"), Errors: f.ErrorList()}
}

func (f *filterForm) setErrors(fe redress.FieldErrors) {
	for _, e := range fe {
		if _, dup := f.Errors[e.Field]; !dup {
			f.Errors[e.Field] = f.page.T("rule."+e.Rule, "Param", e.Param)
			f.order = append(f.order, e.Field)
		}
	}
}

// filterField is one field as the shared pieces of oversight_partials.html draw it.
type filterField struct {
	Form    *filterForm
	Page    *pageData
	Name    string
	Label   string
	Hint    string
	Options []option
}

// Field gathers what the form draws for the parameter name; a hint is the catalog's
// "<prefix><name>_hint" when it has one.
func (f *filterForm) Field(name string) filterField {
	ff := filterField{Form: f, Page: f.page, Name: name, Label: f.page.T(f.prefix + name), Options: f.choices[name]}
	if h := f.page.T(f.prefix + name + "_hint"); h != f.prefix+name+"_hint" {
		ff.Hint = h
	}
	return ff
}

// choose makes the options of a select, marking the one the form holds.
func (f *filterForm) choose(name string, opts []option) {
	for i := range opts {
		opts[i].Checked = f.Val(name) == opts[i].Value
	}
	f.choices[name] = opts
}

// auditKeyView is the public key as the oversight pages show it.
type auditKeyView struct {
	ID, Public string
}

// oversightPage starts an oversight page: the staff page with the audit key.
func (s *Server) oversightPage(w http.ResponseWriter, r *http.Request) *pageData {
	p := s.newPage(r, s.pageLang(w, r))
	if len(s.AuditKey) > 0 {
		p.AuditKey = &auditKeyView{ID: audit.KeyID(s.AuditKey), Public: audit.EncodePublicKey(s.AuditKey)}
	}
	return p
}

// auditLogView is the log page: the filter form, and one page of events.
type auditLogView struct {
	Form     *filterForm
	Rows     []auditRowView
	Total    int
	Filtered bool
	Page     int
	Pages    int
	PrevURL  string
	NextURL  string
}

// auditRowView is one event as the log and a complaint's history show it. Details
// never hold identity (docs/audit-events.md), so they are shown as stored.
type auditRowView struct {
	ID             int64
	At             time.Time
	Who            string
	Action         string
	Label          string
	ComplaintID    int64
	TrackingNumber string
	Agency         string
	Agreement      string
	AgreementID    int64
	Seq            int64
	Hash           string // in hex, whole
	ShortHash      string
	Details        string
}

// maxDetailsShown bounds the details a row of the log shows (a registry import lists
// every change); the API and an export give them whole.
const maxDetailsShown = 400

// auditRows words events for a page, looking up names once per page.
type auditRows struct {
	s          *Server
	p          *pageData
	ctx        context.Context
	actors     map[string]string
	agencies   map[int64]string
	agreements map[int64]string
}

func (s *Server) newAuditRows(r *http.Request, p *pageData) *auditRows {
	return &auditRows{s: s, p: p, ctx: r.Context(), actors: map[string]string{
		redress.ActorPublic: p.T("oversight.actor.public"), redress.ActorSystem: p.T("oversight.actor.system"),
		redress.SubjectReceiptHolder: p.T("oversight.actor.receipt_holder")},
		agencies: map[int64]string{}, agreements: map[int64]string{}}
}

// who names an actor: staff by name and account, others in words or as recorded.
func (a *auditRows) who(actor string) string {
	if n, ok := a.actors[actor]; ok {
		return n
	}
	n := a.s.actorName(a.ctx, actor)
	if n != actor {
		n += " (" + actor + ")"
	}
	a.actors[actor] = n
	return n
}

// actorName is a staff account's name for its subject ("user:12"), or the subject as
// recorded when it names no account.
func (s *Server) actorName(ctx context.Context, actor string) string {
	if id, ok := strings.CutPrefix(actor, "user:"); ok {
		if uid, err := strconv.ParseInt(id, 10, 64); err == nil {
			if u, err := s.Auth.User(ctx, uid); err == nil {
				return u.Name
			}
		}
	}
	return actor
}

// actionLabel words an audit action in the page's language; ok is false for an action
// the catalog does not word.
func actionLabel(p *pageData, action string) (label string, ok bool) {
	label = p.T("audit.action." + action)
	return label, label != "audit.action."+action
}

// agency names an agency and its state; "" for none.
func (a *auditRows) agency(id int64) string {
	if id == 0 {
		return ""
	}
	name, ok := a.agencies[id]
	if !ok {
		name = "#" + strconv.FormatInt(id, 10)
		if ag, err := a.s.DB.Agency(a.ctx, id); err == nil {
			name = ag.Name + " (" + ag.State + ")"
		}
		a.agencies[id] = name
	}
	return name
}

// agreement names an agreement (MOA) by its model and id; "" for none.
func (a *auditRows) agreement(id int64) string {
	if id == 0 {
		return ""
	}
	label, ok := a.agreements[id]
	if !ok {
		label = "#" + strconv.FormatInt(id, 10)
		if ag, err := a.s.DB.Agreement(a.ctx, id); err == nil {
			label = string(ag.Model) + " " + label
		}
		a.agreements[id] = label
	}
	return label
}

func (a *auditRows) row(e redress.AuditEntry) auditRowView {
	v := auditRowView{ID: e.ID, At: e.OccurredAt, Who: a.who(e.Actor), Action: e.Action,
		ComplaintID: e.ComplaintID, TrackingNumber: e.TrackingNumber, AgreementID: e.AgreementID, Seq: e.Seq}
	if label, ok := actionLabel(a.p, e.Action); ok {
		v.Label = label // else the code alone
	}
	if len(e.Hash) > 0 {
		v.Hash = hex.EncodeToString(e.Hash)
		v.ShortHash = v.Hash[:12]
	}
	v.Agency, v.Agreement = a.agency(e.AgencyID), a.agreement(e.AgreementID)
	if len(e.Details) > 0 {
		b, _ := json.Marshal(e.Details)
		// Staff's words in details (a reason) show their hidden controls as escapes.
		v.Details = redress.ShowHiddenControls(string(b))
		if utf8.RuneCountInString(v.Details) > maxDetailsShown {
			v.Details = string([]rune(v.Details)[:maxDetailsShown]) + "…"
		}
	}
	return v
}

func (s *Server) handleAuditLog(w http.ResponseWriter, r *http.Request) {
	p := s.oversightPage(w, r)
	v := &auditLogView{Form: newFilterForm(p, r.URL.Query(), "oversight.filter.")}
	p.AuditLog, p.Wide = v, true
	status := http.StatusOK
	aq, err := s.parseAuditQuery(r)
	var de *redress.Error
	switch {
	case errors.As(err, &de) && de.Code == redress.EINVALID:
		v.Form.setErrors(de.Fields)
		status = http.StatusUnprocessableEntity
	case err != nil:
		s.renderPageError(w, r, p, err)
		return
	default:
		entries, total, upto, err := s.searchAudit(r, aq)
		if err != nil {
			s.renderPageError(w, r, p, err)
			return
		}
		if upto != 0 {
			v.Form.values.Set("upto", strconv.FormatInt(upto, 10))
		}
		rows := s.newAuditRows(r, p)
		for _, e := range entries {
			v.Rows = append(v.Rows, rows.row(e))
		}
		v.Total, v.Filtered, v.Page = total, len(aq.Given) > 0, aq.Page
		v.Pages = max(1, (total+aq.PerPage-1)/aq.PerPage)
		if v.Page > 1 {
			v.PrevURL = v.pageURL(v.Page - 1)
		}
		if v.Page < v.Pages {
			v.NextURL = v.pageURL(v.Page + 1)
		}
	}
	if err := s.auditChoices(r, v.Form, permAuditLog, "read"); err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	s.render(w, r, status, "oversight_audit.html", p)
}

// pageURL is this search at another page.
func (v *auditLogView) pageURL(page int) string {
	q := url.Values{}
	for k, vals := range v.Form.values {
		if k != "page" && k != "lang" {
			q[k] = vals
		}
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if len(q) == 0 {
		return "/oversight/audit"
	}
	return "/oversight/audit?" + q.Encode()
}

// auditChoices fills in the agency and agreement choices of a filter form: those that
// complaints the caller may look at (permission obj, act) name.
func (s *Server) auditChoices(r *http.Request, f *filterForm, obj, act string) error {
	pr, _ := principal(r)
	all, units := s.Authz.Units(pr.Subject(), obj, act)
	scope := redress.ComplaintFilter{AllUnits: all, Units: units}
	agencies, err := s.DB.ComplaintAgencies(r.Context(), scope)
	if err != nil {
		return err
	}
	var opts []option
	for _, a := range agencies {
		opts = append(opts, option{Value: strconv.FormatInt(a.ID, 10), Label: a.Name + " (" + a.State + ")"})
	}
	f.choose("agency", opts)
	agreements, err := s.DB.ComplaintAgreements(r.Context(), scope)
	if err != nil {
		return err
	}
	opts = nil
	for _, a := range agreements {
		opts = append(opts, option{Value: strconv.FormatInt(a.ID, 10),
			Label: a.AgencyName + " (" + a.State + ") – " + string(a.Model) + " #" + strconv.FormatInt(a.ID, 10)})
	}
	// An agreement no complaint names (a link, a typed URL) is still offered as chosen.
	if id := f.Val("agreement"); id != "" && f.Err("agreement") == "" && !containsValue(opts, id) {
		opts = append(opts, option{Value: id, Label: "#" + id})
	}
	f.choose("agreement", opts)
	return nil
}

func containsValue(opts []option, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}

// auditHistoryView is one complaint's history from the trail, oldest first.
type auditHistoryView struct {
	ComplaintID    int64
	TrackingNumber string
	Agency         string
	Agreement      string
	Rows           []auditRowView
	LogURL         string
}

// handleAuditHistory shows every event about one complaint, views of it included, as
// a timeline. Looking is an event about the complaint.
func (s *Server) handleAuditHistory(w http.ResponseWriter, r *http.Request) {
	p := s.oversightPage(w, r)
	pr, _ := principal(r)
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err != nil {
		s.renderPageError(w, r, p, errNotFound)
		return
	}
	c, _, err := s.DB.Complaint(r.Context(), id)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	if !s.Authz.Allowed(pr.Subject(), c.Unit, permAuditLog, "read") {
		s.deny(w, r, http.StatusForbidden)
		return
	}
	ev := redress.AuditEvent{Actor: pr.Subject(), Action: actionAuditHistoryViewed, RequestID: requestID(r),
		ComplaintID: c.ID, AgencyID: c.AgencyID, AgreementID: c.AgreementID}
	if err := s.DB.RecordAudit(r.Context(), ev); err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	entries, _, err := s.DB.SearchAudit(r.Context(), redress.AuditFilter{ComplaintID: c.ID})
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	rows := s.newAuditRows(r, p)
	v := &auditHistoryView{ComplaintID: c.ID, TrackingNumber: c.TrackingNumber,
		LogURL: "/oversight/audit?" + url.Values{"complaint": {c.TrackingNumber}}.Encode()}
	for _, e := range entries {
		v.Rows = append(v.Rows, rows.row(e))
	}
	v.Agency, v.Agreement = rows.agency(c.AgencyID), rows.agreement(c.AgreementID)
	if v.Agency == "" && s.Authz.Allowed(pr.Subject(), c.Unit, permNarrative, "read") {
		v.Agency = c.AgencyOther // the complainant's words: only for who may read them
	}
	p.AuditHistory, p.Wide = v, true
	s.render(w, r, http.StatusOK, "oversight_history.html", p)
}
