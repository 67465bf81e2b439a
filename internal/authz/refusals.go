package authz

import (
	"context"

	"github.com/redress-oversight/redress/internal/redress"
)

// Refusal is a request refused to a signed-in account.
type Refusal struct {
	Subject string // "user:<id>"
	// Route is the route's template, never the URL: no ids, no query strings, no secrets.
	Route, Method string
	Status        int // the HTTP status answered: 401 or 403
	RequestID     string
}

// RecordRefusal writes the audit event of a request refused to a signed-in account.
// Refusals of no one (no account) are not for the trail: anyone can send those by the
// thousand, and the trail keeps every row forever.
func (e *Enforcer) RecordRefusal(ctx context.Context, r Refusal) error {
	return e.db.RecordAudit(ctx, redress.AuditEvent{Actor: r.Subject, Action: redress.ActionAccessDenied, RequestID: r.RequestID,
		Details: map[string]any{"route": r.Route, "method": r.Method, "status": r.Status}})
}
