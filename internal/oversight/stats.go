package oversight

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/workflow"
)

// freq is a value → count table: the database's answer, from which the exact median,
// 90th percentile, mean and maximum follow without a row per complaint.
type freq map[int64]int64

// durations sums a table up, each value divided by per (24 for hours as days, 1 for
// days). Median and P90 interpolate between the two nearest ranks as PostgreSQL's
// percentile_cont does: the value at rank p·(n−1), counting from 0.
func durations(f freq, per float64) redress.Durations {
	var n, sum int64
	keys := make([]int64, 0, len(f))
	for v, c := range f {
		if c > 0 {
			keys = append(keys, v)
			n += c
			sum += v * c
		}
	}
	if n == 0 {
		return redress.Durations{}
	}
	slices.Sort(keys)
	// at is the value of rank r (0-based) in the sorted values.
	at := func(r int64) float64 {
		var seen int64
		for _, v := range keys {
			seen += f[v]
			if r < seen {
				return float64(v)
			}
		}
		return float64(keys[len(keys)-1])
	}
	pct := func(p float64) float64 {
		pos := p * float64(n-1)
		lo := math.Floor(pos)
		a := at(int64(lo))
		if frac := pos - lo; frac > 0 {
			return (a + frac*(at(int64(lo)+1)-a)) / per
		}
		return a / per
	}
	return redress.Durations{
		Count:  int(n),
		Median: pct(0.5),
		P90:    pct(0.9),
		Mean:   float64(sum) / float64(n) / per,
		Max:    float64(keys[len(keys)-1]) / per,
	}
}

// CloseBandEdges are the edges, in calendar days, of the distribution of times to close.
var CloseBandEdges = []int{0, 7, 30, 60, 90, 180}

func bands(hours freq) []redress.Band {
	out := make([]redress.Band, len(CloseBandEdges))
	for i, from := range CloseBandEdges {
		out[i].FromDays = from
		if i+1 < len(CloseBandEdges) {
			out[i].ToDays = CloseBandEdges[i+1]
		}
	}
	for h, n := range hours {
		days := int(h / 24)
		i := sort.Search(len(CloseBandEdges), func(i int) bool { return CloseBandEdges[i] > days }) - 1
		out[max(i, 0)].N += int(n)
	}
	return out
}

// groupTally is what the tallies of one group add up to.
type groupTally struct {
	stage                                            map[int64]int64
	ackH, ackD, triH, triD, closeH, closeD, openHour freq
	clocks                                           map[string]freq
	findings                                         map[[2]string]int64
	referrals                                        map[string]freq
}

func newGroupTally() *groupTally {
	return &groupTally{stage: map[int64]int64{}, ackH: freq{}, ackD: freq{}, triH: freq{}, triD: freq{},
		closeH: freq{}, closeD: freq{}, openHour: freq{}, clocks: map[string]freq{},
		findings: map[[2]string]int64{}, referrals: map[string]freq{}}
}

// assemble works the measures of each group out of the store's tallies, as of asOf.
func assemble(f redress.MeasureFilter, tallies []store.MeasureTally, asOf time.Time) map[string]*redress.Measures {
	groups := map[string]*groupTally{}
	for _, t := range tallies {
		g := groups[t.Group]
		if g == nil {
			g = newGroupTally()
			groups[t.Group] = g
		}
		switch t.Kind {
		case store.TallyStage:
			g.stage[t.Value] += t.N
		case store.TallyAckHours:
			g.ackH[t.Value] += t.N
		case store.TallyAckDays:
			g.ackD[t.Value] += t.N
		case store.TallyTriageHours:
			g.triH[t.Value] += t.N
		case store.TallyTriageDays:
			g.triD[t.Value] += t.N
		case store.TallyCloseHours:
			g.closeH[t.Value] += t.N
		case store.TallyCloseDays:
			g.closeD[t.Value] += t.N
		case store.TallyOpenHour:
			g.openHour[t.Value] += t.N
		case store.TallyClock:
			if g.clocks[t.Label] == nil {
				g.clocks[t.Label] = freq{}
			}
			g.clocks[t.Label][t.Value] += t.N
		case store.TallyFinding:
			g.findings[[2]string{t.Label, t.Sub}] += t.N
		case store.TallyReferral:
			if g.referrals[t.Label] == nil {
				g.referrals[t.Label] = freq{}
			}
			g.referrals[t.Label][t.Value] += t.N
		}
	}
	out := map[string]*redress.Measures{}
	for key, g := range groups {
		m := g.measures(asOf)
		m.Filter = f
		out[key] = &m
	}
	return out
}

func (g *groupTally) measures(asOf time.Time) redress.Measures {
	m := redress.Measures{AsOf: asOf}
	for stage, n := range g.stage {
		m.Received += int(n)
		switch stage {
		case store.StageClosed:
			m.Closed += int(n)
		case store.StageWaitingOnOffice:
			m.WaitingOnOffice += int(n)
		case store.StageWaitingOnComplainant:
			m.WaitingOnComplainant += int(n)
		}
	}
	m.Open = m.Received - m.Closed
	m.Acknowledge = redress.Elapsed{Calendar: durations(g.ackH, 24), Business: durations(g.ackD, 1)}
	m.Triage = redress.Elapsed{Calendar: durations(g.triH, 24), Business: durations(g.triD, 1)}
	m.Close = redress.Elapsed{Calendar: durations(g.closeH, 24), Business: durations(g.closeD, 1)}
	m.CloseBands = bands(g.closeH)
	// Open age: whole hours from the hour of receipt to the hour of asOf.
	now := asOf.Unix() / 3600
	age := freq{}
	for h, n := range g.openHour {
		age[max(now-h, 0)] += n
	}
	m.OpenAge = durations(age, 24)
	for _, name := range store.MeasureClocks {
		c := redress.Compliance{Clock: name}
		for outcome, n := range g.clocks[name] {
			switch outcome {
			case store.OutcomeOnTime:
				c.OnTime += int(n)
			case store.OutcomeLate:
				c.Late += int(n)
			case store.OutcomeRunning:
				c.Running += int(n)
			case store.OutcomeStopped:
				c.Stopped += int(n)
			case store.OutcomeMissed:
				c.Overdue += int(n)
			}
		}
		m.Deadlines = append(m.Deadlines, c)
	}
	for k, n := range g.findings {
		m.Findings = append(m.Findings, redress.FindingCount{Category: redress.Category(k[0]), Finding: k[1], N: int(n)})
	}
	slices.SortFunc(m.Findings, func(a, b redress.FindingCount) int {
		if c := cmpIndex(redress.Categories, a.Category, b.Category); c != 0 {
			return c
		}
		return cmpIndex(findingOrder, a.Finding, b.Finding)
	})
	for r, hours := range g.referrals {
		rm := redress.ReferralMeasure{Recipient: r}
		answered := freq{}
		for h, n := range hours {
			rm.Sent += int(n)
			if h >= 0 {
				rm.Answered += int(n)
				answered[h] += n
			}
		}
		rm.Response = durations(answered, 24)
		m.Referrals = append(m.Referrals, rm)
	}
	slices.SortFunc(m.Referrals, func(a, b redress.ReferralMeasure) int {
		return cmpIndex(casework.ReferralRecipients, a.Recipient, b.Recipient)
	})
	return m
}

// findingOrder: the workflow's findings, then "" (none yet) last.
var findingOrder = func() []string {
	var out []string
	for _, f := range workflow.Findings {
		out = append(out, string(f))
	}
	return append(out, "")
}()

// cmpIndex orders a and b by their place in list (unknown ones last, by value).
func cmpIndex[T ~string](list []T, a, b T) int {
	ia, ib := slices.Index(list, a), slices.Index(list, b)
	if ia < 0 {
		ia = len(list)
	}
	if ib < 0 {
		ib = len(list)
	}
	if ia != ib {
		return ia - ib
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
