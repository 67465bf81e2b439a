package web

import (
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/redress-oversight/redress/internal/redress"
)

// Roles waiting for a second administrator (docs/roles.md): listed for the account they
// are for and, on /admin/users, for the administrators who may approve them. The rules
// (who may approve) are the auth service's and the store's; the flags here only choose
// which buttons to draw.

// grantView is a waiting grant as the viewing administrator sees it.
type grantView struct {
	redress.RoleGrant
	CanApprove bool // the viewer neither asked for it nor would receive it
	Yours      bool // the viewer asked for it: they may withdraw it
	ForViewer  bool // it is for the viewer's own account
}

// pendingGrants returns the waiting grants keep selects, as the caller sees them.
func (s *Server) pendingGrants(r *http.Request, keep func(g grantView) bool) ([]grantView, error) {
	all, err := s.Auth.PendingRoleGrants(r.Context())
	if err != nil {
		return nil, err
	}
	var me int64
	if pr, ok := principal(r); ok {
		me = pr.User.ID
	}
	var out []grantView
	for _, g := range all {
		v := grantView{RoleGrant: g, Yours: g.RequestedBy == me, ForViewer: g.UserID == me}
		v.CanApprove = !v.Yours && !v.ForViewer
		if keep(v) {
			out = append(out, v)
		}
	}
	return out, nil
}

func waitingForViewer(g grantView) bool { return g.CanApprove }

// handleAdminGrant approves or rejects (withdraws, for the requester) a waiting grant,
// then shows the account it is for.
func (s *Server) handleAdminGrant(w http.ResponseWriter, r *http.Request) {
	b, err := s.adminPage(w, r)
	p := &adminUserPage{adminBase: b}
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err != nil {
		s.renderPageError(w, r, p, redress.Errorf(redress.ENOTFOUND, "Grant not found."))
		return
	}
	if err := r.ParseForm(); err != nil {
		s.renderPageError(w, r, p, formReadError(err))
		return
	}
	var g redress.RoleGrant
	switch r.PostForm.Get("op") {
	case "approve":
		g, err = s.Auth.DecideRoleGrant(r.Context(), s.meta(r), id, true)
	case "reject":
		g, err = s.Auth.DecideRoleGrant(r.Context(), s.meta(r), id, false)
	default:
		err = redress.Errorf(redress.EINVALID, "Choose approve or reject.")
	}
	if code := redress.ErrorCode(err); (code == redress.EFORBIDDEN || code == redress.ECONFLICT) && g.UserID != 0 {
		s.showAdminUserRefused(w, r, p, g.UserID, err)
		return
	} else if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	s.Authz.Reload(r.Context())
	http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(g.UserID, 10)+"?saved=1", http.StatusSeeOther)
}

// showAdminUserRefused draws an account's page again with why a change to its roles
// was refused, with the status the refusal maps to.
func (s *Server) showAdminUserRefused(w http.ResponseWriter, r *http.Request, p *adminUserPage, userID int64, why error) {
	var err error
	if p.User, err = s.Auth.User(r.Context(), userID); err == nil {
		p.Grants, err = s.pendingGrants(r, func(g grantView) bool { return g.UserID == userID })
	}
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	p.Problem = s.problemText(p, why)
	s.render(w, r, statusFor(why), p)
}
