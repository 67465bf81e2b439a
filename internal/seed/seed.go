// Package seed generates realistic complaints for benchmarks and demonstrations
// (`redress seed`): years of cases over the real registry, worked through the workflow
// with their messages, referrals, clocks and audit trail, written in bulk.
package seed

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/registry"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/store"
)

// Marker starts the request id of every audit event the generator writes. A complaint
// whose complaint.filed event does not carry it was filed for real, and the generator
// refuses to add to a database holding one unless forced.
const Marker = "seed-"

// Deps are what the generator writes with: the database, the box that seals identities,
// the clock rules, the accounts service (for the units and staff it may create) and the
// key the audit sealer signs checkpoints with.
type Deps struct {
	DB        *store.DB
	Box       *secret.Box
	Deadlines deadline.Config
	Accounts  *auth.Service
	AuditKey  *audit.Key
	// CheckpointEvery is the sealer's --audit-checkpoint-events.
	CheckpointEvery int64
	// Actor names the operator in the events of the units and accounts created.
	Actor string
}

// Options say what to generate.
type Options struct {
	Complaints int
	Years      int
	// Force adds to a database that holds complaints filed for real.
	Force bool
	// RandSeed makes the data the same on every run with the same options and registry.
	RandSeed uint64
	// Now is the end of the period (default time.Now()).
	Now time.Time
	// BatchSize is how many complaints one transaction writes (default 2000).
	BatchSize int
	// StaffPassword, when set, is the password of every account the generator creates.
	StaffPassword string
	// Progress is told how many complaints are written, and of how many.
	Progress func(done, total int)
	// Receipts, when set, receives "tracking_number,receipt_code" for every complaint.
	Receipts io.Writer
}

// Receipt is a tracking number and the receipt code that proves it.
type Receipt struct{ TrackingNumber, Code string }

// Result is what a run wrote.
type Result struct {
	Complaints int
	Rows       map[string]int // rows written per table
	Sealed     int            // audit events sealed at the end
	Samples    []Receipt      // a few receipts, to try the status page with
	Units      []string       // units created
	Accounts   []string       // staff accounts created (emails)
}

// ErrRealComplaints refuses to add generated complaints to a database that holds real
// ones.
func errRealComplaints(all, real int64) error {
	return redress.Errorf(redress.ECONFLICT,
		"The database holds %d complaints, %d of them not made by the generator; seed adds to it only with --force.", all, real)
}

// Run generates opt.Complaints complaints over the last opt.Years years, writes them,
// and seals the audit trail.
func Run(ctx context.Context, d Deps, opt Options) (Result, error) {
	res := Result{Rows: map[string]int{}}
	if opt.Complaints <= 0 || opt.Years <= 0 {
		return res, redress.Errorf(redress.EINVALID, "--complaints and --years must be more than 0.")
	}
	all, real, err := d.DB.ComplaintCount(ctx, Marker)
	if err != nil {
		return res, err
	}
	if real > 0 && !opt.Force {
		return res, errRealComplaints(all, real)
	}
	if _, err := registry.SeedIfEmpty(ctx, d.DB); err != nil {
		return res, fmt.Errorf("load ICE's sheets: %w", err)
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 2000
	}
	g, err := newGenerator(ctx, d, opt, &res)
	if err != nil {
		return res, err
	}
	if err := g.run(ctx); err != nil {
		return res, err
	}
	if err := d.DB.FinishSeed(ctx); err != nil {
		return res, err
	}
	n, err := sealer(d).Flush(ctx)
	if err != nil {
		return res, fmt.Errorf("seal the audit trail: %w", err)
	}
	res.Sealed += n
	return res, nil
}

func sealer(d Deps) *audit.Sealer {
	return audit.NewSealer(d.DB, d.AuditKey, audit.SealerConfig{BatchSize: 5000, CheckpointEvery: d.CheckpointEvery})
}

// startChain seals what waits to be sealed, so that the generated events follow the
// head, and continues the chain from there when the store takes sealed events.
func (g *generator) startChain(ctx context.Context) error {
	ok, err := g.d.DB.SealsOnWrite(ctx)
	if err != nil || !ok {
		return err
	}
	n, err := sealer(g.d).Flush(ctx)
	if err != nil {
		return fmt.Errorf("seal the audit trail: %w", err)
	}
	g.res.Sealed += n
	seq, hash, err := g.d.DB.AuditHead(ctx)
	if err != nil {
		return err
	}
	g.chain, g.signed = audit.NewChain(seq, hash), seq
	return nil
}

// newGenerator reads the registry, routing and staff, creating units and accounts
// when there are none, and sets the ids to start from.
func newGenerator(ctx context.Context, d Deps, opt Options, res *Result) (*generator, error) {
	g := &generator{d: d, opt: opt, res: res, now: opt.Now.UTC().Truncate(time.Second),
		cases:    &casework.Service{DB: d.DB, Deadlines: d.Deadlines},
		tracking: map[string]bool{}, unitClocks: map[string]deadline.Config{}}
	g.start = g.now.AddDate(-opt.Years, 0, 0)
	var err error
	if g.reg, err = loadRegistry(ctx, d.DB); err != nil {
		return nil, err
	}
	if g.staff, err = ensureStaff(ctx, d, g.reg, opt.StaffPassword, res); err != nil {
		return nil, err
	}
	if g.rules, err = d.DB.RoutingRules(ctx); err != nil {
		return nil, err
	}
	if err := g.startChain(ctx); err != nil {
		return nil, err
	}
	if g.ids, err = d.DB.SeedNextIDs(ctx); err != nil {
		return nil, err
	}
	// A second run on the same database makes other complaints than the first, and
	// never reuses a tracking number.
	first := uint64(g.ids["complaints"])
	g.rng = rand.New(rand.NewPCG(opt.RandSeed, opt.RandSeed^0x287287^first))
	if first > 1 {
		if err := d.DB.EachTrackingNumber(ctx, func(s string) { g.tracking[s] = true }); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// run generates the complaints oldest first in batches, handing each batch to a writer
// while the next one is made, and the audit events in the order they happened. On
// PostgreSQL two writers take batches at once (every row has its id already, so the
// order of their commits does not matter); SQLite has one writer at a time anyway.
func (g *generator) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *store.SeedRows, 2)
	writers := 1
	if g.d.DB.Dialect == store.PostgreSQL {
		writers = 2
	}
	var mu sync.Mutex
	var werr error
	done := 0
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for b := range batches {
				mu.Lock()
				failed := werr != nil
				mu.Unlock()
				if failed {
					continue
				}
				err := g.d.DB.WriteSeed(ctx, b)
				mu.Lock()
				if err != nil && werr == nil {
					werr = err
					cancel() // the generator stops too
				}
				done += len(b.Complaints)
				if err == nil && g.opt.Progress != nil {
					g.opt.Progress(done, g.opt.Complaints)
				}
				mu.Unlock()
			}
		})
	}
	err := g.generate(ctx, batches)
	close(batches)
	wg.Wait()
	if werr != nil {
		return werr
	}
	return err
}

func (g *generator) generate(ctx context.Context, batches chan<- *store.SeedRows) error {
	b := &store.SeedRows{}
	for i := range g.opt.Complaints {
		if err := ctx.Err(); err != nil {
			return err
		}
		received := g.receivedAt(i)
		k, err := g.newCase(ctx, received)
		if err != nil {
			return err
		}
		k.simulate()
		k.finish(b)
		if err := g.receipt(k); err != nil {
			return err
		}
		g.events.popUntil(received, g, b)
		if len(b.Complaints) >= g.opt.BatchSize {
			g.count(b)
			batches <- b
			b = &store.SeedRows{}
		}
	}
	g.events.popUntil(g.now.Add(365*24*time.Hour), g, b)
	if g.chain != nil {
		g.checkpoint(b)
	}
	g.count(b)
	batches <- b
	return nil
}

// count adds a batch's rows to the result.
func (g *generator) count(b *store.SeedRows) {
	g.res.Complaints += len(b.Complaints)
	for table, n := range map[string]int{"complaints": len(b.Complaints), "complaint_functions": len(b.Functions),
		"allegations": len(b.Allegations), "complaint_status_changes": len(b.StatusChanges),
		"complaint_clocks": len(b.Clocks), "messages": len(b.Messages), "notes": len(b.Notes),
		"referrals": len(b.Referrals), "audit_events": len(b.Audit)} {
		g.res.Rows[table] += n
	}
}

// receipt keeps a few receipts to show and writes every one where asked.
func (g *generator) receipt(k *kase) error {
	r := Receipt{TrackingNumber: k.c.TrackingNumber, Code: k.code}
	if len(g.res.Samples) < 5 || g.rng.IntN(g.opt.Complaints) < 5 && len(g.res.Samples) < 10 {
		g.res.Samples = append(g.res.Samples, r)
	}
	if g.opt.Receipts == nil {
		return nil
	}
	_, err := fmt.Fprintf(g.opt.Receipts, "%s,%s\n", r.TrackingNumber, r.Code)
	return err
}
