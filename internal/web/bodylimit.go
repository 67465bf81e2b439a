package web

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/redress-oversight/redress/internal/casefile"
	"github.com/redress-oversight/redress/internal/redress"
)

// uploadLimit bounds a multipart form that carries one evidence file and a few fields
// (readUpload).
const uploadLimit = casefile.MaxFileSize + maxUploadFields*maxUploadField + 64<<10

// bodyLimits are the routes whose bodies are held to a limit other than MaxBodyBytes,
// by route template: the short forms of the status page and the case file, and the
// evidence uploads.
var bodyLimits = map[string]int64{
	"/status":                                16 << 10,
	"/status/reply":                          64 << 10,
	"/status/evidence":                       uploadLimit,
	"/staff/complaints/{id}/notes":           64 << 10,
	"/staff/complaints/{id}/messages":        64 << 10,
	"/staff/complaints/{id}/evidence":        uploadLimit,
	"/api/v1/staff/complaints/{id}/evidence": uploadLimit,
}

// redrawnForms are the forms a person may have typed into for a long time, which are
// drawn again with what was typed when a field is over its own limit (the complaint
// form, the officers' entry form, the status page's answer). Their body is read up to
// this hard cap rather than the route's ordinary limit, so one over-long field is named
// next to the text instead of losing everything to a generic refusal; the cap still
// bounds what one request can make the server hold. Beyond it the generic refusal stays.
var redrawnForms = map[string]int64{
	"/complaint":            2 << 20,
	"/staff/complaints/new": 2 << 20,
	"/status/reply":         1 << 20,
}

// bodyLimit is the largest body r's route accepts.
func (s *Server) bodyLimit(r *http.Request) int64 {
	if m := mux.CurrentRoute(r); m != nil {
		if tpl, err := m.GetPathTemplate(); err == nil {
			if n, ok := redrawnForms[tpl]; ok && r.Method == http.MethodPost {
				return max(n, s.MaxBodyBytes)
			}
			if n, ok := bodyLimits[tpl]; ok {
				return n
			}
		}
	}
	return s.MaxBodyBytes
}

// withBodyLimit is the one place every route's body is limited. A body announced
// (Content-Length) over the limit is refused before a byte of it is read: a client
// that sent "Expect: 100-continue" (curl does above 1 MB) then never sends it and reads
// a 413. Reading first and refusing at the limit would close the connection on a
// client still sending, which then mostly sees a connection reset instead of the
// answer. A body of unknown length is cut at the limit as it is read.
func (s *Server) withBodyLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.bodyLimit(r)
		if r.ContentLength > limit {
			s.renderError(w, r, tooLarge(limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// tooLarge is the refusal of a body over limit; an upload's names the file limit.
func tooLarge(limit int64) error {
	if limit == uploadLimit {
		return redress.ErrEvidenceTooLarge
	}
	return &apiError{status: http.StatusRequestEntityTooLarge, key: "error.too_large", data: map[string]any{"Limit": limit}}
}
