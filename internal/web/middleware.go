package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	requestNoteKey
)

// requestNote is what a handler tells the request's log line.
type requestNote struct {
	// quiet: a refusal a flood is made of (no one signed in, over a limit); counted in
	// Metrics and summarised by sampledLog, its own line is only written at debug level.
	quiet atomic.Bool
}

// quiet marks r's log line as one a flood must not multiply.
func quiet(r *http.Request) {
	if n, ok := r.Context().Value(requestNoteKey).(*requestNote); ok {
		n.quiet.Store(true)
	}
}

// sampledLog lets one line through for the first event, then at most one per every,
// counting the events between.
type sampledLog struct {
	every time.Duration
	mu    sync.Mutex
	last  time.Time
	since int64
}

// note counts an event and says whether to write a line now, with how many events it
// stands for.
func (l *sampledLog) note(now time.Time) (count int64, write bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.since++
	if !l.last.IsZero() && now.Sub(l.last) < l.every {
		return 0, false
	}
	count, l.since, l.last = l.since, 0, now
	return count, true
}

// requestID returns the id of the request, for logs and the audit trail.
func requestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey).(string)
	return id
}

// withRequestID gives each request an id. An id from a proxy is kept when it is short and
// plain, so one request can be followed across systems; anything else is replaced.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !plainID(id) {
			b := make([]byte, 12)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

func plainID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// withLogging writes one line per request. It logs the route template, never the query
// string or body: those can hold a tracking number, a receipt code or a name.
func (s *Server) withLogging(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		note := &requestNote{}
		r = r.WithContext(context.WithValue(r.Context(), requestNoteKey, note))
		next.ServeHTTP(rec, r)
		route := "(no route)"
		if m := mux.CurrentRoute(r); m != nil {
			route, _ = m.GetPathTemplate()
		}
		took := time.Since(start)
		if s.ObserveRequest != nil {
			status := rec.status
			if status == 0 {
				status = http.StatusOK // nothing written: net/http answers 200
			}
			s.ObserveRequest(r.Method, route, status, took)
		}
		level := slog.LevelInfo
		if note.quiet.Load() {
			level = slog.LevelDebug
		}
		s.Log.Log(r.Context(), level, "request", "method", r.Method, "route", route, "status", rec.status,
			"duration_ms", took.Milliseconds(), "request_id", requestID(r))
	})
}

// withRecover turns a panic into a 500 for this request only; the server keeps serving.
func (s *Server) withRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Log.Error("panic", "value", v, "request_id", requestID(r), "stack", string(debug.Stack()))
				s.renderError(w, r, errInternal)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// withSecurityHeaders sets what every response carries. API responses load nothing.
func (s *Server) withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}
