package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

const resetReminder = "no administrator has signed in yet"

// A first administrator's link goes to serve's log once. Until an administrator signs
// in, each later start says how to issue another; "user reset-link" prints one that
// works (and makes the earlier one stop working); once an administrator has signed in,
// the reminder stops.
func TestUserResetLink(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		env := map[string]string{"REDRESS_DATABASE_URL": dsn, "REDRESS_DATA_DIR": t.TempDir(),
			"REDRESS_PUBLIC_URL": "https://redress.example", "REDRESS_ADMIN_EMAIL": "first@example.org"}
		serveLogs := func() string {
			t.Helper()
			_, logs, stop := startServe(t, env)
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			return logs.String()
		}
		first := serveLogs()
		firstLink := regexp.MustCompile(`link="?https://redress\.example/password/set\?token=([A-Za-z0-9_-]{43})`).FindStringSubmatch(first)
		if firstLink == nil || strings.Contains(first, resetReminder) {
			t.Fatalf("first start: want the link and no reminder:\n%s", first)
		}
		if second := serveLogs(); !strings.Contains(second, resetReminder) || !strings.Contains(second, "redress user reset-link --email") ||
			strings.Contains(second, "token=") {
			t.Fatalf("second start, no administrator signed in: want the reminder, no link:\n%s", second)
		}

		if _, errOut, err := staffRun(t, dsn, nil, "user", "reset-link"); err == nil || !strings.Contains(errOut, "--email required") {
			t.Errorf("reset-link without --email: %v\n%s", err, errOut)
		}
		if _, _, err := staffRun(t, dsn, nil, "user", "reset-link", "--email", "nobody@example.org"); err == nil {
			t.Error("reset-link for an unknown account succeeded")
		}
		out := mustRun(t, dsn, "user", "reset-link", "--email", "First@Example.org", "--public-url", "https://redress.example")
		m := setLinkRE.FindStringSubmatch(out)
		if m == nil || !strings.HasPrefix(out, "new one-time link to set the password of first@example.org (valid 72 hours;") {
			t.Fatalf("reset-link printed:\n%s", out)
		}
		db, svc := openStore(t, dsn)
		ctx := context.Background()
		if _, err := svc.SetPasswordWithToken(ctx, auth.Meta{}, firstLink[1], "tulip canyon ferry 47"); err == nil {
			t.Error("the first link still works after reset-link")
		}
		u, err := svc.SetPasswordWithToken(ctx, auth.Meta{}, m[2], "tulip canyon ferry 47")
		if err != nil || u.Email != "first@example.org" {
			t.Fatalf("the new link: %+v, %v", u, err)
		}
		evs, err := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionPasswordLink})
		if err != nil || len(evs) != 1 || evs[0].Actor != "cli:tester" || evs[0].Details["purpose"] != "set" {
			t.Fatalf("audit of reset-link: %+v, %v", evs, err)
		}
		if _, err := svc.Login(ctx, auth.Meta{}, "first@example.org", "tulip canyon ferry 47"); err != nil {
			t.Fatal(err)
		}
		if third := serveLogs(); strings.Contains(third, resetReminder) {
			t.Fatalf("an administrator signed in, yet the reminder shows:\n%s", third)
		}
	})
}
