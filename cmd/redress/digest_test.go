package main

import (
	"testing"

	"github.com/redress-oversight/redress/internal/store/storetest"
)

// "digest send" runs on the services serve builds (buildApp): its supervisors are those
// the authorization rules, loaded with the role assignments in the database, let approve
// findings.
func TestDigestSend(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		if out := mustRun(t, dsn, "digest", "send"); out != "queued 0 overdue digest(s) for 0 supervisor(s)\n" {
			t.Fatalf("digest on a new database: %q", out)
		}
		mustRun(t, dsn, "user", "add", "--email", "sup@example.org", "--name", "Sup", "--role", "supervisor", "--unit", "*",
			"--public-url", "https://redress.example")
		mustRun(t, dsn, "user", "add", "--email", "inv@example.org", "--name", "Inv", "--role", "investigator", "--unit", "*",
			"--public-url", "https://redress.example")
		if out := mustRun(t, dsn, "digest", "send"); out != "queued 0 overdue digest(s) for 1 supervisor(s)\n" {
			t.Fatalf("digest with one supervisor and one investigator: %q", out)
		}
	})
}
