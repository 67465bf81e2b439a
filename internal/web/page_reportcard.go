package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/reports"
)

// The MOA report card (/oversight/agreements/{id}): one agreement's facts and history
// from the registry, its complaints by category and finding, its deadlines and times
// beside the median of the agreements of its model, and the way to its audit log and a
// verified export: what an oversight body brings to an agreement's renewal. It prints
// without the site's menus (app.css's print rules).

// cardFilters are the filters a report card takes: the dashboard's but those that
// choose the agreement.
var cardFilters = slices.DeleteFunc(slices.Clone(dashFilters), func(n string) bool {
	return n == "state" || n == "agency" || n == "agreement" || n == "model"
})

// DashView is the part a card shares with the dashboard, for the shared templates.
func (v *cardView) DashView() *dashView { return &v.dashView }

// cardView is a report card.
type cardView struct {
	dashView
	ID       int64
	Name     string
	Facts    changedAgreementView
	Signed   string
	First    string
	Last     string
	MOA      string
	Audit    string
	Export   string
	Back     string
	Peers    *tableView
	Findings *tableView
}

func (s *Server) handleReportCard(w http.ResponseWriter, r *http.Request) {
	p := &reportCardPage{page: s.newPage(r, s.pageLang(w, r))}
	v := &cardView{dashView: dashView{P: p.page, Action: r.URL.Path, CardForm: true, Form: newFilterForm(p.page, r.URL.Query(), "dash.filter.")}}
	p.Card, p.Wide = v, true
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if s.Reports == nil || err != nil || id <= 0 {
		s.renderPageError(w, r, p, errNotFound)
		return
	}
	h, err := s.DB.AgreementHistory(r.Context(), id)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	v.ID, v.Facts = id, newChangedAgreementView(p.page, h)
	v.Name = v.Facts.Agency + " (" + v.Facts.State + ") – " + string(h.Agreement.Model)
	mq, err := s.parseMeasureQuery(r, slices.Concat(cardFilters, []string{"lang", foldParam, "all"}))
	s.dashChoices(v.Form)
	var de *redress.Error
	switch {
	case errors.As(err, &de) && de.Code == redress.EINVALID:
		v.Form.setErrors(de.Fields)
		v.Fold = foldFilters(w, r, "card_filters", r.URL.Path, r.URL.Query(), true)
		s.render(w, r, http.StatusUnprocessableEntity, p)
		return
	case err != nil:
		s.renderPageError(w, r, p, err)
		return
	}
	card, err := s.Reports.Card(r.Context(), id, mq.Filter)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	a := card.History.Agreement
	yesNo := map[bool]string{true: p.T("card.yes"), false: p.T("card.no")}
	v.Signed, v.MOA = a.SignedRaw, yesNo[a.MOAListed]
	if !a.SignedOn.IsZero() {
		v.Signed = p.D(a.SignedOn)
	}
	if !a.FirstSeen.IsZero() {
		v.First = p.D(a.FirstSeen)
	}
	if !a.LastSeen.IsZero() {
		v.Last = p.D(a.LastSeen)
	}
	// The exports carry the agreement: a card's tables are its agreement's.
	emq := mq
	emq.Values = url.Values{}
	for k, val := range mq.Values {
		emq.Values[k] = val
	}
	emq.Values.Set("agreement", strconv.FormatInt(id, 10))
	s.describePeriod(p.page, &v.dashView, mq, card.Set)
	words := reports.Words{Cat: s.Catalog, Lang: p.Lang}
	charts := words.Draw(card.Set, "c-")
	v.Charts = baseCharts(p.page, charts)
	for _, name := range card.Order {
		tv := s.tableView(p.page, words, emq, card.Tables[name])
		switch name {
		case reports.TablePeers:
			v.Peers = &tv
		case reports.TableFindings:
			v.Findings = &tv
		default:
			v.Tables = append(v.Tables, tv)
		}
	}
	v.Empty = card.Measures.Received == 0
	agreement := strconv.FormatInt(id, 10)
	v.Audit = "/oversight/audit?" + url.Values{"agreement": {agreement}}.Encode()
	if s.mayExport(r) {
		v.Export = "/oversight/export?" + url.Values{"agreement": {agreement}}.Encode()
	}
	v.Back = emq.link("/oversight")
	v.Cases = queueLink(mq.Filter, strconv.FormatInt(a.AgencyID, 10), string(a.Model))
	v.Fold = foldFilters(w, r, "card_filters", r.URL.Path, r.URL.Query(), false)
	s.render(w, r, http.StatusOK, p)
}
