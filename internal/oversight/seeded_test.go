package oversight_test

import (
	"bytes"
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/oversight"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/seed"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// On data the generator wrote in bulk (store.WriteSeed), the summary is current and the
// measures recomputed from the trail agree with it: over every quarter, by agreement,
// and for each model.
func TestSeededFromTrail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		box, err := secret.New(bytes.Repeat([]byte{7}, 32))
		if err != nil {
			t.Fatal(err)
		}
		key, err := audit.NewKey()
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
		cfg := deadline.Defaults()
		d := seed.Deps{DB: db, Box: box, Deadlines: cfg, Accounts: &auth.Service{DB: db}, AuditKey: key,
			CheckpointEvery: 1000, Actor: "cli:test"}
		if _, err := seed.Run(ctx, d, seed.Options{Complaints: 300, Years: 2, RandSeed: 5, BatchSize: 70, Now: now}); err != nil {
			t.Fatal(err)
		}
		if stale, err := db.MeasureRowsStale(ctx); err != nil || len(stale) > 0 {
			t.Fatalf("after the seed: stale measure rows %v %v", stale, err)
		}
		cases := &casework.Service{DB: db, Deadlines: cfg}
		s := &oversight.Service{DB: db, Deadlines: cfg, UnitDeadlines: cases.UnitDeadlines, Now: func() time.Time { return now }}
		filters := []redress.MeasureFilter{{AllUnits: true, From: now.AddDate(-3, 0, 0), To: now}}
		for _, m := range redress.Models {
			filters = append(filters, redress.MeasureFilter{AllUnits: true, From: now.AddDate(-3, 0, 0), To: now, Model: m})
		}
		for q := (redress.Quarter{Year: 2024, Q: 4}); q.Year < 2027; q = next(q) {
			from, to := q.Bounds(s.Loc())
			filters = append(filters, redress.MeasureFilter{AllUnits: true, From: from, To: to})
		}
		total := 0
		for _, f := range filters {
			want, err := s.Measures(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.FromTrail(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s to %s %s: from the trail\n%+v\nfrom the summary\n%+v", f.From, f.To, f.Model, got, want)
			}
			if f.Model == "" && f.From.Equal(now.AddDate(-3, 0, 0)) {
				total = want.Received
			}
		}
		if total != 300 {
			t.Errorf("received over three years %d; want the 300 generated", total)
		}
	})
}

func next(q redress.Quarter) redress.Quarter {
	if q.Q == 4 {
		return redress.Quarter{Year: q.Year + 1, Q: 1}
	}
	return redress.Quarter{Year: q.Year, Q: q.Q + 1}
}
