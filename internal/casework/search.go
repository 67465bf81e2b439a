package casework

import (
	"context"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
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
	q.Filter.DueSoonBy = s.dueSoonBy(s.now())
	return s.DB.SearchComplaints(ctx, q.Filter)
}

// dueSoonBy is, per clock, the latest due time that counts as due soon at now, by the
// default deadlines (a unit that counts a clock in other units differs by at most a
// weekend; the case page words each clock by its unit's own rule).
func (s *Service) dueSoonBy(now time.Time) map[string]time.Time {
	by := make(map[string]time.Time, len(s.Deadlines.Clocks))
	for _, k := range s.Deadlines.Clocks {
		by[k.Name] = deadline.DueSoonBy(now, k, s.Deadlines.Loc())
	}
	return by
}

// ClockStates words where each of a case's clocks stands at now, by the deadlines of the
// case's unit: the one rule (deadline.Config.StateOf) the case page, the case API and
// the queue share.
func (s *Service) ClockStates(ctx context.Context, unit string, clocks []redress.Clock, now time.Time) ([]deadline.Status, error) {
	cfg, err := s.UnitDeadlines(ctx, unit)
	if err != nil {
		return nil, err
	}
	out := make([]deadline.Status, len(clocks))
	for i, k := range clocks {
		out[i] = cfg.StateOf(k, now)
	}
	return out, nil
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

// SearchTag stands for free text searched in an audit event: the trail's one tag
// (audit.Tag), so the queue's words and the log's actor filter tag alike.
func (s *Service) SearchTag(text string) string { return audit.Tag(s.Box, text) }
