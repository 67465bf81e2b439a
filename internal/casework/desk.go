package casework

import (
	"context"

	"github.com/redress-oversight/redress/internal/redress"
)

// The officer's desk: what needs the signed-in staff member, each as a number of cases
// and the queue search that lists them. The caller builds each search with the queue's
// own reading of its link, so a count is always what its link shows; the units the
// caller may read apply to every one. Counting is not a search of the queue: it is not
// recorded.

// DeskNextLimit is how many of one's own cases the desk lists by next deadline.
const DeskNextLimit = 5

// Desk counts the complaints of each search in counts, and lists the first
// DeskNextLimit complaints of next (a search ordered by next deadline).
func (s *Service) Desk(ctx context.Context, counts []redress.SearchFilter, next redress.SearchFilter) ([]int, []redress.QueueRow, error) {
	dueSoonBy := s.dueSoonBy(s.now())
	out := make([]int, len(counts))
	for i, f := range counts {
		f.DueSoonBy = dueSoonBy
		n, err := s.DB.CountSearch(ctx, f)
		if err != nil {
			return nil, nil, err
		}
		out[i] = n
	}
	next.DueSoonBy, next.Limit, next.Offset = dueSoonBy, DeskNextLimit, 0
	rows, _, err := s.DB.SearchComplaints(ctx, next)
	if err != nil {
		return nil, nil, err
	}
	return out, rows, nil
}
