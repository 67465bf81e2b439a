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
