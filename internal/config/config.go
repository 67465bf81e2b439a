// Package config holds Redress's settings. Each has an environment variable and a flag
// of the same meaning; the flag wins. The table in the README is generated from Settings.
package config

import (
	"flag"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
)

// Config is every setting of the program.
type Config struct {
	Addr            string
	DatabaseURL     string
	DataDir         string
	DBBusyTimeout   time.Duration
	SecretKey       string
	LogLevel        string
	LogFormat       string
	ShutdownTimeout time.Duration
	MaxBodyBytes    int64
	PublicBaseURL   string
	Operator        string
	SMTPURL         string
	MailFrom        string
	// MailTimeout bounds one SMTP exchange; MailLease is how long a process's claim on
	// outbox messages holds (a process that dies leaves its messages to the others
	// after it).
	MailTimeout time.Duration
	MailLease   time.Duration
	AdminEmail  string
	ClocksFile  string
	// The audit trail's checkpoint signing key (docs/audit.md).
	AuditKey                string
	AuditKeyFile            string
	AuditCheckpointEvents   int64
	AuditCheckpointInterval time.Duration
	// Limits per client (N per window; the zero Rate is off).
	FilingLimit redress.Rate
	LoginLimit  redress.Rate
	// TrustedProxies are the proxies whose X-Forwarded-For names the client.
	TrustedProxies []netip.Prefix
	// MaxUploads is how many evidence uploads may run at once.
	MaxUploads int
	// PprofAddr is where Go's profiler answers; empty: nowhere.
	PprofAddr string
	// MetricsAddr is where Prometheus metrics answer; empty: nowhere.
	MetricsAddr string
}

// Setting describes one setting for flags, the environment and the docs.
type Setting struct {
	Flag, Env, Default, Usage string
	// Serve marks settings only the serve command needs.
	Serve bool
	set   func(c *Config, v string) error
}

// Settings lists every setting in the order the docs show them.
var Settings = []Setting{
	{"addr", "REDRESS_ADDR", "127.0.0.1:8080", "address to listen on (host:port)", true,
		func(c *Config, v string) error { c.Addr = v; return nil }},
	{"database-url", "REDRESS_DATABASE_URL", "", "postgres://… URL, or a SQLite file path; empty: <data-dir>/redress.db", false,
		func(c *Config, v string) error { c.DatabaseURL = v; return nil }},
	{"data-dir", "REDRESS_DATA_DIR", "./data", "directory for the SQLite database and generated key files", false,
		func(c *Config, v string) error { c.DataDir = v; return nil }},
	{"db-busy-timeout", "REDRESS_DB_BUSY_TIMEOUT", "10s", "SQLite: how long a write waits for a lock another connection or process holds before the request is answered 503 (try again)", false,
		func(c *Config, v string) (err error) {
			if c.DBBusyTimeout, err = time.ParseDuration(v); err == nil && c.DBBusyTimeout <= 0 {
				err = fmt.Errorf("must be more than zero")
			}
			return err
		}},
	{"secret-key", "REDRESS_SECRET_KEY", "", "32-byte key (64 hex digits or base64) encrypting identity and contact fields; empty: a key file in <data-dir> is generated", false,
		func(c *Config, v string) error { c.SecretKey = v; return nil }},
	{"log-level", "REDRESS_LOG_LEVEL", "info", "debug, info, warn or error", false,
		func(c *Config, v string) error { c.LogLevel = v; return nil }},
	{"log-format", "REDRESS_LOG_FORMAT", "text", "text or json", false,
		func(c *Config, v string) error { c.LogFormat = v; return nil }},
	{"shutdown-timeout", "REDRESS_SHUTDOWN_TIMEOUT", "20s", "how long requests in flight may take to finish on SIGINT/SIGTERM", true,
		func(c *Config, v string) (err error) { c.ShutdownTimeout, err = time.ParseDuration(v); return err }},
	{"max-body-bytes", "REDRESS_MAX_BODY_BYTES", "262144", "largest request body accepted, in bytes", true,
		func(c *Config, v string) (err error) { _, err = fmt.Sscan(v, &c.MaxBodyBytes); return err }},
	{"filing-limit", "REDRESS_FILING_LIMIT", "30/1h", "complaints one client address may file, as N/duration (a shared phone, library or shelter files several); 0: no limit", true,
		func(c *Config, v string) (err error) { c.FilingLimit, err = redress.ParseRate(v); return err }},
	{"login-limit", "REDRESS_LOGIN_LIMIT", "20/15m", "failed sign-ins one client address may make, as N/duration, before it must wait; 0: no limit", true,
		func(c *Config, v string) (err error) { c.LoginLimit, err = redress.ParseRate(v); return err }},
	{"trusted-proxies", "REDRESS_TRUSTED_PROXIES", "", "comma-separated addresses or CIDR ranges of the reverse proxies in front of Redress, whose X-Forwarded-For is believed; empty: the peer address is the client", true,
		func(c *Config, v string) (err error) { c.TrustedProxies, err = ParsePrefixes(v); return err }},
	{"max-uploads", "REDRESS_MAX_UPLOADS", "4", "evidence uploads taken at once; more are refused with 503 and Retry-After", true,
		func(c *Config, v string) error {
			if _, err := fmt.Sscan(v, &c.MaxUploads); err != nil || c.MaxUploads < 1 {
				return fmt.Errorf("a number of 1 or more")
			}
			return nil
		}},
	{"pprof-addr", "REDRESS_PPROF_ADDR", "", "address (host:port) of a separate listener serving Go's profiler at /debug/pprof/, for diagnosing a slow or growing process; empty: off. Keep it on loopback or a private network: profiles show request paths and memory", true,
		func(c *Config, v string) error { c.PprofAddr = v; return nil }},
	{"metrics-addr", "REDRESS_METRICS_ADDR", "", "address (host:port) of a separate listener serving Prometheus metrics at /metrics; empty: off. Keep it on loopback or a private network, never public: the numbers show how the office works and where to push", true,
		func(c *Config, v string) error { c.MetricsAddr = v; return nil }},
	{"public-url", "REDRESS_PUBLIC_URL", "", "the address people use to reach the service, for links in emails; empty: http:// and the address listened on", true,
		func(c *Config, v string) error { c.PublicBaseURL = v; return nil }},
	{"smtp-url", "REDRESS_SMTP_URL", "", "smtp://user:pass@host:port (STARTTLS when offered; ?starttls=required to insist) or smtps://…; empty: email waits in the outbox", true,
		func(c *Config, v string) error { c.SMTPURL = v; return nil }},
	{"mail-from", "REDRESS_MAIL_FROM", "Redress <no-reply@localhost>", "sender of every email", true,
		func(c *Config, v string) error { c.MailFrom = v; return nil }},
	{"mail-timeout", "REDRESS_MAIL_TIMEOUT", "30s", "how long one SMTP exchange (connecting, one message) may take before the attempt counts as failed", true,
		func(c *Config, v string) (err error) {
			if c.MailTimeout, err = time.ParseDuration(v); err == nil && c.MailTimeout <= 0 {
				err = fmt.Errorf("must be more than zero")
			}
			return err
		}},
	{"mail-lease", "REDRESS_MAIL_LEASE", "5m", "how long a process's claim on outbox messages holds; the messages of a process that dies are sent by another once it runs out. At least four mail timeouts", true,
		func(c *Config, v string) (err error) {
			if c.MailLease, err = time.ParseDuration(v); err == nil && c.MailLease <= 0 {
				err = fmt.Errorf("must be more than zero")
			}
			return err
		}},
	{"admin-email", "REDRESS_ADMIN_EMAIL", "admin@localhost", "email of the administrator serve creates on first start when there is none", true,
		func(c *Config, v string) error { c.AdminEmail = v; return nil }},
	{"clocks-file", "REDRESS_CLOCKS_FILE", "", "JSON file of case deadlines (see internal/deadline/defaults.json); empty: the built-in defaults", true,
		func(c *Config, v string) error { c.ClocksFile = v; return nil }},
	{"audit-key", "REDRESS_AUDIT_KEY", "", "Ed25519 key that signs audit checkpoints: base64 of the 32-byte seed (or 64-byte private key); empty: a key file is used, generated on first start", false,
		func(c *Config, v string) error { c.AuditKey = v; return nil }},
	{"audit-key-file", "REDRESS_AUDIT_KEY_FILE", "", "the audit key's file when REDRESS_AUDIT_KEY is empty; empty: <data-dir>/audit.key", false,
		func(c *Config, v string) error { c.AuditKeyFile = v; return nil }},
	{"audit-checkpoint-events", "REDRESS_AUDIT_CHECKPOINT_EVENTS", "1000", "sign an audit checkpoint once this many events were sealed since the last; audit verify accepts no longer an unsigned tail", false,
		func(c *Config, v string) (err error) { _, err = fmt.Sscan(v, &c.AuditCheckpointEvents); return err }},
	{"audit-checkpoint-interval", "REDRESS_AUDIT_CHECKPOINT_INTERVAL", "60s", "or once this long has passed, when events were sealed since the last", true,
		func(c *Config, v string) (err error) {
			c.AuditCheckpointInterval, err = time.ParseDuration(v)
			return err
		}},
	{"operator", "REDRESS_OPERATOR", "", "who runs this service, shown at the foot of every page; empty: no operator line", true,
		func(c *Config, v string) error { c.Operator = v; return nil }},
}

// ParsePrefixes reads a comma-separated list of CIDR ranges; a bare address is a range
// of one.
func ParsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR range", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

type value struct {
	c *Config
	s *Setting
	v string
}

func (v *value) String() string {
	if v == nil || v.s == nil {
		return ""
	}
	if (v.s.Flag == "secret-key" || v.s.Flag == "smtp-url" || v.s.Flag == "audit-key") && v.v != "" {
		return "(set)" // --help must not print a key or a password
	}
	return v.v
}
func (v *value) Set(s string) error {
	if err := v.s.set(v.c, s); err != nil {
		return fmt.Errorf("invalid value %q: %w", s, err)
	}
	v.v = s
	return nil
}

// Register adds the flags for the settings a command uses to fs and returns the Config
// they fill. Defaults come first, then the environment (through getenv), then flags as
// fs.Parse reads them. serve=false leaves out the settings only serve needs.
func Register(fs *flag.FlagSet, getenv func(string) string, serve bool) (*Config, error) {
	c := &Config{}
	for i := range Settings {
		s := &Settings[i]
		if s.Serve && !serve {
			continue
		}
		v := &value{c: c, s: s}
		init := s.Default
		if e := getenv(s.Env); e != "" {
			init = e
		}
		if err := v.Set(init); err != nil {
			return nil, fmt.Errorf("%s: %w", s.Env, err)
		}
		fs.Var(v, s.Flag, fmt.Sprintf("%s (env %s)", s.Usage, s.Env))
	}
	return c, nil
}
