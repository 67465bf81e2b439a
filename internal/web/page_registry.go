package web

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/redress-oversight/redress/internal/redress"
)

// registryPerPage is how many changed agreements one page of /staff/registry shows.
const registryPerPage = 50

// registryView is the registry's history page: the sheets imported, and one page of the
// agreements whose participating sheets disagree, each with every sheet's listing.
type registryView struct {
	Form    *filterForm
	Sheets  []redress.SheetRecord
	Changed []changedAgreementView
	Total   int
	Page    int
	Pages   int
	PrevURL string
	NextURL string
}

// changedAgreementView is one agreement and what each sheet said of it.
type changedAgreementView struct {
	ID       int64
	State    string
	Agency   string
	Model    redress.Model
	Status   string
	Listings []listingView
	Changes  []string
}

// listingView is one sheet's listing of an agreement, worded.
type listingView struct {
	AsOf redress.Date
	File string
	Said string
}

// handleRegistryPage shows the sheets imported and the agreements they disagree on,
// searchable by state and agency name, a page at a time.
func (s *Server) handleRegistryPage(w http.ResponseWriter, r *http.Request) {
	p := &registryPage{page: s.newPage(r, s.pageLang(w, r))}
	v := &registryView{Form: newFilterForm(p.page, r.URL.Query(), "registry.filter.")}
	p.Registry, p.Wide = v, true
	var opts []option
	for _, st := range redress.States {
		opts = append(opts, option{Value: st.Code, Label: st.Name})
	}
	v.Form.choose("state", opts)
	sheets, err := s.DB.SheetRecords(r.Context())
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	v.Sheets = sheets
	f, err := registryFilter(r.URL.Query())
	var de *redress.Error
	switch {
	case errors.As(err, &de) && de.Code == redress.EINVALID:
		v.Form.setErrors(de.Fields)
		s.render(w, r, http.StatusUnprocessableEntity, p)
		return
	case err != nil:
		s.renderPageError(w, r, p, err)
		return
	}
	changed, total, err := s.DB.ChangedAgreements(r.Context(), f)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	for _, h := range changed {
		v.Changed = append(v.Changed, newChangedAgreementView(p.page, h))
	}
	v.paginate(total, f.Offset/registryPerPage+1)
	s.render(w, r, http.StatusOK, p)
}

// registryFilter reads the page's query: state, q (in the agency's name) and page.
func registryFilter(q url.Values) (redress.HistoryFilter, error) {
	f := redress.HistoryFilter{Query: strings.TrimSpace(q.Get("q")), Limit: registryPerPage}
	var fe redress.FieldErrors
	if v := strings.TrimSpace(q.Get("state")); v != "" {
		code, ok := redress.StateCode(v)
		if !ok {
			fe.Add("state", "state")
		}
		f.State = code
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			fe.Add("page", "one_of", "1…1000")
		}
		f.Offset = max(n-1, 0) * registryPerPage
	}
	fe = append(fe, redress.FieldsOf(f.Validate())...)
	return f, fe.Err()
}

func newChangedAgreementView(p *page, h redress.AgreementHistory) changedAgreementView {
	a := h.Agreement
	cv := changedAgreementView{ID: a.ID, Model: a.Model, Status: p.T("registry.status." + string(a.Status))}
	yesNo := func(b bool) string { return p.T("registry." + strconv.FormatBool(b)) }
	for _, l := range h.Listings {
		lv := listingView{AsOf: redress.DateOf(l.Sheet.AsOf), File: l.Sheet.FileName, Said: p.T("registry.kind.pending")}
		if l.Sheet.Kind == redress.SheetParticipating {
			lv.Said = p.T("registry.listing", "Signed", cmp.Or(l.SignedRaw, "–"), "MOA", yesNo(l.MOAListed), "Addendum", yesNo(l.Addendum))
		}
		cv.Listings = append(cv.Listings, lv)
	}
	if a.Agency != nil {
		cv.State, cv.Agency = a.Agency.State, agencyLabel(p, a.Agency.Name)
	}
	for _, c := range h.Changes() {
		old, now := c.Old, c.New
		if b, ok := old.(bool); ok {
			old, now = yesNo(b), yesNo(now.(bool))
		}
		cv.Changes = append(cv.Changes, p.T("registry.change."+c.Field, "Old", old, "New", now))
	}
	return cv
}

// paginate sets the page count and the links to the pages beside this one.
func (v *registryView) paginate(total, page int) {
	v.Total, v.Page = total, page
	v.Pages = max(1, (total+registryPerPage-1)/registryPerPage)
	link := func(n int) string {
		q := url.Values{}
		for _, k := range []string{"state", "q"} {
			if val := v.Form.Val(k); val != "" {
				q.Set(k, val)
			}
		}
		if n > 1 {
			q.Set("page", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return "/staff/registry"
		}
		return "/staff/registry?" + q.Encode()
	}
	if page > 1 {
		v.PrevURL = link(min(page-1, v.Pages))
	}
	if page < v.Pages {
		v.NextURL = link(page + 1)
	}
}
