package main

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/config"
	"github.com/redress-oversight/redress/internal/redress"
)

const auditSynopsis = `audit verify [--key PUBKEY]... [--checkpoints FILE] [--window N]
       redress audit verify --file EXPORT.jsonl --key PUBKEY [--checkpoints FILE] [--window N]
       redress audit export [--from T] [--to T] [--complaint ID|TRACKING] [--agreement ID] [--out FILE]
       redress audit key
       redress audit witness --url URL --store FILE [--key PUBKEY] [--full]

The audit trail is a hash chain with signed checkpoints (docs/audit.md). "verify"
recomputes it from the database, or checks an export with no database at all, and
exits 0 with a one-line summary of what the signatures cover, or 1 naming the first
bad sequence number (or the range in doubt). With a key, more than --window events
after the last signed checkpoint fail: the sealer never leaves that many. "export"
writes JSON Lines an oversight body can check with "verify --file" and the public key
"key" prints.`

func (c *cli) auditCommand(ctx context.Context, args []string) error {
	return c.subcommand(ctx, "audit", auditSynopsis, args, map[string]func(context.Context, []string) error{
		"verify": c.auditVerify,
		"export": c.auditExport,
		"key":    c.auditKeyCommand,
		// Outside witnesses (witness.go).
		"witness": c.auditWitness,
	})
}

// keyList collects repeated --key flags.
type keyList []ed25519.PublicKey

func (k *keyList) String() string { return "" }
func (k *keyList) Set(s string) error {
	pub, err := audit.ParsePublicKey(s)
	if err != nil {
		return err
	}
	*k = append(*k, pub)
	return nil
}

func (c *cli) auditVerify(ctx context.Context, args []string) error {
	fs := c.flagSet("audit verify", auditSynopsis)
	cfg := c.dbFlags(fs)
	var keys keyList
	fs.Var(&keys, "key", "a public key (base64) checkpoints may be signed with; repeat for keys used before a change of key. Default: the configured audit key's")
	file := fs.String("file", "", "check this export file instead of the database (needs --key)")
	kept := fs.String("checkpoints", "", "JSON Lines file of checkpoints kept outside the database (from /api/v1/audit/checkpoints or an earlier export) to check the trail against")
	window := fs.Int64("window", 0, "the longest unsigned tail accepted, in events after the last signed checkpoint: the sealer's --audit-checkpoint-events. Default: that setting here (1000 unless set)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := c.setLogger(cfg); err != nil {
		return err
	}
	if *window < 0 {
		return fmt.Errorf("--window must be a number of events, not %d", *window)
	}
	// Only the verifier widens the window, never the file or database checked.
	opt := audit.VerifyOptions{TrustedKeys: keys, Window: cmp.Or(*window, cfg.AuditCheckpointEvents)}
	if *kept != "" {
		var err error
		if opt.Kept, err = readKept(*kept); err != nil {
			return err
		}
	}
	bar := c.progressBar("verifying")
	if bar != nil {
		opt.Progress = bar.update
	}

	var rep audit.Report
	var err error
	if *file != "" {
		rep, err = c.verifyFile(ctx, *file, opt, bar)
	} else {
		rep, err = c.verifyDB(ctx, cfg, opt, bar)
	}
	if err != nil {
		return err
	}
	if !rep.OK() {
		return errors.New(rep.String())
	}
	fmt.Fprintln(c.stdout, rep.String())
	return nil
}

// readKept reads the checkpoints kept outside the database from a JSON Lines file.
func readKept(path string) ([]audit.Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	cps, err := audit.ReadCheckpoints(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cps, nil
}

// verifyFile checks an export file, which needs the keys given on the command line.
func (c *cli) verifyFile(ctx context.Context, path string, opt audit.VerifyOptions, bar *progressBar) (audit.Report, error) {
	if len(opt.TrustedKeys) == 0 {
		fmt.Fprintln(c.stderr, "redress audit verify: --file needs --key, the public key the checkpoints must be signed with (redress audit key prints it)")
		return audit.Report{}, errUsage
	}
	f, err := os.Open(path)
	if err != nil {
		return audit.Report{}, err
	}
	defer f.Close()
	rep, err := audit.VerifyExport(ctx, f, opt)
	bar.finish()
	if err != nil {
		return rep, fmt.Errorf("%s: %w", path, err)
	}
	return rep, nil
}

// verifyDB checks the database's trail, against the configured key unless keys were
// given, and records the verification in the trail.
func (c *cli) verifyDB(ctx context.Context, cfg *config.Config, opt audit.VerifyOptions, bar *progressBar) (audit.Report, error) {
	if len(opt.TrustedKeys) == 0 {
		// The configured key is the one the sealer signs with; never make one here.
		key, err := c.auditKey(cfg, false)
		if err != nil {
			return audit.Report{}, err
		}
		if key != nil {
			opt.TrustedKeys = []ed25519.PublicKey{key.Public()}
		}
	}
	db, err := c.openDB(ctx, cfg)
	if err != nil {
		return audit.Report{}, err
	}
	defer db.Close()
	rep, err := audit.Verify(ctx, db, opt)
	bar.finish()
	if err != nil {
		return rep, err
	}
	if err := db.RecordAudit(ctx, audit.VerifiedEvent(c.actor(), "", newRequestID(), rep)); err != nil {
		c.log.Warn("could not record the verification in the audit trail", "err", err)
	}
	return rep, nil
}

func (c *cli) auditExport(ctx context.Context, args []string) error {
	fs := c.flagSet("audit export", auditSynopsis)
	cfg := c.dbFlags(fs)
	from := fs.String("from", "", "events that happened at or after this date (2025-07-01) or time (RFC 3339)")
	to := fs.String("to", "", "events that happened before this time, or on or before this date")
	complaint := fs.String("complaint", "", "events about this complaint: its id or tracking number")
	agreement := fs.Int64("agreement", 0, "events under this agreement (MOA), by id")
	out := fs.String("out", "", "write to this file instead of standard output")
	if err := parse(fs, args); err != nil {
		return err
	}
	f := audit.ExportFilter{AgreementID: *agreement}
	var err error
	if f.From, err = parseTimeFlag(*from, false); err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	if f.To, err = parseTimeFlag(*to, true); err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	db, err := c.openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if *complaint != "" {
		if f.ComplaintID, err = strconv.ParseInt(*complaint, 10, 64); err != nil {
			rec, err := db.ComplaintReceipt(ctx, redress.NormalizeTrackingNumber(*complaint))
			if err != nil {
				return fmt.Errorf("--complaint %s: %w", *complaint, userError(err))
			}
			f.ComplaintID = rec.ComplaintID
		}
	}
	w := c.stdout
	var file *os.File
	if *out != "" {
		if file, err = os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600); err != nil {
			return err
		}
		defer file.Close()
		w = file
	}
	sum, err := audit.Export(ctx, db, w, f)
	if err != nil {
		return err
	}
	if file != nil {
		if err := file.Close(); err != nil {
			return err
		}
	}
	if err := db.RecordAudit(ctx, audit.ExportedEvent(c.actor(), "", newRequestID(), f, sum)); err != nil {
		return fmt.Errorf("record the export in the audit trail: %w", err)
	}
	if sum.LastSeq == 0 {
		fmt.Fprintln(c.stderr, "exported no events: none is sealed that the filter selects")
	} else {
		fmt.Fprintf(c.stderr, "exported seq %d-%d: %d events shown, %d elided, %d checkpoints\n",
			sum.FirstSeq, sum.LastSeq, sum.Shown, sum.Elided, sum.Checkpoints)
	}
	return nil
}

func (c *cli) auditKeyCommand(ctx context.Context, args []string) error {
	fs := c.flagSet("audit key", "audit key [flags]")
	cfg := c.dbFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := c.setLogger(cfg); err != nil {
		return err
	}
	// The key serve would sign with, made now if serve has not made it yet.
	key, err := c.auditKey(cfg, true)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, audit.EncodePublicKey(key.Public()))
	return nil
}

// auditKey returns the checkpoint signing key: REDRESS_AUDIT_KEY, else the key file.
// create makes the file when there is none (serve, audit key); otherwise a missing
// file is no key (nil).
func (c *cli) auditKey(cfg *config.Config, create bool) (*audit.Key, error) {
	if cfg.AuditKey != "" {
		k, err := audit.ParseKey(cfg.AuditKey)
		if err != nil {
			return nil, fmt.Errorf("REDRESS_AUDIT_KEY: %w", err)
		}
		return k, nil
	}
	path := cfg.AuditKeyFile
	if path == "" {
		path = filepath.Join(cfg.DataDir, "audit.key")
	}
	if !create {
		k, err := audit.LoadKeyFile(path)
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return k, err
	}
	k, created, err := audit.LoadOrCreateKeyFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit key file: %w", err)
	}
	if created {
		c.log.Warn("REDRESS_AUDIT_KEY is not set: generated a key file to sign audit checkpoints; keep a copy somewhere safe, give oversight bodies its public key, and set REDRESS_AUDIT_KEY in production (every serve process the same)",
			"path", path, "public_key", audit.EncodePublicKey(k.Public()))
	} else {
		c.log.Warn("REDRESS_AUDIT_KEY is not set: signing audit checkpoints with the key file", "path", path)
	}
	return k, nil
}

// parseTimeFlag reads a date (a whole day, in UTC: as an upper bound, up to its end)
// or an RFC 3339 time; empty is no bound.
func parseTimeFlag(s string, upper bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		if upper {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a date (2025-07-01) nor an RFC 3339 time", s)
	}
	return t, nil
}

// progressBar draws on stderr when it is a terminal, and not at all otherwise (a log
// file or a test). A nil bar does nothing.
type progressBar struct {
	w     io.Writer
	label string
	last  time.Time
}

func (c *cli) progressBar(label string) *progressBar {
	f, ok := c.stderr.(*os.File)
	if !ok {
		return nil
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return &progressBar{w: f, label: label}
}

func (p *progressBar) update(done, total int64) {
	if now := time.Now(); now.Sub(p.last) >= 100*time.Millisecond || done == total {
		p.last = now
		const width = 30
		filled := width
		if total > 0 {
			filled = int(min(done, total) * width / total)
		}
		pct := int64(100)
		if total > 0 {
			pct = min(done, total) * 100 / total
		}
		fmt.Fprintf(p.w, "\r%s [%s%s] %3d%% %d/%d", p.label, strings.Repeat("=", filled), strings.Repeat(" ", width-filled), pct, done, total)
	}
}

func (p *progressBar) finish() {
	if p != nil {
		fmt.Fprint(p.w, "\r\033[K") // clear the bar's line for the summary
	}
}
