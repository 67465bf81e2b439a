// Package casework is what review officers do to a case: triage, assignment, status
// transitions through the workflow, referrals and findings. The web layer has already
// asked Casbin whether the caller may; this package keeps the case consistent and the
// record complete, and tells people what they need to know by email.
package casework

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/mail"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/workflow"
)

// Service carries out case work.
type Service struct {
	DB        *store.DB
	Box       *secret.Box
	Catalog   *i18n.Catalog
	PublicURL string
	Now       func() time.Time
	// Deadlines defines the case clocks (deadline.Defaults() unless configured).
	Deadlines deadline.Config
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Actor is who does the work, for the audit trail.
type Actor struct {
	UserID    int64
	Subject   string
	RequestID string
}

func (a Actor) event(action string) redress.AuditEvent {
	return redress.AuditEvent{Actor: a.Subject, Action: action, RequestID: a.RequestID}
}

// Audit actions of case work.
const (
	ActionTriaged           = "complaint.triaged"
	ActionAssigned          = "complaint.assigned"
	ActionTransition        = "complaint.transition"
	ActionReferred          = "complaint.referred"
	ActionReferralAnswer    = "complaint.referral_answered"
	ActionUnitClocksSaved   = "unit.clocks_saved"
	MailAssigned            = "complaint.assigned"
	MailOutcome             = "complaint.outcome"
	MailReferralDefaultDays = 30
)

// Priorities of a complaint.
var Priorities = workflow.Priorities

// TriageInput is what an intake officer decides.
type TriageInput struct {
	AgencyID    int64
	AgreementID int64
	Priority    string
	Unit        string
	Categories  []redress.Category
	// Related are tracking numbers of duplicates or related complaints.
	Duplicates []string
	Related    []string
	// LinkAnyUnit and LinkUnits are the units whose complaints the caller may read
	// (every unit with LinkAnyUnit). A tracking number of a complaint outside them is
	// answered exactly as one no complaint has: triage must not tell whether a complaint
	// exists in a unit the caller cannot see.
	LinkAnyUnit bool
	LinkUnits   []string
}

// Triage applies a triage decision. Unknown categories, priorities or tracking numbers
// are field errors; nothing is half-applied.
func (s *Service) Triage(ctx context.Context, a Actor, c redress.Complaint, in TriageInput, units []redress.Unit) error {
	if err := mustBeOpen(c); err != nil {
		return err
	}
	var fe redress.FieldErrors
	clearAgreement := false
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
	if in.AgencyID != 0 {
		if _, err := s.DB.Agency(ctx, in.AgencyID); redress.ErrorCode(err) == redress.ENOTFOUND {
			fe.Add("agency_id", "unknown_agency")
		} else if err != nil {
			return err
		} else if in.AgreementID == 0 && in.AgencyID != c.AgencyID {
			// The agreement follows the agency, chosen as at filing: the one in force
			// on the incident date that covers the functions involved.
			ags, err := s.DB.AgreementsForAgency(ctx, in.AgencyID)
			if err != nil {
				return err
			}
			if ag := redress.ChooseAgreement(ags, c.IncidentDate, c.Functions); ag != nil {
				in.AgreementID = ag.ID
			} else {
				clearAgreement = true // the old agency's MOA does not follow the complaint
			}
		}
	}
	// A move to another unit leaves the running clocks' due times as they are. They
	// measure how long the office as a whole takes to answer the complainant, who is
	// owed the same deadline whoever works the case; recomputing them would let a
	// transfer extend a deadline (or make one missed before the move on time again). The
	// new unit's deadlines apply to the clocks started from now on (at resolution) and
	// to how a pause is counted when the case resumes.
	ch := store.TriageChange{ComplaintID: c.ID, AgencyID: in.AgencyID, AgreementID: in.AgreementID,
		ClearAgreement: clearAgreement, Priority: in.Priority, Unit: in.Unit, Categories: in.Categories, Audit: a.event(ActionTriaged)}
	for kind, list := range map[string][]string{"duplicate": in.Duplicates, "related": in.Related} {
		for _, tn := range list {
			if strings.TrimSpace(tn) == "" {
				continue
			}
			ref, err := s.DB.ComplaintByTracking(ctx, redress.NormalizeTrackingNumber(tn))
			if err != nil && redress.ErrorCode(err) != redress.ENOTFOUND {
				return err
			}
			if err != nil || !in.LinkAnyUnit && !slices.Contains(in.LinkUnits, ref.Unit) {
				fe.Add(kind, "unknown_tracking", tn)
				continue
			}
			ch.Links = append(ch.Links, redress.ComplaintLink{OtherID: ref.ID, Kind: kind})
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if c.AgreementID == 0 && in.AgreementID > 0 {
		// The agreement became known only now: its model's clocks (notify ICE within 48
		// weekday hours, for JEM and WSO) run from the moment the office could know
		// the complaint fell under a 287(g) agreement, which is this triage.
		ag, err := s.DB.Agreement(ctx, in.AgreementID)
		if err != nil {
			return err
		}
		unit := c.Unit
		if in.Unit != "" {
			unit = in.Unit
		}
		all, err := s.Clocks(ctx, unit, ag.Model, deadline.EventReceived, s.now())
		if err != nil {
			return err
		}
		base, err := s.Clocks(ctx, unit, "", deadline.EventReceived, s.now())
		if err != nil {
			return err
		}
		for _, k := range all {
			if !slices.ContainsFunc(base, func(b redress.Clock) bool { return b.Name == k.Name }) {
				ch.StartClocks = append(ch.StartClocks, k)
			}
		}
	}
	return s.DB.Triage(ctx, ch)
}

// Assign gives complaints to an investigator and tells them by email (the tracking
// numbers and a link; nothing about the complainant).
func (s *Service) Assign(ctx context.Context, a Actor, cs []redress.Complaint, assignee redress.User, lang string) error {
	if len(cs) == 0 {
		var fe redress.FieldErrors
		fe.Add("complaints", "required_one")
		return fe.Err()
	}
	var numbers []string
	var complaintIDs []int64
	for _, c := range cs {
		if err := mustBeOpen(c); err != nil {
			return err
		}
		numbers = append(numbers, c.TrackingNumber)
		complaintIDs = append(complaintIDs, c.ID)
	}
	data := map[string]any{"Count": len(numbers), "Numbers": strings.Join(numbers, ", "),
		"Link": strings.TrimRight(s.PublicURL, "/") + "/staff/complaints"}
	m := redress.OutboundMail{Kind: MailAssigned, Language: lang,
		Subject: s.Catalog.T(lang, "email.assigned.subject", data),
		Body:    s.Catalog.T(lang, "email.assigned.body", data) + "\n\n" + s.Catalog.T(lang, "email.footer.automatic", nil) + "\n"}
	mail.SealRecipient(s.Box, &m, assignee.Email)
	return s.DB.Assign(ctx, store.AssignmentChange{ComplaintIDs: complaintIDs, AssigneeID: assignee.ID,
		Mail: []redress.OutboundMail{m}, Audit: a.event(ActionAssigned)})
}

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

// Refer records referrals. Identity is shared only with recipients the complainant
// consented to, whatever the officer asked.
func (s *Service) Refer(ctx context.Context, a Actor, c redress.Complaint, in ReferralInput) ([]redress.Referral, error) {
	if err := mustBeOpen(c); err != nil {
		return nil, err
	}
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
	if err := fe.Err(); err != nil {
		return nil, err
	}
	days := in.DueDays
	if days <= 0 {
		days = MailReferralDefaultDays
	}
	var refs []redress.Referral
	for _, r := range in.Recipients {
		consented := contains(c.Consent, redress.Recipient(r))
		ref := redress.Referral{ComplaintID: c.ID, Recipient: r, Method: in.Method, Shared: in.Shared,
			IdentityShared: in.WithIdentity && consented && !c.Anonymous, DueAt: s.now().AddDate(0, 0, days)}
		if r == "other" {
			ref.RecipientOther = in.Other
		}
		refs = append(refs, ref)
	}
	refs, err := s.DB.AddReferrals(ctx, refs, a.event(ActionReferred))
	if err != nil {
		return nil, err
	}
	// A referral to ICE's OPR is how ICE is notified (the JEM and WSO 48-hour clock).
	if contains(in.Recipients, "ice_opr") {
		if err := s.DB.MeetClocks(ctx, c.ID, s.Deadlines.MetBy(deadline.EventICENotified)...); err != nil {
			return nil, err
		}
	}
	return refs, nil
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

// mustBeOpen refuses work on a closed or withdrawn case: it is reopened (with a reason,
// in the record) before anything else is done to it.
func mustBeOpen(c redress.Complaint) error {
	if workflow.Open(c.Status) {
		return nil
	}
	return &redress.Error{Code: redress.ECONFLICT, Key: "error.case_ended",
		Message: "This complaint is " + c.Status + "; reopen it before changing it."}
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
	ev := a.event(ActionReferralAnswer)
	ev.AgencyID, ev.AgreementID = c.AgencyID, c.AgreementID
	return s.DB.AnswerReferral(ctx, c.ID, referralID, answer, outcome, ev)
}

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
	data := map[string]any{"Tracking": c.TrackingNumber, "StatusURL": strings.TrimRight(s.PublicURL, "/") + "/status",
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

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// TransitionInput is one step of the workflow asked for by a review officer.
type TransitionInput struct {
	Transition  workflow.Transition
	Reason      string
	Disposition workflow.Disposition
	// Findings per allegation id, with propose_findings.
	Findings map[int64]workflow.Finding
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
		Audit: a.event(ActionTransition)}
	if workflow.Pauses(in.Transition) {
		ch.PauseClocks = clocks.Pausing()
	}
	ch.Audit.AgencyID, ch.Audit.AgreementID = c.AgencyID, c.AgreementID
	ch.Audit.Details = map[string]any{"transition": string(in.Transition)}
	switch in.Transition {
	case workflow.ProposeFindings:
		if err := workflow.CheckFindings(c.Allegations, in.Findings); err != nil {
			return none, err
		}
		ch.ProposedBy, ch.Findings = a.UserID, map[int64]string{}
		for id, f := range in.Findings {
			ch.Findings[id] = string(f)
		}
	case workflow.ApproveClose:
		st, err := s.DB.CaseState(ctx, c.ID)
		if err != nil {
			return none, err
		}
		if err := workflow.CheckApprover(st.ProposedBy, a.UserID); err != nil {
			return none, err
		}
	}
	if workflow.Ends(in.Transition) {
		// The end of a case starts the clocks that run from resolution (JEM: report the
		// results to ICE within 30 days).
		model, err := s.model(ctx, c)
		if err != nil {
			return none, err
		}
		ch.StartClocks = startClocks(clocks, model, deadline.EventResolved, s.now())
		if ch.Mail, err = s.outcomeMail(c, sealed, string(disposition)); err != nil {
			return none, err
		}
	}
	return ch, nil
}

// FilingClocks are the clocks a new complaint starts (acknowledge, triage, resolve, and
// those of its agreement's model), due from at by the deadlines of the unit routing gave
// it, and the names of those it meets at once: the web and the API give the filer a
// written receipt on the spot.
func (s *Service) FilingClocks(ctx context.Context, c redress.Complaint, model redress.Model, at time.Time) (start []redress.Clock, met []string, err error) {
	if start, err = s.Clocks(ctx, c.Unit, model, deadline.EventReceived, at); err != nil {
		return nil, nil, err
	}
	if c.Channel == redress.ChannelWeb || c.Channel == redress.ChannelAPI {
		met = s.Deadlines.MetBy(deadline.EventAcknowledged)
	}
	return start, met, nil
}

// Clocks are the clocks event starts at at for a complaint of unit under an agreement
// of model, due by the unit's deadlines.
func (s *Service) Clocks(ctx context.Context, unit string, model redress.Model, event string, at time.Time) ([]redress.Clock, error) {
	clocks, err := s.UnitDeadlines(ctx, unit)
	if err != nil {
		return nil, err
	}
	return startClocks(clocks, model, event, at), nil
}

func startClocks(clocks deadline.Config, model redress.Model, event string, at time.Time) []redress.Clock {
	var out []redress.Clock
	for _, k := range clocks.Starting(model, event) {
		out = append(out, redress.Clock{Name: k.Name, StartedAt: at, DueAt: deadline.Due(at, k, clocks.Loc())})
	}
	return out
}

// UnitDeadlines are the deadlines of a unit: the defaults (Deadlines) with the unit's
// own amounts. They are read from the database on each use, one small query, so a
// change an administrator makes holds at once in every serve process.
func (s *Service) UnitDeadlines(ctx context.Context, unit string) (deadline.Config, error) {
	if unit == "" {
		return s.Deadlines, nil
	}
	overrides, err := s.DB.UnitClocks(ctx, unit)
	if err != nil {
		return deadline.Config{}, err
	}
	// An override of a clock the clock file no longer defines (the file changed since
	// it was set) has nothing to apply to; it must not stop complaints being filed.
	known := overrides[:0]
	for _, o := range overrides {
		if _, ok := s.Deadlines.Clock(o.Clock); ok {
			known = append(known, o)
		}
	}
	return s.Deadlines.WithOverrides(known)
}

// MaxClockAmount bounds a unit's own deadline: up to three digits of days or hours.
const MaxClockAmount = 999

// ClockSetting is a unit's own deadline for one clock, as an administrator sets it: an
// amount, and whether it counts business days (weekday hours) or calendar days (hours).
type ClockSetting struct {
	Clock  string
	Amount int
	Count  deadline.Unit
}

// SetUnitClocks replaces a unit's own deadlines: a clock with a setting is due by it,
// one without follows the default. A setting refused is a field error named
// "clock.<name>", and then nothing is stored.
func (s *Service) SetUnitClocks(ctx context.Context, a Actor, unit string, settings []ClockSetting) error {
	var fe redress.FieldErrors
	var overrides []deadline.Override
	seen := map[string]bool{}
	for _, st := range settings {
		field := "clock." + st.Clock
		k, ok := s.Deadlines.Clock(st.Clock)
		switch {
		case !ok:
			fe.Add(field, "unknown_code", st.Clock)
		case seen[st.Clock]:
			fe.Add(field, "duplicate", st.Clock)
		case st.Amount < 1 || st.Amount > MaxClockAmount:
			fe.Add(field, "number_range", MaxClockAmount)
		case !contains(deadline.Units, st.Count) || st.Count.Days() != k.Unit.Days():
			fe.Add(field, "clock_count")
		default:
			overrides = append(overrides, deadline.Override{Clock: st.Clock, Amount: st.Amount, Business: st.Count.Business()})
		}
		seen[st.Clock] = true
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if _, err := s.Deadlines.WithOverrides(overrides); err != nil {
		return err // checked above; a failure here is a bug, shown as internal
	}
	return s.DB.ReplaceUnitClocks(ctx, unit, overrides, a.event(ActionUnitClocksSaved))
}

// model is the MOA model of the complaint's agreement, "" when it has none.
func (s *Service) model(ctx context.Context, c redress.Complaint) (redress.Model, error) {
	if c.AgreementID == 0 {
		return "", nil
	}
	a, err := s.DB.Agreement(ctx, c.AgreementID)
	if err != nil {
		return "", err
	}
	return a.Model, nil
}
