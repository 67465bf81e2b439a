package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/workflow"
)

// The staff JSON API's case steps: the same checks and service as the case page.

type transitionJSON struct {
	Transition  workflow.Transition        `json:"transition"`
	Reason      string                     `json:"reason"`
	Disposition workflow.Disposition       `json:"disposition"`
	Findings    map[int64]workflow.Finding `json:"findings"`
	// Reasoning per allegation id, with findings; Letter, the outcome letter's own
	// paragraph in the complainant's language, with a proposal or its approval.
	Reasoning map[int64]string `json:"reasoning"`
	Letter    *string          `json:"letter"`
}

func (s *Server) handleAPICaseTransition(w http.ResponseWriter, r *http.Request) {
	var in transitionJSON
	if _, err := s.decodeJSON(w, r, &in); err != nil {
		s.renderError(w, r, err)
		return
	}
	c, sealed, actor, ok := s.caseTarget(w, r, workflow.Permission, string(in.Transition))
	if !ok {
		return
	}
	to, err := s.Casework.Transition(r.Context(), actor, c, sealed, casework.TransitionInput{
		Transition: in.Transition, Reason: in.Reason, Disposition: in.Disposition, Findings: in.Findings,
		Reasoning: in.Reasoning, Letter: in.Letter})
	if err != nil {
		s.renderAPICaseError(w, r, err)
		return
	}
	if workflow.Ends(in.Transition) && s.MailQueued != nil {
		s.MailQueued()
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": c.ID, "status": to})
}

type triageJSON struct {
	AgencyID int64 `json:"agency_id"`
	// AgreementID sets the agreement (one of the agency's), ClearAgreement says none
	// applies; either with AgreementReason.
	AgreementID     int64              `json:"agreement_id"`
	ClearAgreement  bool               `json:"clear_agreement"`
	AgreementReason string             `json:"agreement_reason"`
	Priority        string             `json:"priority"`
	Unit            string             `json:"unit"`
	Categories      []redress.Category `json:"categories"`
	Duplicates      []string           `json:"duplicates"`
	Related         []string           `json:"related"`
}

func (s *Server) handleAPICaseTriage(w http.ResponseWriter, r *http.Request) {
	var in triageJSON
	if _, err := s.decodeJSON(w, r, &in); err != nil {
		s.renderError(w, r, err)
		return
	}
	c, _, actor, ok := s.caseTarget(w, r, permTriage, "edit")
	if !ok {
		return
	}
	units, err := s.DB.ListUnits(r.Context())
	if err == nil {
		ti := casework.TriageInput{AgencyID: in.AgencyID, AgreementID: in.AgreementID, ClearAgreement: in.ClearAgreement,
			AgreementReason: in.AgreementReason, Priority: in.Priority,
			Unit: in.Unit, Categories: in.Categories, Duplicates: in.Duplicates, Related: in.Related}
		ti.LinkAnyUnit, ti.LinkUnits = s.Authz.Units(actor.Subject, permRead, "read")
		err = s.Casework.Triage(r.Context(), actor, c, ti, units)
	}
	if err != nil {
		s.renderAPICaseError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": c.ID})
}

func (s *Server) handleAPICaseAssign(w http.ResponseWriter, r *http.Request) {
	var in struct {
		AssigneeID int64 `json:"assignee_id"`
	}
	if _, err := s.decodeJSON(w, r, &in); err != nil {
		s.renderError(w, r, err)
		return
	}
	c, _, actor, ok := s.caseTarget(w, r, permAssign, "assign")
	if !ok {
		return
	}
	if err := s.assignCases(r, actor, []redress.Complaint{c}, itoa64(in.AssigneeID)); err != nil {
		s.renderAPIAssignError(w, r, err)
		return
	}
	if s.MailQueued != nil {
		s.MailQueued()
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": c.ID, "assignee_id": in.AssigneeID})
}

func (s *Server) handleAPICaseReferralAnswer(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Answer  string `json:"answer"`
		Outcome string `json:"outcome"`
	}
	if _, err := s.decodeJSON(w, r, &in); err != nil {
		s.renderError(w, r, err)
		return
	}
	c, _, actor, ok := s.caseTarget(w, r, permReferral, "answer")
	if !ok {
		return
	}
	rid, _ := strconv.ParseInt(mux.Vars(r)["rid"], 10, 64)
	if err := s.Casework.AnswerReferral(r.Context(), actor, c, rid, in.Answer, in.Outcome); err != nil {
		s.renderAPICaseError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": c.ID, "referral_id": rid})
}

// handleAPIBulkAssign gives several complaints to one investigator at once, all or none.
func (s *Server) handleAPIBulkAssign(w http.ResponseWriter, r *http.Request) {
	var in struct {
		IDs        []int64 `json:"ids"`
		AssigneeID int64   `json:"assignee_id"`
	}
	if _, err := s.decodeJSON(w, r, &in); err != nil {
		s.renderError(w, r, err)
		return
	}
	actor, ok := s.bulkActor(w, r)
	if !ok {
		return
	}
	raw := make([]string, len(in.IDs))
	for i, id := range in.IDs {
		raw[i] = itoa64(id)
	}
	cs, err := s.bulkTargets(r, raw)
	if err == nil {
		err = s.assignCases(r, actor, cs, itoa64(in.AssigneeID))
	}
	if err != nil {
		s.renderAPIAssignError(w, r, err)
		return
	}
	if s.MailQueued != nil {
		s.MailQueued()
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	writeJSON(w, http.StatusOK, map[string]any{"ids": ids, "assignee_id": in.AssigneeID})
}

// renderAPIAssignError answers a refused assignment: a complaint the caller may not
// assign is a 403 recorded like any refusal; the rest as other case work.
func (s *Server) renderAPIAssignError(w http.ResponseWriter, r *http.Request, err error) {
	if redress.ErrorCode(err) == redress.EFORBIDDEN && !errors.Is(err, redress.ErrReassign) {
		s.deny(w, r, http.StatusForbidden)
		return
	}
	s.renderAPICaseError(w, r, err)
}

func (s *Server) handleAPICaseReferral(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Recipients   []string `json:"recipients"`
		Other        string   `json:"other"`
		Method       string   `json:"method"`
		Shared       string   `json:"shared"`
		WithIdentity bool     `json:"with_identity"`
		DueDays      int      `json:"due_days"`
	}
	if _, err := s.decodeJSON(w, r, &in); err != nil {
		s.renderError(w, r, err)
		return
	}
	c, sealed, actor, ok := s.caseTarget(w, r, permReferral, "add")
	if !ok {
		return
	}
	refs, err := s.Casework.Refer(r.Context(), actor, c, sealed, casework.ReferralInput{Recipients: in.Recipients, Other: in.Other,
		Method: in.Method, Shared: in.Shared, WithIdentity: in.WithIdentity, DueDays: in.DueDays})
	if err != nil {
		s.renderAPICaseError(w, r, err)
		return
	}
	s.referralLettersQueued(refs)
	out := make([]map[string]any, len(refs))
	for i, ref := range refs {
		out[i] = map[string]any{"id": ref.ID, "recipient": ref.Recipient, "identity_shared": ref.IdentityShared, "due_at": ref.DueAt,
			"letter": ref.OutboxID != 0, "office": ref.OfficeName}
	}
	writeJSON(w, http.StatusCreated, map[string]any{"referrals": out})
}

// renderAPICaseError answers a refused step; respond.go words a transition not
// possible from the complaint's status by naming the possible ones.
func (s *Server) renderAPICaseError(w http.ResponseWriter, r *http.Request, err error) {
	s.renderErrorLang(w, r, err, s.lang(r))
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// handleAPICaseResults records that the case's results were reported to ICE.
func (s *Server) handleAPICaseResults(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ReportedOn string `json:"reported_on"`
		Method     string `json:"method"`
	}
	if _, err := s.decodeJSON(w, r, &in); err != nil {
		s.renderError(w, r, err)
		return
	}
	c, _, actor, ok := s.caseTarget(w, r, permReferral, "report_results")
	if !ok {
		return
	}
	if err := s.Casework.ReportResults(r.Context(), actor, c, casework.ResultsInput{On: in.ReportedOn, Method: in.Method}); err != nil {
		s.renderAPICaseError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": c.ID, "reported_on": in.ReportedOn})
}
