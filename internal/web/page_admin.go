package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/redress-oversight/redress/internal/redress"
)

// adminPage gathers what every administration page shows: the units.
func (s *Server) adminPage(w http.ResponseWriter, r *http.Request) (*adminBase, error) {
	p := &adminBase{page: s.newPage(r, s.pageLang(w, r))}
	units, err := s.Auth.ListUnits(r.Context())
	if err != nil {
		return p, err
	}
	p.Units = units
	return p, nil
}

func (s *Server) handleAdminUsers(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	b, err := s.adminPage(w, r)
	p := &adminUsersPage{adminBase: b}
	if err == nil {
		p.Users, err = s.Auth.ListUsers(r.Context())
	}
	if err == nil {
		p.Grants, err = s.pendingGrants(r, waitingForViewer)
	}
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	s.render(w, r, http.StatusOK, p)
}

// handleAdminUserCreate adds an account with its first role (waiting for a second
// administrator, for a role that needs one) and shows the one-time set-password link,
// once.
func (s *Server) handleAdminUserCreate(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	b, err := s.adminPage(w, r)
	p := &adminUsersPage{adminBase: b}
	if err == nil {
		err = r.ParseForm()
	}
	status := http.StatusCreated
	if err == nil {
		var u redress.User
		var token string
		u, token, err = s.Auth.CreateUser(r.Context(), s.meta(r), r.PostForm.Get("email"), r.PostForm.Get("name"))
		pending := false
		if err == nil {
			pending, err = s.Auth.GrantRole(r.Context(), s.meta(r), u.ID, redress.Role(r.PostForm.Get("role")), r.PostForm.Get("unit"))
		}
		if err == nil {
			p.Flash, p.Link = p.T("admin.user_created"), s.Auth.SetPasswordURL(token)
			if pending {
				p.Flash = p.T("admin.user_created_pending")
			}
			s.Authz.Reload(r.Context())
		}
	}
	if err != nil {
		if code := redress.ErrorCode(err); code != redress.EINVALID && code != redress.ECONFLICT {
			s.renderPageError(w, r, p, err)
			return
		}
		p.Problem, status = s.problemText(p, err), statusFor(err)
	}
	if p.Users, err = s.Auth.ListUsers(r.Context()); err == nil {
		p.Grants, err = s.pendingGrants(r, waitingForViewer)
	}
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	s.render(w, r, status, p)
}

func (s *Server) adminUser(w http.ResponseWriter, r *http.Request) (*adminUserPage, error) {
	b, err := s.adminPage(w, r)
	p := &adminUserPage{adminBase: b}
	if err != nil {
		return p, err
	}
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err != nil {
		return p, redress.Errorf(redress.ENOTFOUND, "Account not found.")
	}
	if p.User, err = s.Auth.User(r.Context(), id); err != nil {
		return p, err
	}
	p.Grants, err = s.pendingGrants(r, func(g grantView) bool { return g.UserID == id })
	return p, err
}

func (s *Server) handleAdminUser(w http.ResponseWriter, r *http.Request) {
	p, err := s.adminUser(w, r)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	if r.URL.Query().Get("saved") != "" {
		p.Flash = p.T("admin.saved")
	}
	if r.URL.Query().Get("pending") != "" {
		p.Flash = p.T("admin.role_pending")
	}
	s.render(w, r, http.StatusOK, p)
}

// handleAdminUserUpdate disables an account; its sessions end at once.
func (s *Server) handleAdminUserUpdate(w http.ResponseWriter, r *http.Request) {
	p, err := s.adminUser(w, r)
	if err == nil {
		err = r.ParseForm()
	}
	if err == nil && r.PostForm.Get("op") == "disable" {
		err = s.Auth.DisableUser(r.Context(), s.meta(r), p.User.ID)
	}
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	s.Authz.Reload(r.Context())
	http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(p.User.ID, 10)+"?saved=1", http.StatusSeeOther)
}

// handleAdminUserRoles adds or takes back a role. Adding one that needs a second
// administrator only asks for it; changing one's own roles is refused (403).
func (s *Server) handleAdminUserRoles(w http.ResponseWriter, r *http.Request) {
	p, err := s.adminUser(w, r)
	if err == nil {
		err = r.ParseForm()
	}
	pending := false
	if err == nil {
		role, unit := redress.Role(r.PostForm.Get("role")), r.PostForm.Get("unit")
		if r.PostForm.Get("op") == "remove" {
			err = s.Auth.RemoveRole(r.Context(), s.meta(r), p.User.ID, role, unit)
		} else {
			pending, err = s.Auth.GrantRole(r.Context(), s.meta(r), p.User.ID, role, unit)
		}
	}
	switch code := redress.ErrorCode(err); {
	case code == redress.EINVALID || code == redress.EFORBIDDEN && p.User.ID != 0:
		p.Problem = s.problemText(p, err)
		s.render(w, r, statusFor(err), p)
		return
	case err != nil:
		s.renderPageError(w, r, p, err)
		return
	case pending:
		http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(p.User.ID, 10)+"?pending=1", http.StatusSeeOther)
		return
	}
	// Take effect at once in this process; other processes see the new version soon.
	s.Authz.Reload(r.Context())
	http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(p.User.ID, 10)+"?saved=1", http.StatusSeeOther)
}

func (s *Server) handleAdminUnits(w http.ResponseWriter, r *http.Request) {
	p, err := s.unitsPage(w, r)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	if r.URL.Query().Get("saved") != "" {
		p.Flash = p.T("admin.saved")
	}
	s.render(w, r, http.StatusOK, p)
}

func (s *Server) handleAdminUnitSave(w http.ResponseWriter, r *http.Request) {
	p, err := s.unitsPage(w, r)
	if err == nil {
		err = r.ParseForm()
	}
	if err == nil && r.PostForm.Get("op") == "clocks" {
		s.handleAdminUnitClocksSave(w, r, p) // page_unitclocks.go
		return
	}
	if err == nil {
		u := redress.Unit{Name: strings.TrimSpace(r.PostForm.Get("name")), Title: strings.TrimSpace(r.PostForm.Get("title")),
			TimeZone: r.PostForm.Get("time_zone")}
		for _, st := range strings.FieldsFunc(r.PostForm.Get("states"), func(c rune) bool { return c == ',' || c == ' ' }) {
			code, ok := redress.StateCode(st)
			if !ok {
				var fe redress.FieldErrors
				fe.Add("states", "state")
				err = fe.Err()
				break
			}
			u.States = append(u.States, code)
		}
		if err == nil {
			_, err = s.Auth.SaveUnit(r.Context(), s.meta(r), u)
		}
	}
	if redress.ErrorCode(err) == redress.EINVALID {
		p.Problem = s.problemText(p, err)
		s.render(w, r, http.StatusUnprocessableEntity, p)
		return
	} else if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	s.Authz.Reload(r.Context())
	http.Redirect(w, r, "/admin/units?saved=1", http.StatusSeeOther)
}

func (s *Server) handleAdminSettings(w http.ResponseWriter, r *http.Request) {
	p := &adminSettingsPage{page: s.newPage(r, s.pageLang(w, r))}
	required, err := s.Auth.MFARequiredRoles(r.Context())
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	for _, role := range redress.StaffRoles {
		p.MFARoles = append(p.MFARoles, option{string(role), p.T("role." + string(role)), slices.Contains(required, role)})
	}
	if r.URL.Query().Get("saved") != "" {
		p.Flash = p.T("admin.saved")
	}
	s.render(w, r, http.StatusOK, p)
}

func (s *Server) handleAdminSettingsSave(w http.ResponseWriter, r *http.Request) {
	p := &adminSettingsPage{page: s.newPage(r, s.pageLang(w, r))}
	if err := r.ParseForm(); err != nil {
		s.renderPageError(w, r, p, formReadError(err))
		return
	}
	chosen := r.PostForm["mfa_required"]
	for _, role := range redress.StaffRoles {
		if err := s.Auth.SetMFARequired(r.Context(), s.meta(r), role, slices.Contains(chosen, string(role))); err != nil {
			s.renderPageError(w, r, p, err)
			return
		}
	}
	http.Redirect(w, r, "/admin/settings?saved=1", http.StatusSeeOther)
}
