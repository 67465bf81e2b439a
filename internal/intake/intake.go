// Package intake receives complaints from the public: it validates them, ties them to
// the agency and the MOA in force, seals the filer's identity and hands out receipts.
package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/workflow"
)

// Service files complaints and answers status checks.
type Service struct {
	DB  *store.DB
	Box *secret.Box
	// Languages the service can answer in; a complaint's language must be one of them.
	Languages []string
	// ReceiptMail composes the receipt email to an address, queued with the complaint in
	// its own transaction. Nil sends none.
	ReceiptMail func(lang, to, tracking string) redress.OutboundMail
	// Casework starts a new complaint's clocks, by the deadlines of the unit routing
	// gave it; nil starts none.
	Casework *casework.Service
}

// Request is who is asking and through which request, for the audit trail.
type Request struct {
	// Admit, when set, is asked once a complaint is valid, before it is stored; its
	// error refuses the complaint. The web counts a client's filings with it, so a
	// complaint sent back for a correction is not counted.
	Admit func(context.Context) error

	Actor     string
	ActorRole string
	RequestID string
	// Today is the filer's calendar day, for the "not in the future" rule.
	Today redress.Date
	// Retry, when set, names the filing so a retry of it files nothing new.
	Retry *Retry
	// EnteredBy is the staff account typing in a complaint received by phone, mail or
	// in person, for the complainant; 0 when the complainant files it. Staff entry
	// must name one of redress.StaffChannels; the caller has checked the account may
	// enter complaints (complaint.enter).
	EnteredBy int64
}

// Filed is what the filer gets back, once. ReceiptCode is never stored in the clear.
type Filed struct {
	Complaint   redress.Complaint
	ReceiptCode string
	Agreement   *redress.Agreement
	// Emailed says a receipt email was queued.
	Emailed bool
	// Replayed says this is the answer of an earlier filing under the same Retry key:
	// nothing new was filed.
	Replayed bool
}

// FileComplaint validates in, resolves the agreement in force and stores the complaint
// with its audit event. On success the complaint is durable.
func (s *Service) FileComplaint(ctx context.Context, in redress.ComplaintInput, req Request) (Filed, error) {
	var retry *retryKey
	if req.Retry != nil {
		retry = req.Retry.hash(in)
		if filed, err := s.replay(ctx, retry); redress.ErrorCode(err) != redress.ENOTFOUND {
			return filed, err
		}
	}
	// What filing reads of the registry, routing and units, from the store's cache:
	// no statement at all while nothing changed (store.FilingView).
	view, err := s.DB.FilingView(ctx)
	if err != nil {
		return Filed{}, err
	}
	agency, err := s.check(ctx, view, &in, req)
	if err != nil {
		return Filed{}, err
	}
	c := newComplaint(in, agency)
	c.EnteredBy = req.EnteredBy
	agreement, err := s.place(ctx, view, &c)
	if err != nil {
		return Filed{}, err
	}
	clocks, met, err := s.clocks(view, c, agreement)
	if err != nil {
		return Filed{}, err
	}

	var identity []byte
	if !c.Anonymous {
		plain, err := json.Marshal(in.Contact)
		if err != nil {
			return Filed{}, err
		}
		identity = plain // sealed below, once the tracking number (the seal's context) is known
	}

	// Draw numbers until one is free; a collision is rare enough that three tries is
	// plenty and a fourth failure means something else is wrong.
	for range 4 {
		c.TrackingNumber = redress.NewTrackingNumber()
		code := redress.NewReceiptCode()
		nc := store.NewComplaint{
			Complaint:   c,
			ReceiptHash: redress.HashReceiptCode(code),
			Audit: redress.AuditEvent{
				Actor: req.Actor, ActorRole: req.ActorRole, Action: redress.ActionComplaintFiled,
				RequestID: req.RequestID, Details: filedDetails(c),
			},
		}
		nc.Clocks, nc.MetClocks = clocks, met
		if retry != nil {
			nc.Idempotency = s.retryRecord(retry, retryAnswer{TrackingNumber: c.TrackingNumber, ReceiptCode: code,
				Agreement: agreement, Emailed: in.Contact.Email != "" && s.ReceiptMail != nil && identity != nil})
		}
		if identity != nil {
			nc.IdentitySealed = s.Box.Seal(identity, redress.IdentityContext(c.TrackingNumber))
			if in.Contact.Email != "" && s.ReceiptMail != nil {
				nc.Mail = []redress.OutboundMail{s.ReceiptMail(c.Language, in.Contact.Email, c.TrackingNumber)}
			}
		}
		stored, err := s.DB.CreateComplaint(ctx, nc)
		if errors.Is(err, store.ErrIdempotencyKeyTaken) {
			// A retry running at the same time filed first: its answer is ours.
			return s.replay(ctx, retry)
		} else if redress.ErrorCode(err) == redress.ECONFLICT {
			continue
		} else if err != nil {
			return Filed{}, fmt.Errorf("file complaint: %w", err)
		}
		return Filed{Complaint: stored, ReceiptCode: code, Agreement: agreement, Emailed: len(nc.Mail) > 0}, nil
	}
	return Filed{}, fmt.Errorf("file complaint: no free tracking number after 4 tries")
}

// clocks are the clocks the complaint starts and those it meets at once, by the
// deadlines of the unit just picked: a unit may have its own.
func (s *Service) clocks(view *store.FilingView, c redress.Complaint, agreement *redress.Agreement) ([]redress.Clock, []string, error) {
	if s.Casework == nil {
		return nil, nil, nil
	}
	var model redress.Model
	if agreement != nil {
		model = agreement.Model
	}
	return s.Casework.FilingClocks(view, c, model, s.Casework.Time())
}

// check normalises and validates in, with its agency, then asks req.Admit: a complaint
// refused for its content is not counted against the filer.
func (s *Service) check(ctx context.Context, view *store.FilingView, in *redress.ComplaintInput, req Request) (redress.Agency, error) {
	in.Normalize()
	fe := in.Validate(s.Languages, req.Today)
	if req.EnteredBy != 0 && !slices.Contains(redress.StaffChannels, in.Channel) {
		fe.Add("channel", "one_of", channelList(redress.StaffChannels))
	}
	var agency redress.Agency
	if in.AgencyID > 0 && !fe.Has("agency_id") {
		var err error
		agency, err = view.Agency(in.AgencyID)
		if redress.ErrorCode(err) == redress.ENOTFOUND {
			fe.Add("agency_id", "unknown_agency")
		} else if err != nil {
			return agency, err
		}
	}
	if err := fe.Err(); err != nil {
		return agency, err
	}
	if req.Admit != nil {
		if err := req.Admit(ctx); err != nil {
			return agency, err
		}
	}
	return agency, nil
}

func channelList(cs []redress.Channel) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}

// newComplaint is the complaint a valid input describes, not yet placed or numbered.
func newComplaint(in redress.ComplaintInput, agency redress.Agency) redress.Complaint {
	incident, _ := redress.ParseDate(in.IncidentDate) // Validate proved it parses
	c := redress.Complaint{
		Language: in.Language, Channel: in.Channel, IncidentDate: incident,
		State: in.State, County: in.County, Place: in.Place,
		AgencyID: in.AgencyID, AgencyOther: in.AgencyOther, Functions: in.Functions,
		Narrative: in.Narrative, Officers: in.Officers, Witnesses: in.Witnesses,
		Custody: in.Custody, Filer: in.Filer, PreferredLanguage: in.PreferredLanguage,
		Anonymous: in.Anonymous || in.Contact.IsEmpty(), Consent: in.Consent,
	}
	if c.Channel == "" {
		c.Channel = redress.ChannelAPI
	}
	if c.State == "" {
		c.State = agency.State
	}
	for _, cat := range in.Categories {
		c.Allegations = append(c.Allegations, redress.Allegation{Category: cat})
	}
	return c
}

// place ties the complaint to the agreement in force on the incident date, which it
// returns (nil: none), then routes it to its unit and priority: a routing rule may ask
// for the agreement's model.
func (s *Service) place(ctx context.Context, view *store.FilingView, c *redress.Complaint) (*redress.Agreement, error) {
	agreement, err := s.attribute(ctx, view, c)
	if err != nil {
		return nil, err
	}
	var model redress.Model
	if agreement != nil {
		model = agreement.Model
	}
	// Route on arrival: the administrator's routing rules name the unit and raise the
	// priority; without a unit rule, the unit that covers the agency or state.
	c.Unit, c.Priority = workflow.Route(view.RoutingRules(), *c, model)
	if c.Unit == "" {
		c.Unit = redress.UnitFor(view.Units(), c.AgencyID, c.State)
	}
	return agreement, nil
}

// attribute ties the complaint to the agreement of its agency in force on the incident
// date for its functions, or says in c.Attribution why none is.
func (s *Service) attribute(ctx context.Context, view *store.FilingView, c *redress.Complaint) (*redress.Agreement, error) {
	if c.AgencyID == 0 {
		c.Attribution = redress.AttributionNoAgency
		return nil, nil
	}
	ags, err := view.AgreementsForAgencyOn(ctx, c.AgencyID, c.IncidentDate)
	if err != nil {
		return nil, err
	}
	at := redress.AttributeAgreement(ags, c.IncidentDate, c.Functions)
	if at.Agreement != nil {
		c.AgreementID = at.Agreement.ID
	}
	c.Attribution = at.Reason
	return at.Agreement, nil
}

// filedDetails is what the audit trail keeps of a new complaint: its facts and which
// identity fields were given, never their values.
func filedDetails(c redress.Complaint) map[string]any {
	cats := make([]string, len(c.Allegations))
	for i, a := range c.Allegations {
		cats[i] = string(a.Category)
	}
	return map[string]any{
		"tracking_number": c.TrackingNumber,
		"channel":         c.Channel,
		"language":        c.Language,
		"state":           c.State,
		"incident_date":   c.IncidentDate.String(),
		"categories":      cats,
		"functions":       c.Functions,
		"anonymous":       c.Anonymous,
		// Oversight measures (issue 15): what they filter on, so they can be recomputed
		// from the trail alone (oversight.FromTrail). The custody facts answered yes.
		"unit":     c.Unit,
		"priority": c.Priority,
		"custody":  custodyFacts(c.Custody),
	}
}

// custodyFacts lists the custody facts c answers yes to, most urgent first.
func custodyFacts(c redress.Custody) []string {
	out := []string{}
	for _, f := range redress.CustodyFacts {
		if c.Says(f) {
			out = append(out, f)
		}
	}
	return out
}

// Status is what a receipt holder may learn about their complaint.
type Status struct {
	TrackingNumber string
	Status         string
	ReceivedAt     time.Time
	Steps          []redress.StatusStep
	Language       string
	// Outcome is how the case ended; nil while it is open.
	Outcome *Outcome
}

// ErrNoMatch is the one answer to any wrong tracking number and receipt pair, so the
// answer does not tell which half was wrong.
var ErrNoMatch = &redress.Error{Code: redress.ENOTFOUND, Key: "error.status_no_match",
	Message: "No complaint matches this tracking number and receipt code."}

// Holder is a complainant who has just proved their receipt: the tracking number and
// receipt code of one complaint. Only CheckReceipt makes one, and the web makes a new
// one for every request (the receipt is never kept in a session).
type Holder struct {
	ComplaintID    int64
	AgencyID       int64
	AgreementID    int64
	TrackingNumber string
	Status         string
	ReceivedAt     time.Time
	Language       string
	RequestID      string
}

// Complaint is the holder's complaint as far as the audit trail names it.
func (h Holder) Complaint() redress.Complaint {
	return redress.Complaint{ID: h.ComplaintID, AgencyID: h.AgencyID, AgreementID: h.AgreementID,
		TrackingNumber: h.TrackingNumber, Language: h.Language, Status: h.Status, ReceivedAt: h.ReceivedAt}
}

// CheckReceipt proves a tracking number and receipt code. It is the one door every
// complainant request goes through (the API's status check, the status page and each of
// its follow-up forms): the code is compared in constant time, an unknown tracking
// number costs the same hash as a known one, and every wrong pair gets the one answer
// ErrNoMatch. It records nothing; Status records the check.
func (s *Service) CheckReceipt(ctx context.Context, tracking, receipt, requestID string) (Holder, error) {
	norm := redress.NormalizeTrackingNumber(tracking)
	rec, err := s.DB.ComplaintReceipt(ctx, norm)
	if norm == "" || redress.ErrorCode(err) == redress.ENOTFOUND {
		redress.ReceiptMatches(receipt, make([]byte, 32))
		return Holder{}, ErrNoMatch
	} else if err != nil {
		return Holder{}, err
	}
	if !redress.ReceiptMatches(receipt, rec.ReceiptHash) {
		return Holder{}, ErrNoMatch
	}
	return Holder{ComplaintID: rec.ComplaintID, AgencyID: rec.AgencyID, AgreementID: rec.AgreementID,
		TrackingNumber: norm, Status: rec.Status, ReceivedAt: rec.ReceivedAt, Language: rec.Language,
		RequestID: requestID}, nil
}

// Status tells a holder where their complaint stands, and records the status check in
// the audit trail.
func (s *Service) Status(ctx context.Context, h Holder) (Status, error) {
	steps, err := s.DB.RecordStatusCheck(ctx, redress.AuditEvent{
		Actor: redress.ActorPublic, ActorRole: redress.SubjectReceiptHolder, Action: redress.ActionStatusChecked,
		RequestID: h.RequestID, ComplaintID: h.ComplaintID, AgencyID: h.AgencyID, AgreementID: h.AgreementID,
	})
	if err != nil {
		return Status{}, err
	}
	// Most checks are of open cases, which have no outcome: no need to read the case.
	var outcome *Outcome
	if !workflow.Open(h.Status) {
		if outcome, err = s.Outcome(ctx, h.ComplaintID); err != nil {
			return Status{}, err
		}
	}
	return Status{TrackingNumber: h.TrackingNumber, Status: h.Status, ReceivedAt: h.ReceivedAt, Steps: steps,
		Language: h.Language, Outcome: outcome}, nil
}

// CheckStatus answers a status check: the receipt proved, then the status.
func (s *Service) CheckStatus(ctx context.Context, tracking, receipt string, req Request) (Status, error) {
	h, err := s.CheckReceipt(ctx, tracking, receipt, req.RequestID)
	if err != nil {
		return Status{}, err
	}
	return s.Status(ctx, h)
}
