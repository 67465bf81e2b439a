package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/config"
	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/seed"
)

const seedSynopsis = `seed --complaints N --years Y [--force] [--rand-seed S] [--receipts FILE] [flags]

Fills the database with N generated complaints received over the last Y years, for
benchmarks and demonstrations: agencies and agreements from the registry (ICE's sheets
are loaded first if it is empty), weighted by how many agreements each state has;
English and Spanish, anonymous and not (identities sealed with the secret key, as
filing seals them); worked through the workflow by the staff of their units (units and
accounts are created when there are none) with findings, referrals, messages, clocks
and the audit trail, sealed and signed at the end. Old cases are mostly closed,
recent ones open.

It refuses a database holding any complaint filed for real: one whose complaint.filed
audit event was not written by the generator (every event it writes has a request id
starting with "seed-"). --force adds to such a database anyway; never use it on a
database people file real complaints in. Stop serve while it runs: it hands out ids
itself. REDRESS_SEED_STAFF_PASSWORD, when set, is the password of every account it
creates. A few tracking numbers and receipt codes are printed at the end; --receipts
writes every pair.`

func (c *cli) seedCommand(ctx context.Context, args []string) error {
	fs := c.flagSet("seed", seedSynopsis)
	cfg := c.dbFlags(fs)
	complaints := fs.Int("complaints", 0, "how many complaints to generate (required)")
	years := fs.Int("years", 0, "over how many years up to now (required)")
	force := fs.Bool("force", false, "add to a database that holds complaints not made by the generator")
	randSeed := fs.Uint64("rand-seed", 287, "the same seed, options and registry make the same complaints")
	receipts := fs.String("receipts", "", "write every tracking number and receipt code to this file (CSV)")
	batch := fs.Int("batch", 2000, "complaints per transaction")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *complaints <= 0 || *years <= 0 {
		fmt.Fprintln(c.stderr, "redress seed: --complaints and --years are required, more than 0")
		fs.Usage()
		return errUsage
	}
	d, done, err := c.seedDeps(ctx, cfg)
	if err != nil {
		return err
	}
	defer done()
	opt := seed.Options{Complaints: *complaints, Years: *years, Force: *force, RandSeed: *randSeed, BatchSize: *batch,
		StaffPassword: c.getenv("REDRESS_SEED_STAFF_PASSWORD")}
	if *receipts != "" {
		f, err := os.OpenFile(*receipts, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		w := bufio.NewWriter(f)
		defer w.Flush()
		opt.Receipts = w
	}
	opt.Progress = c.seedProgress(*complaints)
	start := time.Now()
	res, err := seed.Run(ctx, d, opt)
	if err != nil {
		return cliError(err)
	}
	c.printSeedResult(res, time.Since(start))
	return nil
}

// seedDeps opens the database (migrated, the registry loaded) and what the generator
// seals and signs with: the secret key and the audit key serve uses.
func (c *cli) seedDeps(ctx context.Context, cfg *config.Config) (seed.Deps, func(), error) {
	var d seed.Deps
	key, err := c.auditKey(cfg, true)
	if err != nil {
		return d, nil, err
	}
	if d.Deadlines, err = deadline.Load(cfg.ClocksFile); err != nil {
		return d, nil, fmt.Errorf("--clocks-file: %w", err)
	}
	db, err := c.openDB(ctx, cfg)
	if err != nil {
		return d, nil, err
	}
	secretKey, err := c.secretKey(cfg)
	if err == nil {
		d.Box, err = secret.New(secretKey)
	}
	if err != nil {
		db.Close()
		return d, nil, err
	}
	d.DB, d.AuditKey, d.CheckpointEvery = db, key, cfg.AuditCheckpointEvents
	d.Accounts = &auth.Service{DB: db}
	d.Actor = c.cliMeta().Actor
	return d, func() { db.Close() }, nil
}

// seedProgress draws a bar on a terminal, and a line every tenth otherwise.
func (c *cli) seedProgress(total int) func(done, total int) {
	if f, ok := c.stderr.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("complaints"),
				progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("complaints"),
				progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
			return func(done, _ int) { bar.Set(done) }
		}
	}
	next := 0
	return func(done, total int) {
		if done*10 >= next*total {
			fmt.Fprintf(c.stderr, "seed: %d of %d complaints written\n", done, total)
			next = done*10/total + 1
		}
	}
}

func (c *cli) printSeedResult(res seed.Result, took time.Duration) {
	fmt.Fprintf(c.stdout, "generated %d complaints in %s (%.0f a second); %d audit events sealed\n",
		res.Complaints, took.Round(time.Millisecond), float64(res.Complaints)/took.Seconds(), res.Sealed)
	tables := make([]string, 0, len(res.Rows))
	for t := range res.Rows {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	for _, t := range tables {
		fmt.Fprintf(c.stdout, "  %-26s %d rows\n", t, res.Rows[t])
	}
	if len(res.Units) > 0 {
		fmt.Fprintf(c.stdout, "units created: %s\n", strings.Join(res.Units, ", "))
	}
	if len(res.Accounts) > 0 {
		fmt.Fprintf(c.stdout, "staff accounts created (set a password with REDRESS_SEED_STAFF_PASSWORD, or a reset link): %s\n", strings.Join(res.Accounts, ", "))
	}
	fmt.Fprintln(c.stdout, "tracking numbers and receipt codes to try at /status:")
	for _, r := range res.Samples {
		fmt.Fprintf(c.stdout, "  %s  %s\n", r.TrackingNumber, r.Code)
	}
}
