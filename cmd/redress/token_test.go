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

func TestTokenCommands(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		mustRun(t, dsn, "user", "add", "--email", "ops@example.org", "--name", "Ops", "--role", "administrator", "--unit", "*")

		out, errOut, err := staffRun(t, dsn, nil, "token", "create", "--email", "OPS@example.org", "--name", "nightly export")
		if err != nil {
			t.Fatal(err)
		}
		// The token alone on standard output, the notice on standard error.
		if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}\n$`).MatchString(out) || errOut != "created API token 1 (nightly export) for OPS@example.org; it is shown only now:\n" {
			t.Fatalf("token create: stdout %q, stderr %q", out, errOut)
		}
		token := strings.TrimSpace(out)

		db, svc := openStore(t, dsn)
		ctx := context.Background()
		p, err := svc.AuthenticateToken(ctx, auth.Meta{}, token)
		if err != nil || p.User.Email != "ops@example.org" || p.TokenID != 1 {
			t.Fatalf("the printed token: %+v, %v", p, err)
		}
		if _, err := db.APITokenByHash(ctx, []byte(token)); redress.ErrorCode(err) != redress.ENOTFOUND {
			t.Errorf("token stored in clear: %v", err)
		}

		mustRun(t, dsn, "token", "create", "--email", "ops@example.org", "--name", "spare")
		out = mustRun(t, dsn, "token", "list", "--email", "ops@example.org")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "ID NAME CREATED LAST USED REVOKED" ||
			!regexp.MustCompile(`^1\s+nightly export\s+\d{4}-\d\d-\d\d \d\d:\d\dZ\s+\d{4}-\d\d-\d\d \d\d:\d\dZ\s+-$`).MatchString(lines[1]) ||
			!regexp.MustCompile(`^2\s+spare\s+\d{4}-\d\d-\d\d \d\d:\d\dZ\s+-\s+-$`).MatchString(lines[2]) {
			t.Errorf("token list:\n%s", out)
		}

		if out := mustRun(t, dsn, "token", "revoke", "--id", "1"); out != "revoked API token 1\n" {
			t.Errorf("revoke printed %q", out)
		}
		if _, err := svc.AuthenticateToken(ctx, auth.Meta{}, token); redress.ErrorCode(err) != redress.EUNAUTHORIZED {
			t.Errorf("revoked token: %v", err)
		}
		out = mustRun(t, dsn, "token", "list", "--email", "ops@example.org")
		if !regexp.MustCompile(`(?m)^1\s+nightly export\s+\S+ \S+\s+\S+ \S+\s+\d{4}-\d\d-\d\d \d\d:\d\dZ$`).MatchString(out) {
			t.Errorf("token list after revoking:\n%s", out)
		}
		for action, want := range map[string]int64{redress.ActionTokenCreated: 2, redress.ActionTokenRevoked: 1, redress.ActionTokenRevokedUse: 1} {
			if n, _ := db.CountAudit(ctx, action); n != want {
				t.Errorf("%d %s events, want %d", n, action, want)
			}
		}

		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"token", "revoke", "--id", "99"}, "Token not found."},
			{[]string{"token", "create", "--email", "nobody@example.org", "--name", "x"}, "no account has this email"},
			{[]string{"token", "list", "--email", "nobody@example.org"}, "no account has this email"},
		} {
			out, _, err := staffRun(t, dsn, nil, tc.args...)
			if err == nil || err.Error() != tc.want || out != "" {
				t.Errorf("redress %s: err %v, output %q; want %q", strings.Join(tc.args, " "), err, out, tc.want)
			}
		}
	})
}
