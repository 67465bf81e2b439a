package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/authz"
	"github.com/redress-oversight/redress/internal/redress"
)

const sessionCookie = "redress_session"

const principalKey ctxKey = iota + 100

// principal returns the signed-in staff member, if any.
func principal(r *http.Request) (auth.Principal, bool) {
	p, ok := r.Context().Value(principalKey).(auth.Principal)
	return p, ok
}

// withPrincipal finds who is calling: a bearer token (the staff API) or a session
// cookie (the pages). A bad token is refused at once; a stale cookie is dropped and the
// request goes on as the public's.
func (s *Server) withPrincipal(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := r.Header.Get("Authorization"); h != "" {
			bearer, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				s.renderError(w, r, redress.Errorf(redress.EUNAUTHORIZED, "Send the token as: Authorization: Bearer <token>."))
				return
			}
			p, err := s.Auth.AuthenticateToken(r.Context(), s.meta(r), strings.TrimSpace(bearer))
			if err != nil {
				s.renderError(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey, p)))
			return
		}
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			p, err := s.Auth.Authenticate(r.Context(), c.Value)
			if err == nil {
				r = r.WithContext(context.WithValue(r.Context(), principalKey, p))
			} else {
				s.clearSession(w, r)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// withStaffGate keeps a half-signed-in session on its way: a session waiting for its
// second factor may only finish signing in, and an account whose role requires a second
// factor it lacks may only set one up.
func (s *Server) withStaffGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := principal(r)
		route := routeTemplate(r)
		switch {
		case !ok:
		case p.MFAPending && route != "/login/totp" && route != "/logout" && !s.Authz.Public(route, r.Method):
			http.Redirect(w, r, "/login/totp", http.StatusSeeOther)
			return
		case p.MustEnrolMFA && !strings.HasPrefix(route, "/account/mfa") && route != "/logout" && !s.Authz.Public(route, r.Method):
			http.Redirect(w, r, "/account/mfa", http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// subject is the Casbin subject of a request, for the authorization middleware. A
// session still waiting for its second factor is no one yet, except to sign out.
func subject(r *http.Request) (string, bool) {
	p, ok := principal(r)
	if !ok || (p.MFAPending && routeTemplate(r) != "/logout") {
		return "", false
	}
	return p.Subject(), true
}

func routeTemplate(r *http.Request) string {
	if m := mux.CurrentRoute(r); m != nil {
		t, _ := m.GetPathTemplate()
		return t
	}
	return ""
}

// deny answers a refused request: 401 with the sign-in page (or JSON) when no one is
// signed in, 403 otherwise. A staff member's refusal is an audit event. No one's is only
// counted (Metrics) and summarised in the log: anyone can send those by the thousand,
// and the audit trail keeps every row forever.
func (s *Server) deny(w http.ResponseWriter, r *http.Request, status int) {
	if p, ok := principal(r); ok {
		ref := authz.Refusal{Subject: p.Subject(), Route: routeTemplate(r), Method: r.Method, Status: status, RequestID: requestID(r)}
		if err := s.Authz.RecordRefusal(r.Context(), ref); err != nil {
			s.Log.Error("audit of a refused request", "err", err, "request_id", requestID(r))
		}
	} else {
		s.metrics.AnonymousRefusals.Add(1)
		quiet(r)
		if n, ok := s.refusals.note(time.Now()); ok {
			s.Log.Warn("requests refused: no one signed in (count since the last such line)", "count", n,
				"route", routeTemplate(r), "method", r.Method)
		}
	}
	if status == http.StatusUnauthorized && !strings.HasPrefix(r.URL.Path, "/api/") {
		page := &loginPage{page: s.newPage(r, s.pageLang(w, r))}
		page.Problem = page.T("login.needed")
		page.Next = safeNext(r.URL.RequestURI())
		s.render(w, r, http.StatusUnauthorized, page)
		return
	}
	code := redress.EFORBIDDEN
	if status == http.StatusUnauthorized {
		code = redress.EUNAUTHORIZED
	}
	s.renderError(w, r, &redress.Error{Code: code, Message: http.StatusText(status)})
}

// safeNext keeps a post-sign-in destination on this site.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.IsAbs() || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(next, "//") {
		return "/staff"
	}
	return u.RequestURI()
}

func (s *Server) meta(r *http.Request) auth.Meta {
	m := auth.Meta{Actor: redress.ActorPublic, RequestID: requestID(r)}
	if p, ok := principal(r); ok {
		m.Actor = p.Subject()
	}
	return m
}

func (s *Server) setSession(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.SecureCookies || r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.SecureCookies || r.TLS != nil, SameSite: http.SameSiteLaxMode})
}
