package main

import (
	"context"
	"fmt"
	"time"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/config"
	"github.com/redress-oversight/redress/internal/workflow"
)

// digestCommand runs "redress digest send": record newly missed deadlines and queue each
// supervisor's overdue digest. Run it once a day (cron, a systemd timer); serve sends
// what it queues. It is a command, not a timer inside serve, so that several serve
// processes never send the same digest twice.
func (c *cli) digestCommand(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "send" {
		fmt.Fprintln(c.stderr, "Usage: redress digest send [flags]")
		return errUsage
	}
	fs := c.flagSet("digest send", "digest send [flags]")
	cfg, err := config.Register(fs, c.getenv, true)
	if err != nil {
		return err
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if cfg.PublicBaseURL == "" { // as serve: the address it listens on
		cfg.PublicBaseURL = "http://" + cfg.Addr
	}
	a, err := c.buildApp(ctx, cfg, nil) // a digest verifies nothing
	if err != nil {
		return err
	}
	defer a.Close()
	users, err := a.db.ListUsers(ctx)
	if err != nil {
		return err
	}
	// Supervisors are whoever may approve findings; their units are where they may.
	var to []casework.DigestRecipient
	for _, u := range users {
		if u.Disabled {
			continue
		}
		all, units := a.enforcer.Units(auth.Subject(u.ID), workflow.Permission, string(workflow.ApproveClose))
		if all || len(units) > 0 {
			to = append(to, casework.DigestRecipient{User: u, All: all, Units: units})
		}
	}
	n, err := a.cases.QueueOverdueDigest(ctx, time.Now(), to)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "queued %d overdue digest(s) for %d supervisor(s)\n", n, len(to))
	return nil
}
