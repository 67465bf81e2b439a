package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/config"
	"github.com/redress-oversight/redress/internal/mail"
	"github.com/redress-oversight/redress/internal/oversight"
	"github.com/redress-oversight/redress/internal/reports"
	"github.com/redress-oversight/redress/internal/web"
)

// serve runs the web service: it builds the app, starts the workers that run beside the
// web, serves until ctx ends and then stops in order (requests in flight, the mail
// worker, a last sealing of the audit trail, the database).
func (c *cli) serve(ctx context.Context, args []string) error {
	fs := c.flagSet("serve", "serve [flags]")
	cfg, err := config.Register(fs, c.getenv, true)
	if err != nil {
		return err
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	// Listen before anything builds a link: with no public URL configured, links (the
	// first administrator's, emails') point at the address actually listened on, port
	// 0 included.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	defer ln.Close()
	if cfg.PublicBaseURL == "" {
		cfg.PublicBaseURL = "http://" + ln.Addr().String()
	}
	auditKey, err := c.auditKey(cfg, true)
	if err != nil {
		return err
	}
	a, err := c.buildApp(ctx, cfg, auditKey)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := c.ensureFirstAdmin(ctx, cfg, a); err != nil {
		return err
	}
	m := c.newMetrics(cfg, a) // before the workers: the deadline watcher reports to it
	w, err := c.startWorkers(ctx, cfg, a, auditKey)
	if err != nil {
		return err
	}
	defer w.stop()
	// Verifications of the trail started from the web end first (recorded as stopped
	// if unfinished), so the sealer's last pass seals their events too.
	defer a.audit.Close()
	deps := c.webDeps(ctx, cfg, a, w.mailer)
	if m != nil {
		deps.ObserveRequest = m.ObserveRequest
	}
	handler, err := web.NewServer(deps)
	if err != nil {
		return err
	}
	if m != nil {
		stopMetrics, err := c.startMetrics(cfg.MetricsAddr, m, handler)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	if cfg.PprofAddr != "" {
		stopProfiler, err := c.startProfiler(cfg.PprofAddr)
		if err != nil {
			return err
		}
		defer stopProfiler()
	}
	return c.serveHTTP(ctx, cfg, handler, ln, a.db.Dialect)
}

// startProfiler serves Go's profiler on its own listener, never on the service's: the
// public address must not expose it, and an operator turns it on only to diagnose.
func (c *cli) startProfiler(addr string) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pprof: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// A CPU profile or trace runs for its ?seconds=, so no write timeout here.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() {
		c.log.Warn("profiler listening beyond loopback: keep this address private", "addr", ln.Addr().String())
	}
	c.log.Info("profiler listening", "addr", ln.Addr().String(), "path", "/debug/pprof/")
	return func() { srv.Close() }, nil
}

// ensureFirstAdmin creates an administrator when there is none, so a new installation
// can be signed in to.
func (c *cli) ensureFirstAdmin(ctx context.Context, cfg *config.Config, a *app) error {
	token, created, err := a.accounts.EnsureFirstAdmin(ctx, cfg.AdminEmail)
	if err != nil {
		return fmt.Errorf("first administrator: %w", err)
	}
	if !created {
		return c.remindResetLink(ctx, cfg, a)
	}
	// The one time a secret goes to the log: there is no one else to give it to.
	c.log.Warn("no administrator yet: created one; open this one-time link to set its password",
		"email", cfg.AdminEmail, "link", a.accounts.SetPasswordURL(token))
	// Its role holds from the first request, not from the enforcer's next look.
	return a.enforcer.Reload(ctx)
}

// remindResetLink says, at each start until an administrator has signed in, how to
// issue a new link when the first one was missed: it went to the log only once.
func (c *cli) remindResetLink(ctx context.Context, cfg *config.Config, a *app) error {
	signedIn, err := a.accounts.AdministratorSignedIn(ctx)
	if err != nil || signedIn {
		return err
	}
	c.log.Warn("no administrator has signed in yet; if the one-time link was missed or has expired, issue a new one with: redress user reset-link --email ADDRESS",
		"email", cfg.AdminEmail)
	return nil
}

// webDeps hands the app's services to the web.
func (c *cli) webDeps(ctx context.Context, cfg *config.Config, a *app, mailer *mail.Worker) web.Deps {
	return web.Deps{
		DB:       a.db,
		Intake:   a.intake,
		Casework: a.cases,
		Casefile: a.casefile,
		Limits:   a.limits,
		Audit:    a.audit,
		Warnings: &oversight.Warnings{DB: a.db}, // early warning
		Auth:     a.accounts,
		Authz:    a.enforcer,
		Catalog:  a.catalog,
		Log:      c.log,

		FilingLimit:    cfg.FilingLimit,
		LoginLimit:     cfg.LoginLimit,
		TrustedProxies: cfg.TrustedProxies,
		MaxUploads:     cfg.MaxUploads,

		MailQueued:    mailer.Notify,
		SecureCookies: strings.HasPrefix(cfg.PublicBaseURL, "https://"),
		MaxBodyBytes:  cfg.MaxBodyBytes,
		Operator:      cfg.Operator,

		// Issue 15, oversight dashboard: answers kept a few minutes (oversight.Cache).
		Reports: c.cachedReports(ctx, a),
		// Transparency report (issue 15, point 5): built on first request, kept an hour.
		Transparency: c.transparency(a),
	}
}

// cachedReports serves the oversight pages from answers kept a few minutes, and counts
// what they open on at start and then every few minutes, so no auditor waits the
// seconds a whole quarter of a large database takes to count (docs/performance.md). The
// command line's reports (redress report) count afresh.
func (c *cli) cachedReports(ctx context.Context, a *app) *reports.Service {
	// A breakdown of every agreement of the country is a few megabytes kept: 64 answers
	// bound what a flood of distinct filters can make the cache hold.
	cache := &oversight.Cache{Source: a.oversight, Fresh: 5 * time.Minute, Stale: 30 * time.Minute, MaxEntries: 64}
	r := &reports.Service{Source: cache, DB: a.db}
	go func() {
		tick := time.NewTicker(2 * time.Minute)
		defer tick.Stop()
		for {
			if err := r.Warm(ctx, time.Now(), a.oversight.Loc()); err != nil && ctx.Err() == nil {
				c.log.Error("counting the oversight dashboard", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return r
}

// transparency builds the public report's keeper over the database, in the office's
// zone, and starts its first build in the background so the first visitor is served
// from memory.
func (c *cli) transparency(a *app) *oversight.Transparency {
	// The times and deadlines come from the dashboard's measures, so both agree.
	t := &oversight.Transparency{Tallies: a.db, Measures: a.oversight, Loc: a.cases.Deadlines.Loc(),
		OnError: func(err error) { c.log.Error("transparency report", "err", err) }}
	go func() {
		if err := t.Warm(context.Background()); err != nil {
			c.log.Error("transparency report", "err", err)
		}
	}()
	return t
}

// workers are what serve runs beside the web: the audit sealer, the mail sender, and
// the watchers of role assignments and deadlines (these end with ctx).
type workers struct {
	mailer *mail.Worker
	// stop ends the mail worker (mail it has not sent waits in the outbox), then the
	// sealer, after one last pass, so the events of the last requests are sealed too
	// (docs/audit.md).
	stop func()
}

func (c *cli) startWorkers(ctx context.Context, cfg *config.Config, a *app, auditKey *audit.Key) (*workers, error) {
	mailer, err := mail.NewWorker(a.db, a.box, mail.Config{SMTPURL: cfg.SMTPURL, From: cfg.MailFrom,
		Timeout: cfg.MailTimeout, Lease: cfg.MailLease, Logger: c.log})
	if err != nil {
		return nil, err
	}
	go a.enforcer.Watch(ctx, 2*time.Second)
	go a.cases.WatchDeadlines(ctx, 5*time.Minute, c.log)

	sealer := audit.NewSealer(a.db, auditKey, audit.SealerConfig{CheckpointEvery: cfg.AuditCheckpointEvents,
		CheckpointInterval: cfg.AuditCheckpointInterval, Logger: c.log})
	sealCtx, stopSealer := context.WithCancel(context.WithoutCancel(ctx))
	sealDone := make(chan struct{})
	go func() { defer close(sealDone); sealer.Run(sealCtx) }()

	mailCtx, stopMail := context.WithCancel(context.WithoutCancel(ctx))
	mailDone := make(chan struct{})
	go func() {
		defer close(mailDone)
		if err := mailer.Run(mailCtx); err != nil {
			c.log.Error("mail worker stopped", "err", err)
		}
	}()
	return &workers{mailer: mailer, stop: func() {
		stopMail()
		<-mailDone
		stopSealer()
		<-sealDone
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := sealer.Flush(fctx); err != nil {
			c.log.Error("sealing the audit trail at shutdown", "err", err)
		}
	}}, nil
}

// serveHTTP serves handler on ln until ctx ends, then stops taking new connections and
// lets requests in flight finish, within the shutdown timeout.
func (c *cli) serveHTTP(ctx context.Context, cfg *config.Config, handler http.Handler, ln net.Listener, dialect string) error {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second, // people on slow phones upload long accounts
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	c.log.Info("listening", "addr", ln.Addr().String(), "database", dialect)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	c.log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	c.log.Info("stopped")
	return nil
}
