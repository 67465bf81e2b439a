package web

import "github.com/redress-oversight/redress/internal/redress"

// What a search records of the words typed into it: never a name as typed, since the
// audit trail is permanent and exported (internal/audit's searchtag.go says more).

// searchTag stands for free text searched (audit.Service.SearchTag): the log's actor
// filter and the queue's words tag alike.
func (s *Server) searchTag(text string) string { return s.Audit.SearchTag(text) }

// queueFilterGiven is what the search event records of one of the queue's filters:
// free text (q, officer) as a tag, a tracking number as normalized, other values (each
// checked against a fixed set or format before a search runs) as given.
func (s *Server) queueFilterGiven(name, val string) string {
	switch name {
	case "q", "officer":
		return s.searchTag(val)
	case "tracking":
		if tn := redress.NormalizeTrackingNumber(val); tn != "" {
			return tn
		}
	}
	return val
}
