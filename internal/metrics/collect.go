package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/redress-oversight/redress/internal/store"
)

var (
	descMailQueued = prometheus.NewDesc("redress_outbox_queued",
		"Emails waiting in the outbox to be sent (first attempt or a retry).", nil, nil)
	descMailOldest = prometheus.NewDesc("redress_outbox_oldest_queued_age_seconds",
		"Age of the oldest email waiting in the outbox; 0 when none waits.", nil, nil)
	descMailFailed = prometheus.NewDesc("redress_outbox_failed",
		"Emails the outbox gave up on (status failed).", nil, nil)
	descUnsealed = prometheus.NewDesc("redress_audit_unsealed_events",
		"Audit events not yet sealed into the hash chain.", nil, nil)
	descSealerLag = prometheus.NewDesc("redress_audit_sealer_lag_seconds",
		"Age of the oldest unsealed audit event; 0 when all are sealed.", nil, nil)
	descBacklogUp = prometheus.NewDesc("redress_backlog_up",
		"1 when this scrape's backlog queries (outbox, unsealed events) answered in time, else 0.", nil, nil)
)

// backlogCollector asks the database at each scrape, within timeout, what waits for
// the mail worker and the sealer (store.Backlog: partial indexes, cheap at any size).
type backlogCollector struct {
	db      *store.DB
	timeout time.Duration
	log     *slog.Logger
}

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descMailQueued, descMailOldest, descMailFailed, descUnsealed, descSealerLag, descBacklogUp} {
		ch <- d
	}
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	b, err := c.db.Backlog(ctx)
	if err != nil {
		c.log.Warn("metrics: reading the outbox and audit backlog", "err", err)
		ch <- prometheus.MustNewConstMetric(descBacklogUp, prometheus.GaugeValue, 0)
		return
	}
	now := time.Now()
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	gauge(descBacklogUp, 1)
	gauge(descMailQueued, float64(b.MailQueued))
	gauge(descMailOldest, age(now, b.MailOldest))
	gauge(descMailFailed, float64(b.MailFailed))
	gauge(descUnsealed, float64(b.Unsealed))
	gauge(descSealerLag, age(now, b.UnsealedOldest))
}

// age is how long ago t was, in seconds; 0 for the zero time (nothing waits) or a time
// a clock ahead of ours wrote.
func age(now, t time.Time) float64 {
	if t.IsZero() || t.After(now) {
		return 0
	}
	return now.Sub(t).Seconds()
}

// poolCollector reports the database pool of this process under the names of
// client_golang's DBStatsCollector (go_sql_*, db_name="redress"), so its dashboards
// apply; that collector wants the *sql.DB, which only the store holds.
type poolCollector struct{ db *store.DB }

func poolDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc("go_sql_"+name, help, nil, prometheus.Labels{"db_name": "redress"})
}

var (
	descMaxOpen     = poolDesc("max_open_connections", "Maximum number of open connections to the database.")
	descOpen        = poolDesc("open_connections", "The number of established connections both in use and idle.")
	descInUse       = poolDesc("in_use_connections", "The number of connections currently in use.")
	descIdle        = poolDesc("idle_connections", "The number of idle connections.")
	descWaitCount   = poolDesc("wait_count_total", "The total number of connections waited for.")
	descWaitSeconds = poolDesc("wait_duration_seconds_total", "The total time blocked waiting for a new connection.")
)

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descMaxOpen, descOpen, descInUse, descIdle, descWaitCount, descWaitSeconds} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.db.PoolStats()
	ch <- prometheus.MustNewConstMetric(descMaxOpen, prometheus.GaugeValue, float64(s.MaxOpenConnections))
	ch <- prometheus.MustNewConstMetric(descOpen, prometheus.GaugeValue, float64(s.OpenConnections))
	ch <- prometheus.MustNewConstMetric(descInUse, prometheus.GaugeValue, float64(s.InUse))
	ch <- prometheus.MustNewConstMetric(descIdle, prometheus.GaugeValue, float64(s.Idle))
	ch <- prometheus.MustNewConstMetric(descWaitCount, prometheus.CounterValue, float64(s.WaitCount))
	ch <- prometheus.MustNewConstMetric(descWaitSeconds, prometheus.CounterValue, s.WaitDuration.Seconds())
}

var (
	descLoginFailures = prometheus.NewDesc("redress_login_failures_total",
		"Sign-ins refused for a wrong password or a locked account (step=\"password\") or a wrong second-factor code (step=\"totp\").",
		[]string{"step"}, nil)
	descLimiterRefusals = prometheus.NewDesc("redress_limiter_refusals_total",
		"Requests turned away by a limiter: filing, receipt and login over their rates (429), uploads beyond --max-uploads at once (503).",
		[]string{"limiter"}, nil)
	descAnonymous = prometheus.NewDesc("redress_anonymous_refusals_total",
		"Staff routes asked for by no one signed in (401).", nil, nil)
)

// refusalCollector reads the web's counters (Metrics.Refusals) at each scrape.
type refusalCollector struct{ m *Metrics }

func (c *refusalCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descLoginFailures
	ch <- descLimiterRefusals
	ch <- descAnonymous
}

func (c *refusalCollector) Collect(ch chan<- prometheus.Metric) {
	if c.m.Refusals == nil {
		return
	}
	r := c.m.Refusals()
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	counter(descLoginFailures, r.LoginFailed, "password")
	counter(descLoginFailures, r.TOTPFailed, "totp")
	counter(descLimiterRefusals, r.FilingLimited, "filing")
	counter(descLimiterRefusals, r.ReceiptLimited, "receipt")
	counter(descLimiterRefusals, r.LoginLimited, "login")
	counter(descLimiterRefusals, r.UploadsBusy, "uploads")
	counter(descAnonymous, r.Anonymous)
}
