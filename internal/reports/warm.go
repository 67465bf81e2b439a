package reports

import (
	"context"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
)

// Breakdowns are the breakdowns the dashboard shows at a level of the drill-down: the
// level below it, and agreements (their compliance chart) above an agreement.
func Breakdowns(f redress.MeasureFilter) []string {
	switch {
	case f.AgreementID != 0:
		return []string{redress.ByUnit}
	case f.AgencyID != 0:
		return []string{redress.ByAgreement}
	case f.State != "":
		return []string{redress.ByAgency, redress.ByAgreement}
	}
	return []string{redress.ByState, redress.ByAgency, redress.ByAgreement}
}

// Warm asks for what the oversight pages open on, so a cache under Source
// (oversight.Cache) holds it before anyone waits: the dashboard of every unit for the
// last full quarter, as an auditor first sees it, and each model's agreements over that
// quarter, which every report card compares with. These are the costly counts; a
// filtered view (a state, an agency, an agreement) counts a fraction of the rows.
func (s *Service) Warm(ctx context.Context, now time.Time, loc *time.Location) error {
	from, to := LastFullQuarter(now, loc).Bounds(loc)
	f := redress.MeasureFilter{AllUnits: true, From: from, To: to}
	if _, err := s.Build(ctx, f, Breakdowns(f)...); err != nil {
		return err
	}
	for _, m := range redress.Models {
		if _, err := s.peerGroups(ctx, f, m); err != nil {
			return err
		}
	}
	return nil
}
