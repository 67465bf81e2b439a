// Package storetest gives tests a fresh, migrated database of each dialect: a SQLite file
// in a temporary directory, and a PostgreSQL schema of its own on the server named by
// REDRESS_TEST_POSTGRES_URL (default: the local test database).
//
// PostgreSQL tests never skip silently: when the server does not answer, they fail and
// say how to start it. REDRESS_TEST_POSTGRES=skip is the one, explicit, way to leave
// them out on a machine without PostgreSQL; CI never sets it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/lib/pq"

	"github.com/redress-oversight/redress/internal/store"
)

// DefaultPostgresURL is the machine's local server with trust auth.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Dialects runs fn once per dialect, as subtests named "sqlite" and "postgres".
func Dialects(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run(store.SQLite, func(t *testing.T) { fn(t, SQLiteDSN(t)) })
	t.Run(store.PostgreSQL, func(t *testing.T) { fn(t, PostgresDSN(t)) })
}

// Each runs fn with a fresh migrated *store.DB of each dialect.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	Dialects(t, func(t *testing.T, dsn string) { fn(t, Open(t, dsn)) })
}

// SQLiteDSN returns the path of a new SQLite file, removed after the test.
func SQLiteDSN(t testing.TB) string {
	return "sqlite:" + t.TempDir() + "/redress.db"
}

// PostgresDSN creates a schema of its own for the test, dropped afterwards, and returns a
// URL whose connections use it.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv("REDRESS_TEST_POSTGRES_URL")
	if base == "" {
		base = DefaultPostgresURL
	}
	if os.Getenv("REDRESS_TEST_POSTGRES") == "skip" {
		t.Skip("REDRESS_TEST_POSTGRES=skip: PostgreSQL tests left out on purpose")
	}
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	if err := admin.Ping(); err != nil {
		t.Fatalf("PostgreSQL does not answer at %s: %v\nStart it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n(or set REDRESS_TEST_POSTGRES_URL)", redact(base), err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("postgres", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("REDRESS_TEST_POSTGRES_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open opens and migrates dsn, closing it after the test.
func Open(t testing.TB, dsn string, opts ...store.Option) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, t.TempDir(), opts...)
	if err != nil {
		t.Fatalf("open %s: %v", redact(dsn), err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}
