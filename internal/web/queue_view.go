package web

import (
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
)

// The queue page's view: the filter form as filled in, one page of rows, and the
// links that page, sort and fold it.

// queueView is the queue page: the filter form as filled in, what was wrong with it,
// and one page of results.
type queueView struct {
	page   *page
	values url.Values
	Errors map[string]string
	order  []string

	Rows []queueRow
	listCount
	// Fold says whether the filters show open above the rows.
	Fold filterFold
	// Zones names the time zones the rows' dates are in (their units'), for the caption.
	Zones    string
	Filtered bool
	PrevURL  string
	NextURL  string

	CanSearchText                                                   bool
	Statuses, Units, Models, Categories, Agencies, Assignees, Sorts []option
	Functions, Custody                                              []option

	// Bulk assignment: shown to those who assign cases in some unit, offering the
	// people who investigate in one; each complaint is checked again when posted.
	CanBulkAssign bool
	Investigators []option
	// Problem is what went wrong with a bulk step, in the page's language.
	Problem string
	// picked and PickedAssignee are what the refused bulk form had chosen.
	picked         []string
	PickedAssignee string
}

// Picked tells whether the refused bulk form had ticked complaint id.
func (v *queueView) Picked(id int64) bool {
	return slices.Contains(v.picked, strconv.FormatInt(id, 10))
}

// BackURL is this very page of the queue, where a bulk step returns.
func (v *queueView) BackURL() string { return v.pageURL(v.Page) }

// queueRow is one complaint of the queue, its dates in its unit's zone.
type queueRow struct {
	redress.QueueRow
	Zone *time.Location
}

// InUse tells whether a filter is set or wrong: the filters then show open.
func (v *queueView) InUse() bool {
	for _, name := range queueFilters {
		if v.Val(name) != "" {
			return true
		}
	}
	return len(v.Errors) > 0
}

// DeadlineSortURL is this search sorted by next deadline, from the first page.
func (v *queueView) DeadlineSortURL() string {
	q := url.Values{}
	for k, vals := range v.values {
		if k != "page" && k != "lang" && k != "assigned" && k != foldParam {
			q[k] = vals
		}
	}
	q.Set("sort", "deadline")
	return "/staff/complaints?" + q.Encode()
}

// MoreOpen tells whether the less used filters are shown open: when one is set or wrong.
func (v *queueView) MoreOpen() bool {
	for _, name := range []string{"officer", "model", "function", "category", "agency", "assignee", "from", "to"} {
		if v.Val(name) != "" || v.Err(name) != "" {
			return true
		}
	}
	return v.Err("sort") != "" || (v.Val("sort") != "" && v.Val("sort") != "oldest")
}

// Val is a parameter as typed, to fill the form in again.
func (v *queueView) Val(name string) string { return v.values.Get(name) }

// Err is the problem with a parameter, in the page's language.
func (v *queueView) Err(name string) string { return v.Errors[name] }

// ErrorList is the summary above the form, each entry linking to its field.
func (v *queueView) ErrorList() []errorLink {
	var out []errorLink
	for _, name := range v.order {
		if !slices.Contains(queueParams, name) || slices.Contains(cursorParams, name) {
			// Not one of the form's fields: named as typed, with no field to link to.
			out = append(out, errorLink{Label: name, Message: v.Errors[name]})
			continue
		}
		out = append(out, errorLink{ID: "filter-" + name, Label: v.page.T("queue.filter." + name), Message: v.Errors[name]})
	}
	return out
}

// queueField is one filter as the form's shared pieces draw it.
type queueField struct {
	View    *queueView
	Page    *page
	Name    string
	Hint    bool
	Options []option
}

// Field gathers what the form draws for the filter name.
func (v *queueView) Field(name string) queueField {
	f := queueField{View: v, Page: v.page, Name: name, Hint: name == "q"}
	switch name {
	case "status":
		f.Options = v.Statuses
	case "unit":
		f.Options = v.Units
	case "model":
		f.Options = v.Models
	case "category":
		f.Options = v.Categories
	case "function":
		f.Options = v.Functions
	case "custody":
		f.Options = v.Custody
	case "agency":
		f.Options = v.Agencies
	}
	return f
}

func (v *queueView) setErrors(fe redress.FieldErrors) {
	for _, e := range fe {
		if _, dup := v.Errors[e.Field]; !dup {
			v.Errors[e.Field] = v.page.T("rule."+e.Rule, "Param", e.Param)
			v.order = append(v.order, e.Field)
		}
	}
}

// pageURL is this search at another page, with the cursor this one was reached by.
func (v *queueView) pageURL(page int) string {
	return pagedURL("/staff/complaints", v.values, page, "", "")
}
