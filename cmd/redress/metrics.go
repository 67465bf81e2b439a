package main

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/redress-oversight/redress/internal/config"
	"github.com/redress-oversight/redress/internal/metrics"
	"github.com/redress-oversight/redress/internal/web"
)

// newMetrics builds the Prometheus metrics when --metrics-addr asks for them (nil when
// off) and has the deadline watcher report its misses to them; call it before the
// workers start.
func (c *cli) newMetrics(cfg *config.Config, a *app) *metrics.Metrics {
	if cfg.MetricsAddr == "" {
		return nil
	}
	m := metrics.New(a.db, c.log)
	a.cases.MissedDeadlines = m.DeadlinesMissed
	return m
}

// startMetrics serves m at /metrics on a listener of its own, never the service's: the
// public address must not show how the office works, and Prometheus reaches this one
// over a private network.
func (c *cli) startMetrics(addr string, m *metrics.Metrics, srv *web.Server) (stop func(), err error) {
	counts := srv.Metrics()
	m.Refusals = func() metrics.Refusals {
		return metrics.Refusals{
			LoginFailed: counts.LoginFailed.Load(), TOTPFailed: counts.TOTPFailed.Load(),
			FilingLimited: counts.FilingLimited.Load(), ReceiptLimited: counts.ReceiptLimited.Load(),
			LoginLimited: counts.LoginLimited.Load(), UploadsBusy: counts.UploadsBusy.Load(),
			Anonymous: counts.AnonymousRefusals.Load(),
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srvm := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	go srvm.Serve(ln)
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() {
		c.log.Warn("metrics listening beyond loopback: keep this address on a private network", "addr", ln.Addr().String())
	}
	c.log.Info("metrics listening", "addr", ln.Addr().String(), "path", "/metrics")
	return func() { srvm.Close() }, nil
}
