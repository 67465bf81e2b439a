package casework_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/workflow"
	"github.com/redress-oversight/redress/migrations"
)

// A clock still running when a case ends is stopped, not met (oversight must not count
// it met on time) and not missed or overdue from then on; clocks the end starts run;
// reopening runs the stopped ones again, due as before.
func TestClosingStopsRunningClocks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		clocks := func(id int64) map[string]redress.Clock {
			ks, err := db.Clocks(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]redress.Clock{}
			for _, k := range ks {
				out[k.Name] = k
			}
			return out
		}
		cfg := deadline.Defaults()

		closed := f.file(t, true) // Harris County: a JEM, so ICE must be notified
		if k := clocks(closed.ID)["notify_ice"]; k.ID == 0 || !k.StoppedAt.IsZero() {
			t.Fatalf("open JEM case: notify_ice = %+v; want running", k)
		}
		f.mustStep(t, f.supervisor, closed.ID, casework.TransitionInput{Transition: workflow.CloseAdministratively,
			Reason: "r", Disposition: workflow.ResolvedInformally})
		ks := clocks(closed.ID)
		ice := ks["notify_ice"]
		if ice.StoppedAt.IsZero() || !ice.MetAt.IsZero() {
			t.Fatalf("closed case: notify_ice = %+v; want stopped, not met", ice)
		}
		later := ice.DueAt.Add(30 * 24 * time.Hour)
		if got := cfg.StateOf(ice, later); got != deadline.StatusStopped {
			t.Errorf("closed case's notify_ice long after its due time: %s; want %s", got, deadline.StatusStopped)
		}
		if k := ks["resolve"]; k.MetAt.IsZero() || !k.StoppedAt.IsZero() {
			t.Errorf("resolve = %+v; want met by the closing, not stopped", k)
		}
		results := ks["report_results"]
		if results.ID == 0 || !results.StoppedAt.IsZero() || !results.MetAt.IsZero() {
			t.Errorf("report_results = %+v; want running from the closing", results)
		}
		// Past both due times only the results clock is overdue: the stopped one is not
		// missed, nor in the supervisors' digest.
		overdue, err := db.OverdueClocks(ctx, results.DueAt.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range overdue {
			if o.ComplaintID == closed.ID && o.Name != "report_results" {
				t.Errorf("overdue after closing: %s", o.Name)
			}
		}
		// The queue's next deadline is the results clock, not the stopped one.
		rows, _, err := db.SearchComplaints(ctx, redress.SearchFilter{ComplaintFilter: redress.ComplaintFilter{AllUnits: true}, Tracking: closed.TrackingNumber})
		if err != nil || len(rows) != 1 {
			t.Fatalf("search: %v %v", rows, err)
		}
		if !rows[0].NextDueAt.Equal(results.DueAt) {
			t.Errorf("queue's next deadline %s; want the results clock's %s (notify_ice due %s is stopped)", rows[0].NextDueAt, results.DueAt, ice.DueAt)
		}

		// Withdrawn: nothing keeps running, and reopening runs them again, due as before.
		w := f.file(t, true)
		before := clocks(w.ID)["notify_ice"]
		f.mustStep(t, f.supervisor, w.ID, casework.TransitionInput{Transition: workflow.Withdraw, Reason: "asked by phone"})
		for name, k := range clocks(w.ID) {
			if k.MetAt.IsZero() && k.StoppedAt.IsZero() {
				t.Errorf("withdrawn case: %s still runs", name)
			}
		}
		rows, _, err = db.SearchComplaints(ctx, redress.SearchFilter{ComplaintFilter: redress.ComplaintFilter{AllUnits: true}, Tracking: w.TrackingNumber})
		if err != nil || len(rows) != 1 || !rows[0].NextDueAt.IsZero() {
			t.Errorf("withdrawn case in the queue: %+v %v; want no next deadline", rows, err)
		}
		f.mustStep(t, f.supervisor, w.ID, casework.TransitionInput{Transition: workflow.Reopen, Reason: "new facts"})
		again := clocks(w.ID)["notify_ice"]
		if !again.StoppedAt.IsZero() || !again.MetAt.IsZero() || !again.DueAt.Equal(before.DueAt) {
			t.Errorf("reopened: notify_ice = %+v; want running again, due %s", again, before.DueAt)
		}
	})
}

// Migration 20251126000070 stops the unmet clocks of cases closed before it, at their
// closing, and leaves running those the closing started (results to report) and those
// of open cases. Run again here on a case closed and put back as it was before.
func TestClockStoppedMigration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		closed := f.file(t, true)
		f.mustStep(t, f.supervisor, closed.ID, casework.TransitionInput{Transition: workflow.CloseAdministratively,
			Reason: "r", Disposition: workflow.ResolvedInformally})
		open := f.file(t, true)
		// As the database held them before the migration: no clock stopped.
		if _, err := db.Bun().NewRaw("UPDATE complaint_clocks SET stopped_at = NULL").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		fsys, dir := migrations.SQLite, "sqlite"
		if db.Dialect == store.PostgreSQL {
			fsys, dir = migrations.PostgreSQL, "postgres"
		}
		b, err := fs.ReadFile(fsys, dir+"/20251126000070_clock_stopped.up.sql")
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.Split(string(b), "--bun:split")
		if _, err := db.Bun().ExecContext(ctx, parts[len(parts)-1]); err != nil {
			t.Fatal(err)
		}
		st, err := db.CaseState(ctx, closed.ID)
		if err != nil || st.ClosedAt.IsZero() {
			t.Fatalf("case state %+v %v; want closed", st, err)
		}
		ks, err := db.Clocks(ctx, closed.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range ks {
			switch {
			case k.Name == "notify_ice" && (!k.StoppedAt.Equal(st.ClosedAt) || !k.MetAt.IsZero()):
				t.Errorf("closed case's notify_ice after the migration: %+v; want stopped at the closing %s", k, st.ClosedAt)
			case k.Name == "report_results" && !k.StoppedAt.IsZero():
				t.Errorf("the results clock the closing started was stopped: %+v", k)
			case !k.MetAt.IsZero() && !k.StoppedAt.IsZero():
				t.Errorf("a met clock was stopped: %+v", k)
			}
		}
		ks, err = db.Clocks(ctx, open.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range ks {
			if !k.StoppedAt.IsZero() {
				t.Errorf("an open case's clock was stopped: %+v", k)
			}
		}
	})
}
