package seed_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/seed"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/workflow"
)

func generate(t *testing.T, randSeed uint64) (seed.Result, string) {
	t.Helper()
	res, receipts, _ := generateIn(t, randSeed)
	return res, receipts
}

func generateIn(t *testing.T, randSeed uint64) (seed.Result, string, *store.DB) {
	t.Helper()
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	box, err := secret.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	key, err := audit.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	d := seed.Deps{DB: db, Box: box, Deadlines: deadline.Defaults(), Accounts: &auth.Service{DB: db}, AuditKey: key,
		CheckpointEvery: 1000, Actor: "cli:test"}
	var receipts bytes.Buffer
	res, err := seed.Run(context.Background(), d, seed.Options{Complaints: 60, Years: 2, RandSeed: randSeed, BatchSize: 25,
		Now: time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC), Receipts: &receipts})
	if err != nil {
		t.Fatal(err)
	}
	// Every identity opens with the key, under its tracking number.
	c, sealed, err := db.Complaint(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if contact, err := redress.OpenContact(box, c, sealed); err != nil || (!c.Anonymous && contact.Name == "") {
		t.Fatalf("identity of %s: %+v %v", c.TrackingNumber, contact, err)
	}
	return res, receipts.String(), db
}

// The same seed makes the same complaints; another seed, others.
func TestSameSeedSameComplaints(t *testing.T) {
	a, ra := generate(t, 1)
	b, rb := generate(t, 1)
	c, rc := generate(t, 2)
	if ra != rb || ra == rc {
		t.Fatalf("receipts: same seed equal %v, other seed equal %v", ra == rb, ra == rc)
	}
	if a.Rows["audit_events"] != b.Rows["audit_events"] || a.Complaints != 60 || c.Complaints != 60 {
		t.Fatalf("rows: %v, %v", a.Rows, b.Rows)
	}
}

// A generated case's end stops its unmet clocks as the store does, so oversight never
// counts them met on time nor, after the end, missed; open cases have none stopped.
func TestClosedCasesStopTheirClocks(t *testing.T) {
	ctx := context.Background()
	res, _, db := generateIn(t, 3)
	stopped := 0
	for id := int64(1); id <= int64(res.Complaints); id++ {
		c, _, err := db.Complaint(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		clocks, err := db.Clocks(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range clocks {
			switch {
			case workflow.Open(c.Status) && !k.StoppedAt.IsZero():
				t.Errorf("%s (%s): clock %s stopped at %v", c.TrackingNumber, c.Status, k.Name, k.StoppedAt)
			case !workflow.Open(c.Status) && k.MetAt.IsZero() && k.StoppedAt.IsZero() && k.StartedAt.Before(c.StatusChangedAt):
				t.Errorf("%s (%s since %v): clock %s neither met nor stopped", c.TrackingNumber, c.Status, c.StatusChangedAt, k.Name)
			case !k.StoppedAt.IsZero():
				stopped++
				if !k.StoppedAt.Equal(c.StatusChangedAt) {
					t.Errorf("%s: clock %s stopped at %v, the case ended at %v", c.TrackingNumber, k.Name, k.StoppedAt, c.StatusChangedAt)
				}
			}
		}
	}
	if stopped == 0 {
		t.Fatal("no generated case ended with a clock unmet: the test shows nothing")
	}
	t.Logf("%d clocks stopped by their case's end", stopped)
}
