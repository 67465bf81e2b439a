// Package metrics counts what Redress does for Prometheus: requests by route, the
// workers' backlogs, refusals, missed deadlines and the database pool. serve publishes
// them on a listener of their own (--metrics-addr), never on the service's address.
package metrics

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/redress-oversight/redress/internal/store"
)

// Refusals are the web's running counts of what it turned away (web.Metrics).
type Refusals struct {
	// Sign-ins refused: a wrong password or locked account, a wrong second-factor code.
	LoginFailed, TOTPFailed int64
	// Turned away by a limiter: filings, receipt checks and sign-ins over their rate,
	// uploads beyond --max-uploads at once.
	FilingLimited, ReceiptLimited, LoginLimited, UploadsBusy int64
	// Staff routes asked for by no one signed in.
	Anonymous int64
}

// Metrics holds the counters the service feeds and the registry the listener serves.
type Metrics struct {
	reg      *prometheus.Registry
	log      *slog.Logger
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	missed   prometheus.Counter
	// Refusals reads the web's counts at each scrape; set it before serving (nil: none
	// are shown).
	Refusals func() Refusals
}

// QueryTimeout bounds the backlog's queries at each scrape: a slow database shows as
// redress_backlog_up 0, not as a scrape that hangs.
const QueryTimeout = 2 * time.Second

// New builds the metrics over db, whose backlog and pool are read at each scrape.
func New(db *store.DB, log *slog.Logger) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), log: log}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "redress_http_requests_total",
		Help: "Requests answered, by method, route template (\"(no route)\" when none matched) and status.",
	}, []string{"method", "route", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "redress_http_request_duration_seconds",
		Help:    "Time to answer a request, by method and route template.",
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"method", "route"})
	m.missed = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "redress_deadlines_missed_total",
		Help: "Case deadlines this process recorded as missed (one audit event each; each miss is recorded by one process).",
	})
	m.reg.MustRegister(m.requests, m.latency, m.missed,
		&backlogCollector{db: db, timeout: QueryTimeout, log: log},
		&poolCollector{db: db},
		&refusalCollector{m: m},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveRequest counts one answered request (web.Deps.ObserveRequest). route is the
// route's template, so a tracking number or an id in the path never becomes a label.
func (m *Metrics) ObserveRequest(method, route string, status int, took time.Duration) {
	method = knownMethod(method)
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(took.Seconds())
}

// knownMethod keeps the method label to the methods HTTP defines: a client can send any
// word there, and each would be a new series.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// DeadlinesMissed counts misses the deadline watcher recorded (casework.Service.MissedDeadlines).
func (m *Metrics) DeadlinesMissed(n int) { m.missed.Add(float64(n)) }

// Handler serves the metrics in Prometheus' text format. A failed backlog query leaves
// out only its own numbers: the rest are served, and the error is logged.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling:       promhttp.ContinueOnError,
		ErrorLog:            errorLog{m.log},
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	})
}

type errorLog struct{ log *slog.Logger }

func (l errorLog) Println(v ...any) { l.log.Warn("serving metrics", "err", fmt.Sprint(v...)) }
