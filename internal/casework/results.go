package casework

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// ResultsInput is a review officer's record that a case's results were reported to ICE:
// on which day (as "2006-01-02", in the office's zone) and how.
type ResultsInput struct {
	On     string
	Method string
}

// ReportResults records that the results of an ended JEM case were reported to ICE,
// which meets the MOA's "report results within 30 days of resolution" clock. It is owed
// only while that clock runs (ErrNoResultsDue otherwise), once (ErrResultsReported).
// The day may not be in the future, nor before the case ended; the clock counts as met
// at the end of that day (or now, for today), so a report made in time and recorded
// late still counts as in time.
func (s *Service) ReportResults(ctx context.Context, a Actor, c redress.Complaint, in ResultsInput) error {
	cfg, err := s.UnitDeadlines(ctx, c.Unit)
	if err != nil {
		return err
	}
	due := cfg.MetBy(deadline.EventResultsReported)
	clocks, err := s.DB.Clocks(ctx, c.ID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(clocks, func(k redress.Clock) bool { return k.MetAt.IsZero() && slices.Contains(due, k.Name) }) {
		return redress.ErrNoResultsDue
	}
	st, err := s.DB.CaseState(ctx, c.ID)
	if err != nil {
		return err
	}
	now := s.now()
	loc := cfg.Loc()
	on, err := checkResults(in, redress.DateOf(now.In(loc)), redress.DateOf(st.ClosedAt.In(loc)))
	if err != nil {
		return err
	}
	at := now
	if end := time.Date(on.Year, on.Month, on.Day, 23, 59, 59, 0, loc); end.Before(now) {
		at = end
	}
	ev := a.event(redress.ActionResultsReported)
	ev.AgencyID, ev.AgreementID = c.AgencyID, c.AgreementID
	return s.DB.RecordResultsReported(ctx, store.ResultsReport{ComplaintID: c.ID, On: on,
		Method: in.Method, At: at, MeetClocks: due, Audit: ev})
}

// checkResults checks the day and the method: a day from the case's end to today.
func checkResults(in ResultsInput, today, ended redress.Date) (redress.Date, error) {
	var fe redress.FieldErrors
	on, err := redress.ParseDate(strings.TrimSpace(in.On))
	switch {
	case strings.TrimSpace(in.On) == "":
		fe.Add("reported_on", "required")
	case err != nil:
		fe.Add("reported_on", "date")
	case on.After(today):
		fe.Add("reported_on", "future")
	case !ended.IsZero() && on.Before(ended):
		fe.Add("reported_on", "before_closing")
	}
	if !slices.Contains(redress.ResultsMethods, in.Method) {
		fe.Add("method", "one_of", strings.Join(redress.ResultsMethods, ", "))
	}
	return on, fe.Err()
}
