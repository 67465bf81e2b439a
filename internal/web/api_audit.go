package web

import (
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/redress"
)

// The audit trail's API for oversight bodies: the public key (anyone), the signed
// checkpoints to keep, the log, and the export (page_export.go).

var errNoAuditKey = &apiError{status: http.StatusNotFound, key: "error.no_audit_key"}

const (
	defaultCheckpointLimit = 100
	maxCheckpointLimit     = 1000
)

type auditKeyJSON struct {
	Algorithm string `json:"algorithm"`
	PublicKey string `json:"public_key"`
	KeyID     string `json:"key_id"`
}

func (s *Server) handleAPIAuditKey(w http.ResponseWriter, r *http.Request) {
	if len(s.Audit.PublicKey) == 0 {
		s.renderError(w, r, errNoAuditKey)
		return
	}
	writeJSON(w, http.StatusOK, auditKeyJSON{Algorithm: "Ed25519", PublicKey: audit.EncodePublicKey(s.Audit.PublicKey),
		KeyID: audit.KeyID(s.Audit.PublicKey)})
}

type checkpointsJSON struct {
	Checkpoints []audit.Checkpoint `json:"checkpoints"`
	// NextAfter is the after to ask for the next page with: the last seq given.
	NextAfter int64 `json:"next_after"`
}

// handleAPIAuditCheckpoints pages through the signed checkpoints, oldest first. With
// format=jsonl they come as JSON Lines, one checkpoint a line: the file
// `redress audit verify --checkpoints` reads.
func (s *Server) handleAPIAuditCheckpoints(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	var fe redress.FieldErrors
	after, limit := int64(0), defaultCheckpointLimit
	if a := strings.TrimSpace(v.Get("after")); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 {
			fe.Add("after", "seq")
		}
		after = n
	}
	if l := strings.TrimSpace(v.Get("limit")); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxCheckpointLimit {
			fe.Add("limit", "number_range", maxCheckpointLimit)
		}
		limit = n
	}
	format := strings.TrimSpace(v.Get("format"))
	if format != "" && format != "json" && format != "jsonl" {
		fe.Add("format", "one_of", "json, jsonl")
	}
	if err := fe.Err(); err != nil {
		s.renderError(w, r, err)
		return
	}
	cps, err := s.Audit.Checkpoints(r.Context(), after, limit)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if format == "jsonl" {
		w.Header().Set("Content-Type", exportContentType)
		w.WriteHeader(http.StatusOK)
		if err := audit.WriteCheckpoints(w, cps); err != nil {
			s.Log.Warn("sending checkpoints", "err", err, "request_id", requestID(r))
		}
		return
	}
	out := checkpointsJSON{Checkpoints: cps, NextAfter: after}
	if out.Checkpoints == nil {
		out.Checkpoints = []audit.Checkpoint{}
	}
	if len(cps) > 0 {
		out.NextAfter = cps[len(cps)-1].Seq
	}
	writeJSON(w, http.StatusOK, out)
}

type auditEventJSON struct {
	ID             int64          `json:"id"`
	Seq            *int64         `json:"seq"`  // null while unsealed
	Hash           string         `json:"hash"` // hex; empty while unsealed
	OccurredAt     time.Time      `json:"occurred_at"`
	Actor          string         `json:"actor"`
	ActorRole      string         `json:"actor_role"`
	Action         string         `json:"action"`
	ComplaintID    *int64         `json:"complaint_id"`
	TrackingNumber string         `json:"tracking_number,omitempty"`
	AgencyID       *int64         `json:"agency_id"`
	AgreementID    *int64         `json:"agreement_id"`
	RequestID      string         `json:"request_id"`
	Details        map[string]any `json:"details"`
}

type auditEventsJSON struct {
	Events []auditEventJSON `json:"events"`
	// Total is the number of events, counted up to a cap; TotalExact false means more
	// than Total (see openapi.json).
	Total      int  `json:"total"`
	TotalExact bool `json:"total_exact"`
	Page       int  `json:"page"`
	PerPage    int  `json:"per_page"`
	// Upto is the newest event id of this search: pass it back with page= to page
	// through the same events while new ones are written.
	Upto int64 `json:"upto,omitempty"`
	// NextAfter and PrevBefore page by event id: pass one back as after= (before=)
	// with page= one more (less), and upto=.
	NextAfter  string `json:"next_after,omitempty"`
	PrevBefore string `json:"prev_before,omitempty"`
}

func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// handleAPIAuditEvents is the log as JSON: the page's filters, newest first.
func (s *Server) handleAPIAuditEvents(w http.ResponseWriter, r *http.Request) {
	aq, err := s.parseAuditQuery(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	res, err := s.searchAudit(r, aq)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	n := countList(res.Total, aq.Page, aq.PerPage)
	out := auditEventsJSON{Events: make([]auditEventJSON, len(res.Entries)), Total: n.Total, TotalExact: !n.More, Page: aq.Page,
		PerPage: aq.PerPage, Upto: res.Upto}
	if len(res.Entries) > 0 {
		keys := []redress.ListKey{{ID: res.Entries[0].ID}, {ID: res.Entries[len(res.Entries)-1].ID}}
		out.NextAfter, out.PrevBefore = apiCursors(cursorAudit, keys, aq.Page, n.Next)
	}
	words := s.newStaffWords(r)
	for i, e := range res.Entries {
		j := auditEventJSON{ID: e.ID, Seq: optID(e.Seq), OccurredAt: e.OccurredAt, Actor: e.Actor, ActorRole: e.ActorRole,
			Action: e.Action, ComplaintID: optID(e.ComplaintID), TrackingNumber: e.TrackingNumber, AgencyID: optID(e.AgencyID),
			AgreementID: optID(e.AgreementID), RequestID: e.RequestID, Details: words.details(e.AuditEvent)}
		if j.Details == nil {
			j.Details = map[string]any{}
		}
		if len(e.Hash) > 0 {
			j.Hash = hex.EncodeToString(e.Hash)
		}
		out.Events[i] = j
	}
	noStore(w)
	writeJSON(w, http.StatusOK, out)
}
