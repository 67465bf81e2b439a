package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// shortBusy keeps a locked SQLite database from holding a test for the 10 s default.
var shortBusy = store.BusyTimeout(150 * time.Millisecond)

// wantUnavailable fails unless err is the domain's EUNAVAILABLE, the code the web layer
// answers 503 for.
func wantUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	if redress.ErrorCode(err) != redress.EUNAVAILABLE {
		t.Fatalf("%s: got %v (code %q), want %q", what, err, redress.ErrorCode(err), redress.EUNAVAILABLE)
	}
}

func countComplaints(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.Bun().NewSelect().TableExpr("complaints").ColumnExpr("count(*)").Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// lockSQLite takes SQLite's write lock from another connection, as another process
// would, and returns the function that lets it go.
func lockSQLite(t *testing.T, dsn string) (release func()) {
	t.Helper()
	other, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(dsn, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	return func() {
		if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
			t.Fatal(err)
		}
		conn.Close()
	}
}

func TestOutageSQLiteLocked(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.SQLiteDSN(t)
	db := storetest.Open(t, dsn, shortBusy)
	if _, err := db.CreateComplaint(ctx, newComplaint("RX-AAAA-0001")); err != nil {
		t.Fatal(err)
	}
	release := lockSQLite(t, dsn)
	_, err := db.CreateComplaint(ctx, newComplaint("RX-AAAA-0002"))
	wantUnavailable(t, "filing while locked", err)
	wantUnavailable(t, "ready while locked", db.Ready(ctx))
	// WAL readers are not blocked by a writer: the registry still reads.
	if _, err := db.ListAgencies(ctx, "TX", "", 10); err != nil {
		t.Fatalf("read while locked: %v", err)
	}
	release()
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("ready after the lock went: %v", err)
	}
	if _, err := db.CreateComplaint(ctx, newComplaint("RX-AAAA-0002")); err != nil {
		t.Fatalf("filing after the lock went: %v", err)
	}
	if n := countComplaints(t, db); n != 2 {
		t.Fatalf("%d complaints stored, want 2", n)
	}
}

// fillSQLite caps the database file at the pages it has now, on the one connection the
// pool keeps: SQLite then answers SQLITE_FULL ("database or disk is full") to any write
// that needs a new page, as it does when the disk is full. It returns the function that
// lifts the cap again, as freeing disk space would.
func fillSQLite(t *testing.T, db *store.DB) (free func()) {
	t.Helper()
	ctx := context.Background()
	db.Bun().SetMaxOpenConns(1) // max_page_count belongs to a connection: keep just one
	// VACUUM leaves no free page inside the file for a write to reuse.
	if _, err := db.Bun().ExecContext(ctx, "VACUUM"); err != nil {
		t.Fatal(err)
	}
	var pages, limit int
	if err := db.Bun().QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if err := db.Bun().QueryRowContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages)).Scan(&limit); err != nil || limit != pages {
		t.Fatalf("max_page_count %d, want %d: %v", limit, pages, err)
	}
	return func() {
		if _, err := db.Bun().ExecContext(ctx, "PRAGMA max_page_count = 1073741823"); err != nil {
			t.Fatal(err)
		}
	}
}

// bigComplaint needs pages of its own: its narrative does not fit in a page's free room.
func bigComplaint(tracking string) store.NewComplaint {
	nc := newComplaint(tracking)
	nc.Complaint.Narrative = strings.Repeat("Me hicieron firmar papeles en inglés. ", 400)
	return nc
}

func TestOutageSQLiteDiskFull(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, storetest.SQLiteDSN(t), shortBusy)
	if _, err := db.CreateComplaint(ctx, bigComplaint("RX-AAAA-0001")); err != nil {
		t.Fatal(err)
	}
	free := fillSQLite(t, db)
	_, err := db.CreateComplaint(ctx, bigComplaint("RX-AAAA-0002"))
	wantUnavailable(t, "filing on a full disk", err)
	wantUnavailable(t, "ready on a full disk", db.Ready(ctx))
	free()
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("ready after space was freed: %v", err)
	}
	if _, err := db.CreateComplaint(ctx, bigComplaint("RX-AAAA-0002")); err != nil {
		t.Fatalf("filing after space was freed: %v", err)
	}
	if n := countComplaints(t, db); n != 2 {
		t.Fatalf("%d complaints stored, want 2", n)
	}
}

// waitReady asks Ready until it succeeds, a bounded number of times: connections the
// pool held across an outage fail once each before fresh ones are made.
func waitReady(t *testing.T, db *store.DB) {
	t.Helper()
	var err error
	for range 50 {
		if err = db.Ready(context.Background()); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("database not ready after the outage ended: %v", err)
}

func TestOutagePostgresConnectionLost(t *testing.T) {
	ctx := context.Background()
	dsn, proxy := storetest.PostgresViaProxy(t)
	db := storetest.Open(t, dsn)
	if _, err := db.CreateComplaint(ctx, newComplaint("RX-AAAA-0001")); err != nil {
		t.Fatal(err)
	}
	proxy.Cut()
	_, err := db.CreateComplaint(ctx, newComplaint("RX-AAAA-0002"))
	wantUnavailable(t, "filing while cut off", err)
	_, err = db.ListAgencies(ctx, "TX", "", 10)
	wantUnavailable(t, "reading while cut off", err)
	wantUnavailable(t, "ready while cut off", db.Ready(ctx))

	proxy.Restore()
	waitReady(t, db)
	if _, err := db.CreateComplaint(ctx, newComplaint("RX-AAAA-0002")); err != nil {
		t.Fatalf("filing after the connection came back: %v", err)
	}
	if n := countComplaints(t, db); n != 2 {
		t.Fatalf("%d complaints stored, want 2", n)
	}
}

// TestOutagePostgresTerminated: a server shutting down ends its sessions with SQLSTATE
// 57P01 (admin_shutdown); pg_terminate_backend sends exactly that, for real, to a
// session in the middle of a query. lib/pq reports every FATAL error as
// driver.ErrBadConn, which the store maps like the state itself.
func TestOutagePostgresTerminated(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, storetest.PostgresDSN(t))
	conn, err := db.Bun().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var pid int
	if err := conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := conn.ExecContext(ctx, "SELECT pg_sleep(60)")
		done <- err
	}()
	// Terminate once the session is inside the query, so the answer is the server's.
	for i := 0; ; i++ {
		var active bool
		if err := db.Bun().QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = ? AND query LIKE 'SELECT pg_sleep%' AND state = 'active')", pid).Scan(&active); err != nil {
			t.Fatal(err)
		}
		if active {
			break
		} else if i == 200 {
			t.Fatal("the query never started")
		}
		time.Sleep(50 * time.Millisecond)
	}
	var ok bool
	if err := db.Bun().QueryRowContext(ctx, "SELECT pg_terminate_backend(?)", pid).Scan(&ok); err != nil || !ok {
		t.Fatalf("terminate %d: %v %v", pid, ok, err)
	}
	err = <-done
	wantUnavailable(t, "query of a terminated session", err)
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("a new session is not ready: %v", err)
	}
}

// TestReadyKeepsOneRow: readiness checks write, but never grow the table and never
// write to the audit trail.
func TestReadyKeepsOneRow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		count := func(table string) (n int) {
			if err := db.Bun().NewSelect().TableExpr(table).ColumnExpr("count(*)").Scan(ctx, &n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		audit := count("audit_events")
		for range 20 {
			if err := db.Ready(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if n := count("readiness"); n != 1 {
			t.Fatalf("readiness has %d rows, want 1", n)
		}
		if n := count("audit_events"); n != audit {
			t.Fatalf("readiness checks wrote %d audit events", n-audit)
		}
		var probes int
		if err := db.Bun().QueryRowContext(ctx, "SELECT count(*) FROM readiness WHERE probe IS NOT NULL").Scan(&probes); err != nil || probes != 0 {
			t.Fatalf("%d probe rows kept: %v", probes, err)
		}
	})
}

// TestSQLiteDurableEveryConnection: a 201 must survive a power cut, so every pooled
// connection commits with synchronous=FULL (2), in WAL mode, with the busy timeout set.
func TestSQLiteDurableEveryConnection(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, storetest.SQLiteDSN(t), store.BusyTimeout(1500*time.Millisecond))
	const n = 6
	conns := make([]bun.Conn, n)
	for i := range conns { // held at once, so each is a different connection
		c, err := db.Bun().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	if open := db.Bun().Stats().OpenConnections; open < n {
		t.Fatalf("%d connections open, want %d", open, n)
	}
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var sync, timeout int
			var journal string
			if err := c.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
				t.Error(err)
				return
			}
			c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&journal)
			c.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&timeout)
			if sync != 2 || journal != "wal" || timeout != 1500 {
				t.Errorf("connection %d: synchronous=%d journal_mode=%s busy_timeout=%d, want 2 (FULL), wal, 1500", i, sync, journal, timeout)
			}
		}()
	}
	wg.Wait()
}

func TestBusyTimeoutDefault(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	var ms int
	if err := db.Bun().QueryRowContext(context.Background(), "PRAGMA busy_timeout").Scan(&ms); err != nil || ms != int(store.DefaultBusyTimeout/time.Millisecond) {
		t.Fatalf("busy_timeout %d ms: %v", ms, err)
	}
}

// BenchmarkFileComplaint measures what synchronous=FULL costs a filing on SQLite next to
// NORMAL (which may lose the last commits on a power cut), one filing at a time:
//
//	go test ./internal/store -run '^$' -bench FileComplaint -benchtime 300x
func BenchmarkFileComplaint(b *testing.B) {
	for _, mode := range []string{"NORMAL", "FULL"} {
		b.Run("sqlite/synchronous="+mode, func(b *testing.B) {
			ctx := context.Background()
			db := storetest.Open(b, storetest.SQLiteDSN(b))
			db.Bun().SetMaxOpenConns(1) // the pragma belongs to a connection: keep just one
			if _, err := db.Bun().ExecContext(ctx, "PRAGMA synchronous = "+mode); err != nil {
				b.Fatal(err)
			}
			var level int
			if err := db.Bun().QueryRowContext(ctx, "PRAGMA synchronous").Scan(&level); err != nil || level != map[string]int{"NORMAL": 1, "FULL": 2}[mode] {
				b.Fatalf("synchronous is %d: %v", level, err)
			}
			i := 0
			for b.Loop() {
				i++
				if _, err := db.CreateComplaint(ctx, newComplaint(fmt.Sprintf("RX-%04X-%04X", i>>16, i&0xffff))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
