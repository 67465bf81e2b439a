package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/casefile"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/workflow"
)

// apiError is an error response the web layer itself produces (bad JSON, wrong content
// type…), with its catalog key and the status it maps to.
type apiError struct {
	status int
	key    string
	data   map[string]any
	fields redress.FieldErrors
	// code is the domain error code this came from, if any.
	code string
	// retryAfter, when set, is sent as Retry-After: how long to wait (a limit, an outage).
	retryAfter time.Duration
}

func (e *apiError) Error() string { return fmt.Sprintf("web: %d %s", e.status, e.key) }

var (
	errInternal         = &apiError{status: http.StatusInternalServerError, key: "error.internal"}
	errNotFound         = &apiError{status: http.StatusNotFound, key: "error.not_found"}
	errMethodNotAllowed = &apiError{status: http.StatusMethodNotAllowed, key: "error.method_not_allowed"}
	errContentType      = &apiError{status: http.StatusUnsupportedMediaType, key: "error.content_type"}
	errTooMany          = &apiError{status: http.StatusTooManyRequests, key: "error.too_many"}
	errCrossOrigin      = &apiError{status: http.StatusForbidden, key: "error.cross_origin"}
)

// statusOf maps a domain error code to its HTTP status: the one place that does.
var statusOf = map[string]int{
	redress.EINVALID:      http.StatusUnprocessableEntity,
	redress.ENOTFOUND:     http.StatusNotFound,
	redress.ECONFLICT:     http.StatusConflict,
	redress.EUNAUTHORIZED: http.StatusUnauthorized,
	redress.EFORBIDDEN:    http.StatusForbidden,
	redress.EINTERNAL:     http.StatusInternalServerError,
	redress.EUNAVAILABLE:  http.StatusServiceUnavailable,
}

// fileRefusals are the ways a file is refused, each with its own status rather than its
// code's: too large 413, of a type we refuse 415, one too many 409, empty 422.
var fileRefusals = []struct {
	err    *redress.Error
	status int
}{
	{redress.ErrEvidenceTooLarge, http.StatusRequestEntityTooLarge},
	{redress.ErrEvidenceType, http.StatusUnsupportedMediaType},
	{redress.ErrEvidenceLimit, http.StatusConflict},
	{redress.ErrEvidenceEmpty, http.StatusUnprocessableEntity},
}

// fileRefusal finds how err refuses a file: the status and the catalog key.
func fileRefusal(err error) (status int, key string, ok bool) {
	for _, f := range fileRefusals {
		if errors.Is(err, f.err) {
			return f.status, f.err.Key, true
		}
	}
	return 0, "", false
}

func isFileError(err error) bool { _, _, ok := fileRefusal(err); return ok }

// fileLimits are what a refused file's message names: the size and count allowed.
func fileLimits() map[string]any {
	return map[string]any{"MiB": casefile.MaxFileSize >> 20, "Max": casefile.MaxFiles}
}

// statusFor is the status a domain error answers with, on a page as in the API: a
// refused file its own, any other its code's. Any other error is a 500.
func statusFor(err error) int {
	if status, _, ok := fileRefusal(err); ok {
		return status
	}
	if st, ok := statusOf[redress.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// retryAfterBusy is what a 503 tells the caller to wait: a bound was full (hashing
// slots, see auth.Hasher), and its queue waits a few seconds at most.
const retryAfterBusy = "5"

// retryLater says when to come back, on an answer that refuses work for now.
func retryLater(h http.Header, status int) {
	if status == http.StatusServiceUnavailable && h.Get("Retry-After") == "" {
		h.Set("Retry-After", retryAfterBusy)
	}
}

type fieldMessage struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

type errorBody struct {
	Error string `json:"error"`
	// Code is a stable word for the kind of error ("invalid", "unavailable"…) that a
	// program can act on; Error is for people and changes with the language.
	Code   string         `json:"code"`
	Fields []fieldMessage `json:"fields,omitempty"`
}

// renderError answers with err in the caller's language: JSON under /api/, a page
// elsewhere.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		s.renderPageError(w, r, s.newPage(r, s.pageLang(w, r)), err)
		return
	}
	s.renderErrorLang(w, r, err, s.lang(r))
}

// classify turns any error into what the caller is shown. An unexpected error is logged
// once here and shown as a generic message; its text never reaches the caller.
func (s *Server) classify(r *http.Request, err error) *apiError {
	var ae *apiError
	var de *redress.Error
	switch {
	case errors.As(err, &ae):
	case isFileError(err):
		status, key, _ := fileRefusal(err)
		ae = &apiError{status: status, key: key, data: fileLimits()}
	case errors.As(err, &de):
		key := "error." + de.Code
		if de.Key != "" {
			key = de.Key
		}
		ae = &apiError{status: statusFor(de), key: key, fields: de.Fields, code: de.Code, retryAfter: de.RetryAfter}
	default:
		ae = errInternal
	}
	if ae.status >= 500 {
		s.Log.Error("request failed", "err", err, "request_id", requestID(r))
	}
	return ae
}

// writeErrorHeaders sets what an error asks for besides the body: an outage says when
// to come back.
func writeErrorHeaders(w http.ResponseWriter, ae *apiError) {
	if ae.retryAfter > 0 {
		tooMany(w, ae.retryAfter)
	}
}

// errorCode is the code an API error carries: the domain's, or for an error of the web
// layer itself the last word of its catalog key.
func (e *apiError) errorCode() string {
	if e.code != "" {
		return e.code
	}
	return strings.TrimPrefix(e.key, "error.")
}

// renderErrorLang answers an API request with err as JSON in lang.
func (s *Server) renderErrorLang(w http.ResponseWriter, r *http.Request, err error, lang string) {
	ae := s.classify(r, err)
	body := errorBody{Error: s.Catalog.T(lang, ae.key, ae.data), Code: ae.errorCode()}
	var te *workflow.TransitionError
	if errors.As(err, &te) {
		body.Error = transitionText(&page{Lang: lang, cat: s.Catalog}, te)
	}
	for _, f := range ae.fields {
		body.Fields = append(body.Fields, fieldMessage{
			Field:   f.Field,
			Message: s.Catalog.T(lang, "rule."+f.Rule, map[string]any{"Param": f.Param}),
		})
	}
	writeErrorHeaders(w, ae)
	writeJSON(w, ae.status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	retryLater(w.Header(), status)
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true) // text people typed is never live HTML, wherever it lands
	enc.Encode(v)
}

// lang picks the caller's language from Accept-Language; the API has no cookie.
func (s *Server) lang(r *http.Request, prefer ...string) string {
	return s.Catalog.Match(append(prefer, r.Header.Get("Accept-Language"))...)
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, errNotFound)
}

func (s *Server) handleMethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, errMethodNotAllowed)
}

// isJSON accepts application/json with or without parameters.
func isJSON(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	mt, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/json")
}

// problemText words a refused request for a page, in the page's language: a transition
// by the ones possible, a refused file with its limits, a refused input by its first
// field's rule, anything else by its own message.
func (s *Server) problemText(p translator, err error) string {
	var te *workflow.TransitionError
	var de *redress.Error
	switch {
	case errors.As(err, &te):
		return transitionText(p, te)
	case isFileError(err):
		_, key, _ := fileRefusal(err)
		return p.T(key, mapToKV(fileLimits())...)
	case errors.As(err, &de) && len(de.Fields) > 0:
		f := de.Fields[0]
		return p.T("rule."+f.Rule, "Param", f.Param)
	}
	return localizedProblem(p, err)
}

// localizedProblem shows a domain error's catalog message when it has one.
func localizedProblem(p translator, err error) string {
	var de *redress.Error
	if errors.As(err, &de) && de.Key != "" {
		return p.T(de.Key)
	}
	return p.T("error." + redress.ErrorCode(err))
}

// transitionText words a transition not possible from a complaint's status, naming the
// ones that are.
func transitionText(p translator, te *workflow.TransitionError) string {
	names := make([]string, len(te.Allowed))
	for i, t := range te.Allowed {
		names[i] = p.T("transition." + string(t))
	}
	allowed := strings.Join(names, ", ")
	if allowed == "" {
		allowed = p.T("transition.none")
	}
	return p.T("error.transition_not_allowed", "Status", p.T("casestatus."+te.From), "Allowed", allowed)
}
