package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
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
	"github.com/redress-oversight/redress/internal/limit"
	"github.com/redress-oversight/redress/internal/mail"
	"github.com/redress-oversight/redress/internal/oversight"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/store"
)

// app is every service of Redress, each built once, here, from the settings: serve puts
// the web in front of them, and the operator commands that need more than the database
// (digest) use the same ones.
type app struct {
	db        *store.DB
	secretKey []byte
	box       *secret.Box
	catalog   *i18n.Catalog
	clocks    deadline.Config
	enforcer  *authz.Enforcer
	accounts  *auth.Service
	cases     *casework.Service
	intake    *intake.Service
	casefile  *casefile.Service
	limits    *limit.Limiter
	audit     *audit.Service
	// Oversight measures (issue 15).
	oversight *oversight.Service
}

// buildApp opens the database (migrated, the registry seeded) and builds every service
// on it. Links in emails and pages start with cfg.PublicBaseURL, which must be set.
// Verifications of the audit trail trust auditKey (nil: none). The caller closes the
// app.
func (c *cli) buildApp(ctx context.Context, cfg *config.Config, auditKey *audit.Key) (*app, error) {
	db, err := c.openDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &app{db: db}
	if err := c.buildServices(ctx, cfg, a); err != nil {
		db.Close()
		return nil, err
	}
	a.audit = &audit.Service{DB: db, Box: a.box, Window: cfg.AuditCheckpointEvents, Log: c.log}
	if auditKey != nil {
		a.audit.PublicKey = auditKey.Public()
	}
	return a, nil
}

func (c *cli) buildServices(ctx context.Context, cfg *config.Config, a *app) error {
	var err error
	if a.secretKey, err = c.secretKey(cfg); err != nil {
		return err
	}
	if a.box, err = secret.New(a.secretKey); err != nil {
		return err
	}
	if a.catalog, err = i18n.Load(); err != nil {
		return err
	}
	if a.clocks, err = deadline.Load(cfg.ClocksFile); err != nil {
		return fmt.Errorf("--clocks-file: %w", err)
	}
	if a.enforcer, err = authz.New(ctx, a.db, c.log); err != nil {
		return fmt.Errorf("authorization: %w", err)
	}
	db, box, catalog, publicURL := a.db, a.box, a.catalog, cfg.PublicBaseURL
	statusURL := strings.TrimRight(publicURL, "/") + "/status"
	a.accounts = &auth.Service{DB: db, Box: box, Catalog: catalog, PublicURL: publicURL}
	a.cases = &casework.Service{DB: db, Box: box, Catalog: catalog, PublicURL: publicURL, Deadlines: a.clocks, Authz: a.enforcer}
	a.intake = &intake.Service{DB: db, Box: box, Languages: catalog.Languages(), Casework: a.cases,
		ReceiptMail: func(lang, to, tracking string) redress.OutboundMail {
			return mail.NewReceipt(catalog, box, lang, to, tracking, statusURL)
		}}
	a.casefile = &casefile.Service{DB: db, Box: box, Catalog: catalog, PublicURL: publicURL, Casework: a.cases}
	a.limits = limit.New(db, limitKey(a.secretKey), time.Now, c.log)
	// Oversight measures (issue 15).
	a.oversight = &oversight.Service{DB: db, Deadlines: a.clocks, UnitDeadlines: a.cases.UnitDeadlines}
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

// Close closes the database under the services. Stop the audit service's
// verifications first (serve does, before the sealer's last pass).
func (a *app) Close() error { return a.db.Close() }
