package casework

import (
	"context"
	"strconv"
	"strings"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/mail"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/workflow"
)

// Status transitions through the workflow and the outcome email that closes a case.

// outcomeMail composes the email telling the complainant how the case ended, in their
// language, when they gave an address; the status page shows the whole outcome
// (intake.Outcome), findings and all.
func (s *Service) outcomeMail(c redress.Complaint, sealed []byte, disposition string) ([]redress.OutboundMail, error) {
	contact, err := redress.OpenContact(s.Box, c, sealed)
	if err != nil || contact.Email == "" {
		return nil, err
	}
	lang := s.Catalog.Match(c.Language)
	// The outcome in the words of the status page, where the complainant reads the rest:
	// the findings are not in the email, nor anything they wrote.
	data := map[string]any{"Tracking": c.TrackingNumber, "StatusURL": mail.StatusLink(strings.TrimRight(s.PublicURL, "/")+"/status", lang),
		"Outcome": s.Catalog.T(lang, "outcome."+disposition, nil)}
	paragraphs := []string{
		s.Catalog.T(lang, "email.outcome.body", data),
		s.Catalog.T(lang, "email.outcome.read", data),
		s.Catalog.T(lang, "email.outcome.privacy", nil),
		s.Catalog.T(lang, "email.footer.automatic", nil),
	}
	// Tied to the complaint and its MOA, so the audit events of sending it are too.
	m := redress.OutboundMail{Kind: MailOutcome, Language: lang,
		Subject:     s.Catalog.T(lang, "email.outcome.subject", data),
		Body:        strings.Join(paragraphs, "\n\n") + "\n",
		ComplaintID: c.ID, AgencyID: c.AgencyID, AgreementID: c.AgreementID}
	mail.SealRecipient(s.Box, &m, contact.Email)
	return []redress.OutboundMail{m}, nil
}

// TransitionInput is one step of the workflow asked for by a review officer.
type TransitionInput struct {
	Transition  workflow.Transition
	Reason      string
	Disposition workflow.Disposition
	// Findings per allegation id, with propose_findings, and the reasoning of each:
	// what the evidence showed, for the approver and the record (required for each).
	Findings  map[int64]workflow.Finding
	Reasoning map[int64]string
	// Letter is the personal paragraph of the outcome letter, in the complainant's
	// language, written with a proposal (propose_findings, propose_closure) or edited
	// with the approval; nil on approval keeps the proposal's.
	Letter *string
}

// Bounds of staff's words written with findings.
const (
	MaxReasoning = 4000
	MaxLetter    = 2000
)

// checkWords checks the reasoning of each finding (required with propose_findings) and
// the letter's paragraph, as field errors "reasoning.<allegation id>" and "letter".
func checkWords(c redress.Complaint, in TransitionInput) error {
	var fe redress.FieldErrors
	if in.Transition == workflow.ProposeFindings {
		for _, a := range c.Allegations {
			field := "reasoning." + strconv.FormatInt(a.ID, 10)
			switch r := strings.TrimSpace(in.Reasoning[a.ID]); {
			case r == "":
				fe.Add(field, "required")
			case len([]rune(r)) > MaxReasoning:
				fe.Add(field, "too_long", MaxReasoning)
			}
		}
	}
	if in.Letter != nil && len([]rune(strings.TrimSpace(*in.Letter))) > MaxLetter {
		fe.Add("letter", "too_long", MaxLetter)
	}
	return fe.Err()
}

// Transition moves a complaint through the workflow: the state machine says whether the
// step exists from here, the two-person rule guards closing on findings, clocks pause,
// resume or are met, and the complainant is told the outcome in their language.
func (s *Service) Transition(ctx context.Context, a Actor, c redress.Complaint, sealed []byte, in TransitionInput) (string, error) {
	ch, err := s.statusChange(ctx, a, c, sealed, in)
	if err != nil {
		return "", err
	}
	return ch.To, s.DB.ChangeStatus(ctx, ch)
}

// statusChange is the change a step of the workflow makes, checked and ready to write.
func (s *Service) statusChange(ctx context.Context, a Actor, c redress.Complaint, sealed []byte, in TransitionInput) (store.StatusChange, error) {
	var none store.StatusChange
	to, err := workflow.Next(c.Status, in.Transition)
	if err != nil {
		return none, err
	}
	if err := workflow.CheckReason(in.Transition, in.Reason); err != nil {
		return none, err
	}
	disposition, err := workflow.DispositionFor(in.Transition, in.Disposition)
	if err != nil {
		return none, err
	}
	clocks, err := s.UnitDeadlines(ctx, c.Unit)
	if err != nil {
		return none, err
	}
	ch := store.StatusChange{ComplaintID: c.ID, From: c.Status, To: to, Reason: strings.TrimSpace(in.Reason),
		Disposition: string(disposition), ResumeClocks: workflow.Resumes(in.Transition),
		MeetClocks: clocks.MetBy(deadline.Events(in.Transition)...), Deadlines: clocks,
		// A clock the end does not meet stops with the case (not met: oversight counts
		// it apart), and runs again if the case is reopened.
		EndClocks: workflow.Ends(in.Transition), RestartClocks: in.Transition == workflow.Reopen,
		Audit: a.event(redress.ActionTransition)}
	if workflow.Pauses(in.Transition) {
		ch.PauseClocks = clocks.Pausing()
	}
	ch.Audit.AgencyID, ch.Audit.AgreementID = c.AgencyID, c.AgreementID
	ch.Audit.Details = map[string]any{"transition": string(in.Transition)}
	if disposition, err = s.proposal(ctx, a, c, in, &ch, disposition); err != nil {
		return none, err
	}
	if workflow.Ends(in.Transition) && in.Transition != workflow.ApproveClose {
		// A case ended without a proposal has no personal paragraph: one written with an
		// earlier proposal was not approved.
		empty := ""
		ch.Letter = &empty
	}
	if workflow.Ends(in.Transition) {
		// The end of a case starts the clocks that run from resolution (JEM: report the
		// results to ICE within 30 days).
		model, err := s.model(ctx, c)
		if err != nil {
			return none, err
		}
		ch.StartClocks = clocksFrom(clocks.StartingAtResolution(model, disposition), clocks, s.now())
		if ch.Mail, err = s.outcomeMail(c, sealed, string(disposition)); err != nil {
			return none, err
		}
	}
	return ch, nil
}

// letterOf is the paragraph to store: trimmed, "" for none.
func letterOf(l *string) *string {
	out := ""
	if l != nil {
		out = strings.TrimSpace(*l)
	}
	return &out
}

// proposal fills in what a proposal (findings or a closure) and its approval add to a
// status change: the findings and their reasoning, the proposer, the letter's own
// paragraph; an approval returns the disposition proposed.
func (s *Service) proposal(ctx context.Context, a Actor, c redress.Complaint, in TransitionInput, ch *store.StatusChange, disposition workflow.Disposition) (workflow.Disposition, error) {
	switch in.Transition {
	case workflow.ProposeFindings:
		if err := workflow.CheckFindings(c.Allegations, in.Findings); err != nil {
			return disposition, err
		}
		if err := checkWords(c, in); err != nil {
			return disposition, err
		}
		ch.ProposedBy, ch.Findings, ch.FindingReasons = a.UserID, map[int64]string{}, map[int64]string{}
		for id, f := range in.Findings {
			ch.Findings[id] = string(f)
			ch.FindingReasons[id] = strings.TrimSpace(in.Reasoning[id])
		}
		ch.Letter = letterOf(in.Letter)
	case workflow.ProposeClosure:
		if err := checkWords(c, in); err != nil {
			return disposition, err
		}
		// Not closed yet: the disposition waits for a second person (approve_close).
		ch.ProposedBy, ch.ProposedDisposition, ch.Disposition = a.UserID, string(disposition), ""
		ch.Audit.Details["disposition"] = string(disposition)
		ch.Letter = letterOf(in.Letter)
	case workflow.ApproveClose:
		st, err := s.DB.CaseState(ctx, c.ID)
		if err != nil {
			return disposition, err
		}
		if err := workflow.CheckApprover(st.ProposedBy, a.UserID); err != nil {
			return disposition, err
		}
		if err := checkWords(c, in); err != nil {
			return disposition, err
		}
		if in.Letter != nil {
			ch.Letter = letterOf(in.Letter) // the approver's edit, fixed by the approval
		}
		if st.ProposedDisposition != "" {
			// The closure proposed, as the second person approves it.
			disposition = workflow.Disposition(st.ProposedDisposition)
			ch.Disposition = st.ProposedDisposition
		}
	}
	return disposition, nil
}
