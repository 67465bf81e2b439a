package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// staffRun runs the real program with a database command's common flags and returns
// what it wrote to standard output and standard error.
func staffRun(t *testing.T, dsn string, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string {
		if k == "USER" {
			return "tester"
		}
		return env[k]
	}
	// Subcommand words first, then flags.
	i := 0
	for i < len(args) && !strings.HasPrefix(args[i], "-") {
		i++
	}
	full := append(append(append([]string{}, args[:i]...), "--database-url", dsn, "--data-dir", t.TempDir(), "--log-level", "error"), args[i:]...)
	err = run(context.Background(), full, getenv, &out, &errOut)
	return out.String(), errOut.String(), err
}

// mustRun runs a command that must succeed and returns its standard output.
func mustRun(t *testing.T, dsn string, args ...string) string {
	t.Helper()
	out, errOut, err := staffRun(t, dsn, nil, args...)
	if err != nil {
		t.Fatalf("redress %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// openStore opens the database the commands wrote, to check it through the service.
func openStore(t *testing.T, dsn string) (*store.DB, *auth.Service) {
	t.Helper()
	db := storetest.Open(t, dsn)
	return db, &auth.Service{DB: db}
}

var setLinkRE = regexp.MustCompile(`(?m)^(https://redress\.example/password/set\?token=([A-Za-z0-9_-]{43}))$`)

func TestUserCommands(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		out := mustRun(t, dsn, "unit", "add", "--name", "tx", "--title", "Texas", "--states", "TX, ok")
		if out != "saved unit tx (Texas): states TX,OK\n" {
			t.Errorf("unit add printed %q", out)
		}
		mustRun(t, dsn, "unit", "add", "--name", "fl", "--title", "Florida")
		if out := mustRun(t, dsn, "unit", "list"); !regexp.MustCompile(`(?m)^fl\s+Florida\s+-$`).MatchString(out) ||
			!regexp.MustCompile(`(?m)^tx\s+Texas\s+TX,OK$`).MatchString(out) || !strings.HasPrefix(out, "NAME") {
			t.Errorf("unit list:\n%s", out)
		}

		out = mustRun(t, dsn, "user", "add", "--email", "Maria@Example.org", "--name", "Maria López",
			"--role", "investigator", "--unit", "tx", "--public-url", "https://redress.example/")
		m := setLinkRE.FindStringSubmatch(out)
		if !strings.HasPrefix(out, "created account 1 for maria@example.org (investigator in tx)\none-time link to set the password (valid 72 hours), shown only now:\n") || m == nil {
			t.Fatalf("user add printed:\n%s", out)
		}
		db, svc := openStore(t, dsn)
		ctx := context.Background()
		if u, err := svc.SetPasswordWithToken(ctx, auth.Meta{}, m[2], "tulip canyon ferry 47"); err != nil || u.Email != "maria@example.org" {
			t.Fatalf("the printed link: %+v, %v", u, err)
		}

		// The public address may come from the environment; without a role the account has none.
		out, _, err := staffRun(t, dsn, map[string]string{"REDRESS_PUBLIC_URL": "https://redress.example"},
			"user", "add", "--email", "jo@example.org", "--name", "Jo")
		if err != nil || !strings.Contains(out, "(no role yet)") || !setLinkRE.MatchString(out) {
			t.Errorf("user add with REDRESS_PUBLIC_URL: %v\n%s", err, out)
		}

		// Refusals say what is wrong and leave nothing behind.
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"user", "add", "--email", "x@example.org", "--name", "X", "--role", "investigator", "--unit", "nm"}, "--unit: There is no review unit named nm."},
			{[]string{"user", "add", "--email", "x@example.org", "--name", "X", "--role", "sheriff", "--unit", "tx"}, "--role: Choose one of: intake_officer, investigator, supervisor, oversight_auditor, administrator."},
			{[]string{"user", "add", "--email", "MARIA@example.org", "--name", "Again"}, "An account with this email already exists."},
			{[]string{"user", "add", "--email", "not-an-address", "--name", "X"}, "--email: This does not look like an email address."},
			{[]string{"user", "disable", "--email", "nobody@example.org"}, "no account has this email"},
			{[]string{"user", "role", "add", "--email", "jo@example.org", "--role", "supervisor", "--unit", "nm"}, "--unit: There is no review unit named nm."},
			{[]string{"user", "role", "remove", "--email", "jo@example.org", "--role", "supervisor", "--unit", "tx"}, "The account does not hold this role in this unit."},
			{[]string{"unit", "add", "--name", "New Mexico", "--title", "NM"}, "--name: Use lower-case letters, digits and dashes, at most 40 characters."},
			{[]string{"unit", "add", "--name", "nm", "--title", "NM", "--states", "Narnia"}, "--states: Choose a U.S. state or territory."},
		} {
			out, _, err := staffRun(t, dsn, nil, tc.args...)
			if err == nil || err.Error() != tc.want || out != "" {
				t.Errorf("redress %s:\n err %v\nwant %s\n(output %q)", strings.Join(tc.args, " "), err, tc.want, out)
			}
		}
		if _, err := svc.UserByEmail(ctx, "x@example.org"); redress.ErrorCode(err) != redress.ENOTFOUND {
			t.Errorf("a refused user add left an account: %v", err)
		}

		if out := mustRun(t, dsn, "user", "role", "add", "--email", "jo@example.org", "--role", "supervisor", "--unit", "*"); out != "granted supervisor in * for jo@example.org\n" {
			t.Errorf("role add printed %q", out)
		}
		mustRun(t, dsn, "user", "role", "add", "--email", "jo@example.org", "--role", "intake_officer", "--unit", "fl")
		if out := mustRun(t, dsn, "user", "role", "remove", "--email", "JO@example.org", "--role", "supervisor", "--unit", "*"); out != "removed supervisor in * for jo@example.org\n" {
			t.Errorf("role remove printed %q", out)
		}
		if out := mustRun(t, dsn, "user", "disable", "--email", "jo@example.org"); out != "disabled account 2 (jo@example.org); its sessions are ended and its API tokens refused\n" {
			t.Errorf("disable printed %q", out)
		}

		out = mustRun(t, dsn, "user", "list")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "ID EMAIL NAME ROLES MFA DISABLED" ||
			!regexp.MustCompile(`^2\s+jo@example\.org\s+Jo\s+intake_officer@fl\s+no\s+yes$`).MatchString(lines[1]) ||
			!regexp.MustCompile(`^1\s+maria@example\.org\s+Maria López\s+investigator@tx\s+no\s+no$`).MatchString(lines[2]) {
			t.Errorf("user list:\n%s", out)
		}

		// Every change is in the trail under the operator's name.
		evs, err := db.ListAudit(ctx, redress.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, ev := range evs {
			if strings.HasPrefix(ev.Action, "user.") || strings.HasPrefix(ev.Action, "unit.") {
				counts[ev.Action]++
				if ev.Actor != "cli:tester" || !strings.HasPrefix(ev.RequestID, "cli-") {
					t.Errorf("event %s by %q in %q", ev.Action, ev.Actor, ev.RequestID)
				}
			}
		}
		want := map[string]int{redress.ActionUnitSaved: 2, redress.ActionUserCreated: 2, redress.ActionRoleAdded: 3,
			redress.ActionRoleRemoved: 1, redress.ActionUserDisabled: 1}
		for action, n := range want {
			if counts[action] != n {
				t.Errorf("%d %s events, want %d (all: %v)", counts[action], action, n, counts)
			}
		}
	})
}

func TestUserCommandUsage(t *testing.T) {
	dsn := storetest.SQLiteDSN(t)
	for _, args := range [][]string{
		{"user"}, {"user", "rename"}, {"user", "role"}, {"user", "role", "grant"}, {"unit"}, {"token"}, {"token", "mint"},
		{"user", "add", "--name", "No Email"}, {"user", "add", "--email", "a@example.org", "--name", "A", "--role", "investigator"},
		{"user", "disable"}, {"user", "role", "add", "--email", "a@example.org", "--role", "investigator"},
		{"unit", "add", "--name", "tx"}, {"token", "create", "--email", "a@example.org"}, {"token", "revoke"},
		{"token", "list"}, {"user", "list", "stray"}, {"user", "list", "--bogus"},
	} {
		_, errOut, err := staffRun(t, dsn, nil, args...)
		if !errors.Is(err, errUsage) || !strings.Contains(errOut, "Usage: redress") {
			t.Errorf("redress %s: err %v, stderr %q; want usage", strings.Join(args, " "), err, errOut)
		}
	}
	if _, err := os.Stat(strings.TrimPrefix(dsn, "sqlite:")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a command line refused as unusable created the database: %v", err)
	}
	for _, args := range [][]string{{"user", "--help"}, {"user", "add", "--help"}, {"token", "help"}, {"unit", "-h"}, {"token", "revoke", "-h"}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, func(string) string { return "" }, &out, &out); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("redress %s: err %v, want flag.ErrHelp", strings.Join(args, " "), err)
		}
	}
	var usage bytes.Buffer
	run(context.Background(), nil, func(string) string { return "" }, &usage, &usage)
	for _, cmd := range []string{"redress user add", "redress unit add", "redress token create"} {
		if !strings.Contains(usage.String(), cmd) {
			t.Errorf("usage lacks %q", cmd)
		}
	}
}
