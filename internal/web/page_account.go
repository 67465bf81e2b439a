package web

import (
	"bytes"
	"image/png"
	"net/http"

	"github.com/pquerna/otp"
)

func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) {
	p := &accountPage{page: s.newPage(r, s.pageLang(w, r))}
	switch r.URL.Query().Get("done") {
	case "mfa":
		p.Flash = p.T("mfa.done")
	case "password":
		p.Flash = p.T("setpw.changed")
	}
	s.render(w, r, http.StatusOK, p)
}

func (s *Server) handlePasswordChangeForm(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	p := &passwordPage{page: s.newPage(r, s.pageLang(w, r))}
	p.Action, p.AskOld, p.MinLength = "/account/password", true, s.Auth.MinPasswordLength()
	s.render(w, r, http.StatusOK, p)
}

// handlePasswordChange changes the password; every session of the account ends, and
// this browser gets a fresh one so the person who changed it stays signed in.
func (s *Server) handlePasswordChange(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	pr, _ := principal(r)
	p := &passwordPage{page: s.newPage(r, s.pageLang(w, r))}
	if err := r.ParseForm(); err != nil {
		s.renderPageError(w, r, p, formReadError(err))
		return
	}
	p.Action, p.AskOld, p.MinLength = "/account/password", true, s.Auth.MinPasswordLength()
	if err := s.Auth.ChangePassword(r.Context(), s.meta(r), pr.User.ID, r.PostForm.Get("old_password"), r.PostForm.Get("password")); err != nil {
		p.Problem = s.problemText(p, err)
		s.render(w, r, statusFor(err), p)
		return
	}
	res, err := s.Auth.Login(r.Context(), s.meta(r), pr.User.Email, r.PostForm.Get("password"))
	if err != nil {
		s.clearSession(w, r)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	s.setSession(w, r, res.SessionToken)
	if res.Principal.MFAPending {
		http.Redirect(w, r, "/login/totp?next=/account?done=password", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/account?done=password", http.StatusSeeOther)
}

// handleMFAForm starts (or restarts) enrolment: a new secret each time the page is drawn,
// confirmed only when a code from it is entered.
func (s *Server) handleMFAForm(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	pr, _ := principal(r)
	p := &mfaPage{page: s.newPage(r, s.pageLang(w, r))}
	secret, _, err := s.Auth.BeginTOTP(r.Context(), pr.User.ID)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	p.Secret, p.MustEnrol = secret, pr.MustEnrolMFA
	s.render(w, r, http.StatusOK, p)
}

func (s *Server) handleMFAQR(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	pr, _ := principal(r)
	url, err := s.Auth.PendingTOTPURL(r.Context(), pr.User.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	key, err := otp.NewKeyFromURL(url)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	img, err := key.Image(200, 200)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		s.renderError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(buf.Bytes())
}

func (s *Server) handleMFAConfirm(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	pr, _ := principal(r)
	p := &mfaPage{page: s.newPage(r, s.pageLang(w, r))}
	if err := r.ParseForm(); err != nil {
		s.renderPageError(w, r, p, formReadError(err))
		return
	}
	if err := s.Auth.ConfirmTOTP(r.Context(), s.meta(r), pr.User.ID, r.PostForm.Get("code")); err != nil {
		secret, _, berr := s.Auth.PendingTOTP(r.Context(), pr.User.ID)
		if berr != nil {
			s.renderPageError(w, r, p, berr)
			return
		}
		p.Secret, p.MustEnrol, p.Problem = secret, pr.MustEnrolMFA, localizedProblem(p, err)
		s.render(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	http.Redirect(w, r, "/account?done=mfa", http.StatusSeeOther)
}
