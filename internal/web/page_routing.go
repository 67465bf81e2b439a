package web

import (
	"net/http"
	"strconv"
	"strings"

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
	p.Categories = redress.Categories
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

// handleAdminRoutingSave adds a rule at the end or removes one; the new list is stored
// whole, with the old and new lists in the audit trail.
func (s *Server) handleAdminRoutingSave(w http.ResponseWriter, r *http.Request) {
	p, err := s.routingPage(w, r)
	if err == nil {
		err = r.ParseForm()
	}
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	rules := p.Rules
	switch r.PostForm.Get("op") {
	case "delete":
		i, err := strconv.Atoi(r.PostForm.Get("index"))
		if err != nil || i < 0 || i >= len(rules) {
			s.renderPageError(w, r, p, redress.Errorf(redress.ENOTFOUND, "Rule not found."))
			return
		}
		rules = append(rules[:i:i], rules[i+1:]...)
	default:
		rule := workflow.Rule{Kind: r.PostForm.Get("kind"), State: strings.ToUpper(strings.TrimSpace(r.PostForm.Get("state"))),
			Category: redress.Category(r.PostForm.Get("category")), Custody: r.PostForm.Get("custody"),
			Unit: r.PostForm.Get("unit"), Priority: r.PostForm.Get("priority")}
		if v := strings.TrimSpace(r.PostForm.Get("agency_id")); v != "" {
			if rule.AgencyID, err = strconv.ParseInt(v, 10, 64); err != nil {
				rule.AgencyID = -1
			}
		}
		var names []string
		for _, u := range p.Units {
			names = append(names, u.Name)
		}
		if err := rule.Validate(names); err != nil {
			p.Problem = s.problemText(p, err)
			s.render(w, r, http.StatusUnprocessableEntity, p)
			return
		}
		rules = append(rules, rule)
	}
	pr, _ := principal(r)
	if err := s.DB.ReplaceRoutingRules(r.Context(), rules, redress.AuditEvent{Actor: pr.Subject(),
		Action: redress.ActionRoutingSaved, RequestID: requestID(r)}); err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	http.Redirect(w, r, "/admin/routing?saved=1", http.StatusSeeOther)
}
