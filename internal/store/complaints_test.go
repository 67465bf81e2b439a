package store_test

import (
	"context"
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

func newComplaint(tracking string) store.NewComplaint {
	yes := true
	return store.NewComplaint{
		Complaint: redress.Complaint{
			TrackingNumber: tracking, Language: "es", Channel: redress.ChannelWeb,
			IncidentDate: redress.Date{Year: 2025, Month: 7, Day: 4}, State: "GA", Place: "Cobb County Adult Detention Center",
			Functions:   []redress.Function{"detainer", "interview"},
			Allegations: []redress.Allegation{{Category: "no_interpreter"}, {Category: "coercion"}},
			Narrative:   "Me hicieron firmar papeles en inglés.", Filer: "self", Anonymous: true,
			Custody: redress.Custody{InCustody: &yes},
			Consent: []redress.Recipient{"dhs_crcl"},
		},
		ReceiptHash: redress.HashReceiptCode("AAAAA-BBBBB-CCCCC-DDDDD"),
		Audit:       redress.AuditEvent{Actor: redress.ActorPublic, Action: redress.ActionComplaintFiled, RequestID: "req-1"},
	}
}

func TestCreateComplaint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, err := db.CreateComplaint(ctx, newComplaint("RX-AAAA-BBBB"))
		if err != nil {
			t.Fatal(err)
		}
		if c.ID == 0 || c.Status != redress.StatusReceived || c.ReceivedAt.IsZero() || c.Allegations[1].ID == 0 {
			t.Fatalf("created %+v", c)
		}
		got, sealed, err := db.Complaint(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.TrackingNumber != "RX-AAAA-BBBB" || got.IncidentDate != c.IncidentDate || len(got.Functions) != 2 ||
			len(got.Allegations) != 2 || got.Allegations[0].Category != "no_interpreter" || got.Custody.InCustody == nil ||
			got.Custody.DetainerIssued != nil || len(got.Consent) != 1 || !got.ReceivedAt.Equal(c.ReceivedAt) || sealed != nil {
			t.Fatalf("read back %+v", got)
		}

		t.Run("ErrTrackingTaken", func(t *testing.T) {
			_, err := db.CreateComplaint(ctx, newComplaint("RX-AAAA-BBBB"))
			if redress.ErrorCode(err) != redress.ECONFLICT {
				t.Fatalf("got %v, want conflict", err)
			}
		})

		t.Run("ErrNotFound", func(t *testing.T) {
			if _, err := db.ComplaintReceipt(ctx, "RX-ZZZZ-ZZZZ"); redress.ErrorCode(err) != redress.ENOTFOUND {
				t.Fatalf("got %v", err)
			}
		})
	})
}

// When the audit event cannot be written, the complaint is not stored either. The
// failure is produced for real: a trigger makes the database refuse audit inserts.
func TestCreateComplaintAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var ddl []string
		if db.Dialect == store.PostgreSQL {
			ddl = []string{
				`CREATE FUNCTION refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END; $$`,
				`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_insert()`,
			}
		} else {
			ddl = []string{`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'refused'); END`}
		}
		for _, q := range ddl {
			if _, err := db.Bun().ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.CreateComplaint(ctx, newComplaint("RX-CCCC-DDDD")); err == nil {
			t.Fatal("complaint stored although its audit event was refused")
		}
		for _, table := range []string{"complaints", "allegations", "complaint_functions", "complaint_status_changes"} {
			var n int
			if err := db.Bun().NewSelect().TableExpr(table).ColumnExpr("count(*)").Scan(ctx, &n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%s has %d rows after a failed filing", table, n)
			}
		}
	})
}

// stmtCounter counts the statements bun sends, and keeps them.
type stmtCounter struct{ queries []string }

func (h *stmtCounter) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context { return ctx }
func (h *stmtCounter) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	h.queries = append(h.queries, e.Query)
}

// A filing is one statement per table it writes (plus the idempotency cleanup), with
// the tracking number's uniqueness left to the constraint, met clocks written met, and
// no re-read of the complaint for its audit scope; a taken number is still ECONFLICT.
func TestCreateComplaintStatements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		h := &stmtCounter{}
		db.Bun().AddQueryHook(h)
		nc := newComplaint("RX-EEEE-FFFF")
		now := time.Now().UTC()
		nc.Clocks = []redress.Clock{{Name: "acknowledge", StartedAt: now, DueAt: now.Add(time.Hour)},
			{Name: "triage", StartedAt: now, DueAt: now.Add(48 * time.Hour)}}
		nc.MetClocks = []string{"acknowledge"}
		c, err := db.CreateComplaint(ctx, nc)
		if err != nil {
			t.Fatal(err)
		}
		var stmts []string
		for _, q := range h.queries {
			if u := strings.ToUpper(q); u != "BEGIN" && u != "COMMIT" && !strings.HasPrefix(u, "BEGIN") {
				stmts = append(stmts, q)
			}
		}
		for _, q := range stmts {
			if strings.Contains(strings.ToUpper(q), "EXISTS") || strings.HasPrefix(strings.ToUpper(q), "SELECT") ||
				strings.HasPrefix(strings.ToUpper(q), "UPDATE") {
				t.Errorf("filing ran %s", q)
			}
		}
		// complaints, expired keys, functions, allegations, status change, clocks, audit,
		// and (oversight measures, issue 15) the complaint's measure row.
		if len(stmts) > 8 {
			t.Errorf("filing ran %d statements, want at most 8:\n%s", len(stmts), strings.Join(stmts, "\n"))
		}
		clocks, err := db.Clocks(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		met := map[string]bool{}
		for _, k := range clocks {
			met[k.Name] = !k.MetAt.IsZero()
		}
		if len(met) != 2 || !met["acknowledge"] || met["triage"] {
			t.Errorf("clocks %+v, want acknowledge met and triage running", clocks)
		}
		ev, err := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c.ID})
		if err != nil || len(ev) != 1 || ev[0].Action != redress.ActionComplaintFiled {
			t.Fatalf("audit %+v, %v", ev, err)
		}
		if _, err := db.CreateComplaint(ctx, nc); redress.ErrorCode(err) != redress.ECONFLICT {
			t.Fatalf("duplicate tracking number: got %v, want conflict", err)
		}
	})
}

// Parallel filings on SQLite queue in Go for the one writer: with a busy timeout far
// shorter than the burst takes, none meets SQLite's busy error.
func TestSQLiteParallelFilings(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, storetest.SQLiteDSN(t), store.BusyTimeout(20*time.Millisecond))
	const n = 32
	errs := make(chan error, n*3)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 3 {
				_, err := db.CreateComplaint(ctx, newComplaint(fmt.Sprintf("RX-P%03d-%04d", i, j)))
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got, err := db.CountComplaints(ctx); err != nil || got != n*3 {
		t.Fatalf("%d complaints (%v), want %d", got, err, n*3)
	}
}
