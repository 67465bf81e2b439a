package web

import (
	"errors"
	"net/http"

	"github.com/redress-oversight/redress/internal/intake"
	"github.com/redress-oversight/redress/internal/redress"
)

func (s *Server) handleStatusForm(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	s.render(w, r, http.StatusOK, "status.html", s.newPage(r, s.pageLang(w, r)))
}

// handleStatusSubmit checks a status from the page. Wrong pairs get one generic answer,
// and a client that keeps failing is slowed down.
func (s *Server) handleStatusSubmit(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	p := s.newPage(r, s.pageLang(w, r))
	if err := r.ParseForm(); err != nil {
		s.renderPageError(w, r, p, formReadError(err))
		return
	}
	p.Tracking = r.PostForm.Get("tracking_number")
	if wait := s.limiter.blocked(r); wait > 0 {
		tooMany(w, wait)
		p.Problem = p.T("error.too_many")
		s.render(w, r, http.StatusTooManyRequests, "status.html", p)
		return
	}
	st, err := s.Intake.CheckStatus(r.Context(), p.Tracking, r.PostForm.Get("receipt_code"), intake.Request{RequestID: requestID(r)})
	if errors.Is(err, intake.ErrNoMatch) {
		s.limiter.fail(r)
		p.Problem = p.T("error.status_no_match")
		s.render(w, r, http.StatusNotFound, "status.html", p)
		return
	} else if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	view := s.statusView(p.Lang, st)
	p.Status = &view
	s.render(w, r, http.StatusOK, "status.html", p)
}

// statusView puts a status in plain words in lang, for the page and the API alike.
func (s *Server) statusView(lang string, st intake.Status) statusResponse {
	out := statusResponse{
		TrackingNumber: st.TrackingNumber, Status: st.Status,
		Label:       s.Catalog.T(lang, "status."+st.Status, nil),
		Explanation: s.Catalog.T(lang, "status."+st.Status+".help", nil),
		ReceivedOn:  redress.DateOf(st.ReceivedAt),
	}
	for _, step := range st.Steps {
		out.Steps = append(out.Steps, statusStep{Status: step.Status,
			Label: s.Catalog.T(lang, "status."+step.Status, nil), Date: redress.DateOf(step.At)})
	}
	return out
}

// renderPageError shows an error as a page in the page's language.
func (s *Server) renderPageError(w http.ResponseWriter, r *http.Request, p *pageData, err error) {
	ae := s.classify(r, err)
	p.Message = p.T(ae.key, mapToKV(ae.data)...)
	p.Form, p.Status, p.Receipt = nil, nil, nil
	s.render(w, r, ae.status, "error.html", p)
}

func mapToKV(m map[string]any) []any {
	var kv []any
	for k, v := range m {
		kv = append(kv, k, v)
	}
	return kv
}
