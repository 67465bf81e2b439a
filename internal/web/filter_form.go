package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/redress-oversight/redress/internal/redress"
)

// The filter forms of the oversight pages (the audit log and the export): values as
// typed, errors in the page's language, and the choices offered.

// filterForm is a filter form as filled in and what was wrong with it, for the
// oversight pages. Labels come from the catalog under prefix.
type filterForm struct {
	page    *page
	values  url.Values
	prefix  string
	Errors  map[string]string
	order   []string
	choices map[string][]option
}

func newFilterForm(p *page, values url.Values, prefix string) *filterForm {
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
		label := f.page.T(f.prefix + name)
		if label == f.prefix+name {
			// Not one of the form's fields (a parameter refused as unknown): named as
			// typed, with no field to link to.
			out = append(out, errorLink{Label: name, Message: f.Errors[name]})
			continue
		}
		out = append(out, errorLink{ID: "filter-" + name, Label: label, Message: f.Errors[name]})
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
	Page    *page
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
		opts = append(opts, option{Value: strconv.FormatInt(a.ID, 10), Label: agencyLabel(f.page, a.Name) + " (" + a.State + ")"})
	}
	f.choose("agency", opts)
	agreements, err := s.DB.ComplaintAgreements(r.Context(), scope)
	if err != nil {
		return err
	}
	opts = nil
	for _, a := range agreements {
		opts = append(opts, option{Value: strconv.FormatInt(a.ID, 10),
			Label: agencyLabel(f.page, a.AgencyName) + " (" + a.State + ") – " + string(a.Model) + " #" + strconv.FormatInt(a.ID, 10)})
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

// A list page's filters fold away above its rows, so the rows come first. They show
// open while a filter is in use or wrong; otherwise as the person last chose, without
// script: the form's submit and a "hide filters" link carry ?filters=open or closed,
// which a cookie for that page remembers.

// foldParam is the page-only query parameter that opens or folds the filters.
const foldParam = "filters"

// filterFold is the open-or-folded state of a page's filter form.
type filterFold struct {
	Open  bool
	InUse bool
	// HideURL is this very page with the filters folded (and that remembered).
	HideURL string
}

// foldFilters decides whether the filters of the page at path show open, and
// remembers an explicit choice in the cookie named cookie. inUse: a filter is set or
// wrong. values are the request's query, which HideURL keeps but for the choice.
func foldFilters(w http.ResponseWriter, r *http.Request, cookie, path string, values url.Values, inUse bool) filterFold {
	choice := values.Get(foldParam)
	switch choice {
	case "open", "closed":
		http.SetCookie(w, &http.Cookie{Name: cookie, Value: choice, Path: path, MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	default:
		if c, err := r.Cookie(cookie); err == nil {
			choice = c.Value
		}
	}
	q := url.Values{}
	for k, vals := range values {
		if k != foldParam && k != "lang" {
			q[k] = vals
		}
	}
	q.Set(foldParam, "closed")
	return filterFold{Open: inUse || choice == "open", InUse: inUse, HideURL: path + "?" + q.Encode()}
}
