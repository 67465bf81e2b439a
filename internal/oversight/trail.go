package oversight

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/workflow"
)

// The measures recomputed from the audit trail (docs/measures.md, "From the trail"):
// each complaint's facts, status, clocks, findings and referrals replayed from its
// events alone, its clocks by internal/deadline's Replay, then counted in Go by the
// same rules as the database's summary. Two references besides the trail: the
// registry's agreements (an agreement's model) and the allegations' categories (the
// trail names an allegation by id; its category is fixed when it is made).

// trailActions are the events the replay reads.
var trailActions = []string{redress.ActionComplaintFiled, redress.ActionTriaged, redress.ActionTransition,
	redress.ActionReferred, redress.ActionReferralAnswer, redress.ActionResultsReported}

// trailCase is one complaint as its events tell it.
type trailCase struct {
	facts      store.MeasureFacts
	categories []redress.Category
	functions  []string
	findings   map[int64]string // allegation id → finding
	referrals  map[int64]*trailReferral
	events     []deadline.Event
	// endings are the dispositions the case ended with, by when.
	endings map[time.Time]workflow.Disposition
}

type trailReferral struct {
	recipient      string
	sent, answered time.Time
}

// FromTrail recomputes Measures(f) from the audit trail. It reads every complaint's
// events, so it is a check, not a dashboard: seconds at a million complaints.
func (s *Service) FromTrail(ctx context.Context, f redress.MeasureFilter) (redress.Measures, error) {
	f, err := s.withPeriod(f)
	if err != nil {
		return redress.Measures{}, err
	}
	asOf := s.now()
	cases, err := s.replayTrail(ctx, asOf)
	if err != nil {
		return redress.Measures{}, err
	}
	cats, err := s.DB.AllegationCategories(ctx)
	if err != nil {
		return redress.Measures{}, err
	}
	var tallies []store.MeasureTally
	for _, c := range cases {
		if !c.matches(f) {
			continue
		}
		cfg, err := s.unitDeadlines(ctx, c.facts.Unit)
		if err != nil {
			return redress.Measures{}, err
		}
		c.facts.Clocks = c.clocks(cfg)
		c.facts.Allegations = map[redress.Category]string{}
		for _, cat := range c.categories {
			c.facts.Allegations[cat] = c.findingOf(cat, cats)
		}
		c.facts.Referrals = nil
		for _, ref := range c.referrals {
			c.facts.Referrals = append(c.facts.Referrals, store.ReferralFact{Recipient: ref.recipient, Sent: ref.sent, Answered: ref.answered})
		}
		r := store.MeasureRowOf(c.facts, s.Loc())
		tallies = append(tallies, store.RowTallies(&r, asOf)...)
	}
	return measuresOf(f, tallies, asOf), nil
}

// findingOf is the last finding the trail recorded on the complaint's allegation of
// category cat ("" for none).
func (c *trailCase) findingOf(cat redress.Category, cats map[int64]redress.Category) string {
	for id, finding := range c.findings {
		if cats[id] == cat {
			return finding
		}
	}
	return ""
}

// matches is the Go form of the store's filter (store.measureWhere).
func (c *trailCase) matches(f redress.MeasureFilter) bool {
	x := c.facts
	switch {
	case !f.AllUnits && !slices.Contains(f.Units, x.Unit),
		!f.From.IsZero() && x.ReceivedAt.Before(f.From),
		!f.To.IsZero() && !x.ReceivedAt.Before(f.To),
		f.State != "" && x.State != f.State,
		f.AgencyID != 0 && x.AgencyID != f.AgencyID,
		f.AgreementID != 0 && x.AgreementID != f.AgreementID,
		f.Model != "" && x.Model != f.Model,
		f.Unit != "" && x.Unit != f.Unit,
		f.Channel != "" && x.Channel != f.Channel,
		f.Language != "" && x.Language != f.Language,
		f.Priority != "" && x.Priority != f.Priority,
		f.Custody == redress.CustodyInCustody && !x.InCustody,
		f.Custody == redress.CustodyDetainer && !x.Detainer,
		f.Custody == redress.CustodyHeldPastRelease && !x.HPR,
		f.Category != "" && !slices.Contains(c.categories, f.Category),
		f.Function != "" && !slices.Contains(c.functions, string(f.Function)):
		return false
	}
	return true
}

// clocks replays the complaint's clocks from its events, as the store keeps them: a
// clock not met when the case ended stands stopped at the end (one the end itself
// started, results to report, runs on).
func (c *trailCase) clocks(cfg deadline.Config) []redress.Clock {
	var out []redress.Clock
	for _, t := range cfg.Replay(c.facts.Model, c.events) {
		if t.Clock.Start == deadline.EventResolved && len(t.Clock.Dispositions) > 0 &&
			!slices.Contains(t.Clock.Dispositions, c.endings[t.Started]) {
			// Replay starts it at any ending; the store only at the endings it follows
			// (deadline.Config.StartingAtResolution): results exist where a case was decided.
			continue
		}
		k := redress.Clock{ComplaintID: c.facts.ComplaintID, Name: t.Clock.Name, StartedAt: t.Started, DueAt: t.Due,
			MetAt: t.Met, PausedAt: t.PausedAt}
		if k.MetAt.IsZero() && !c.facts.ClosedAt.IsZero() && t.Started.Before(c.facts.ClosedAt) {
			k.StoppedAt = c.facts.ClosedAt
		}
		if !k.MetAt.IsZero() {
			k.PausedAt = time.Time{}
		}
		out = append(out, k)
	}
	return out
}

// replayTrail reads the trail into one trailCase per complaint.
func (s *Service) replayTrail(ctx context.Context, asOf time.Time) (map[int64]*trailCase, error) {
	models, err := s.DB.AgreementModels(ctx)
	if err != nil {
		return nil, err
	}
	cases := map[int64]*trailCase{}
	err = s.DB.EachComplaintEvent(ctx, trailActions, func(e store.TrailEvent) error {
		if e.OccurredAt.After(asOf) {
			return nil
		}
		if e.Action == redress.ActionComplaintFiled {
			cases[e.ComplaintID] = filed(e)
			return nil
		}
		c := cases[e.ComplaintID]
		if c == nil {
			return nil // its filing is not in the trail (not possible but for a damaged trail)
		}
		switch e.Action {
		case redress.ActionTriaged:
			c.triaged(e.Details)
		case redress.ActionTransition:
			c.transition(e)
		case redress.ActionReferred:
			id := num(e.Details["referral"])
			c.referrals[id] = &trailReferral{recipient: str(e.Details["recipient"]), sent: e.OccurredAt}
			if str(e.Details["recipient"]) == "ice_opr" {
				// A referral to ICE's OPR is how ICE is notified (casework.Refer).
				c.events = append(c.events, deadline.Event{Name: deadline.EventICENotified, At: e.OccurredAt})
			}
		case redress.ActionReferralAnswer:
			if r := c.referrals[num(e.Details["referral"])]; r != nil {
				r.answered = e.OccurredAt
			}
		case redress.ActionResultsReported:
			return s.resultsReported(ctx, c, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the trail: %w", err)
	}
	for _, c := range cases {
		c.facts.Model = models[c.facts.AgreementID]
		if workflow.Open(c.facts.Status) {
			c.facts.ClosedAt = time.Time{}
		}
	}
	return cases, nil
}

// filed starts a complaint's replay from its complaint.filed event.
func filed(e store.TrailEvent) *trailCase {
	d := e.Details
	c := &trailCase{findings: map[int64]string{}, referrals: map[int64]*trailReferral{},
		endings: map[time.Time]workflow.Disposition{}}
	c.facts = store.MeasureFacts{ComplaintID: e.ComplaintID, ReceivedAt: e.OccurredAt, State: str(d["state"]),
		AgencyID: e.AgencyID, AgreementID: e.AgreementID, Channel: str(d["channel"]), Language: str(d["language"]),
		Unit: str(d["unit"]), Priority: str(d["priority"]), Status: redress.StatusReceived}
	if c.facts.Priority == "" {
		c.facts.Priority = "normal"
	}
	for _, x := range list(d["categories"]) {
		c.categories = append(c.categories, redress.Category(x))
	}
	c.functions = list(d["functions"])
	for _, x := range list(d["custody"]) {
		switch x {
		case redress.CustodyInCustody:
			c.facts.InCustody = true
		case redress.CustodyDetainer:
			c.facts.Detainer = true
		case redress.CustodyHeldPastRelease:
			c.facts.HPR = true
		}
	}
	c.events = append(c.events, deadline.Event{Name: deadline.EventReceived, At: e.OccurredAt})
	if ch := redress.Channel(c.facts.Channel); ch == redress.ChannelWeb || ch == redress.ChannelAPI {
		// The web and the API give the filer a written receipt on the spot.
		c.events = append(c.events, deadline.Event{Name: deadline.EventAcknowledged, At: e.OccurredAt})
	}
	return c
}

// triaged applies a complaint.triaged event's new values and added categories.
func (c *trailCase) triaged(d map[string]any) {
	n, _ := d["new"].(map[string]any)
	if v, ok := n["agency_id"]; ok {
		c.facts.AgencyID = num(v)
	}
	if v, ok := n["agreement_id"]; ok {
		c.facts.AgreementID = num(v)
	}
	if v, ok := n["priority"]; ok {
		c.facts.Priority = str(v)
	}
	if v, ok := n["unit"]; ok {
		c.facts.Unit = str(v)
	}
	for _, x := range list(d["categories_added"]) {
		c.categories = append(c.categories, redress.Category(x))
	}
}

// transition applies a complaint.transition event: the status, the end, the clocks'
// event and the findings proposed.
func (c *trailCase) transition(e store.TrailEvent) {
	d := e.Details
	to := str(d["to"])
	c.facts.Status = to
	if to == redress.StatusClosed || to == redress.StatusWithdrawn {
		c.facts.ClosedAt = e.OccurredAt
		c.endings[e.OccurredAt] = workflow.Disposition(str(d["disposition"]))
	}
	if t := str(d["transition"]); t != "" {
		c.events = append(c.events, deadline.Event{Name: t, At: e.OccurredAt})
	}
	if fs, ok := d["findings"].(map[string]any); ok {
		for id, finding := range fs {
			n, _ := strconv.ParseInt(id, 10, 64)
			c.findings[n] = str(finding)
		}
	}
}

// resultsReported: the clock is met at the end of the day reported, or when recorded if
// that is sooner (casework.ReportResults), in the unit's zone.
func (s *Service) resultsReported(ctx context.Context, c *trailCase, e store.TrailEvent) error {
	at := e.OccurredAt
	if on, err := redress.ParseDate(str(e.Details["reported_on"])); err == nil {
		cfg, err := s.unitDeadlines(ctx, c.facts.Unit)
		if err != nil {
			return err
		}
		if end := time.Date(on.Year, on.Month, on.Day, 23, 59, 59, 0, cfg.Loc()); end.Before(at) {
			at = end
		}
	}
	c.events = append(c.events, deadline.Event{Name: deadline.EventResultsReported, At: at})
	return nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) int64 {
	switch x := v.(type) {
	case float64:
		return int64(x)
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

func list(v any) []string {
	xs, _ := v.([]any)
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		out = append(out, str(x))
	}
	return out
}
