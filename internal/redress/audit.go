package redress

import "time"

// Actors that are not staff accounts.
const (
	ActorPublic = "public"
	ActorSystem = "system"
)

// AuditEvent is one entry in the append-only trail. Details is a compact JSON object of
// what changed; it never holds identity or contact values.
type AuditEvent struct {
	ID          int64
	OccurredAt  time.Time
	Actor       string
	ActorRole   string
	Action      string
	ComplaintID int64
	AgencyID    int64
	AgreementID int64
	RequestID   string
	Details     map[string]any
}
