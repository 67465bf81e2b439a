package authz

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/redress-oversight/redress/internal/redress"
)

// Middleware checks every routed request against the policy, with the route's template
// as the object and the method as the action: what the public may do passes; otherwise
// a caller without an account is refused with 401, and an account that may not use the
// route in any of its units with 403. Record-level rules (the complaint's unit) are for
// the handlers, through Allowed.
//
// principal returns the caller's subject ("user:<id>") and whether someone is signed
// in. deny answers a refused request (the page or JSON, and its audit event).
func (e *Enforcer) Middleware(principal func(*http.Request) (subject string, ok bool),
	deny func(w http.ResponseWriter, r *http.Request, status int)) mux.MiddlewareFunc {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			obj := routeTemplate(r) // "" for no route: never in the policy, so refused
			if e.Public(obj, r.Method) {
				next.ServeHTTP(w, r)
				return
			}
			sub, ok := principal(r)
			status := http.StatusUnauthorized
			if ok {
				if e.AllowedAnywhere(sub, obj, r.Method) {
					next.ServeHTTP(w, r)
					return
				}
				status = http.StatusForbidden
			} else {
				sub = redress.SubjectPublic
			}
			// The template, not the URL: no ids, no query strings, no secrets.
			e.log.Info("access refused", "route", obj, "method", r.Method, "subject", sub, "status", status)
			deny(w, r, status)
		})
	}
}

func routeTemplate(r *http.Request) string {
	if route := mux.CurrentRoute(r); route != nil {
		if t, err := route.GetPathTemplate(); err == nil {
			return t
		}
	}
	return ""
}
