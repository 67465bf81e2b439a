package web

import (
	"context"
	"net/http"

	"github.com/redress-oversight/redress/internal/redress"
)

// staffWords decides, event by event, whether the caller may read staff's own words in
// an audit event's details (a transition's reason, an office's outcome): only under
// the permission that shows the complainant's words, complaint.narrative read, in the
// complaint's unit now (docs/roles.md). An oversight auditor reads the log and each
// complaint's history with those details withheld.
type staffWords struct {
	s   *Server
	ctx context.Context
	sub string
	may map[int64]bool // by complaint; 0 stands for events about no complaint
}

func (s *Server) newStaffWords(r *http.Request) *staffWords {
	pr, _ := principal(r)
	return &staffWords{s: s, ctx: r.Context(), sub: pr.Subject(), may: map[int64]bool{}}
}

// details returns e's details as the caller may read them.
func (w *staffWords) details(e redress.AuditEvent) map[string]any {
	if w.mayRead(e.ComplaintID) {
		return e.Details
	}
	return redress.WithoutStaffWords(e.Action, e.Details)
}

func (w *staffWords) mayRead(complaintID int64) bool {
	if may, ok := w.may[complaintID]; ok {
		return may
	}
	unit := "*" // an event about no complaint: only a reader of every unit
	if complaintID != 0 {
		c, _, err := w.s.DB.Complaint(w.ctx, complaintID)
		if err != nil {
			return false // withheld when the unit cannot be told
		}
		unit = c.Unit
	}
	may := w.s.Authz.Allowed(w.sub, unit, permNarrative, "read")
	w.may[complaintID] = may
	return may
}
