package web

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/casefile"
	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/workflow"
)

// Permissions checked where a complaint is loaded, in the complaint's unit.
const (
	permRead      = "complaint.read"
	permNarrative = "complaint.narrative"
	permIdentity  = "complaint.identity"
)

// caseView is a complaint as one staff member may see it.
type caseView struct {
	Complaint  redress.Complaint
	AgencyName string
	// AgencyHidden: the complainant named an agency the registry lacks, in words this
	// caller may not read.
	AgencyHidden  bool
	Agreement     *redress.Agreement
	ShowNarrative bool
	CanReveal     bool
	Identity      *redress.Contact
	// EnteredBy names the staff member who typed in a complaint received by phone,
	// mail or in person; empty when the complainant filed it.
	EnteredBy string

	// Case work: what the caller may do next, and what has been done.
	State       redress.CaseState
	Assignee    string
	Clocks      []redress.Clock
	ClockStates []deadline.Status // of Clocks, by index
	Referrals   []redress.Referral
	Transitions []transitionView
	CanTriage   bool
	CanAssign   bool
	CanRefer    bool
	Assignees   []redress.User
	Units       []redress.Unit
	// AgencyAgreements are the agency's agreements triage may choose among.
	AgencyAgreements []redress.Agreement
	FindingNames     []workflow.Finding
	// Files are the notes, messages and evidence sections (nil: none the caller may see).
	Files *caseFilesView

	CanAnswerReferral bool
	// CanReportResults: the MOA's "report results to ICE" clock runs and the caller may
	// record that the results were reported.
	CanReportResults bool
	ResultsMethods   []string
	// Today is the office's date, the latest a results report may bear.
	Today string
	// PostedFindings are the findings chosen in a refused proposal, shown again, with
	// the reasoning typed for each and the letter's paragraph of the step refused.
	PostedFindings   map[int64]string
	PostedReasoning  map[int64]string
	PostedTransition string
	PostedLetter     string
	PostedReason     string
	// NewCategories are the allegation categories triage may add: those not alleged yet.
	NewCategories []redress.Category
	// Links are the duplicates and related complaints triage tied to this one.
	Links []caseLink
	// MayMarkTriaged: the triage form offers to make the triage step with the save.
	MayMarkTriaged bool
	// AgencyQuery is the name searched for with "find agency" (?agency_q=), and
	// AgencyMatches the registry's agencies whose names contain it, offered as the
	// triage's choice of agency; AgencyMore says more matched than are shown.
	AgencyQuery   string
	AgencyMatches []redress.Agency
	AgencyMore    bool
	// Letter previews the outcome as the complainant will read it, while a proposal
	// waits for approval (nil otherwise, and for a caller who may not read staff's words).
	Letter *letterPreview
	// LetterLang is the complainant's language, the letter's, and LetterLanguage its name.
	LetterLang     string
	LetterLanguage string
	// Timeline is the case's history from the audit trail, oldest first; openings of
	// the case are counted, not listed, so the steps stay readable.
	Timeline []timelineEntry
	Views    int
	LastView *timelineEntry
}

// caseLink is another complaint tied to this one.
type caseLink struct {
	ID             int64
	TrackingNumber string
	Kind           string
	Status         string
}

// timelineEntry is one audit event as the case page words it.
type timelineEntry struct {
	At     time.Time
	Who    string
	Action string
	// Label and Detail are in the page's language; Detail may be empty.
	Label, Detail string
}

// transitionView is one step the caller may take from the complaint's status.
type transitionView struct {
	Name         string
	NeedsReason  bool
	Dispositions []workflow.Disposition
	Findings     bool
	// Letter: the step is written with the outcome letter's own paragraph (a proposal,
	// or the approval that may edit it).
	Letter bool
}

// loadCase loads a complaint and applies the record-level rules: the caller must hold a
// role that may read cases in the complaint's unit; free text and identity are separate
// permissions. Opening a case is an audit event, and so is revealing identity.
func (s *Server) loadCase(r *http.Request, reveal bool) (*caseView, error) {
	pr, _ := principal(r)
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err != nil {
		return nil, redress.Errorf(redress.ENOTFOUND, "Complaint not found.")
	}
	c, sealed, err := s.DB.Complaint(r.Context(), id)
	if err != nil {
		return nil, err
	}
	sub := pr.Subject()
	if !s.Authz.Allowed(sub, c.Unit, permRead, "read") {
		return nil, redress.Errorf(redress.EFORBIDDEN, "This complaint belongs to a unit you do not work in.")
	}
	v := &caseView{Complaint: c, AgencyName: c.AgencyOther,
		ShowNarrative: s.Authz.Allowed(sub, c.Unit, permNarrative, "read"),
		CanReveal:     !c.Anonymous && sealed != nil && s.Authz.Allowed(sub, c.Unit, permIdentity, "reveal")}
	if !v.ShowNarrative {
		v.hideOwnWords()
	}
	if c.AgencyID != 0 {
		if a, err := s.DB.Agency(r.Context(), c.AgencyID); err == nil {
			v.AgencyName, v.AgencyHidden = a.Name, false
		}
	}
	if c.AgreementID != 0 {
		if a, err := s.DB.Agreement(r.Context(), c.AgreementID); err == nil {
			v.Agreement = &a
		}
	}
	if c.EnteredBy != 0 {
		v.EnteredBy = s.actorName(r.Context(), "user:"+strconv.FormatInt(c.EnteredBy, 10))
	}
	if err := s.loadCaseWork(r, sub, v); err != nil {
		return nil, err
	}
	if !v.ShowNarrative {
		for i := range v.Referrals {
			v.Referrals[i].WithoutStaffWords() // staff's and the office's words
		}
		// The reasoning of findings and the letter's paragraph are staff's words too.
		v.State.FindingReasons, v.State.OutcomeLetter, v.Letter = nil, "", nil
	}
	if v.Files, err = s.loadCaseFiles(r, c.ID, c.Unit); err != nil {
		return nil, err
	}
	// Opening the case, or revealing identity with it, is recorded by the case file as
	// it is shown: a view that cannot be recorded is not shown.
	actor := casefile.Actor{UserID: pr.User.ID, Subject: sub, RequestID: requestID(r)}
	if !reveal {
		if err := s.Casefile.View(r.Context(), actor, c, v.ShowNarrative); err != nil {
			return nil, err
		}
		return v, nil
	}
	if !v.CanReveal {
		return nil, redress.Errorf(redress.EFORBIDDEN, "Your role may not see identity or contact details.")
	}
	contact, err := s.Casefile.RevealIdentity(r.Context(), actor, c, sealed, v.ShowNarrative)
	if err != nil {
		return nil, err
	}
	v.Identity = &contact
	return v, nil
}

func (s *Server) handleStaffCase(w http.ResponseWriter, r *http.Request) {
	s.staffCase(w, r, false)
}

func (s *Server) handleStaffIdentity(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	s.staffCase(w, r, true)
}

func (s *Server) staffCase(w http.ResponseWriter, r *http.Request, reveal bool) {
	p := s.newPage(r, s.pageLang(w, r))
	v, err := s.loadCase(r, reveal)
	if err != nil {
		if redress.ErrorCode(err) == redress.EFORBIDDEN {
			s.deny(w, r, http.StatusForbidden)
			return
		}
		s.renderPageError(w, r, p, err)
		return
	}
	p.Flash = doneFlash(p, r.URL.Query().Get("done"))
	s.renderCase(w, r, p, v, http.StatusOK)
}

// renderCase shows the case page of v, with its history, at status: the page as
// opened, or again after a step was refused (p.Problem says why).
func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, p *page, v *caseView, status int) {
	// The case's dates and times are in its unit's zone, the one its clocks count in.
	loc, err := s.Casework.UnitZone(r.Context(), v.Complaint.Unit)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	p.loc = loc
	if v.Files != nil {
		v.Files.loc = loc
	}
	if err := s.caseTimeline(r, p, v); err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	p.Wide = true // the case page takes the full width
	s.render(w, r, status, &casePage{page: p, Case: v})
}

// caseTimeline words the case's audit events for the page: who did what, when. Staff
// accounts are named; the complainant and the system are said so.
func (s *Server) caseTimeline(r *http.Request, p *page, v *caseView) error {
	evs, err := s.DB.ListAudit(r.Context(), redress.AuditFilter{ComplaintID: v.Complaint.ID})
	if err != nil {
		return err
	}
	names := map[string]string{redress.ActorPublic: p.T("timeline.complainant"), redress.SubjectReceiptHolder: p.T("timeline.complainant"),
		redress.ActorSystem: p.T("timeline.system")}
	who := func(actor string) string {
		n, ok := names[actor]
		if !ok {
			n = s.actorName(r.Context(), actor)
			names[actor] = n
		}
		return n
	}
	v.Timeline, v.Views, v.LastView = nil, 0, nil
	for _, ev := range evs {
		e := timelineEntry{At: ev.OccurredAt, Who: who(ev.Actor), Action: ev.Action, Label: ev.Action}
		if label, ok := actionLabel(p, ev.Action); ok {
			e.Label = label
		}
		if ev.Action == redress.ActionComplaintViewed {
			v.Views++
			v.LastView = &e
			continue
		}
		if !v.ShowNarrative {
			ev.Details = redress.WithoutStaffWords(ev.Action, ev.Details)
		}
		e.Detail = timelineDetail(p, ev)
		if w := findingWords(p, ev, v.Complaint.Allegations); w != "" {
			e.Detail += "; " + w
		}
		v.Timeline = append(v.Timeline, e)
	}
	return nil
}

// timelineDetail is the one fact of an event worth a line on the case page. Details
// never hold identity; staff's own words (a reason, an outcome) are taken out of them
// before, for a caller who may not read them.
func timelineDetail(p *page, ev redress.AuditEvent) string {
	str := func(k string) string { s, _ := ev.Details[k].(string); return s }
	switch ev.Action {
	case redress.ActionTransition:
		d := p.T("transition." + str("transition"))
		if r := str("reason"); r != "" {
			d += ": " + r
		}
		return d
	case redress.ActionDeadlineMissed:
		return p.T("clock." + str("clock"))
	case redress.ActionReferred:
		return p.T("referral." + str("recipient"))
	case redress.ActionReferralAnswer:
		return str("outcome")
	}
	return ""
}

// caseSteps lists the workflow's steps the caller may take from the complaint's
// status. The triage step goes with the triage form's save when the caller may do both.
func (s *Server) caseSteps(sub string, v *caseView) {
	c := v.Complaint
	for _, t := range workflow.Allowed(c.Status) {
		if t == workflow.Triage && v.CanTriage && s.Authz.Allowed(sub, c.Unit, workflow.Permission, string(t)) {
			v.MayMarkTriaged = true // offered with the triage form's save, as one step
			continue
		}
		if t == workflow.ApproveClose && v.State.ProposedBy != 0 && sub == auth.Subject(v.State.ProposedBy) {
			continue // the two-person rule: the proposer is not offered the approval
		}
		if s.Authz.Allowed(sub, c.Unit, workflow.Permission, string(t)) {
			v.Transitions = append(v.Transitions, transitionView{Name: string(t), NeedsReason: workflow.NeedsReason(t),
				Dispositions: workflow.DispositionsFor(t), Findings: t == workflow.ProposeFindings,
				Letter: v.ShowNarrative && (t == workflow.ProposeFindings || t == workflow.ProposeClosure || t == workflow.ApproveClose)})
		}
	}
}

// loadCaseWork fills in the case's workflow facts and the steps the caller may take.
func (s *Server) loadCaseWork(r *http.Request, sub string, v *caseView) error {
	ctx, c := r.Context(), v.Complaint
	var err error
	if v.State, err = s.DB.CaseState(ctx, c.ID); err != nil {
		return err
	}
	if v.Clocks, err = s.DB.Clocks(ctx, c.ID); err != nil {
		return err
	}
	if v.ClockStates, err = s.Casework.ClockStates(ctx, c.Unit, v.Clocks, s.Now()); err != nil {
		return err
	}
	if v.Referrals, err = s.DB.Referrals(ctx, c.ID); err != nil {
		return err
	}
	if v.State.AssigneeID != 0 {
		if u, err := s.Auth.User(ctx, v.State.AssigneeID); err == nil {
			v.Assignee = u.Name
		}
	}
	// A closed or withdrawn case is not triaged, assigned or referred until it is
	// reopened: the forms would only invite steps the record should not show.
	open := workflow.Open(c.Status)
	v.CanTriage = open && s.Authz.Allowed(sub, c.Unit, permTriage, "edit")
	s.caseSteps(sub, v)
	v.FindingNames = workflow.Findings
	v.CanAssign = open && s.Authz.Allowed(sub, c.Unit, permAssign, "assign")
	v.CanRefer = open && s.Authz.Allowed(sub, c.Unit, permReferral, "add")
	v.CanAnswerReferral = s.Authz.Allowed(sub, c.Unit, permReferral, "answer")
	if s.Authz.Allowed(sub, c.Unit, permReferral, "report_results") {
		owed := s.Casework.Deadlines.MetBy(deadline.EventResultsReported)
		v.CanReportResults = slices.ContainsFunc(v.Clocks, func(k redress.Clock) bool { return k.MetAt.IsZero() && slices.Contains(owed, k.Name) })
		v.ResultsMethods = redress.ResultsMethods
		v.Today = redress.DateOf(s.Now().In(s.Casework.Deadlines.Loc())).String()
	}
	for _, l := range v.State.Links {
		o, _, err := s.DB.Complaint(ctx, l.OtherID)
		if err != nil {
			return err
		}
		if !s.Authz.Allowed(sub, o.Unit, permRead, "read") {
			continue // moved to a unit the caller cannot see since it was linked
		}
		v.Links = append(v.Links, caseLink{ID: o.ID, TrackingNumber: o.TrackingNumber, Kind: l.Kind, Status: o.Status})
	}
	if v.CanTriage {
		if v.Units, err = s.DB.ListUnits(ctx); err != nil {
			return err
		}
		if c.AgencyID != 0 {
			if v.AgencyAgreements, err = s.DB.AgreementsForAgency(ctx, c.AgencyID); err != nil {
				return err
			}
		}
		if err := s.findAgencies(r, v); err != nil {
			return err
		}
		for _, cat := range redress.Categories {
			if !slices.ContainsFunc(c.Allegations, func(a redress.Allegation) bool { return a.Category == cat }) {
				v.NewCategories = append(v.NewCategories, cat)
			}
		}
	}
	if v.CanAssign {
		if v.Assignees, err = s.Casework.Assignees(ctx, c); err != nil {
			return err
		}
	}
	v.LetterLang = s.Catalog.Match(c.Language)
	v.LetterLanguage = s.Catalog.T(v.LetterLang, "language.name", nil)
	if c.Status == workflow.StatusFindingsProposed {
		v.Letter = s.letterPreview(c, v.State)
	}
	return nil
}
