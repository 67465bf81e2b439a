package casework

import (
	"context"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// Searching the queue is an audit event, written here with the search. The audit trail
// is permanent, exported and read by oversight bodies: a staff member's search for a
// complainant's or an officer's name must not put that name there. The event keeps
// that text was searched, as a keyed hash (docs/audit-events.md), so repeats of one
// search still show.

// QueueSearch is one search of the staff queue.
type QueueSearch struct {
	// Filter is the search, its units already narrowed to those the caller may see.
	Filter redress.SearchFilter
	Page   int
	// Given is the query parameters given, by name, as typed: the filters and the
	// order. Empty when the caller only lists the queue, which is not recorded.
	Given map[string]string
}

// SearchQueue records a search of the queue, then runs it: one page of the complaints
// that pass the filter, and how many do. A search that cannot be recorded is not run.
// The event holds the filters given and the page, free text (q, officer) only as a tag,
// never the complaints found.
func (s *Service) SearchQueue(ctx context.Context, a Actor, q QueueSearch) ([]redress.QueueRow, int, error) {
	if len(q.Given) > 0 {
		filters := make(map[string]any, len(q.Given))
		for name, val := range q.Given {
			filters[name] = s.queueFilterGiven(name, val)
		}
		ev := a.event(redress.ActionComplaintSearched)
		ev.Details = map[string]any{"filters": filters, "page": q.Page}
		if err := s.DB.RecordAudit(ctx, ev); err != nil {
			return nil, 0, err
		}
	}
	return s.DB.SearchComplaints(ctx, q.Filter)
}

// queueFilterGiven is what the search event records of one of the queue's filters:
// free text (q, officer) as a tag, a tracking number as normalized, other values (each
// checked against a fixed set or format before a search runs) as given.
func (s *Service) queueFilterGiven(name, val string) string {
	switch name {
	case "q", "officer":
		return s.SearchTag(val)
	case "tracking":
		if tn := redress.NormalizeTrackingNumber(val); tn != "" {
			return tn
		}
	}
	return val
}

// searchTagPurpose separates these tags from any other use of the server's key; all
// free text searched shares it, so the same name searched as words or as an officer
// gives the same tag.
const searchTagPurpose = "audit search text v1"

// SearchTag stands for free text searched, in an audit event: "hmac:" and a keyed hash
// of its words, folded as the search folds them (case and accents), so "María López"
// and "maria lopez" tag alike. Without the server's key nobody can test a guessed name
// against it.
func (s *Service) SearchTag(text string) string {
	words := store.SearchWords(foldAccents(text))
	if s.Box == nil {
		return "hmac:" // no key to tag with: only that text was given
	}
	return "hmac:" + s.Box.Tag(searchTagPurpose, []byte(strings.Join(words, " ")))
}

// foldAccents drops combining marks: "López" becomes "Lopez".
func foldAccents(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
