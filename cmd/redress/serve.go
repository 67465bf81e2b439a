package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/authz"
	"github.com/redress-oversight/redress/internal/casefile"
	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/config"
	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/intake"
	"github.com/redress-oversight/redress/internal/mail"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/web"
)

func (c *cli) serve(ctx context.Context, args []string) error {
	fs := c.flagSet("serve", "serve [flags]")
	cfg, err := config.Register(fs, c.getenv, true)
	if err != nil {
		return err
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := c.openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	key, err := c.secretKey(cfg)
	if err != nil {
		return err
	}
	box, err := secret.New(key)
	if err != nil {
		return err
	}
	auditKey, err := c.auditKey(cfg, true)
	if err != nil {
		return err
	}
	sealer := audit.NewSealer(db, auditKey, audit.SealerConfig{CheckpointEvery: cfg.AuditCheckpointEvents,
		CheckpointInterval: cfg.AuditCheckpointInterval, Logger: c.log})
	catalog, err := i18n.Load()
	if err != nil {
		return err
	}
	mailer, err := mail.NewWorker(db, box, mail.Config{SMTPURL: cfg.SMTPURL, From: cfg.MailFrom, Logger: c.log})
	if err != nil {
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
	statusURL := strings.TrimRight(cfg.PublicBaseURL, "/") + "/status"
	clocks, err := deadline.Load(cfg.ClocksFile)
	if err != nil {
		return fmt.Errorf("--clocks-file: %w", err)
	}
	cases := &casework.Service{DB: db, Box: box, Catalog: catalog, PublicURL: cfg.PublicBaseURL, Deadlines: clocks}
	accounts := &auth.Service{DB: db, Box: box, Catalog: catalog, PublicURL: cfg.PublicBaseURL}
	if token, created, err := accounts.EnsureFirstAdmin(ctx, cfg.AdminEmail); err != nil {
		return fmt.Errorf("first administrator: %w", err)
	} else if created {
		// The one time a secret goes to the log: there is no one else to give it to.
		c.log.Warn("no administrator yet: created one; open this one-time link to set its password",
			"email", cfg.AdminEmail, "link", accounts.SetPasswordURL(token))
	}
	enforcer, err := authz.New(ctx, db, c.log)
	if err != nil {
		return fmt.Errorf("authorization: %w", err)
	}
	go enforcer.Watch(ctx, 2*time.Second)
	go cases.WatchDeadlines(ctx, 5*time.Minute, c.log)
	handler, err := web.NewServer(web.Deps{
		DB: db,
		Intake: &intake.Service{DB: db, Box: box, Languages: catalog.Languages(),
			ReceiptMail: func(lang, to, tracking string) redress.OutboundMail {
				return mail.NewReceipt(catalog, box, lang, to, tracking, statusURL)
			},
			Casework: cases},

		FilingLimit:    cfg.FilingLimit,
		LoginLimit:     cfg.LoginLimit,
		TrustedProxies: cfg.TrustedProxies,
		MaxUploads:     cfg.MaxUploads,
		LimitKey:       limitKey(key),

		MailQueued:    mailer.Notify,
		Auth:          accounts,
		Casework:      cases,
		Casefile:      &casefile.Service{DB: db, Box: box, Catalog: catalog, PublicURL: cfg.PublicBaseURL, Casework: cases},
		Authz:         enforcer,
		SecureCookies: strings.HasPrefix(cfg.PublicBaseURL, "https://"),
		Catalog:       catalog,
		Log:           c.log,
		MaxBodyBytes:  cfg.MaxBodyBytes,
		Operator:      cfg.Operator,
		AuditKey:      auditKey.Public(),
		AuditWindow:   cfg.AuditCheckpointEvents,
	})
	if err != nil {
		return err
	}

	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second, // people on slow phones upload long accounts
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	// The sealer stops after the server and the mail worker, with one last pass, so the
	// events of the last requests are sealed too (docs/audit.md).
	sealCtx, stopSealer := context.WithCancel(context.WithoutCancel(ctx))
	sealDone := make(chan struct{})
	go func() { defer close(sealDone); sealer.Run(sealCtx) }()
	defer func() {
		stopSealer()
		<-sealDone
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := sealer.Flush(fctx); err != nil {
			c.log.Error("sealing the audit trail at shutdown", "err", err)
		}
	}()
	// The mail worker stops with the server; mail it has not sent waits in the outbox.
	mailCtx, stopMail := context.WithCancel(context.WithoutCancel(ctx))
	mailDone := make(chan struct{})
	go func() {
		defer close(mailDone)
		if err := mailer.Run(mailCtx); err != nil {
			c.log.Error("mail worker stopped", "err", err)
		}
	}()
	defer func() { stopMail(); <-mailDone }()
	// Verifications of the trail started from the web end first (recorded as stopped
	// if unfinished), so the sealer's last pass seals their events too.
	defer handler.Close()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	c.log.Info("listening", "addr", ln.Addr().String(), "database", db.Dialect)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop taking new connections and let requests in flight finish.
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

// limitKey keys the hashes that name clients in rate_limits. It comes from the secret
// key, so every process on the database, and the next start, names a client alike; and
// through HMAC, so it tells nothing about the key that seals identities.
func limitKey(secretKey []byte) []byte {
	m := hmac.New(sha256.New, secretKey)
	m.Write([]byte("redress rate-limit keys v1"))
	return m.Sum(nil)
}
