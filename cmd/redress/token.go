package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"
)

const tokenSynopsis = `token create --email E --name N
       redress token revoke --id N
       redress token list --email E

API tokens let programs use the staff JSON API as the account they belong to, sent as
"Authorization: Bearer TOKEN". "token create" prints the token on standard output,
once: it is stored only as a hash.`

// tokenCommand runs "redress token SUBCOMMAND".
func (c *cli) tokenCommand(ctx context.Context, args []string) error {
	return c.subcommand(ctx, "token", tokenSynopsis, args, map[string]func(context.Context, []string) error{
		"create": c.tokenCreate,
		"revoke": c.tokenRevoke,
		"list":   c.tokenList,
	})
}

func (c *cli) tokenCreate(ctx context.Context, args []string) error {
	sc := c.newStaffCommand("token create", tokenSynopsis)
	email := sc.fs.String("email", "", "the account the token acts as (required)")
	name := sc.fs.String("name", "", "what uses the token, e.g. \"case-export job\" (required)")
	svc, done, err := sc.open(ctx, args, "email", "name")
	if err != nil {
		return err
	}
	defer done()
	token, id, err := svc.CreateToken(ctx, c.cliMeta(), *email, *name)
	if err != nil {
		return cliError(err)
	}
	// The token alone on standard output, so TOKEN=$(redress token create …) works.
	fmt.Fprintf(c.stderr, "created API token %d (%s) for %s; it is shown only now:\n", id, *name, *email)
	fmt.Fprintln(c.stdout, token)
	return nil
}

func (c *cli) tokenRevoke(ctx context.Context, args []string) error {
	sc := c.newStaffCommand("token revoke", tokenSynopsis)
	id := sc.fs.Int64("id", 0, "the token's id, from \"redress token list\" (required)")
	if err := sc.parse(args); err != nil {
		return err
	}
	if *id <= 0 {
		fmt.Fprintf(c.stderr, "redress token revoke: --id required\n\n")
		sc.fs.Usage()
		return errUsage
	}
	svc, done, err := sc.service(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := svc.RevokeToken(ctx, c.cliMeta(), *id); err != nil {
		return cliError(err)
	}
	fmt.Fprintf(c.stdout, "revoked API token %d\n", *id)
	return nil
}

func (c *cli) tokenList(ctx context.Context, args []string) error {
	sc := c.newStaffCommand("token list", tokenSynopsis)
	email := sc.fs.String("email", "", "the account whose tokens to list (required)")
	svc, done, err := sc.open(ctx, args, "email")
	if err != nil {
		return err
	}
	defer done()
	u, err := svc.UserByEmail(ctx, *email)
	if err != nil {
		return cliError(err)
	}
	toks, err := svc.ListTokens(ctx, u.ID)
	if err != nil {
		return cliError(err)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tCREATED\tLAST USED\tREVOKED")
	for _, t := range toks {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.ID, t.Name, when(t.CreatedAt), when(t.LastUsedAt), when(t.RevokedAt))
	}
	return tw.Flush()
}

// when writes a time in UTC to the minute, or "-" for never.
func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04Z")
}
