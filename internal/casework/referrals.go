package casework

import (
	"context"
	"strings"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/workflow"
)

// Referrals to outside offices and the answers they send back.

// Recipients of referrals: the offices a complaint can be sent to.
var ReferralRecipients = []string{"agency_ia", "ice_opr", "dhs_oig", "dhs_crcl", "state_ag", "other"}

// ReferralInput sends a complaint to one or more offices at once.
type ReferralInput struct {
	Recipients []string
	Other      string // the office, when "other" is chosen
	Method     string // email, mail, portal, phone…
	Shared     string // what was sent, in words
	// WithIdentity asks to share identity; it goes only to recipients the complainant
	// consented to.
	WithIdentity bool
	DueDays      int
}

// Refer records referrals and sends each office of the directory that stands for a
// recipient a referral letter through the outbox, in the same transaction. Identity is
// shared only with recipients the complainant consented to, whatever the officer
// asked; sealed is the complaint's sealed identity, opened only for such a letter.
func (s *Service) Refer(ctx context.Context, a Actor, c redress.Complaint, sealed []byte, in ReferralInput) ([]redress.Referral, error) {
	if err := mustBeOpen(c); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	days := in.DueDays
	if days <= 0 {
		days = MailReferralDefaultDays
	}
	offices, err := s.Offices(ctx)
	if err != nil {
		return nil, err
	}
	letters, err := s.newLetters(ctx, c, sealed)
	if err != nil {
		return nil, err
	}
	var refs []store.NewReferral
	for _, r := range in.Recipients {
		consented := contains(c.Consent, redress.Recipient(r))
		ref := redress.Referral{ComplaintID: c.ID, Recipient: r, Method: strings.TrimSpace(in.Method), Shared: strings.TrimSpace(in.Shared),
			IdentityShared: in.WithIdentity && consented && !c.Anonymous, DueAt: s.now().AddDate(0, 0, days)}
		if r == "other" {
			ref.RecipientOther = strings.TrimSpace(in.Other)
		}
		nr := store.NewReferral{Referral: ref}
		if o, ok := redress.OfficeFor(offices, r, c); ok && r != "other" {
			if nr.Letter, err = letters.compose(o, ref); err != nil {
				return nil, err
			}
			nr.OfficeID, nr.OfficeName = o.ID, o.Name
			if nr.Method == "" {
				nr.Method = "email"
			}
		}
		refs = append(refs, nr)
	}
	out, err := s.DB.AddReferrals(ctx, refs, a.event(redress.ActionReferred))
	if err != nil {
		return nil, err
	}
	// A referral to ICE's OPR is how ICE is notified (the JEM and WSO 48-hour clock).
	if contains(in.Recipients, "ice_opr") {
		if err := s.DB.MeetClocks(ctx, c.ID, s.Deadlines.MetBy(deadline.EventICENotified)...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// maxReferralShared bounds what the officer writes they send (it goes into the letter).
const maxReferralShared = 5000

func (in ReferralInput) validate() error {
	var fe redress.FieldErrors
	if len(in.Recipients) == 0 {
		fe.Add("recipients", "required_one")
	}
	for _, r := range in.Recipients {
		if !contains(ReferralRecipients, r) {
			fe.Add("recipients", "unknown_code", r)
			break
		}
	}
	if contains(in.Recipients, "other") && strings.TrimSpace(in.Other) == "" {
		fe.Add("other", "required")
	}
	if len([]rune(strings.TrimSpace(in.Shared))) > maxReferralShared {
		fe.Add("shared", "too_long", maxReferralShared)
	}
	return fe.Err()
}

// ResumeOnReply is the step a complainant's reply takes a case that waited on them:
// back under review, its paused clocks running again. It is nil when the case waits on
// no one. The reply's own transaction applies it (casefile.Reply), so a reply is never
// stored with the clocks still paused. The complainant is the actor, by their receipt.
func (s *Service) ResumeOnReply(ctx context.Context, complaintID int64, requestID string) (*store.StatusChange, error) {
	c, _, err := s.DB.Complaint(ctx, complaintID)
	if err != nil || c.Status != workflow.StatusWaitingOnComplainant {
		return nil, err
	}
	ch, err := s.statusChange(ctx, Actor{Subject: redress.SubjectReceiptHolder, RequestID: requestID}, c, nil,
		TransitionInput{Transition: workflow.ComplainantReplied})
	if err != nil {
		return nil, err
	}
	return &ch, nil
}

// maxReferralAnswer bounds an office's answer as recorded (the full reply, if long,
// belongs in the case's evidence).
const maxReferralAnswer = 5000

// AnswerReferral records what an office answered and the outcome it reported. The
// answer is required: a referral marked answered with nothing written down tells the
// next reader nothing.
func (s *Service) AnswerReferral(ctx context.Context, a Actor, c redress.Complaint, referralID int64, answer, outcome string) error {
	var fe redress.FieldErrors
	answer, outcome = strings.TrimSpace(answer), strings.TrimSpace(outcome)
	switch {
	case answer == "":
		fe.Add("answer", "required")
	case len([]rune(answer)) > maxReferralAnswer:
		fe.Add("answer", "too_long", maxReferralAnswer)
	}
	if len([]rune(outcome)) > 500 {
		fe.Add("outcome", "too_long", 500)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	ev := a.event(redress.ActionReferralAnswer)
	ev.AgencyID, ev.AgreementID = c.AgencyID, c.AgreementID
	return s.DB.AnswerReferral(ctx, c.ID, referralID, answer, outcome, ev)
}
