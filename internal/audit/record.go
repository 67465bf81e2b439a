package audit

import "github.com/redress-oversight/redress/internal/redress"

// recordHasher computes chain links straight from stored rows, with buffers reused from
// row to row.
type recordHasher struct {
	enc encoder
	ts  []byte
}

// link is the hash the event r would have at seq, after prev.
func (h *recordHasher) link(prev []byte, r *redress.AuditRecord, seq int64) [HashSize]byte {
	return h.enc.link(prev, seq, r.ID, h.occurredAt(r), nullOpt(r.ComplaintID), nullOpt(r.AgencyID),
		nullOpt(r.AgreementID), h.digest(r))
}

func (h *recordHasher) digest(r *redress.AuditRecord) [HashSize]byte {
	return h.enc.bodyDigest(r.Actor, r.ActorRole, r.Action, r.RequestID, r.Details)
}

// occurredAt is the time as the encoding writes it. A stored value that is not a time
// at all is hashed as it stands, so it can never match the time that was sealed.
func (h *recordHasher) occurredAt(r *redress.AuditRecord) []byte {
	if r.OccurredAtText != "" {
		h.ts = append(h.ts[:0], r.OccurredAtText...)
	} else {
		h.ts = appendTime(h.ts[:0], r.OccurredAt)
	}
	return h.ts
}

// nullOpt is a stored nullable id as the encoding takes it: absent apart from 0.
func nullOpt(n redress.OptionalInt) optInt { return optInt{n.Int64, n.Valid} }

func nullPtr(n redress.OptionalInt) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}
