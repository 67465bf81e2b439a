// Package web is Redress's HTTP surface: the JSON API and the pages. Handlers
// parse the request, call a domain service and render; routes.go lists every route.
package web

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/gorilla/mux"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/authz"
	"github.com/redress-oversight/redress/internal/casefile"
	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/intake"
	"github.com/redress-oversight/redress/internal/limit"
	"github.com/redress-oversight/redress/internal/oversight"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/reports"
	"github.com/redress-oversight/redress/internal/store"
)

// Deps are what the server needs; main builds them once.
type Deps struct {
	DB           *store.DB
	Intake       *intake.Service
	Catalog      *i18n.Catalog
	Log          *slog.Logger
	MaxBodyBytes int64
	// Operator says who runs this service, shown on every page; empty: no line.
	Operator string
	// MailQueued is called after a request queued email, to wake the sender; may be nil.
	MailQueued func()
	// Casework carries out triage, assignment, transitions, referrals and findings;
	// Casefile keeps a case's notes, messages and evidence.
	Casework *casework.Service
	Casefile *casefile.Service
	// Auth signs staff in; Authz decides what they may do, from policies/.
	Auth  *auth.Service
	Authz *authz.Enforcer
	// SecureCookies marks cookies Secure: set when the public URL is https.
	SecureCookies bool
	// Now is the clock for "today" in validation; tests replace it.
	Now func() time.Time
	// FilingLimit is how many complaints one client may file, LoginLimit how many
	// failed sign-ins it may make (zero: no limit). Wrong receipts are always limited.
	FilingLimit redress.Rate
	LoginLimit  redress.Rate
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client.
	TrustedProxies []netip.Prefix
	// Limits counts filings, wrong receipts and failed sign-ins per client; required.
	Limits *limit.Limiter
	// MaxUploads is how many evidence uploads are taken at once (0: 4).
	MaxUploads int
	// Audit reads, searches, exports and verifies the audit trail, recording each look;
	// its PublicKey is shown to oversight users and served at /api/v1/audit/key.
	Audit *audit.Service

	// Issue 15, oversight dashboard: the measures as tables for /oversight, the report
	// cards and /api/v1/reports; nil serves none of them (404).
	Reports *reports.Service
	// Transparency builds and keeps the public transparency report (issue 15, point 5);
	// nil: /transparency is a 404.
	Transparency *oversight.Transparency
	// Warnings computes the early warning for supervisors and keeps its thresholds.
	Warnings *oversight.Warnings
	// ObserveRequest, when set, is told of every request once answered: its method, its
	// route's template ("(no route)" when none matched; never the path, which can hold
	// a tracking number), its status and how long it took. The metrics listener counts
	// them (internal/metrics).
	ObserveRequest func(method, route string, status int, took time.Duration)
}

// Server holds the dependencies every handler shares.
type Server struct {
	Deps
	router  *mux.Router
	pages   map[string]*template.Template
	handler http.Handler
	// uploads holds a token per upload being taken: at most MaxUploads.
	uploads chan struct{}
	metrics Metrics
	// refusals summarises requests refused because no one was signed in.
	refusals sampledLog
	// transparency keeps the report's drawn forms (page_transparency.go).
	transparency preparedReport
}

// NewServer builds the handler for the whole service. It fails when a page template is
// missing or broken, so that shows at start-up, not in front of a complainant.
func NewServer(d Deps) (*Server, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.MaxBodyBytes == 0 {
		d.MaxBodyBytes = 256 << 10
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	if d.Limits == nil {
		return nil, errors.New("web: no rate limiter (Deps.Limits)")
	}
	if d.MaxUploads <= 0 {
		d.MaxUploads = 4
	}
	s := &Server{Deps: d, router: mux.NewRouter(), pages: pages,
		uploads:  make(chan struct{}, d.MaxUploads),
		refusals: sampledLog{every: time.Minute}}
	s.routes()
	// Browsers say where a request comes from; a state-changing request from another
	// site is refused. API clients that send no such headers are not affected.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(s.chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, errCrossOrigin)
	})))
	s.handler = cop.Handler(s.router)
	return s, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Router exposes the route table to tests that walk every route.
func (s *Server) Router() *mux.Router { return s.router }

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// handleReadyz answers 200 only when the database takes a write within two seconds, so
// a load balancer stops sending people to an instance that cannot store their complaint:
// a locked SQLite file or a full disk still answers a ping.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.DB.Ready(ctx); err != nil {
		s.Log.Warn("not ready", "err", err)
		var de *redress.Error
		if errors.As(err, &de) {
			writeErrorHeaders(w, &apiError{retryAfter: de.RetryAfter})
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unavailable\n"))
		return
	}
	w.Write([]byte("ready\n"))
}
