package intake

import (
	"context"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/workflow"
)

// Outcome is how a finished case ended, as its complainant may read it: codes only,
// for the catalogs to put in words. It holds nothing staff wrote (no reason, no note)
// and no one's name, but Letter: the paragraph written for the complainant to read,
// under the standard words, in their language, fixed when the closure was approved.
type Outcome struct {
	Disposition workflow.Disposition
	DecidedAt   time.Time
	Letter      string
	// Findings are the approved finding on each allegation, in filing order; only a
	// case closed on findings (findings_made) has them.
	Findings []AllegationFinding
	// State and UnderAgreement choose the outside avenues the outcome names (the
	// state's attorney general; ICE's OPR for a complaint under a 287(g) agreement).
	State          string
	UnderAgreement bool
}

// AllegationFinding is the finding on one allegation.
type AllegationFinding struct {
	Category redress.Category
	Finding  workflow.Finding
}

// Outcome returns how the complaint ended, or nil while it is open. A reopened case has
// no outcome until it ends again: the earlier one is no longer final, and the findings
// stored on its allegations may be a new proposal nobody has approved yet.
func (s *Service) Outcome(ctx context.Context, complaintID int64) (*Outcome, error) {
	st, err := s.DB.CaseState(ctx, complaintID)
	if err != nil || st.Disposition == "" {
		return nil, err
	}
	c, _, err := s.DB.Complaint(ctx, complaintID)
	if err != nil {
		return nil, err
	}
	// The case state was read first. A status still closed or withdrawn since the moment
	// it was closed (status_changed_at and closed_at are written together) means no step
	// came in between that could have changed the findings read with it.
	if workflow.Open(c.Status) || !c.StatusChangedAt.Equal(st.ClosedAt) {
		return nil, nil
	}
	out := &Outcome{Disposition: workflow.Disposition(st.Disposition), DecidedAt: st.ClosedAt, Letter: st.OutcomeLetter,
		State: c.State, UnderAgreement: c.AgreementID != 0}
	if out.Disposition != workflow.FindingsMade {
		return out, nil
	}
	for _, a := range c.Allegations {
		if f := st.Findings[a.ID]; f != "" {
			out.Findings = append(out.Findings, AllegationFinding{Category: a.Category, Finding: workflow.Finding(f)})
		}
	}
	return out, nil
}
