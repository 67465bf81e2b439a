package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/workflow"
)

func (s *Server) routingPage(w http.ResponseWriter, r *http.Request) (*adminRoutingPage, error) {
	b, err := s.adminPage(w, r)
	p := &adminRoutingPage{adminBase: b}
	if err != nil {
		return p, err
	}
	p.Rules, err = s.DB.RoutingRules(r.Context())
	p.Categories, p.Models, p.Functions = redress.Categories, redress.Models, redress.Functions
	return p, err
}

func (s *Server) handleAdminRouting(w http.ResponseWriter, r *http.Request) {
	p, err := s.routingPage(w, r)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	if r.URL.Query().Get("saved") != "" {
		p.Flash = p.T("admin.saved")
	}
	s.render(w, r, http.StatusOK, p)
}

// handleAdminRoutingSave adds a rule at the end or removes one; casework stores the new
// list whole, with the old and new lists in the audit trail.
func (s *Server) handleAdminRoutingSave(w http.ResponseWriter, r *http.Request) {
	p, err := s.routingPage(w, r)
	if err == nil {
		err = r.ParseForm()
	}
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	pr, _ := principal(r)
	actor := casework.Actor{UserID: pr.User.ID, Subject: pr.Subject(), RequestID: requestID(r)}
	switch r.PostForm.Get("op") {
	case "delete":
		i, bad := strconv.Atoi(r.PostForm.Get("index"))
		if bad != nil {
			i = -1 // not a number: no rule has it
		}
		err = s.Casework.RemoveRoutingRule(r.Context(), actor, i)
	default:
		rule := workflow.Rule{Kind: r.PostForm.Get("kind"), State: strings.ToUpper(strings.TrimSpace(r.PostForm.Get("state"))),
			Category: redress.Category(r.PostForm.Get("category")), Custody: r.PostForm.Get("custody"),
			Model: redress.Model(r.PostForm.Get("model")), Function: redress.Function(r.PostForm.Get("function")),
			Unit: r.PostForm.Get("unit"), Priority: r.PostForm.Get("priority")}
		if v := strings.TrimSpace(r.PostForm.Get("agency_id")); v != "" {
			if rule.AgencyID, err = strconv.ParseInt(v, 10, 64); err != nil {
				rule.AgencyID = -1
			}
		}
		err = s.Casework.AddRoutingRule(r.Context(), actor, rule)
	}
	switch {
	case redress.ErrorCode(err) == redress.EINVALID:
		p.Problem = s.problemText(p, err)
		s.render(w, r, http.StatusUnprocessableEntity, p)
	case err != nil:
		s.renderPageError(w, r, p, err)
	default:
		http.Redirect(w, r, "/admin/routing?saved=1", http.StatusSeeOther)
	}
}
