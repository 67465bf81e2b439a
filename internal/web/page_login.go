package web

import (
	"net/http"

	"github.com/redress-oversight/redress/internal/redress"
)

func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	p := &loginPage{page: s.newPage(r, s.pageLang(w, r))}
	p.Next = safeNext(r.URL.Query().Get("next"))
	s.render(w, r, http.StatusOK, p)
}

// handleLogin checks email and password. With a second factor enrolled the new session
// waits for it; the cookie is set either way so the second step knows who is signing in.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	p := &loginPage{page: s.newPage(r, s.pageLang(w, r))}
	if err := r.ParseForm(); err != nil {
		s.renderPageError(w, r, p, formReadError(err))
		return
	}
	p.Next, p.Email = safeNext(r.PostForm.Get("next")), r.PostForm.Get("email")
	// A client that keeps failing is turned away before any password is hashed, whatever
	// addresses it tries: the per-account throttle cannot see addresses with no account.
	if wait, err := s.loginWait(r); err != nil {
		s.renderPageError(w, r, p, err)
		return
	} else if wait > 0 {
		tooMany(w, wait)
		p.Problem = p.T("login.too_many", "Count", minutes(wait))
		s.render(w, r, http.StatusTooManyRequests, p)
		return
	}
	res, err := s.Auth.Login(r.Context(), s.meta(r), p.Email, r.PostForm.Get("password"))
	if err != nil {
		status := http.StatusUnauthorized
		switch redress.ErrorCode(err) {
		case redress.EUNAUTHORIZED, redress.EFORBIDDEN:
		case redress.EUNAVAILABLE: // too busy to check: the form again, to send once more
			status = http.StatusServiceUnavailable
		default:
			s.renderPageError(w, r, p, err)
			return
		}
		if err := s.loginFailed(r, err); err != nil {
			s.renderPageError(w, r, p, err)
			return
		}
		p.Problem = localizedProblem(p, err)
		s.render(w, r, status, p)
		return
	}
	s.setSession(w, r, res.SessionToken)
	if res.Principal.MFAPending {
		http.Redirect(w, r, "/login/totp?next="+p.Next, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, p.Next, http.StatusSeeOther)
}

func (s *Server) handleTOTPForm(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	p := &totpPage{page: s.newPage(r, s.pageLang(w, r))}
	p.Next = safeNext(r.URL.Query().Get("next"))
	s.render(w, r, http.StatusOK, p)
}

func (s *Server) handleTOTP(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	p := &totpPage{page: s.newPage(r, s.pageLang(w, r))}
	if err := r.ParseForm(); err != nil {
		s.renderPageError(w, r, p, formReadError(err))
		return
	}
	p.Next = safeNext(r.PostForm.Get("next"))
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if _, err := s.Auth.LoginTOTP(r.Context(), s.meta(r), c.Value, r.PostForm.Get("code")); err != nil {
		if code := redress.ErrorCode(err); code == redress.EUNAUTHORIZED || code == redress.EFORBIDDEN {
			s.metrics.TOTPFailed.Add(1)
		}
		p.Problem = localizedProblem(p, err)
		s.render(w, r, http.StatusUnauthorized, p)
		return
	}
	http.Redirect(w, r, p.Next, http.StatusSeeOther)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.Auth.Logout(r.Context(), s.meta(r), c.Value); err != nil {
			s.renderError(w, r, err)
			return
		}
	}
	s.clearSession(w, r)
	http.Redirect(w, r, "/login?signed_out=1", http.StatusSeeOther)
}

func (s *Server) handleResetForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, &resetPage{s.newPage(r, s.pageLang(w, r))})
}

// handleReset always gives the same answer, so the page cannot be used to learn which
// addresses have accounts.
func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	p := &resetPage{page: s.newPage(r, s.pageLang(w, r))}
	if err := r.ParseForm(); err != nil {
		s.renderPageError(w, r, p, formReadError(err))
		return
	}
	if err := s.Auth.RequestPasswordReset(r.Context(), s.meta(r), r.PostForm.Get("email"), p.Lang); err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	if s.MailQueued != nil {
		s.MailQueued()
	}
	p.Flash = p.T("reset.sent")
	s.render(w, r, http.StatusOK, p)
}

func (s *Server) handleSetPasswordForm(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	p := &passwordPage{page: s.newPage(r, s.pageLang(w, r))}
	p.Token, p.Action, p.MinLength = r.URL.Query().Get("token"), "/password/set", s.Auth.MinPasswordLength()
	s.render(w, r, http.StatusOK, p)
}

func (s *Server) handleSetPassword(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	p := &passwordPage{page: s.newPage(r, s.pageLang(w, r))}
	if err := r.ParseForm(); err != nil {
		s.renderPageError(w, r, p, formReadError(err))
		return
	}
	p.Token, p.Action, p.MinLength = r.PostForm.Get("token"), "/password/set", s.Auth.MinPasswordLength()
	if _, err := s.Auth.SetPasswordWithToken(r.Context(), s.meta(r), p.Token, r.PostForm.Get("password")); err != nil {
		p.Problem = s.problemText(p, err)
		s.render(w, r, statusFor(err), p)
		return
	}
	s.clearSession(w, r)
	p.Flash = p.T("setpw.done")
	s.render(w, r, http.StatusOK, &loginPage{page: p.page, Next: "/staff"})
}
