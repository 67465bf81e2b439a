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
	"github.com/redress-oversight/redress/internal/store/storetest"
)

func generate(t *testing.T, randSeed uint64) (seed.Result, string) {
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
	return res, receipts.String()
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
