package web

import (
	"net/http"
	"net/url"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/workflow"
)

// The officer's desk (/staff): what needs the signed-in staff member, each a count and
// a link to the queue filtered to exactly those cases. Each count is the queue's own
// reading of its link (parseQueueValues), so the number and the list cannot disagree,
// and both keep to the units the caller may read.

// deskItem is one count of the desk and the queue search behind it.
type deskItem struct {
	// Key names the item in the catalogs (desk.<key>) and in the page (id desk-<key>).
	Key   string
	Label string
	Count int
	// Shown is the count as the page writes it: past redress.CountBound, "1,000+".
	Shown string
	Href  string
	// Note, when set, says what to do where the link cannot show the cases.
	Note string
}

// deskCase is one of the caller's own cases, by next deadline.
type deskCase struct {
	ID             int64
	TrackingNumber string
	Status         string
	NextDueAt      string // in the office's zone, zone named; "" when no clock runs
	Deadline       string
	Unread         bool
}

// deskView is the desk of one staff member.
type deskView struct {
	Items    []deskItem
	Next     []deskCase
	NextHref string
}

// deskQuery is a desk item's queue search, by key, in the order the desk shows them.
var deskQueries = []struct{ key, query string }{
	{"mine", "assignee=me&open=1"},
	{"overdue", "assignee=me&open=1&overdue=1"},
	{"due_soon", "assignee=me&open=1&due_soon=1"},
	{"unread_mine", "assignee=me&unread=1"},
	{"awaiting", "awaiting=me"},
	{"new_unassigned", "assignee=none&status=received"},
	{"unread_unassigned", "assignee=none&unread=1"},
	{"no_unit", "no_unit=1&open=1"},
}

func (s *Server) handleStaffHome(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, s.pageLang(w, r))
	pr, _ := principal(r)
	desk, err := s.loadDesk(r, p, pr)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	p.Wide = true
	s.render(w, r, http.StatusOK, &staffHomePage{page: p, Desk: desk})
}

// deskShows says which items the caller's roles make sense of: their own cases for
// those who may be assigned one, approvals for those who may approve, the units'
// unassigned cases for those who triage or assign, and the cases no unit covers for
// those who triage in every unit (and can place them) or administer units.
func (s *Server) deskShows(pr auth.Principal) map[string]bool {
	sub := pr.Subject()
	anywhere := func(obj, act string) bool {
		all, units := s.Authz.Units(sub, obj, act)
		return all || len(units) > 0
	}
	triageAll, _ := s.Authz.Units(sub, permTriage, "edit")
	mine := anywhere(workflow.Permission, string(workflow.StartReview))
	unassigned := anywhere(permTriage, "edit") || anywhere(permAssign, "assign")
	return map[string]bool{"mine": mine, "overdue": mine, "due_soon": mine, "unread_mine": mine,
		"awaiting":       anywhere(workflow.Permission, string(workflow.ApproveClose)),
		"new_unassigned": unassigned, "unread_unassigned": unassigned,
		"no_unit": triageAll || s.Authz.AllowedAnywhere(sub, "/admin/units", http.MethodGet)}
}

// loadDesk counts the desk's items for pr and lists their next cases.
func (s *Server) loadDesk(r *http.Request, p *page, pr auth.Principal) (*deskView, error) {
	shows := s.deskShows(pr)
	triageAll, _ := s.Authz.Units(pr.Subject(), permTriage, "edit")
	v := &deskView{NextHref: "/staff/complaints?assignee=me&open=1&sort=deadline"}
	var filters []redress.SearchFilter
	for _, d := range deskQueries {
		if !shows[d.key] {
			continue
		}
		vals, _ := url.ParseQuery(d.query)
		qq, err := s.parseQueueValues(pr, vals)
		if err != nil {
			return nil, err
		}
		item := deskItem{Key: d.key, Label: p.T("desk." + d.key), Href: "/staff/complaints?" + d.query}
		if d.key == "no_unit" && !triageAll {
			// An administrator who reads no cases is told how many wait and where they
			// are placed, never shown them: units and routing rules cover them, and a
			// supervisor of every unit places each at triage.
			qq.Filter.AllUnits, qq.Filter.Units = true, nil
			item.Href, item.Note = "/admin/routing", p.T("desk.no_unit_admin")
		}
		filters = append(filters, qq.Filter)
		v.Items = append(v.Items, item)
	}
	var next redress.SearchFilter
	if shows["mine"] {
		vals, _ := url.ParseQuery("assignee=me&open=1&sort=deadline")
		qq, err := s.parseQueueValues(pr, vals)
		if err != nil {
			return nil, err
		}
		next = qq.Filter
	}
	counts, rows, err := s.Casework.Desk(r.Context(), filters, next)
	if err != nil {
		return nil, err
	}
	for i := range v.Items {
		v.Items[i].Count, v.Items[i].Shown = counts[i], p.N(counts[i])
		if counts[i] > redress.CountBound {
			v.Items[i].Count, v.Items[i].Shown = redress.CountBound, p.N(redress.CountBound)+"+"
		}
	}
	for _, row := range rows {
		c := deskCase{ID: row.ID, TrackingNumber: row.TrackingNumber, Status: row.Status, Deadline: row.Deadline, Unread: row.Unread}
		if !row.NextDueAt.IsZero() {
			c.NextDueAt = p.Time(row.NextDueAt)
		}
		v.Next = append(v.Next, c)
	}
	return v, nil
}
