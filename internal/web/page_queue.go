package web

import (
	"net/http"
	"strconv"

	"github.com/redress-oversight/redress/internal/store"
)

// visibleComplaints lists the complaints of the units in which the caller may read them.
func (s *Server) visibleComplaints(r *http.Request) ([]store.ComplaintSummary, int, error) {
	pr, _ := principal(r)
	all, units := s.Authz.Units(pr.Subject(), permRead, "read")
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	return s.DB.ListComplaints(r.Context(), store.ComplaintFilter{AllUnits: all, Units: units, Offset: max(offset, 0)})
}

func (s *Server) handleStaffComplaints(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, s.pageLang(w, r))
	list, total, err := s.visibleComplaints(r)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	p.Complaints, p.Total = list, total
	s.render(w, r, http.StatusOK, "staff_complaints.html", p)
}
