package seed

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/workflow"
)

// generator makes complaints one after another; it is not safe for concurrent use.
type generator struct {
	d     Deps
	opt   Options
	res   *Result
	rng   *rand.Rand
	now   time.Time
	start time.Time

	reg        *registryData
	staff      *staffData
	rules      []workflow.Rule
	cases      *casework.Service
	unitClocks map[string]deadline.Config
	ids        map[string]int64
	tracking   map[string]bool
	events     eventQueue
	// chain seals events as they are written, when the store allows it (nil: the
	// sealer seals them at the end); signed is the last seq a checkpoint signs.
	chain  *audit.Chain
	signed int64
}

// registryData is the registry as attribution reads it, loaded once.
type registryData struct {
	// agreements that are not pending, each once: picking one of them at random weighs
	// states and agencies by how many agreements they have.
	agreements []redress.Agreement
	byAgency   map[int64][]redress.Agreement
	listings   map[int64][]redress.Listing
	states     []string // states with an agreement, busiest first
	perState   map[string]int
}

func loadRegistry(ctx context.Context, db *store.DB) (*registryData, error) {
	ags, listings, err := db.AllAgreementListings(ctx)
	if err != nil {
		return nil, err
	}
	r := &registryData{byAgency: map[int64][]redress.Agreement{}, listings: listings, perState: map[string]int{}}
	for _, a := range ags {
		r.byAgency[a.AgencyID] = append(r.byAgency[a.AgencyID], a)
		if a.Status == redress.StatusPending || a.Agency == nil {
			continue
		}
		r.agreements = append(r.agreements, a)
		if r.perState[a.Agency.State] == 0 {
			r.states = append(r.states, a.Agency.State)
		}
		r.perState[a.Agency.State]++
	}
	if len(r.agreements) == 0 {
		return nil, fmt.Errorf("the registry holds no agreement to file complaints against: import ICE's sheets first (redress moa import)")
	}
	slices.SortStableFunc(r.states, func(a, b string) int { return r.perState[b] - r.perState[a] })
	return r, nil
}

// receivedAt is when complaint i of n arrives: oldest first, spread over the years
// with more each year than the one before (twice as many at the end as at the start).
func (g *generator) receivedAt(i int) time.Time {
	n := float64(g.opt.Complaints)
	f := (float64(i) + g.rng.Float64()) / n
	const growth = 1.0
	x := (math.Sqrt(1+2*growth*f*(1+growth/2)) - 1) / growth
	span := g.now.Sub(g.start)
	t := g.start.Add(time.Duration(x * float64(span)))
	if t.After(g.now) {
		t = g.now
	}
	return t.Truncate(time.Second)
}

// pickAgency chooses the agency, the agreement in force and the functions of a
// complaint about an incident on day: an agreement at random (most agencies complained
// about have one in force then; a few tries find one), functions its model allows, and
// the agreement filing would tie, by filing's own rule.
func (g *generator) pickAgency(c *store.SeedComplaint, day redress.Date) (redress.Model, []redress.Function) {
	var a redress.Agreement
	for range 6 {
		a = g.reg.agreements[g.rng.IntN(len(g.reg.agreements))]
		if a.On(g.reg.listings[a.ID], day).InForceOn(day) {
			break
		}
	}
	c.State = a.Agency.State
	if g.rng.Float64() < 0.08 {
		// The complainant did not know, or named an office the registry does not list.
		c.AgencyOther = pick(g.rng, unknownAgencies[c.Language])
		c.Attribution = redress.AttributionNoAgency
		return "", g.functions(a.Model)
	}
	id := a.AgencyID
	c.AgencyID, c.County = &id, a.Agency.County
	fns := g.functions(a.Model)
	ags := g.reg.byAgency[a.AgencyID]
	on := make([]redress.Agreement, len(ags))
	for i, x := range ags {
		on[i] = x.On(g.reg.listings[x.ID], day)
	}
	at := redress.AttributeAgreement(on, day, fns)
	c.Attribution = at.Reason
	if at.Agreement == nil {
		return "", fns
	}
	agr := at.Agreement.ID
	c.AgreementID = &agr
	return at.Agreement.Model, fns
}

// modelFunctions are the functions complainants name under each model, the usual ones
// first.
var modelFunctions = map[redress.Model][]redress.Function{
	redress.ModelJEM: {"detainer", "interview", "database_check", "custody_transfer", "notice_to_appear"},
	redress.ModelWSO: {"detainer", "warrant", "custody_transfer"},
	redress.ModelTFM: {"field_arrest", "interview", "database_check", "notice_to_appear", "warrant"},
}

// functions names 0 to 2 functions of model; a quarter of complainants name none, and
// some do not know.
func (g *generator) functions(model redress.Model) []redress.Function {
	switch p := g.rng.Float64(); {
	case p < 0.25:
		return nil
	case p < 0.32:
		return []redress.Function{"unknown"}
	}
	fs := modelFunctions[model]
	out := []redress.Function{fs[skewed(g.rng, len(fs))]}
	if g.rng.Float64() < 0.3 {
		if f := fs[g.rng.IntN(len(fs))]; f != out[0] {
			out = append(out, f)
		}
	}
	return out
}

// skewed picks an index below n, the low ones more often.
func skewed(rng *rand.Rand, n int) int {
	return int(float64(n) * rng.Float64() * rng.Float64())
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// weighted picks a key of ws with probability proportional to its weight.
func weighted[T comparable](rng *rand.Rand, ws []weight[T]) T {
	total := 0
	for _, w := range ws {
		total += w.n
	}
	r := rng.IntN(total)
	for _, w := range ws {
		if r < w.n {
			return w.v
		}
		r -= w.n
	}
	return ws[len(ws)-1].v
}

type weight[T any] struct {
	v T
	n int
}

// route gives the complaint its unit and priority as filing does: the routing rules,
// else the unit covering its agency or state.
func (g *generator) route(c *store.SeedComplaint, cats []redress.Category, fns []redress.Function, model redress.Model) {
	rc := redress.Complaint{State: c.State, Functions: fns, Custody: redress.Custody{InCustody: c.InCustody,
		DetainerIssued: c.DetainerIssued, HeldPastRelease: c.HeldPastRelease}}
	if c.AgencyID != nil {
		rc.AgencyID = *c.AgencyID
	}
	for _, cat := range cats {
		rc.Allegations = append(rc.Allegations, redress.Allegation{Category: cat})
	}
	c.Unit, c.Priority = workflow.Route(g.rules, rc, model)
	if c.Unit == "" {
		c.Unit = redress.UnitFor(g.staff.units, rc.AgencyID, c.State)
	}
}

// deadlines are the clock rules of a unit, read once.
func (g *generator) deadlines(ctx context.Context, unit string) (deadline.Config, error) {
	if cfg, ok := g.unitClocks[unit]; ok {
		return cfg, nil
	}
	cfg, err := g.cases.UnitDeadlines(ctx, unit)
	if err != nil {
		return cfg, err
	}
	g.unitClocks[unit] = cfg
	return cfg, nil
}

// nextID hands out the next id of table.
func (g *generator) nextID(table string) int64 {
	id := g.ids[table]
	g.ids[table] = id + 1
	return id
}
