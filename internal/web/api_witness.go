package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/redress"
)

// Outside witnesses (docs/audit.md): the audit trail's published heads, one a UTC day,
// for anyone, with no account. A head is a day, a sequence number, two hashes, a key id
// and a signature: no event, actor, complaint or time of day, so nothing finer than how
// many events a day brought. `redress audit witness` keeps them and checks each extends
// the last.

const (
	defaultHeadLimit = 100
	maxHeadLimit     = 1000
)

type publicHeadsJSON struct {
	Algorithm string       `json:"algorithm"`
	PublicKey string       `json:"public_key"`
	KeyID     string       `json:"key_id"`
	Heads     []audit.Head `json:"heads"`
	// NextAfter is the after to ask for the next page with: the last seq given.
	NextAfter int64 `json:"next_after"`
}

// handlePublicAuditHeads pages through the published heads by seq, oldest first. It is
// one range of the heads' primary key, and a page may be cached by anyone for a minute:
// heads are added once a day and never change, which is why it needs no rate limit of
// its own (the limiter writes to the database, costlier than the answer).
func (s *Server) handlePublicAuditHeads(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	var fe redress.FieldErrors
	after, limit := int64(0), defaultHeadLimit
	if a := strings.TrimSpace(v.Get("after")); a != "" || v.Has("after") {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 {
			fe.Add("after", "seq")
		}
		after = n
	}
	if l := strings.TrimSpace(v.Get("limit")); l != "" || v.Has("limit") {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxHeadLimit {
			fe.Add("limit", "number_range", maxHeadLimit)
		}
		limit = n
	}
	if err := fe.Err(); err != nil {
		s.renderError(w, r, err)
		return
	}
	if len(s.Audit.PublicKey) == 0 {
		s.renderError(w, r, errNoAuditKey)
		return
	}
	heads, err := s.Audit.Heads(r.Context(), after, limit)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	out := publicHeadsJSON{Algorithm: "Ed25519", PublicKey: audit.EncodePublicKey(s.Audit.PublicKey),
		KeyID: audit.KeyID(s.Audit.PublicKey), Heads: heads, NextAfter: after}
	if out.Heads == nil {
		out.Heads = []audit.Head{}
	}
	if len(heads) > 0 {
		out.NextAfter = heads[len(heads)-1].Seq
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	writeJSON(w, http.StatusOK, out)
}
