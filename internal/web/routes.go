package web

import "net/http"

// routes lists every route of the service. Maintenance starts from a URL: find it here.
func (s *Server) routes() {
	r := s.router
	r.Use(s.withRequestID, s.withLogging, s.withRecover, s.withSecurityHeaders, s.withBodyLimit, s.withPrincipal, s.withStaffGate,
		s.Authz.Middleware(subject, s.deny))
	r.NotFoundHandler = s.chain(http.HandlerFunc(s.handleNotFound))
	r.MethodNotAllowedHandler = s.chain(http.HandlerFunc(s.handleMethodNotAllowed))

	r.HandleFunc("/", s.handleHome).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/complaint", s.handleComplaintForm).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/complaint", s.handleComplaintSubmit).Methods(http.MethodPost)
	r.HandleFunc("/status", s.handleStatusForm).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/status", s.handleStatusSubmit).Methods(http.MethodPost)
	// The public transparency report (issue 15, point 5): page, CSV, JSON.
	r.HandleFunc("/transparency", s.handleTransparency).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/transparency.csv", s.handleTransparencyCSV).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/api/v1/transparency", s.handleAPITransparency).Methods(http.MethodGet)
	r.PathPrefix("/static/").Handler(s.handleStatic()).Methods(http.MethodGet, http.MethodHead)

	// Signing in and accounts.
	r.HandleFunc("/login", s.handleLoginForm).Methods(http.MethodGet)
	r.HandleFunc("/login", s.handleLogin).Methods(http.MethodPost)
	r.HandleFunc("/login/totp", s.handleTOTPForm).Methods(http.MethodGet)
	r.HandleFunc("/login/totp", s.handleTOTP).Methods(http.MethodPost)
	r.HandleFunc("/logout", s.handleLogout).Methods(http.MethodPost)
	r.HandleFunc("/password/reset", s.handleResetForm).Methods(http.MethodGet)
	r.HandleFunc("/password/reset", s.handleReset).Methods(http.MethodPost)
	r.HandleFunc("/password/set", s.handleSetPasswordForm).Methods(http.MethodGet)
	r.HandleFunc("/password/set", s.handleSetPassword).Methods(http.MethodPost)
	r.HandleFunc("/account", s.handleAccount).Methods(http.MethodGet)
	r.HandleFunc("/account/password", s.handlePasswordChangeForm).Methods(http.MethodGet)
	r.HandleFunc("/account/password", s.handlePasswordChange).Methods(http.MethodPost)
	r.HandleFunc("/account/mfa", s.handleMFAForm).Methods(http.MethodGet)
	r.HandleFunc("/account/mfa", s.handleMFAConfirm).Methods(http.MethodPost)
	r.HandleFunc("/account/mfa/qr.png", s.handleMFAQR).Methods(http.MethodGet)

	// Review officers.
	r.HandleFunc("/staff", s.handleStaffHome).Methods(http.MethodGet)
	r.HandleFunc("/staff/complaints", s.handleStaffComplaints).Methods(http.MethodGet)
	// Complaints received by phone, mail or in person, typed in by staff; before {id}.
	r.HandleFunc("/staff/complaints/new", s.handleEnterForm).Methods(http.MethodGet)
	r.HandleFunc("/staff/complaints/new", s.handleEnterSubmit).Methods(http.MethodPost)
	r.HandleFunc("/staff/complaints/assign", s.handleBulkAssign).Methods(http.MethodPost)
	r.HandleFunc("/staff/complaints/{id}", s.handleStaffCase).Methods(http.MethodGet)
	r.HandleFunc("/staff/complaints/{id}/identity", s.handleStaffIdentity).Methods(http.MethodPost)
	r.HandleFunc("/staff/complaints/{id}/transition", s.handleCaseTransition).Methods(http.MethodPost)
	r.HandleFunc("/staff/complaints/{id}/triage", s.handleCaseTriage).Methods(http.MethodPost)
	r.HandleFunc("/staff/complaints/{id}/assign", s.handleCaseAssign).Methods(http.MethodPost)
	r.HandleFunc("/staff/complaints/{id}/referrals", s.handleCaseReferral).Methods(http.MethodPost)
	r.HandleFunc("/staff/complaints/{id}/referrals/{rid}", s.handleCaseReferralAnswer).Methods(http.MethodPost)
	r.HandleFunc("/staff/complaints/{id}/results", s.handleCaseResults).Methods(http.MethodPost)

	// Notes, messages and evidence. The complainant's routes prove the receipt on every
	// request (page_status.go); staff routes check the permission in the case's unit.
	r.HandleFunc("/status/reply", s.handleStatusReply).Methods(http.MethodPost)
	r.HandleFunc("/status/evidence", s.handleStatusEvidence).Methods(http.MethodPost)
	r.HandleFunc("/staff/complaints/{id}/notes", s.handleCaseNote).Methods(http.MethodPost)
	r.HandleFunc("/staff/complaints/{id}/messages", s.handleCaseMessage).Methods(http.MethodPost)
	r.HandleFunc("/staff/complaints/{id}/evidence", s.handleCaseEvidenceUpload).Methods(http.MethodPost)
	r.HandleFunc("/staff/complaints/{id}/evidence/{eid}", s.handleCaseEvidenceDownload).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/staff/complaints/{id}/notes", s.handleAPICaseNotes).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/staff/complaints/{id}/notes", s.handleAPICaseNoteAdd).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/staff/complaints/{id}/messages", s.handleAPICaseMessages).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/staff/complaints/{id}/messages", s.handleAPICaseMessageSend).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/staff/complaints/{id}/evidence", s.handleAPICaseEvidence).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/staff/complaints/{id}/evidence", s.handleAPICaseEvidenceAdd).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/staff/complaints/{id}/evidence/{eid}", s.handleCaseEvidenceDownload).Methods(http.MethodGet)

	// Administrators: accounts, units, settings; never case content.
	r.HandleFunc("/admin/users", s.handleAdminUsers).Methods(http.MethodGet)
	r.HandleFunc("/admin/users", s.handleAdminUserCreate).Methods(http.MethodPost)
	r.HandleFunc("/admin/users/{id}", s.handleAdminUser).Methods(http.MethodGet)
	r.HandleFunc("/admin/users/{id}", s.handleAdminUserUpdate).Methods(http.MethodPost)
	r.HandleFunc("/admin/users/{id}/roles", s.handleAdminUserRoles).Methods(http.MethodPost)
	r.HandleFunc("/admin/grants/{id}", s.handleAdminGrant).Methods(http.MethodPost)
	r.HandleFunc("/admin/units", s.handleAdminUnits).Methods(http.MethodGet)
	r.HandleFunc("/admin/units", s.handleAdminUnitSave).Methods(http.MethodPost)
	r.HandleFunc("/admin/routing", s.handleAdminRouting).Methods(http.MethodGet)
	r.HandleFunc("/admin/routing", s.handleAdminRoutingSave).Methods(http.MethodPost)
	r.HandleFunc("/admin/offices", s.handleAdminOffices).Methods(http.MethodGet)
	r.HandleFunc("/admin/offices", s.handleAdminOfficeSave).Methods(http.MethodPost)
	r.HandleFunc("/admin/settings", s.handleAdminSettings).Methods(http.MethodGet)
	r.HandleFunc("/admin/settings", s.handleAdminSettingsSave).Methods(http.MethodPost)

	// The MOA registry's history: ICE's sheets and what each said of each agreement.
	r.HandleFunc("/staff/registry", s.handleRegistryPage).Methods(http.MethodGet)

	// Oversight: the audit trail, each complaint's history, verification and export.
	r.HandleFunc("/oversight/audit", s.handleAuditLog).Methods(http.MethodGet)
	r.HandleFunc("/oversight/audit/complaints/{id}", s.handleAuditHistory).Methods(http.MethodGet)
	r.HandleFunc("/oversight/verify", s.handleVerifyForm).Methods(http.MethodGet)
	r.HandleFunc("/oversight/verify", s.handleVerifyStart).Methods(http.MethodPost)
	r.HandleFunc("/oversight/verify/{id}", s.handleVerification).Methods(http.MethodGet)
	r.HandleFunc("/oversight/export", s.handleExportPage).Methods(http.MethodGet)
	// Issue 15, oversight dashboard: the measures, each agreement's report card, exports.
	r.HandleFunc("/oversight", s.handleDashboard).Methods(http.MethodGet)
	r.HandleFunc("/oversight/agreements/{id}", s.handleReportCard).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/reports/{table}", s.handleAPIReport).Methods(http.MethodGet)
	// Early warning for supervisors, and its thresholds (page_warnings.go).
	r.HandleFunc("/oversight/warnings", s.handleWarnings).Methods(http.MethodGet)
	r.HandleFunc("/admin/warnings", s.handleAdminWarnings).Methods(http.MethodGet)
	r.HandleFunc("/admin/warnings", s.handleAdminWarningsSave).Methods(http.MethodPost)
	r.HandleFunc("/healthz", s.handleHealthz).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/readyz", s.handleReadyz).Methods(http.MethodGet, http.MethodHead)

	// The JSON API. Full paths, not a subrouter: mux answers 404 instead of 405 when a
	// subrouter's route matches the path but not the method.
	r.HandleFunc("/api/v1/openapi.json", s.handleOpenAPI).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/complaints", s.handleComplaintCreate).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/complaints/status", s.handleComplaintStatus).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/agencies", s.handleAgencyList).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/agreements", s.handleAgreementList).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/agreements/{id}", s.handleAgreementHistory).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/sheets", s.handleSheetList).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/staff/me", s.handleAPIMe).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/staff/complaints", s.handleAPIStaffComplaints).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/staff/complaints", s.handleAPIComplaintEnter).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/staff/complaints/{id}", s.handleAPIStaffCase).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/staff/complaints/{id}/identity", s.handleAPIStaffIdentity).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/staff/complaints/{id}/transition", s.handleAPICaseTransition).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/staff/complaints/{id}/triage", s.handleAPICaseTriage).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/staff/complaints/{id}/assign", s.handleAPICaseAssign).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/staff/complaints/{id}/referrals", s.handleAPICaseReferral).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/staff/complaints/{id}/referrals/{rid}", s.handleAPICaseReferralAnswer).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/staff/complaints/{id}/results", s.handleAPICaseResults).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/staff/complaints/assign", s.handleAPIBulkAssign).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/audit/key", s.handleAPIAuditKey).Methods(http.MethodGet)
	// Outside witnesses: the published heads, for anyone (api_witness.go).
	r.HandleFunc("/api/v1/public/audit/heads", s.handlePublicAuditHeads).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/audit/checkpoints", s.handleAPIAuditCheckpoints).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/audit/events", s.handleAPIAuditEvents).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/audit/export", s.handleAPIAuditExport).Methods(http.MethodGet)
}

// chain wraps handlers mux calls outside its middleware (not found, method not allowed)
// in the same middleware, so every response carries the same headers and log line.
func (s *Server) chain(h http.Handler) http.Handler {
	return s.withRequestID(s.withLogging(s.withRecover(s.withSecurityHeaders(h))))
}
