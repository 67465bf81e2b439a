package web

import "net/http"

// routes lists every route of the service. Maintenance starts from a URL: find it here.
func (s *Server) routes() {
	r := s.router
	r.Use(s.withRequestID, s.withLogging, s.withRecover, s.withSecurityHeaders)
	r.NotFoundHandler = s.chain(http.HandlerFunc(s.handleNotFound))
	r.MethodNotAllowedHandler = s.chain(http.HandlerFunc(s.handleMethodNotAllowed))

	r.HandleFunc("/", s.handleHome).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/complaint", s.handleComplaintForm).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/complaint", s.handleComplaintSubmit).Methods(http.MethodPost)
	r.HandleFunc("/status", s.handleStatusForm).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/status", s.handleStatusSubmit).Methods(http.MethodPost)
	r.PathPrefix("/static/").Handler(s.handleStatic()).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/healthz", s.handleHealthz).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/readyz", s.handleReadyz).Methods(http.MethodGet, http.MethodHead)

	// The JSON API. Full paths, not a subrouter: mux answers 404 instead of 405 when a
	// subrouter's route matches the path but not the method.
	r.HandleFunc("/api/v1/openapi.json", s.handleOpenAPI).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/complaints", s.handleComplaintCreate).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/complaints/status", s.handleComplaintStatus).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/agencies", s.handleAgencyList).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/agreements", s.handleAgreementList).Methods(http.MethodGet)
}

// chain wraps handlers mux calls outside its middleware (not found, method not allowed)
// in the same middleware, so every response carries the same headers and log line.
func (s *Server) chain(h http.Handler) http.Handler {
	return s.withRequestID(s.withLogging(s.withRecover(s.withSecurityHeaders(h))))
}
