package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/workflow"
)

// Permissions of case work, checked in the complaint's unit (see policies/policy.csv).
const (
	permTriage   = "complaint.triage"
	permAssign   = "complaint.assign"
	permReferral = "complaint.referral"
)

// caseTarget loads the complaint a case-work request is about and checks the caller may
// do obj/act in its unit. A complaint of another unit, or a step the role may not take,
// is a 403 (and an audit event, through deny).
func (s *Server) caseTarget(w http.ResponseWriter, r *http.Request, obj, act string) (redress.Complaint, []byte, casework.Actor, bool) {
	pr, _ := principal(r)
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err != nil {
		s.renderError(w, r, redress.Errorf(redress.ENOTFOUND, "Complaint not found."))
		return redress.Complaint{}, nil, casework.Actor{}, false
	}
	c, sealed, err := s.DB.Complaint(r.Context(), id)
	if err != nil {
		s.renderError(w, r, err)
		return c, nil, casework.Actor{}, false
	}
	if !s.Authz.Allowed(pr.Subject(), c.Unit, permRead, "read") || !s.Authz.Allowed(pr.Subject(), c.Unit, obj, act) {
		s.deny(w, r, http.StatusForbidden)
		return c, nil, casework.Actor{}, false
	}
	return c, sealed, casework.Actor{UserID: pr.User.ID, Subject: pr.Subject(), RequestID: requestID(r)}, true
}

// afterCaseWork answers a case-work form: back to the case page on success, or the case
// page again with the problem in the page's language (409 for a step not possible from
// the complaint's status, 422 for a refused field).
func (s *Server) afterCaseWork(w http.ResponseWriter, r *http.Request, c redress.Complaint, err error) {
	if err == nil {
		http.Redirect(w, r, "/staff/complaints/"+strconv.FormatInt(c.ID, 10)+"?"+url.Values{"done": {doneKey(r)}}.Encode(), http.StatusSeeOther)
		return
	}
	code := redress.ErrorCode(err)
	if code != redress.EINVALID && code != redress.ECONFLICT && code != redress.EFORBIDDEN {
		s.renderError(w, r, err)
		return
	}
	s.showCaseRefused(w, r, func(p *page) (int, string) { return statusFor(err), s.caseProblemText(p, c, err) })
}

// caseProblemText words a refused case step; findings left out name their allegations
// ("Choose a finding for: Force, No interpreter"), so the officer sees which.
func (s *Server) caseProblemText(p *page, c redress.Complaint, err error) string {
	var de *redress.Error
	if !errors.As(err, &de) {
		return s.problemText(p, err)
	}
	named := func(prefix string) []string {
		var missing []string
		for _, f := range de.Fields {
			id, ok := strings.CutPrefix(f.Field, prefix)
			if !ok || f.Rule != "required" {
				continue
			}
			for _, a := range c.Allegations {
				if strconv.FormatInt(a.ID, 10) == id {
					missing = append(missing, p.T("category."+string(a.Category)))
				}
			}
		}
		return missing
	}
	if missing := named("findings."); len(missing) > 0 {
		return p.T("case.findings_missing", "List", strings.Join(missing, ", "))
	}
	if missing := named("reasoning."); len(missing) > 0 {
		return p.T("case.reasoning_missing", "List", strings.Join(missing, ", "))
	}
	return s.problemText(p, err)
}

// showCaseRefused shows the case page again, at the status word gives, with word's
// account of why the step was refused in the page's language.
func (s *Server) showCaseRefused(w http.ResponseWriter, r *http.Request, word func(*page) (status int, problem string)) {
	p := s.newPage(r, s.pageLang(w, r))
	v, err := s.loadCase(r, false)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	status, problem := word(p)
	p.Problem = problem
	// The findings chosen stay chosen, with their reasoning and the letter's paragraph:
	// only what is missing is asked for again.
	v.PostedFindings, v.PostedReasoning = map[int64]string{}, map[int64]string{}
	for _, a := range v.Complaint.Allegations {
		id := strconv.FormatInt(a.ID, 10)
		if f := r.PostForm.Get("finding_" + id); f != "" {
			v.PostedFindings[a.ID] = f
		}
		if rs := r.PostForm.Get("reasoning_" + id); rs != "" {
			v.PostedReasoning[a.ID] = rs
		}
	}
	v.PostedTransition, v.PostedLetter, v.PostedReason = r.PostForm.Get("transition"), r.PostForm.Get("letter"), r.PostForm.Get("reason")
	s.renderCase(w, r, p, v, status)
}

func (s *Server) handleCaseTransition(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, formReadError(err))
		return
	}
	t := workflow.Transition(r.PostForm.Get("transition"))
	c, sealed, actor, ok := s.caseTarget(w, r, workflow.Permission, string(t))
	if !ok {
		return
	}
	in := casework.TransitionInput{Transition: t, Reason: r.PostForm.Get("reason"),
		Disposition: workflow.Disposition(r.PostForm.Get("disposition")), Findings: map[int64]workflow.Finding{}}
	in.Reasoning = map[int64]string{}
	for _, a := range c.Allegations {
		id := strconv.FormatInt(a.ID, 10)
		if f := r.PostForm.Get("finding_" + id); f != "" {
			in.Findings[a.ID] = workflow.Finding(f)
		}
		if rs := r.PostForm.Get("reasoning_" + id); rs != "" {
			in.Reasoning[a.ID] = rs
		}
	}
	if r.PostForm.Has("letter") {
		l := r.PostForm.Get("letter")
		in.Letter = &l
	}
	_, err := s.Casework.Transition(r.Context(), actor, c, sealed, in)
	if err == nil && workflow.Ends(t) && s.MailQueued != nil {
		s.MailQueued()
	}
	s.afterCaseWork(w, r, c, err)
}

func (s *Server) handleCaseTriage(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, formReadError(err))
		return
	}
	c, _, actor, ok := s.caseTarget(w, r, permTriage, "edit")
	if !ok {
		return
	}
	units, err := s.DB.ListUnits(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	in := casework.TriageInput{Priority: r.PostForm.Get("priority"), Unit: r.PostForm.Get("unit"),
		Duplicates: strings.Fields(r.PostForm.Get("duplicates")), Related: strings.Fields(r.PostForm.Get("related"))}
	in.LinkAnyUnit, in.LinkUnits = s.Authz.Units(actor.Subject, permRead, "read")
	if v := r.PostForm.Get("agency_id"); v != "" {
		in.AgencyID, _ = strconv.ParseInt(v, 10, 64)
		if in.AgencyID <= 0 {
			in.AgencyID = -1
		}
	}
	switch v := r.PostForm.Get("agreement_id"); v {
	case "":
	case "none":
		in.ClearAgreement = true
	default:
		if in.AgreementID, _ = strconv.ParseInt(v, 10, 64); in.AgreementID <= 0 {
			in.AgreementID = -1 // not a number: refused as not one of the agency's
		}
	}
	in.AgreementReason = r.PostForm.Get("agreement_reason")
	in.MarkTriaged = r.PostForm.Get("mark_triaged") == "yes"
	if in.MarkTriaged && !s.Authz.Allowed(actor.Subject, c.Unit, workflow.Permission, string(workflow.Triage)) {
		s.deny(w, r, http.StatusForbidden)
		return
	}
	for _, cat := range r.PostForm["categories"] {
		in.Categories = append(in.Categories, redress.Category(cat))
	}
	s.afterCaseWork(w, r, c, s.Casework.Triage(r.Context(), actor, c, in, units))
}

func (s *Server) handleCaseAssign(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, formReadError(err))
		return
	}
	c, _, actor, ok := s.caseTarget(w, r, permAssign, "assign")
	if !ok {
		return
	}
	err := s.assignCases(r, actor, []redress.Complaint{c}, r.PostForm.Get("assignee"))
	if redress.ErrorCode(err) == redress.EFORBIDDEN && !errors.Is(err, redress.ErrReassign) {
		s.deny(w, r, http.StatusForbidden)
		return
	}
	if err == nil && s.MailQueued != nil {
		s.MailQueued()
	}
	s.afterCaseWork(w, r, c, err)
}

// assignCases gives the complaints to the assignee named in a form or request (an
// id); casework decides whether the caller may and the assignee can.
func (s *Server) assignCases(r *http.Request, actor casework.Actor, cs []redress.Complaint, assignee string) error {
	id, _ := strconv.ParseInt(assignee, 10, 64)
	return s.Casework.Assign(r.Context(), actor, cs, id, s.Catalog.Match(""))
}

// maxBulkAssign bounds one bulk assignment: a queue page's worth and then some.
const maxBulkAssign = 200

// handleBulkAssign gives the complaints ticked on the queue to one investigator at once,
// all or none, and goes back to the same queue page.
func (s *Server) handleBulkAssign(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, formReadError(err))
		return
	}
	actor, ok := s.bulkActor(w, r)
	if !ok {
		return
	}
	back := queueBack(r.PostForm.Get("back"))
	cs, err := s.bulkTargets(r, r.PostForm["ids"])
	if err == nil {
		err = s.assignCases(r, actor, cs, r.PostForm.Get("assignee"))
	}
	switch {
	case redress.ErrorCode(err) == redress.EFORBIDDEN && !errors.Is(err, redress.ErrReassign):
		s.deny(w, r, http.StatusForbidden)
	case err != nil:
		// The queue again, as it was, with what went wrong.
		q := r.Clone(r.Context())
		q.Method, q.URL.RawQuery = http.MethodGet, strings.TrimPrefix(strings.TrimPrefix(back, "/staff/complaints"), "?")
		p := s.newPage(q, s.pageLang(w, q))
		s.queuePage(w, q, p, statusFor(err), s.problemText(p, err), r.PostForm)
	default:
		if s.MailQueued != nil {
			s.MailQueued()
		}
		sep := "?"
		if strings.Contains(back, "?") {
			sep = "&"
		}
		http.Redirect(w, r, back+sep+"assigned="+strconv.Itoa(len(cs)), http.StatusSeeOther)
	}
}

// bulkActor is the caller of a bulk assignment, who must assign cases in some unit
// (each complaint's own unit is checked again).
func (s *Server) bulkActor(w http.ResponseWriter, r *http.Request) (casework.Actor, bool) {
	pr, _ := principal(r)
	if all, units := s.Authz.Units(pr.Subject(), permAssign, "assign"); !all && len(units) == 0 {
		s.deny(w, r, http.StatusForbidden)
		return casework.Actor{}, false
	}
	return casework.Actor{UserID: pr.User.ID, Subject: pr.Subject(), RequestID: requestID(r)}, true
}

// bulkTargets loads the complaints of a bulk step by id: at least one, at most
// maxBulkAssign, each known.
func (s *Server) bulkTargets(r *http.Request, raw []string) ([]redress.Complaint, error) {
	var fe redress.FieldErrors
	switch {
	case len(raw) == 0:
		fe.Add("ids", "required_one")
	case len(raw) > maxBulkAssign:
		fe.Add("ids", "too_many", maxBulkAssign)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	var cs []redress.Complaint
	for _, v := range raw {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			fe.Add("ids", "id")
			return nil, fe.Err()
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		c, _, err := s.DB.Complaint(r.Context(), id)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// queueBack is where a queue form returns: the queue with its filters, never another
// site or page.
func queueBack(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Path != "/staff/complaints" {
		return "/staff/complaints"
	}
	q := u.Query()
	q.Del("assigned")
	if len(q) == 0 {
		return "/staff/complaints"
	}
	return "/staff/complaints?" + q.Encode()
}

func (s *Server) handleCaseReferral(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, formReadError(err))
		return
	}
	c, sealed, actor, ok := s.caseTarget(w, r, permReferral, "add")
	if !ok {
		return
	}
	days, _ := strconv.Atoi(r.PostForm.Get("due_days"))
	refs, err := s.Casework.Refer(r.Context(), actor, c, sealed, casework.ReferralInput{
		Recipients: r.PostForm["recipients"], Other: r.PostForm.Get("other"), Method: r.PostForm.Get("method"),
		Shared: r.PostForm.Get("shared"), WithIdentity: r.PostForm.Get("with_identity") == "yes", DueDays: days})
	if err == nil {
		s.referralLettersQueued(refs)
	}
	s.afterCaseWork(w, r, c, err)
}

func (s *Server) handleCaseReferralAnswer(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, formReadError(err))
		return
	}
	c, _, actor, ok := s.caseTarget(w, r, permReferral, "answer")
	if !ok {
		return
	}
	rid, _ := strconv.ParseInt(mux.Vars(r)["rid"], 10, 64)
	err := s.Casework.AnswerReferral(r.Context(), actor, c, rid, r.PostForm.Get("answer"), r.PostForm.Get("outcome"))
	s.afterCaseWork(w, r, c, err)
}

// handleCaseResults records that the case's results were reported to ICE.
func (s *Server) handleCaseResults(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, formReadError(err))
		return
	}
	c, _, actor, ok := s.caseTarget(w, r, permReferral, "report_results")
	if !ok {
		return
	}
	err := s.Casework.ReportResults(r.Context(), actor, c, casework.ResultsInput{On: r.PostForm.Get("reported_on"), Method: r.PostForm.Get("method")})
	s.afterCaseWork(w, r, c, err)
}

// referralLettersQueued wakes the mail worker when a referral queued letters.
func (s *Server) referralLettersQueued(refs []redress.Referral) {
	for _, ref := range refs {
		if ref.OutboxID != 0 && s.MailQueued != nil {
			s.MailQueued()
			return
		}
	}
}

// doneKey names the step a case-work form just took, for the page to say so: the form's
// last path segment (triage, assign, referrals, results; a referral's answer), or the
// transition made.
func doneKey(r *http.Request) string {
	parts := strings.Split(strings.TrimSuffix(r.URL.Path, "/"), "/")
	last := parts[len(parts)-1]
	switch {
	case last == "transition":
		return "transition:" + r.PostForm.Get("transition")
	case last == "triage" && r.PostForm.Get("mark_triaged") == "yes":
		return "triage_marked"
	case len(parts) >= 2 && parts[len(parts)-2] == "referrals":
		return "referral_answer"
	}
	return last
}

// doneFlash words the step named by doneKey ("" for none known).
func doneFlash(p *page, key string) string {
	if t, ok := strings.CutPrefix(key, "transition:"); ok {
		if !workflow.ValidTransition(workflow.Transition(t)) {
			return ""
		}
		return p.T("case.done.transition", "Step", p.T("transition."+t))
	}
	switch key {
	case "triage", "triage_marked", "assign", "referrals", "referral_answer", "results":
		return p.T("case.done." + key)
	}
	return ""
}
