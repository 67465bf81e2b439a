// Package workflow is the case state machine of a complaint, its findings and
// dispositions, and the routing rules that pick a new complaint's unit and priority.
// It decides what may happen to a case; who may do it is Casbin's decision (policy.csv).
//
// Every transition, from where it may be made and where it leads (docs/workflow.md
// says the same and explains why):
//
//	transition              from                                         to                      reason  clocks
//	triage                  received                                     triaged                 -       -
//	start_review            triaged, reopened                            under_review            -       -
//	refer                   triaged, under_review                        referred                -       -
//	referral_answered       referred                                     under_review            -       -
//	ask_complainant         triaged, under_review                        waiting_on_complainant  -       pause
//	complainant_replied     waiting_on_complainant                       under_review            -       resume
//	propose_findings        under_review                                 findings_proposed       -       -
//	return_findings         findings_proposed                            under_review            yes     -
//	propose_closure         under_review, referred,                      findings_proposed       yes     resume  (an administrative disposition, for a second person to approve)
//	                        waiting_on_complainant
//	approve_close           findings_proposed                            closed                  -       -       (findings_made, or the closure proposed; approver is not the proposer)
//	close_administratively  received, triaged                            closed                  yes     -       (an administrative disposition, before any review)
//	withdraw                every open state                             withdrawn               yes     -
//	reopen                  closed, withdrawn                            reopened                yes     -
//
// The open states are received, triaged, under_review, referred, waiting_on_complainant,
// findings_proposed and reopened; closed and withdrawn end a case until it is reopened.
package workflow

import (
	"fmt"
	"slices"
	"strings"

	"github.com/redress-oversight/redress/internal/redress"
)

// Statuses of a complaint, named here too so that the state machine reads on its own.
const (
	StatusReceived             = redress.StatusReceived
	StatusTriaged              = redress.StatusTriaged
	StatusUnderReview          = redress.StatusUnderReview
	StatusReferred             = redress.StatusReferred
	StatusWaitingOnComplainant = redress.StatusWaitingOnComplainant
	StatusFindingsProposed     = redress.StatusFindingsProposed
	StatusClosed               = redress.StatusClosed
	StatusWithdrawn            = redress.StatusWithdrawn
	StatusReopened             = redress.StatusReopened
)

// States lists every status in the order a case usually passes through them.
var States = redress.CaseStatuses

// Transition is a named step of the workflow; it is also the action of the
// complaint.transition permission in policies/policy.csv.
type Transition string

const (
	Triage                Transition = "triage"
	StartReview           Transition = "start_review"
	Refer                 Transition = "refer"
	ReferralAnswered      Transition = "referral_answered"
	AskComplainant        Transition = "ask_complainant"
	ComplainantReplied    Transition = "complainant_replied"
	ProposeFindings       Transition = "propose_findings"
	ReturnFindings        Transition = "return_findings"
	ProposeClosure        Transition = "propose_closure"
	ApproveClose          Transition = "approve_close"
	CloseAdministratively Transition = "close_administratively"
	Withdraw              Transition = "withdraw"
	Reopen                Transition = "reopen"
)

// Transitions lists every transition, in the order pages offer them.
var Transitions = []Transition{
	Triage, StartReview, Refer, ReferralAnswered, AskComplainant, ComplainantReplied,
	ProposeFindings, ProposeClosure, ReturnFindings, ApproveClose, CloseAdministratively, Withdraw, Reopen,
}

// Permission is the Casbin object under which each transition is an action:
// Allowed(subject, unit, Permission, string(t)).
const Permission = "complaint.transition"

// open are the states a case is still being worked in.
var open = []string{
	StatusReceived, StatusTriaged, StatusUnderReview, StatusReferred, StatusWaitingOnComplainant,
	StatusFindingsProposed, StatusReopened,
}

type rule struct {
	from   []string
	to     string
	reason bool // a reason must be written down
	pause  bool // the case's clocks stand still from here
	resume bool // the case's clocks run again from here
}

// rules is the whole state machine.
var rules = map[Transition]rule{
	Triage:             {from: []string{StatusReceived}, to: StatusTriaged},
	StartReview:        {from: []string{StatusTriaged, StatusReopened}, to: StatusUnderReview},
	Refer:              {from: []string{StatusTriaged, StatusUnderReview}, to: StatusReferred},
	ReferralAnswered:   {from: []string{StatusReferred}, to: StatusUnderReview},
	AskComplainant:     {from: []string{StatusTriaged, StatusUnderReview}, to: StatusWaitingOnComplainant, pause: true},
	ComplainantReplied: {from: []string{StatusWaitingOnComplainant}, to: StatusUnderReview, resume: true},
	ProposeFindings:    {from: []string{StatusUnderReview}, to: StatusFindingsProposed},
	ReturnFindings:     {from: []string{StatusFindingsProposed}, to: StatusUnderReview, reason: true},
	ApproveClose:       {from: []string{StatusFindingsProposed}, to: StatusClosed},
	// Once a case is being reviewed, ending it without findings is a decision a second
	// person approves, as findings are: proposed here (also from referred, the other
	// office took the case: referred_out; and from waiting_on_complainant, no reply
	// came: not_enough_information), closed by approve_close. The clocks run again: the
	// case no longer waits on the complainant.
	ProposeClosure: {from: []string{StatusUnderReview, StatusReferred, StatusWaitingOnComplainant},
		to: StatusFindingsProposed, reason: true, resume: true},
	// Screening, before any review: a duplicate, or not this office's to review. One
	// person may close it (reopen undoes it, and reports count every such closure).
	CloseAdministratively: {from: []string{StatusReceived, StatusTriaged}, to: StatusClosed, reason: true},
	Withdraw:              {from: open, to: StatusWithdrawn, reason: true},
	Reopen:                {from: []string{StatusClosed, StatusWithdrawn}, to: StatusReopened, reason: true},
}

// Valid reports whether s is a status of the workflow.
func Valid(s string) bool { return slices.Contains(States, s) }

// ValidTransition reports whether t names a transition.
func ValidTransition(t Transition) bool { _, ok := rules[t]; return ok }

// Open reports whether a case in status s is still being worked (not closed or withdrawn).
func Open(s string) bool { return slices.Contains(open, s) }

// Next says where t leads from status from. An unknown status or transition is an
// EINVALID error; a transition not allowed from there is a *TransitionError (ECONFLICT,
// a 409) that names the transitions that are.
func Next(from string, t Transition) (string, error) {
	r, ok := rules[t]
	switch {
	case !ok:
		return "", &redress.Error{Code: redress.EINVALID, Key: "error.transition_unknown",
			Message: fmt.Sprintf("There is no transition %q.", t)}
	case !Valid(from):
		return "", &redress.Error{Code: redress.EINVALID, Key: "error.status_unknown",
			Message: fmt.Sprintf("There is no status %q.", from)}
	case !slices.Contains(r.from, from):
		return "", &TransitionError{From: from, Transition: t, Allowed: Allowed(from)}
	}
	return r.to, nil
}

// Allowed lists the transitions that may be made from status from, in Transitions order
// (none for an unknown status).
func Allowed(from string) []Transition {
	var out []Transition
	for _, t := range Transitions {
		if slices.Contains(rules[t].from, from) {
			out = append(out, t)
		}
	}
	return out
}

// From lists the statuses from which t may be made.
func From(t Transition) []string { return slices.Clone(rules[t].from) }

// NeedsReason reports whether t must be made with a written reason (kept in
// complaint_status_changes.reason and the audit event).
func NeedsReason(t Transition) bool { return rules[t].reason }

// Pauses reports whether the case's pausable clocks stand still after t: the case waits
// on the complainant.
func Pauses(t Transition) bool { return rules[t].pause }

// Resumes reports whether the case's paused clocks run again after t.
func Resumes(t Transition) bool { return rules[t].resume }

// Ends reports whether t ends the case (closed or withdrawn): the point at which
// resolution clocks are met and the complainant is told the outcome.
func Ends(t Transition) bool {
	r, ok := rules[t]
	return ok && !Open(r.to)
}

// CheckReason refuses a missing reason for a transition that needs one, as a field
// error on "reason".
func CheckReason(t Transition, reason string) error {
	if NeedsReason(t) && strings.TrimSpace(reason) == "" {
		var fe redress.FieldErrors
		fe.Add("reason", "required")
		return fe.Err()
	}
	return nil
}

// ErrSameApprover refuses a supervisor approving findings they proposed themselves:
// closing on findings takes two people.
var ErrSameApprover = &redress.Error{Code: redress.EFORBIDDEN, Key: "error.same_approver",
	Message: "Findings must be approved by someone other than the person who proposed them."}

// CheckApprover applies the two-person rule of approve_close: the approver must be
// known and must not be the account that proposed the findings. A proposal that names
// no proposer cannot be shown to have had two people, so it is refused too (ECONFLICT:
// the findings must be proposed again).
func CheckApprover(proposedBy, approver int64) error {
	switch {
	case proposedBy == 0:
		return &redress.Error{Code: redress.ECONFLICT, Key: "error.no_proposer",
			Message: "These findings do not say who proposed them; propose them again before approving."}
	case approver == 0:
		return &redress.Error{Code: redress.EUNAUTHORIZED, Message: "Sign in to approve findings."}
	case approver == proposedBy:
		return ErrSameApprover
	}
	return nil
}

// TransitionError is a transition not allowed from the complaint's status. It carries
// what a message needs ("… from triaged you may: refer, ask_complainant, …") and
// unwraps to an ECONFLICT *redress.Error keyed error.transition_not_allowed, so the web
// layer answers 409.
type TransitionError struct {
	From       string
	Transition Transition
	Allowed    []Transition
}

func (e *TransitionError) Error() string {
	if len(e.Allowed) == 0 {
		return fmt.Sprintf("%s is not possible from %s; nothing is", e.Transition, e.From)
	}
	names := make([]string, len(e.Allowed))
	for i, t := range e.Allowed {
		names[i] = string(t)
	}
	return fmt.Sprintf("%s is not possible from %s; allowed: %s", e.Transition, e.From, strings.Join(names, ", "))
}

func (e *TransitionError) Unwrap() error {
	return &redress.Error{Code: redress.ECONFLICT, Key: "error.transition_not_allowed", Message: e.Error()}
}
