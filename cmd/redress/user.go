package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/config"
	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/redress"
)

const userSynopsis = `user add --email E --name N [--role R --unit U] [--public-url URL]
       redress user list
       redress user disable --email E
       redress user reset-link --email E [--public-url URL]
       redress user role add|remove --email E --role R --unit U

Roles: intake_officer, investigator, supervisor, oversight_auditor, administrator.
A unit is a review unit's short name (see "redress unit list"), or * for every unit.
"user add" prints a one-time link to set the password; give it to the person.
"user reset-link" prints a new one (the first administrator's link from serve's log
included, when it was missed or has expired); the account's earlier links stop working.
Roles granted here take effect at once, without the second administrator the web pages
require: this is the break-glass path, recorded in the audit trail as cli:$USER.`

const unitSynopsis = `unit add --name N --title T [--states TX,FL]
       redress unit list

"unit add" creates the unit or, when the name exists, replaces its title and states.`

// staffCommand gathers what the user, unit and token commands share: the parsed flags,
// the database and the accounts service.
type staffCommand struct {
	*cli
	fs  *flag.FlagSet
	cfg *config.Config
}

func (c *cli) newStaffCommand(name, synopsis string) *staffCommand {
	fs := c.flagSet(name, synopsis)
	return &staffCommand{cli: c, fs: fs, cfg: c.dbFlags(fs)}
}

// parse parses args and refuses stray arguments.
func (sc *staffCommand) parse(args []string) error {
	if err := parse(sc.fs, args); err != nil {
		return err
	}
	if sc.fs.NArg() > 0 {
		fmt.Fprintf(sc.stderr, "redress %s: unexpected argument %q\n\n", sc.fs.Name(), sc.fs.Arg(0))
		sc.fs.Usage()
		return errUsage
	}
	return nil
}

// service opens the database behind an accounts service. Nothing the operator commands
// do needs the secret key, so none is read or created.
func (sc *staffCommand) service(ctx context.Context) (*auth.Service, func(), error) {
	db, err := sc.openDB(ctx, sc.cfg)
	if err != nil {
		return nil, nil, err
	}
	return &auth.Service{DB: db}, func() { db.Close() }, nil
}

// open parses args, reports the named flags left empty as a usage error, and opens the
// accounts service: the start every operator command shares.
func (sc *staffCommand) open(ctx context.Context, args []string, required ...string) (*auth.Service, func(), error) {
	if err := sc.parse(args); err != nil {
		return nil, nil, err
	}
	need := map[string]string{}
	for _, name := range required {
		need[name] = sc.fs.Lookup(name).Value.String()
	}
	if err := sc.required(need); err != nil {
		return nil, nil, err
	}
	return sc.service(ctx)
}

// required reports missing flags as a usage error.
func (sc *staffCommand) required(flags map[string]string) error {
	var missing []string
	sc.fs.VisitAll(func(f *flag.Flag) {
		if v, ok := flags[f.Name]; ok && strings.TrimSpace(v) == "" {
			missing = append(missing, "--"+f.Name)
		}
	})
	if len(missing) == 0 {
		return nil
	}
	fmt.Fprintf(sc.stderr, "redress %s: %s required\n\n", sc.fs.Name(), strings.Join(missing, ", "))
	sc.fs.Usage()
	return errUsage
}

// cliMeta names the operator in the audit trail: the operating-system user, since the
// command line has no sign-in.
func (c *cli) cliMeta() auth.Meta {
	who := c.getenv("USER")
	if who == "" {
		who = "operator"
	}
	return auth.Meta{Actor: "cli:" + who, RequestID: newRequestID()}
}

// subcommand dispatches "redress NAME SUB ..." and prints the synopsis when SUB is
// missing or unknown.
func (c *cli) subcommand(ctx context.Context, name, synopsis string, args []string, subs map[string]func(context.Context, []string) error) error {
	if len(args) > 0 {
		if fn, ok := subs[args[0]]; ok {
			return fn(ctx, args[1:])
		}
	}
	fmt.Fprintf(c.stderr, "Usage: redress %s\n", synopsis)
	if len(args) == 0 {
		return errUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		return flag.ErrHelp
	}
	fmt.Fprintf(c.stderr, "\nredress %s: unknown subcommand %q\n", name, args[0])
	return errUsage
}

// userCommand runs "redress user SUBCOMMAND".
func (c *cli) userCommand(ctx context.Context, args []string) error {
	return c.subcommand(ctx, "user", userSynopsis, args, map[string]func(context.Context, []string) error{
		"add":        c.userAdd,
		"list":       c.userList,
		"disable":    c.userDisable,
		"reset-link": c.userResetLink,
		"role": func(ctx context.Context, args []string) error {
			return c.subcommand(ctx, "user role", userSynopsis, args, map[string]func(context.Context, []string) error{
				"add":    func(ctx context.Context, args []string) error { return c.userRole(ctx, "add", args) },
				"remove": func(ctx context.Context, args []string) error { return c.userRole(ctx, "remove", args) },
			})
		},
	})
}

func publicURLDefault(getenv func(string) string) string {
	if v := getenv("REDRESS_PUBLIC_URL"); v != "" {
		return v
	}
	// As serve without a public URL: http:// and the address it listens on.
	addr := getenv("REDRESS_ADDR")
	for _, s := range config.Settings {
		if s.Flag == "addr" && addr == "" {
			addr = s.Default
		}
	}
	return "http://" + addr
}

func (c *cli) userAdd(ctx context.Context, args []string) error {
	sc := c.newStaffCommand("user add", userSynopsis)
	email := sc.fs.String("email", "", "the person's work email (required)")
	name := sc.fs.String("name", "", "the person's name (required)")
	role := sc.fs.String("role", "", "a role to grant at once")
	unit := sc.fs.String("unit", "", "the unit the role is held in, or * for all (required with --role)")
	publicURL := sc.fs.String("public-url", publicURLDefault(c.getenv), "the address people use to reach the service, for the link (env REDRESS_PUBLIC_URL)")
	if err := sc.parse(args); err != nil {
		return err
	}
	need := map[string]string{"email": *email, "name": *name}
	if *role != "" || *unit != "" {
		need["role"], need["unit"] = *role, *unit
	}
	if err := sc.required(need); err != nil {
		return err
	}
	svc, done, err := sc.service(ctx)
	if err != nil {
		return err
	}
	defer done()
	svc.PublicURL = *publicURL
	m := c.cliMeta()
	if *role != "" {
		// Check the role first, so a wrong one does not leave an account behind.
		if err := checkAssignment(ctx, svc, redress.Role(*role), *unit); err != nil {
			return cliError(err)
		}
	}
	u, token, err := svc.CreateUser(ctx, m, *email, *name)
	if err != nil {
		return cliError(err)
	}
	if *role != "" {
		if err := svc.AddRole(ctx, m, u.ID, redress.Role(*role), *unit); err != nil {
			return fmt.Errorf("account %d created, but the role was not granted: %v", u.ID, cliError(err))
		}
		fmt.Fprintf(c.stdout, "created account %d for %s (%s in %s)\n", u.ID, u.Email, *role, *unit)
	} else {
		fmt.Fprintf(c.stdout, "created account %d for %s (no role yet)\n", u.ID, u.Email)
	}
	fmt.Fprintf(c.stdout, "one-time link to set the password (valid %.0f hours), shown only now:\n%s\n",
		svc.Policy.WithDefaults().LinkTTL.Hours(), svc.SetPasswordURL(token))
	return nil
}

// checkAssignment refuses an unknown role or unit before anything is written.
func checkAssignment(ctx context.Context, svc *auth.Service, role redress.Role, unit string) error {
	var fe redress.FieldErrors
	known := false
	for _, r := range redress.StaffRoles {
		known = known || r == role
	}
	if !known {
		fe.Add("role", "one_of", roleNames())
	}
	if unit != redress.AllUnits {
		units, err := svc.ListUnits(ctx)
		if err != nil {
			return err
		}
		found := false
		for _, u := range units {
			found = found || u.Name == unit
		}
		if !found {
			fe.Add("unit", "unknown_unit", unit)
		}
	}
	return fe.Err()
}

func roleNames() string {
	names := make([]string, len(redress.StaffRoles))
	for i, r := range redress.StaffRoles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

func (c *cli) userList(ctx context.Context, args []string) error {
	sc := c.newStaffCommand("user list", userSynopsis)
	svc, done, err := sc.open(ctx, args)
	if err != nil {
		return err
	}
	defer done()
	users, err := svc.ListUsers(ctx)
	if err != nil {
		return cliError(err)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLES\tMFA\tDISABLED")
	for _, u := range users {
		var roles []string
		for _, r := range u.Roles {
			roles = append(roles, string(r.Role)+"@"+r.Unit)
		}
		if len(roles) == 0 {
			roles = []string{"-"}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, strings.Join(roles, ","), yesNo(u.MFAEnrolled), yesNo(u.Disabled))
	}
	return tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (c *cli) userDisable(ctx context.Context, args []string) error {
	sc := c.newStaffCommand("user disable", userSynopsis)
	email := sc.fs.String("email", "", "the account's email (required)")
	svc, done, err := sc.open(ctx, args, "email")
	if err != nil {
		return err
	}
	defer done()
	u, err := svc.UserByEmail(ctx, *email)
	if err != nil {
		return cliError(err)
	}
	if err := svc.DisableUser(ctx, c.cliMeta(), u.ID); err != nil {
		return cliError(err)
	}
	fmt.Fprintf(c.stdout, "disabled account %d (%s); its sessions are ended and its API tokens refused\n", u.ID, u.Email)
	return nil
}

func (c *cli) userRole(ctx context.Context, op string, args []string) error {
	sc := c.newStaffCommand("user role "+op, userSynopsis)
	email := sc.fs.String("email", "", "the account's email (required)")
	role := sc.fs.String("role", "", "the role (required)")
	unit := sc.fs.String("unit", "", "the unit, or * for all (required)")
	svc, done, err := sc.open(ctx, args, "email", "role", "unit")
	if err != nil {
		return err
	}
	defer done()
	u, err := svc.UserByEmail(ctx, *email)
	if err != nil {
		return cliError(err)
	}
	if op == "add" {
		err = svc.AddRole(ctx, c.cliMeta(), u.ID, redress.Role(*role), *unit)
	} else {
		err = svc.RemoveRole(ctx, c.cliMeta(), u.ID, redress.Role(*role), *unit)
	}
	if err != nil {
		return cliError(err)
	}
	verb := map[string]string{"add": "granted", "remove": "removed"}[op]
	fmt.Fprintf(c.stdout, "%s %s in %s for %s\n", verb, *role, *unit, u.Email)
	return nil
}

// unitCommand runs "redress unit SUBCOMMAND".
func (c *cli) unitCommand(ctx context.Context, args []string) error {
	return c.subcommand(ctx, "unit", unitSynopsis, args, map[string]func(context.Context, []string) error{
		"add":  c.unitAdd,
		"list": c.unitList,
	})
}

func (c *cli) unitAdd(ctx context.Context, args []string) error {
	sc := c.newStaffCommand("unit add", unitSynopsis)
	name := sc.fs.String("name", "", "short name: lower-case letters, digits and dashes (required)")
	title := sc.fs.String("title", "", "title shown on pages (required)")
	states := sc.fs.String("states", "", "states it covers, comma-separated USPS codes: TX,FL")
	svc, done, err := sc.open(ctx, args, "name", "title")
	if err != nil {
		return err
	}
	defer done()
	u := redress.Unit{Name: *name, Title: *title}
	for _, st := range strings.FieldsFunc(*states, func(r rune) bool { return r == ',' || r == ' ' }) {
		u.States = append(u.States, st)
	}
	u, err = svc.SaveUnit(ctx, c.cliMeta(), u)
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintf(c.stdout, "saved unit %s (%s): states %s\n", u.Name, u.Title, orDash(strings.Join(u.States, ",")))
	return nil
}

func (c *cli) unitList(ctx context.Context, args []string) error {
	sc := c.newStaffCommand("unit list", unitSynopsis)
	svc, done, err := sc.open(ctx, args)
	if err != nil {
		return err
	}
	defer done()
	units, err := svc.ListUnits(ctx)
	if err != nil {
		return cliError(err)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTITLE\tSTATES")
	for _, u := range units {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Name, u.Title, orDash(strings.Join(u.States, ",")))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// cliError turns a domain error into one line an operator can act on: field problems
// name the flag and say what is wrong, in the English catalog's words. Other errors
// pass through with their detail.
func cliError(err error) error {
	var e *redress.Error
	if !errors.As(err, &e) {
		return err
	}
	if e.Code == redress.ENOTFOUND && strings.HasPrefix(e.Message, "Account") {
		return errors.New("no account has this email")
	}
	if len(e.Fields) == 0 {
		return errors.New(e.Message)
	}
	cat, cerr := i18n.Load()
	var parts []string
	for _, f := range e.Fields {
		msg := f.Rule
		if cerr == nil {
			msg = cat.T("en", "rule."+f.Rule, map[string]any{"Param": f.Param})
		}
		parts = append(parts, fmt.Sprintf("--%s: %s", f.Field, msg))
	}
	return errors.New(strings.Join(parts, "; "))
}

// userResetLink prints a new one-time set-password link for an account.
func (c *cli) userResetLink(ctx context.Context, args []string) error {
	sc := c.newStaffCommand("user reset-link", userSynopsis)
	email := sc.fs.String("email", "", "the account's email (required)")
	publicURL := sc.fs.String("public-url", publicURLDefault(c.getenv), "the address people use to reach the service, for the link (env REDRESS_PUBLIC_URL)")
	svc, done, err := sc.open(ctx, args, "email")
	if err != nil {
		return err
	}
	defer done()
	svc.PublicURL = *publicURL
	token, u, err := svc.IssuePasswordLink(ctx, c.cliMeta(), *email)
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintf(c.stdout, "new one-time link to set the password of %s (valid %.0f hours; earlier links no longer work), shown only now:\n%s\n",
		u.Email, svc.Policy.WithDefaults().LinkTTL.Hours(), svc.SetPasswordURL(token))
	return nil
}
