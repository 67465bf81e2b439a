package redress

import "time"

// AuditRecord is one row of audit_events as stored, for the code that hashes, verifies
// and exports the chain. Its byte slices belong to the scan that produced it and change
// with the next row: a caller that keeps a record past its callback must Clone it.
type AuditRecord struct {
	ID  int64
	Seq int64 // 0 while unsealed
	// OccurredAt is the stored time; OccurredAtText is set instead when the stored value
	// does not read as a time at all (a row changed behind the application's back).
	OccurredAt     time.Time
	OccurredAtText string
	Actor          []byte
	ActorRole      []byte
	Action         []byte
	ComplaintID    OptionalInt
	AgencyID       OptionalInt
	AgreementID    OptionalInt
	RequestID      []byte
	Details        []byte
	Hash           []byte // nil while unsealed
}

// OptionalInt is an integer that may be absent (NULL in the database). The chain hashes
// an absent value apart from 0, so the two must not be folded together.
type OptionalInt struct {
	Int64 int64
	Valid bool // false: no value
}

// Clone returns a copy that owns its bytes.
func (r *AuditRecord) Clone() AuditRecord {
	c := *r
	c.Actor, c.ActorRole, c.Action = cloneBytes(r.Actor), cloneBytes(r.ActorRole), cloneBytes(r.Action)
	c.RequestID, c.Details, c.Hash = cloneBytes(r.RequestID), cloneBytes(r.Details), cloneBytes(r.Hash)
	return c
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}
