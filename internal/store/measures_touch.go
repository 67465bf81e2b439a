package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// Which complaints' measure rows a write transaction must recompute, and the row a
// filing writes itself (measures_rows.go).

// touched collects, per open write transaction, the complaints whose measure rows it
// must recompute before it commits.
var touched sync.Map // *sql.Tx → *touchSet

type touchSet struct {
	mu  sync.Mutex
	ids map[int64]bool
	// written are complaints whose row the transaction wrote whole already (filing).
	written map[int64]bool
}

// readActions are audit actions that change nothing the measures read: their events do
// not make a complaint's row be recomputed (any other event about a complaint does).
var readActions = map[string]bool{
	redress.ActionComplaintViewed: true, redress.ActionIdentityViewed: true, redress.ActionComplaintSearched: true,
	redress.ActionEvidenceDownloaded: true, redress.ActionStatusChecked: true, redress.ActionMessagesRead: true,
	redress.ActionNoteAdded: true, redress.ActionMessageSent: true, redress.ActionEvidenceAdded: true,
	redress.ActionAssigned: true, redress.ActionDeadlineMissed: true,
}

// touchMeasures marks a complaint's measure row to recompute before tx commits. A
// write outside inTx (none should be) is not tracked.
func touchMeasures(tx bun.IDB, complaintID int64) {
	t, ok := tx.(bun.Tx)
	if !ok || complaintID == 0 {
		return
	}
	v, ok := touched.Load(t.Tx)
	if !ok {
		return
	}
	s := v.(*touchSet)
	s.mu.Lock()
	s.ids[complaintID] = true
	s.mu.Unlock()
}

// withMeasures runs fn in tx and then recomputes the measure rows of the complaints
// fn changed.
func (db *DB) withMeasures(ctx context.Context, tx bun.Tx, fn func() error) error {
	s := &touchSet{ids: map[int64]bool{}, written: map[int64]bool{}}
	touched.Store(tx.Tx, s)
	defer touched.Delete(tx.Tx)
	if err := fn(); err != nil {
		return err
	}
	if len(s.ids) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(s.ids))
	for id := range s.ids {
		if !s.written[id] {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return db.refreshMeasures(ctx, tx, ids)
}

// newMeasureRow writes a new complaint's row from what its filing knows (the filing
// path reads nothing it need not: TestFilingReadsNoRegistry), and marks it written, so
// the commit does not recompute it. Without the model of its agreement it is left to
// the commit's recomputation.
func (db *DB) newMeasureRow(ctx context.Context, tx bun.Tx, now time.Time, c redress.Complaint, nc NewComplaint) error {
	if c.AgreementID != 0 && nc.Model == "" {
		return nil
	}
	f := MeasureFacts{ComplaintID: c.ID, ReceivedAt: now, State: c.State, AgencyID: c.AgencyID, AgreementID: c.AgreementID,
		Model: nc.Model, Unit: c.Unit, Channel: string(c.Channel), Language: c.Language, Priority: c.Priority,
		InCustody: c.Custody.Says(redress.CustodyInCustody), Detainer: c.Custody.Says(redress.CustodyDetainer),
		HPR: c.Custody.Says(redress.CustodyHeldPastRelease), Status: c.Status,
		Allegations: map[redress.Category]string{}}
	for _, a := range c.Allegations {
		f.Allegations[a.Category] = ""
	}
	if f.Priority == "" {
		f.Priority = "normal"
	}
	seen := map[string]bool{}
	for _, k := range nc.Clocks {
		if seen[k.Name] {
			continue
		}
		seen[k.Name] = true
		k.StartedAt, k.DueAt = k.StartedAt.UTC(), k.DueAt.UTC()
		if slices.Contains(nc.MetClocks, k.Name) {
			k.MetAt = now
		}
		f.Clocks = append(f.Clocks, k)
	}
	row := MeasureRowOf(f, db.measureLoc())
	if _, err := tx.NewInsert().Model(&row).Returning("NULL").Exec(ctx); err != nil {
		return fmt.Errorf("measures: write row: %w", err)
	}
	if v, ok := touched.Load(tx.Tx); ok {
		s := v.(*touchSet)
		s.mu.Lock()
		s.written[c.ID] = true
		s.mu.Unlock()
	}
	return nil
}

// newClocksAndMeasures inserts a new complaint's clocks and its measure row.
func (db *DB) newClocksAndMeasures(ctx context.Context, tx bun.Tx, now time.Time, c redress.Complaint, nc NewComplaint) error {
	if err := insertNewClocks(ctx, tx, now, c.ID, nc.Clocks, nc.MetClocks); err != nil {
		return err
	}
	return db.newMeasureRow(ctx, tx, now, c, nc)
}
