package casework

import (
	"context"
	"slices"
	"strings"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/workflow"
)

// Triage: priority, categories, unit, agency and links of a complaint.

// TriageInput is what an intake officer decides.
type TriageInput struct {
	AgencyID int64
	// AgreementID sets or corrects the agreement (MOA) the complaint falls under, one of
	// its agency's; ClearAgreement says none does. Either needs AgreementReason, kept in
	// the audit event. Left at zero, the agreement stays, or follows a new agency.
	AgreementID     int64
	ClearAgreement  bool
	AgreementReason string
	Priority        string
	Unit            string
	Categories      []redress.Category
	// Related are tracking numbers of duplicates or related complaints.
	Duplicates []string
	Related    []string
	// LinkAnyUnit and LinkUnits are the units whose complaints the caller may read
	// (every unit with LinkAnyUnit). A tracking number of a complaint outside them is
	// answered exactly as one no complaint has: triage must not tell whether a complaint
	// exists in a unit the caller cannot see.
	LinkAnyUnit bool
	LinkUnits   []string
	// MarkTriaged makes the triage transition in the same step: the fields are saved
	// and the status moves on together, or neither happens.
	MarkTriaged bool
}

// Triage applies a triage decision. Unknown categories, priorities or tracking numbers
// are field errors; nothing is half-applied.
func (s *Service) Triage(ctx context.Context, a Actor, c redress.Complaint, in TriageInput, units []redress.Unit) error {
	if err := mustBeOpen(c); err != nil {
		return err
	}
	var fe redress.FieldErrors
	checkTriageChoices(in, units, &fe)
	byHand := in.AgreementID != 0 || in.ClearAgreement
	if err := s.checkAgreement(ctx, c, in, &fe); err != nil {
		return err
	}
	unattributed, err := s.triageAgency(ctx, c, &in, &fe)
	if err != nil {
		return err
	}
	if in.ClearAgreement {
		unattributed = redress.AttributionCleared
	}
	// A move to another unit leaves the running clocks' due times as they are. They
	// measure how long the office as a whole takes to answer the complainant, who is
	// owed the same deadline whoever works the case; recomputing them would let a
	// transfer extend a deadline (or make one missed before the move on time again). The
	// new unit's deadlines apply to the clocks started from now on (at resolution) and
	// to how a pause is counted when the case resumes.
	ch := store.TriageChange{ComplaintID: c.ID, AgencyID: in.AgencyID, AgreementID: in.AgreementID,
		ClearAgreement: unattributed != "", Attribution: unattributed, Priority: in.Priority, Unit: in.Unit, Categories: in.Categories, Audit: a.event(redress.ActionTriaged)}
	if byHand {
		ch.AgreementReason = strings.TrimSpace(in.AgreementReason)
	}
	if ch.Links, err = s.triageLinks(ctx, in, &fe); err != nil {
		return err
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if in.MarkTriaged {
		// Checked with the fields, written with them: a case the triage step is not
		// possible from keeps its fields as they were.
		then, err := s.statusChange(ctx, a, c, nil, TransitionInput{Transition: workflow.Triage})
		if err != nil {
			return err
		}
		ch.Then = &then
	}
	if changed := in.AgreementID != 0 && in.AgreementID != c.AgreementID; changed || (ch.ClearAgreement && c.AgreementID != 0) {
		if ch.StartClocks, ch.StopClocks, err = s.agreementClocks(ctx, c, in); err != nil {
			return err
		}
	}
	return s.DB.Triage(ctx, ch)
}

// maxAgreementReason bounds the reason given for setting an agreement by hand.
const maxAgreementReason = 1000

// checkAgreement checks an agreement set by hand: one of the agency's (the new agency's,
// when triage changes it too), with a reason.
func (s *Service) checkAgreement(ctx context.Context, c redress.Complaint, in TriageInput, fe *redress.FieldErrors) error {
	if in.AgreementID == 0 && !in.ClearAgreement {
		return nil
	}
	switch reason := strings.TrimSpace(in.AgreementReason); {
	case reason == "":
		fe.Add("agreement_reason", "required")
	case len([]rune(reason)) > maxAgreementReason:
		fe.Add("agreement_reason", "too_long", maxAgreementReason)
	}
	if in.AgreementID == 0 {
		return nil
	}
	if in.ClearAgreement {
		fe.Add("agreement_id", "not_allowed")
		return nil
	}
	agency := c.AgencyID
	if in.AgencyID > 0 {
		agency = in.AgencyID
	}
	ag, err := s.DB.Agreement(ctx, in.AgreementID)
	if redress.ErrorCode(err) == redress.ENOTFOUND || (err == nil && ag.AgencyID != agency) {
		fe.Add("agreement_id", "not_agency_agreement")
		return nil
	}
	return err
}

// checkTriageChoices checks the priority, unit and categories against what exists.
func checkTriageChoices(in TriageInput, units []redress.Unit, fe *redress.FieldErrors) {
	if in.Priority != "" && !contains(Priorities, in.Priority) {
		fe.Add("priority", "one_of", strings.Join(Priorities, ", "))
	}
	if in.Unit != "" {
		found := false
		for _, u := range units {
			found = found || u.Name == in.Unit
		}
		if !found {
			fe.Add("unit", "unknown_unit")
		}
	}
	for _, c := range in.Categories {
		if !contains(redress.Categories, c) {
			fe.Add("categories", "unknown_code", c)
			break
		}
	}
}

// triageAgency checks a new agency and, unless an agreement is given, picks the one
// that follows it into in.AgreementID. A non-empty clear is why none follows: the old
// agreement must go, and the reason is kept (redress.Attribution*).
func (s *Service) triageAgency(ctx context.Context, c redress.Complaint, in *TriageInput, fe *redress.FieldErrors) (clear string, err error) {
	if in.AgencyID == 0 {
		return "", nil
	}
	if _, err := s.DB.Agency(ctx, in.AgencyID); redress.ErrorCode(err) == redress.ENOTFOUND {
		fe.Add("agency_id", "unknown_agency")
		return "", nil
	} else if err != nil {
		return "", err
	}
	if in.AgreementID != 0 || in.AgencyID == c.AgencyID {
		return "", nil
	}
	// The agreement follows the agency, chosen as at filing: the one in force on the
	// incident date that covers the functions involved.
	ags, err := s.DB.AgreementsForAgencyOn(ctx, in.AgencyID, c.IncidentDate)
	if err != nil {
		return "", err
	}
	at := redress.AttributeAgreement(ags, c.IncidentDate, c.Functions)
	if at.Agreement != nil {
		in.AgreementID = at.Agreement.ID
		return "", nil
	}
	return at.Reason, nil // the old agency's MOA does not follow the complaint
}

// triageLinks resolves the tracking numbers of duplicates and related complaints;
// one that is unknown, or in a unit the officer cannot link to, is a field error.
func (s *Service) triageLinks(ctx context.Context, in TriageInput, fe *redress.FieldErrors) ([]redress.ComplaintLink, error) {
	var links []redress.ComplaintLink
	for kind, list := range map[string][]string{"duplicate": in.Duplicates, "related": in.Related} {
		for _, tn := range list {
			if strings.TrimSpace(tn) == "" {
				continue
			}
			ref, err := s.DB.ComplaintByTracking(ctx, redress.NormalizeTrackingNumber(tn))
			if err != nil && redress.ErrorCode(err) != redress.ENOTFOUND {
				return nil, err
			}
			if err != nil || !in.LinkAnyUnit && !slices.Contains(in.LinkUnits, ref.Unit) {
				fe.Add(kind, "unknown_tracking", tn)
				continue
			}
			links = append(links, redress.ComplaintLink{OtherID: ref.ID, Kind: kind})
		}
	}
	return links, nil
}

// agreementClocks are the clocks that start and stop when triage changes the agreement:
// the new model's own clocks (notify ICE within 48 weekday hours, …) start from when the
// complaint was received, as the MOA counts them, unless the complaint has them already;
// running clocks the new model does not have (or no model, when cleared) stop. Clocks
// already met stay, as history.
func (s *Service) agreementClocks(ctx context.Context, c redress.Complaint, in TriageInput) (start []redress.Clock, stop []string, err error) {
	var model redress.Model
	if in.AgreementID != 0 {
		ag, err := s.DB.Agreement(ctx, in.AgreementID)
		if err != nil {
			return nil, nil, err
		}
		model = ag.Model
	}
	unit := c.Unit
	if in.Unit != "" {
		unit = in.Unit
	}
	clocks, err := s.UnitDeadlines(ctx, unit)
	if err != nil {
		return nil, nil, err
	}
	have, err := s.DB.Clocks(ctx, c.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, k := range startClocks(clocks, model, deadline.EventReceived, c.ReceivedAt) {
		if !slices.ContainsFunc(have, func(h redress.Clock) bool { return h.Name == k.Name }) {
			start = append(start, k)
		}
	}
	for _, h := range have {
		if rule, ok := clocks.Clock(h.Name); ok && h.MetAt.IsZero() && !rule.AppliesTo(model) {
			stop = append(stop, h.Name)
		}
	}
	return start, stop, nil
}
