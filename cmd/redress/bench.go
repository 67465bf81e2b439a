package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/bench"
)

// benchCommand runs "redress bench": drive a running server over HTTP with a mix of
// requests and print what each kind costs, with the bare limit of its database beside
// filing. Speed goals are checked with this command, never by timed tests.
func (c *cli) benchCommand(ctx context.Context, args []string) error {
	fs := c.flagSet("bench", "bench --url URL [--clients 8 --duration 30s --mix file=1] [--email E (REDRESS_BENCH_PASSWORD)] [--bare --database-url DSN] [--pid N]")
	cfg := c.dbFlags(fs)
	target := fs.String("url", "http://127.0.0.1:8080", "the running server's address (run it with --filing-limit 0 and --login-limit 0)")
	clients := fs.Int("clients", 8, "requests in flight at once")
	duration := fs.Duration("duration", 30*time.Second, "how long each round sends requests")
	rounds := fs.Int("rounds", 1, "rounds, each the bare limit then the service, so machine noise weighs on both")
	mixFlag := fs.String("mix", "file=3,status=3,queue=2,filter=2,search=1,case=2,audit=1", "kinds of request and their weights; kinds: "+strings.Join(bench.Kinds, ", "))
	email := fs.String("email", "", "a staff account for the staff pages (password in REDRESS_BENCH_PASSWORD); audit needs an oversight auditor")
	totpSecret := fs.String("totp-secret", "", "the account's TOTP secret when it has a second factor")
	pid := fs.Int("pid", 0, "the server's process id, to report its peak resident memory")
	bare := fs.Bool("bare", false, "also measure the bare limit: the rows a filing writes, by a bare database/sql loop, in a scratch database beside --database-url")
	if err := parse(fs, args); err != nil {
		return err
	}
	mix, err := bench.ParseMix(*mixFlag)
	if err != nil {
		return err
	}
	o := bench.Options{URL: *target, Clients: *clients, Duration: *duration, Rounds: *rounds, Mix: mix,
		Email: *email, Password: c.getenv("REDRESS_BENCH_PASSWORD"), TOTPSecret: *totpSecret, PID: *pid, Progress: c.stderr}
	if *bare {
		o.BareDSN, o.DataDir = cfg.DatabaseURL, cfg.DataDir
		if o.BareDSN == "" {
			return errors.New("--bare needs --database-url (the server's database, or a SQLite file path)")
		}
	}
	rep, err := bench.Run(ctx, o)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	rep.Print(c.stdout)
	return nil
}
