package redress

// AuditEntry is an event as the oversight log shows it: with its seal, and the
// tracking number of its complaint.
type AuditEntry struct {
	AuditEvent
	Seq            int64  // 0 while unsealed
	Hash           []byte // nil while unsealed
	TrackingNumber string // of ComplaintID, when there is one
}
