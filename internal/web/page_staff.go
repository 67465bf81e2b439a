package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/intake"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/workflow"
)

// Permissions checked where a complaint is loaded, in the complaint's unit.
const (
	permRead      = "complaint.read"
	permNarrative = "complaint.narrative"
	permIdentity  = "complaint.identity"
)

func (s *Server) handleStaffHome(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "staff_home.html", s.newPage(r, s.pageLang(w, r)))
}

// caseView is a complaint as one staff member may see it.
type caseView struct {
	Complaint     redress.Complaint
	AgencyName    string
	Agreement     *redress.Agreement
	ShowNarrative bool
	CanReveal     bool
	Identity      *redress.Contact

	// Case work: what the caller may do next, and what has been done.
	State        store.CaseState
	Assignee     string
	Clocks       []store.Clock
	Referrals    []store.Referral
	Transitions  []transitionView
	CanTriage    bool
	CanAssign    bool
	CanRefer     bool
	Assignees    []redress.User
	Units        []redress.Unit
	FindingNames []workflow.Finding
	// Files are the notes, messages and evidence sections (nil: none the caller may see).
	Files *caseFilesView
}

// transitionView is one step the caller may take from the complaint's status.
type transitionView struct {
	Name         string
	NeedsReason  bool
	Dispositions []workflow.Disposition
	Findings     bool
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
		v.Complaint.Narrative, v.Complaint.Officers, v.Complaint.Witnesses = "", "", ""
	}
	if c.AgencyID != 0 {
		if a, err := s.DB.Agency(r.Context(), c.AgencyID); err == nil {
			v.AgencyName = a.Name
		}
	}
	if c.AgreementID != 0 {
		if a, err := s.DB.Agreement(r.Context(), c.AgreementID); err == nil {
			v.Agreement = &a
		}
	}
	if err := s.loadCaseWork(r, sub, v); err != nil {
		return nil, err
	}
	if v.Files, err = s.loadCaseFiles(r, c.ID, c.Unit); err != nil {
		return nil, err
	}
	ev := redress.AuditEvent{Actor: sub, Action: redress.ActionComplaintViewed, RequestID: requestID(r),
		ComplaintID: c.ID, AgencyID: c.AgencyID, AgreementID: c.AgreementID}
	if reveal {
		if !v.CanReveal {
			return nil, redress.Errorf(redress.EFORBIDDEN, "Your role may not see identity or contact details.")
		}
		plain, err := s.Intake.Box.Open(sealed, intake.IdentityContext(c.TrackingNumber))
		if err != nil {
			return nil, err
		}
		var contact redress.Contact
		if err := json.Unmarshal(plain, &contact); err != nil {
			return nil, err
		}
		v.Identity = &contact
		ev.Action = redress.ActionIdentityViewed
	}
	if err := s.DB.RecordAudit(r.Context(), ev); err != nil {
		return nil, err // a view that cannot be recorded is not shown
	}
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
	p.Case = v
	s.render(w, r, http.StatusOK, "staff_case.html", p)
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
	if v.Referrals, err = s.DB.Referrals(ctx, c.ID); err != nil {
		return err
	}
	if v.State.AssigneeID != 0 {
		if u, err := s.Auth.User(ctx, v.State.AssigneeID); err == nil {
			v.Assignee = u.Name
		}
	}
	for _, t := range workflow.Allowed(c.Status) {
		if s.Authz.Allowed(sub, c.Unit, workflow.Permission, string(t)) {
			v.Transitions = append(v.Transitions, transitionView{Name: string(t), NeedsReason: workflow.NeedsReason(t),
				Dispositions: workflow.DispositionsFor(t), Findings: t == workflow.ProposeFindings})
		}
	}
	v.FindingNames = workflow.Findings
	v.CanTriage = s.Authz.Allowed(sub, c.Unit, permTriage, "edit")
	v.CanAssign = s.Authz.Allowed(sub, c.Unit, permAssign, "assign")
	v.CanRefer = s.Authz.Allowed(sub, c.Unit, permReferral, "add")
	if v.CanTriage {
		if v.Units, err = s.DB.ListUnits(ctx); err != nil {
			return err
		}
	}
	if v.CanAssign {
		users, err := s.Auth.ListUsers(ctx)
		if err != nil {
			return err
		}
		for _, u := range users {
			if !u.Disabled && s.Authz.Allowed(auth.Subject(u.ID), c.Unit, workflow.Permission, string(workflow.StartReview)) {
				v.Assignees = append(v.Assignees, u)
			}
		}
	}
	return nil
}
