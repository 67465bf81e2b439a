// Command redress runs the Redress complaint service and its operator tasks.
//
// main only wires the process to run, so tests drive the whole program through run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/redress-oversight/redress/internal/config"
	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/registry"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "redress:", err)
		os.Exit(1)
	}
}

// errUsage marks a command line we could not understand; its message is already printed.
var errUsage = errors.New("usage")

const usage = `Redress: complaints about conduct under 287(g) agreements.

Usage:
  redress serve [flags]                  run the web service (migrates and seeds first)
  redress migrate [flags]                apply database migrations and exit
  redress moa import [--as-of DATE] FILE.xlsx [FILE.xlsx...]
                                         import ICE's participating/pending agency sheets
  redress user add --email E --name N [--role R --unit U]
                                         create a staff account; prints a one-time set-password link
  redress user list | disable --email E | role add|remove --email E --role R --unit U
                                         list, disable accounts; grant or take back roles
  redress unit add --name N --title T [--states TX,FL] | unit list
                                         create or update a review unit; list them
  redress token create --email E --name N | revoke --id N | list --email E
                                         API tokens for the staff JSON API (printed once)

  redress digest send                    record missed deadlines; queue supervisors' overdue digest (daily, from cron)
  redress audit verify [--file EXPORT --key PUBKEY]
                                         recompute the audit trail's hash chain and check its signed checkpoints
  redress audit export [--from --to --complaint --agreement --out]
                                         write sealed audit events as JSON Lines for offline checking
  redress audit key                      print the public key audit checkpoints are signed with
  redress seed --complaints N --years Y [--force]
                                         fill the database with generated complaints (benchmarks, demos);
                                         refuses one holding real complaints unless --force

  redress bench --url URL [--clients K --duration D --mix file=1 --bare --database-url DSN]
                                         drive a running server with a mix of requests; latency per kind
                                         and filing against the database's bare limit

Run "redress COMMAND --help" for a command's flags.

Settings (each also an environment variable; a flag wins over the environment):
`

// cli is one invocation of the program: where it reads settings and writes output.
type cli struct {
	getenv         func(string) string
	stdout, stderr io.Writer
	log            *slog.Logger
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c := &cli{getenv: getenv, stdout: stdout, stderr: stderr}
	c.log = slog.New(slog.NewTextHandler(stderr, nil))
	if len(args) == 0 {
		c.printUsage()
		return errUsage
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return c.serve(ctx, rest)
	case "migrate":
		return c.migrate(ctx, rest)
	case "moa":
		return c.moaCommand(ctx, rest)
	case "user":
		return c.userCommand(ctx, rest)
	case "unit":
		return c.unitCommand(ctx, rest)
	case "token":
		return c.tokenCommand(ctx, rest)
	case "digest":
		return c.digestCommand(ctx, rest)
	case "audit":
		return c.auditCommand(ctx, rest)
	case "bench":
		return c.benchCommand(ctx, rest)
	case "seed":
		return c.seedCommand(ctx, rest)
	case "-h", "-help", "--help", "help":
		c.printUsage()
		return nil
	default:
		fmt.Fprintf(stderr, "redress: unknown command %q\n\n", cmd)
		c.printUsage()
		return errUsage
	}
}

func (c *cli) printUsage() {
	fmt.Fprint(c.stderr, usage)
	for _, s := range config.Settings {
		def := s.Default
		if def == "" {
			def = "(empty)"
		}
		fmt.Fprintf(c.stderr, "  --%-18s %-26s %s (default %s)\n", s.Flag, s.Env, s.Usage, def)
	}
}

// flagSet returns a FlagSet for a subcommand whose usage goes to stderr and whose
// errors come back to run instead of exiting the process.
func (c *cli) flagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "Usage: redress %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses fs and turns a bad command line into errUsage (already explained).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

// dbFlags registers the settings every database command needs.
func (c *cli) dbFlags(fs *flag.FlagSet) *config.Config {
	cfg, err := config.Register(fs, c.getenv, false)
	if err != nil {
		// Only a malformed environment value gets here; flags cannot fix it.
		fmt.Fprintln(c.stderr, "redress:", err)
		return &config.Config{DataDir: "./data"}
	}
	return cfg
}

// setLogger applies the log settings, once flags are parsed.
func (c *cli) setLogger(cfg *config.Config) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(cfg.LogFormat) {
	case "json":
		c.log = slog.New(slog.NewJSONHandler(c.stderr, opts))
	case "text", "":
		c.log = slog.New(slog.NewTextHandler(c.stderr, opts))
	default:
		return fmt.Errorf("--log-format must be text or json, not %q", cfg.LogFormat)
	}
	return nil
}

// openDB opens the database, applies migrations, and loads ICE's sheets into a new
// registry so a first run shows real agencies.
func (c *cli) openDB(ctx context.Context, cfg *config.Config) (*store.DB, error) {
	if err := c.setLogger(cfg); err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, store.BusyTimeout(cfg.DBBusyTimeout))
	if err != nil {
		return nil, err
	}
	// Oversight measures (issue 15): days and months in the office's zone, the clock
	// file's; a bad file is reported when the services are built.
	if clocks, err := deadline.Load(cfg.ClocksFile); err == nil {
		db.MeasureLoc = clocks.Loc()
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	for _, m := range applied {
		c.log.Info("migration applied", "migration", m)
	}
	if len(applied) > 0 {
		// A change of schema is an action like any other: who ran it, and which.
		if err := db.RecordAudit(ctx, redress.AuditEvent{Actor: c.actor(), Action: redress.ActionDatabaseMigrated,
			RequestID: newRequestID(), Details: map[string]any{"migrations": applied}}); err != nil {
			db.Close()
			return nil, err
		}
	}
	seeded, err := registry.SeedIfEmpty(ctx, db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("load ICE's seed sheets into the new registry: %w", err)
	}
	if seeded {
		c.log.Info("registry seeded with ICE's sheets of 2025-06-17 and 2025-07-18")
	}
	return db, nil
}

// secretKey reads --secret-key, or the key file in the data directory, created on first
// use.
func (c *cli) secretKey(cfg *config.Config) ([]byte, error) {
	if cfg.SecretKey != "" {
		key, err := secret.ParseKey(cfg.SecretKey)
		if err != nil {
			return nil, fmt.Errorf("REDRESS_SECRET_KEY: %w", err)
		}
		return key, nil
	}
	path := filepath.Join(cfg.DataDir, "secret.key")
	key, created, err := secret.LoadOrCreateKeyFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	if created {
		c.log.Warn("REDRESS_SECRET_KEY is not set: generated a key file next to the data; keep a copy somewhere safe and set REDRESS_SECRET_KEY in production", "path", path)
	} else {
		c.log.Warn("REDRESS_SECRET_KEY is not set: using the key file in the data directory", "path", path)
	}
	return key, nil
}

func (c *cli) migrate(ctx context.Context, args []string) error {
	fs := c.flagSet("migrate", "migrate [flags]")
	cfg := c.dbFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := c.openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintln(c.stdout, "database is up to date")
	return nil
}
