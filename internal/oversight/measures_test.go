package oversight_test

import (
	"context"
	"errors"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/workflow"
)

// knownCases files and works the data set whose measures TestMeasures knows, over the
// second quarter of 2026 in New York (April 1 to July 1), measured on July 15 at noon.
// Federal holidays inside: Memorial Day (May 25), Juneteenth (Friday June 19), and
// Independence Day observed Friday July 3. docs/measures.md works the answers out.
func knownCases(f *fixture) {
	// H and I sit just outside the quarter, either side, by New York's clock (UTC says
	// otherwise for H: it is April 1, 03:30 there).
	f.file(complaint{when: "2026-03-31 23:30"}) // H
	f.file(complaint{when: "2026-07-01 00:30"}) // I

	// B: triaged the day it came, closed as a duplicate, reopened, referred out.
	b := f.file(complaint{when: "2026-04-01 09:00"})
	f.triage(b, "2026-04-01 15:00", casework.TriageInput{})
	f.step(b, "2026-04-11 09:00", casework.TransitionInput{Transition: workflow.CloseAdministratively, Reason: "same as another", Disposition: workflow.Duplicate})
	f.step(b, "2026-04-20 09:00", casework.TransitionInput{Transition: workflow.Reopen, Reason: "not the same after all"})
	f.step(b, "2026-04-21 09:00", casework.TransitionInput{Transition: workflow.StartReview})
	f.step(b, "2026-04-22 09:00", casework.TransitionInput{Transition: workflow.Refer})

	// D: the whole way: triage on the fifth business day, ICE told late through a
	// referral to OPR (answered in 60 hours), a week waiting on the complainant,
	// findings, results reported in time.
	d := f.file(complaint{when: "2026-04-06 08:00", function: "detainer"})
	f.triage(d, "2026-04-13 08:00", casework.TriageInput{Priority: workflow.PriorityUrgent})
	f.step(d, "2026-04-13 09:00", casework.TransitionInput{Transition: workflow.StartReview})
	opr := f.refer(d, "2026-04-14 08:00", "ice_opr")
	f.answer(d, opr, "2026-04-16 20:00")
	f.step(d, "2026-04-20 08:00", casework.TransitionInput{Transition: workflow.AskComplainant})
	f.step(d, "2026-04-27 08:00", casework.TransitionInput{Transition: workflow.ComplainantReplied})
	f.findings(d, "2026-05-04 08:00", "2026-05-05 08:00", map[redress.Category]workflow.Finding{
		"held_past_release": workflow.Sustained, "no_interpreter": workflow.NotSustained})
	f.reportResults(d, "2026-05-20 10:00", "2026-05-20")

	// C: filed the Friday before Memorial Day, triaged Tuesday, referred to DHS OIG (no
	// answer), withdrawn.
	c := f.file(complaint{when: "2026-05-22 12:00", cats: []redress.Category{"force"}})
	f.triage(c, "2026-05-26 12:00", casework.TriageInput{})
	f.refer(c, "2026-05-27 12:00", "dhs_oig")
	f.step(c, "2026-06-05 12:00", casework.TransitionInput{Transition: workflow.Withdraw, Reason: "asked by phone"})

	// F: closed at screening a day after it came, before ICE was due to be told.
	fc := f.file(complaint{when: "2026-06-02 10:00"})
	f.step(fc, "2026-06-03 10:00", casework.TransitionInput{Transition: workflow.CloseAdministratively, Reason: "not ours", Disposition: workflow.OutsideJurisdiction})

	// A: filed the day before Juneteenth by someone held, triaged the Monday after,
	// then waiting on the complainant (its resolve clock stands still).
	a := f.file(complaint{when: "2026-06-18 10:00", custody: true})
	f.triage(a, "2026-06-22 10:00", casework.TriageInput{})
	f.step(a, "2026-06-23 10:00", casework.TransitionInput{Transition: workflow.AskComplainant})

	// E: never triaged. G: Florida, no agency, in English, the quarter's last half hour.
	f.file(complaint{when: "2026-06-29 09:00"})
	f.file(complaint{when: "2026-06-30 23:30", state: "FL", lang: "en"})

	f.now = at("2026-07-15 12:00")
}

func durations(count int, median, p90, mean, max float64) redress.Durations {
	return redress.Durations{Count: count, Median: median, P90: p90, Mean: mean, Max: max}
}

func near(a, b redress.Durations) bool {
	eq := func(x, y float64) bool { return math.Abs(x-y) < 1e-9 }
	return a.Count == b.Count && eq(a.Median, b.Median) && eq(a.P90, b.P90) && eq(a.Mean, b.Mean) && eq(a.Max, b.Max)
}

func checkDurations(t *testing.T, what string, got, want redress.Durations) {
	t.Helper()
	if !near(got, want) {
		t.Errorf("%s = %+v; want %+v", what, got, want)
	}
}

func TestMeasures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		knownCases(f)
		all := redress.MeasureFilter{AllUnits: true}
		m, err := f.measures.Measures(ctx, all)
		if err != nil {
			t.Fatal(err)
		}
		if from, to := m.Filter.From, m.Filter.To; !from.Equal(at("2026-04-01 00:00")) || !to.Equal(at("2026-07-01 00:00")) {
			t.Errorf("default period [%s, %s); want 2026-Q2 in New York", from, to)
		}
		if m.Received != 7 || m.Open != 4 || m.Closed != 3 || m.WaitingOnOffice != 1 || m.WaitingOnComplainant != 1 {
			t.Errorf("received %d open %d closed %d waiting on office %d on complainant %d; want 7 4 3 1 1",
				m.Received, m.Open, m.Closed, m.WaitingOnOffice, m.WaitingOnComplainant)
		}
		// Everything was filed through the API: acknowledged on the spot.
		checkDurations(t, "acknowledge (calendar)", m.Acknowledge.Calendar, durations(7, 0, 0, 0, 0))
		checkDurations(t, "acknowledge (business)", m.Acknowledge.Business, durations(7, 0, 0, 0, 0))
		// Triage, hours: B 6, F 24 (closing meets it), A 96, C 96, D 168: an odd count.
		checkDurations(t, "triage (calendar)", m.Triage.Calendar, durations(5, 4, 5.8, 3.25, 7))
		// Business days: B 0, F 1, A 1 (Juneteenth off), C 1 (Memorial Day off), D 5.
		checkDurations(t, "triage (business)", m.Triage.Business, durations(5, 1, 3.4, 1.6, 5))
		// Close: F 1 day, C 14, D 29; B reopened counts open.
		checkDurations(t, "close (calendar)", m.Close.Calendar, durations(3, 14, 26, 1056.0/72, 29))
		checkDurations(t, "close (business)", m.Close.Business, durations(3, 9, 18.6, 31.0/3, 21))
		// Open: G 349 hours, E 387, A 650, B 2523: an even count.
		checkDurations(t, "open age", m.OpenAge, durations(4, 518.5/24, 1961.1/24, 3909.0/96, 2523.0/24))
		band := func(from, to, n int) redress.Band { return redress.Band{FromDays: from, ToDays: to, N: n} }
		wantBands := []redress.Band{band(0, 7, 1), band(7, 30, 2), band(30, 60, 0), band(60, 90, 0), band(90, 180, 0), band(180, 0, 0)}
		if !reflect.DeepEqual(m.CloseBands, wantBands) {
			t.Errorf("close bands %+v; want %+v", m.CloseBands, wantBands)
		}
		wantDeadlines := []redress.Compliance{
			{Clock: "acknowledge", OnTime: 7},
			{Clock: "triage", OnTime: 5, Overdue: 2},
			{Clock: "notify_ice", Late: 1, Overdue: 4, Stopped: 1},
			{Clock: "resolve", OnTime: 4, Running: 3},
			{Clock: "report_results", OnTime: 1},
			{Clock: "resolve_tfm"},
		}
		if !reflect.DeepEqual(m.Deadlines, wantDeadlines) {
			t.Errorf("deadlines\n got %+v\nwant %+v", m.Deadlines, wantDeadlines)
		}
		if share, ok := m.Deadlines[2].Share(); !ok || share != 0 {
			t.Errorf("notify_ice share %v %v; want 0 of 5 decided", share, ok)
		}
		if share, ok := m.Deadlines[1].Share(); !ok || math.Abs(share-5.0/7) > 1e-12 {
			t.Errorf("triage share %v %v; want 5/7", share, ok)
		}
		wantFindings := []redress.FindingCount{
			{Category: "held_past_release", Finding: "sustained", N: 1},
			{Category: "held_past_release", Finding: "", N: 5},
			{Category: "no_interpreter", Finding: "not_sustained", N: 1},
			{Category: "no_interpreter", Finding: "", N: 5},
			{Category: "force", Finding: "", N: 1},
		}
		if !reflect.DeepEqual(m.Findings, wantFindings) {
			t.Errorf("findings\n got %+v\nwant %+v", m.Findings, wantFindings)
		}
		if len(m.Referrals) != 2 || m.Referrals[0].Recipient != "ice_opr" || m.Referrals[0].Sent != 1 || m.Referrals[0].Answered != 1 ||
			!near(m.Referrals[0].Response, durations(1, 2.5, 2.5, 2.5, 2.5)) ||
			m.Referrals[1].Recipient != "dhs_oig" || m.Referrals[1].Sent != 1 || m.Referrals[1].Answered != 0 {
			t.Errorf("referrals %+v; want ice_opr answered in 2.5 days, dhs_oig unanswered", m.Referrals)
		}

		t.Run("Filters", func(t *testing.T) {
			for _, c := range []struct {
				name string
				f    redress.MeasureFilter
				want int
			}{
				{"State", redress.MeasureFilter{AllUnits: true, State: "fl"}, 1},
				{"Agency", redress.MeasureFilter{AllUnits: true, AgencyID: f.harris.ID}, 6},
				{"Agreement", redress.MeasureFilter{AllUnits: true, AgreementID: f.agree.ID}, 6},
				{"Model", redress.MeasureFilter{AllUnits: true, Model: redress.ModelJEM}, 6},
				{"ModelNone", redress.MeasureFilter{AllUnits: true, Model: redress.ModelTFM}, 0},
				{"Unit", redress.MeasureFilter{AllUnits: true, Unit: "fl"}, 1},
				{"Reach", redress.MeasureFilter{Units: []string{"tx"}}, 6},
				{"NoReach", redress.MeasureFilter{}, 0},
				{"Category", redress.MeasureFilter{AllUnits: true, Category: "force"}, 1},
				{"Function", redress.MeasureFilter{AllUnits: true, Function: "detainer"}, 1},
				{"Channel", redress.MeasureFilter{AllUnits: true, Channel: "api"}, 7},
				{"ChannelNone", redress.MeasureFilter{AllUnits: true, Channel: "phone"}, 0},
				{"Language", redress.MeasureFilter{AllUnits: true, Language: "en"}, 1},
				// D by triage; A (held now) and C (force) by the default routing rules.
				{"Priority", redress.MeasureFilter{AllUnits: true, Priority: workflow.PriorityUrgent}, 3},
				{"Custody", redress.MeasureFilter{AllUnits: true, Custody: redress.CustodyInCustody}, 1},
				{"Period", redress.MeasureFilter{AllUnits: true, From: at("2026-03-31 23:00"), To: at("2026-07-01 01:00")}, 9},
			} {
				t.Run(c.name, func(t *testing.T) {
					got, err := f.measures.Measures(ctx, c.f)
					if err != nil {
						t.Fatal(err)
					}
					if got.Received != c.want {
						t.Errorf("received %d; want %d", got.Received, c.want)
					}
					trail, err := f.measures.FromTrail(ctx, c.f)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(trail, got) {
						t.Errorf("from the trail\n%+v\nfrom the summary\n%+v", trail, got)
					}
				})
			}
		})

		t.Run("FromTrail", func(t *testing.T) {
			trail, err := f.measures.FromTrail(ctx, all)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(trail, m) {
				t.Errorf("from the trail\n%+v\nfrom the summary\n%+v", trail, m)
			}
		})

		t.Run("Breakdown", func(t *testing.T) {
			gs, err := f.measures.Breakdown(ctx, all, redress.ByAgreement)
			if err != nil {
				t.Fatal(err)
			}
			if len(gs) != 2 || gs[0].Label != "Harris County Sheriff's Office — JEM" || gs[0].Received != 6 ||
				gs[0].Filter.AgreementID != f.agree.ID || gs[1].Key != "0" || gs[1].Received != 1 {
				t.Errorf("by agreement: %+v", gs)
			}
			gs, err = f.measures.Breakdown(ctx, all, redress.ByState)
			if err != nil {
				t.Fatal(err)
			}
			if len(gs) != 2 || gs[0].Key != "TX" || gs[0].Label != "Texas" || gs[1].Label != "Florida" || gs[1].Closed != 0 {
				t.Errorf("by state: %+v", gs)
			}
			// A group's measures are the measures of its filter.
			one, err := f.measures.Measures(ctx, gs[0].Filter)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(one, gs[0].Measures) {
				t.Errorf("Texas as a group\n%+v\nalone\n%+v", gs[0].Measures, one)
			}
			// The dashboard's one read gives the same whole and the same groups.
			whole, groups, err := f.measures.Dashboard(ctx, all, redress.ByState)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(whole, m) || !reflect.DeepEqual(groups, gs) {
				t.Errorf("dashboard\n%+v\n%+v\nwant\n%+v\n%+v", whole, groups, m, gs)
			}
			if _, err := f.measures.Breakdown(ctx, all, "officer"); !isField(err, "by") {
				t.Errorf("breakdown by officer: %v; want a field error on by", err)
			}
		})

		t.Run("Trend", func(t *testing.T) {
			pts, err := f.measures.Trend(ctx, redress.MeasureFilter{AllUnits: true, From: at("2026-03-01 00:00"), To: at("2026-08-01 00:00")})
			if err != nil {
				t.Fatal(err)
			}
			want := []redress.MonthPoint{
				{Month: "2026-03", Received: 1},
				{Month: "2026-04", Received: 2},
				{Month: "2026-05", Received: 1, Closed: 1, CloseMedian: 29},
				{Month: "2026-06", Received: 4, Closed: 2, CloseMedian: 7.5},
				{Month: "2026-07", Received: 1},
			}
			if !reflect.DeepEqual(pts, want) {
				t.Errorf("trend\n got %+v\nwant %+v", pts, want)
			}
		})
	})
}

func isField(err error, field string) bool {
	var de *redress.Error
	return errors.As(err, &de) && de.Code == redress.EINVALID &&
		slices.ContainsFunc(de.Fields, func(e redress.FieldError) bool { return e.Field == field })
}

func TestBadFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		for _, c := range []struct {
			field string
			f     redress.MeasureFilter
		}{
			{"period", redress.MeasureFilter{From: at("2026-05-01 00:00"), To: at("2026-04-01 00:00")}},
			{"state", redress.MeasureFilter{State: "Texas"}},
			{"model", redress.MeasureFilter{Model: "ABC"}},
			{"category", redress.MeasureFilter{Category: "nope"}},
			{"custody", redress.MeasureFilter{Custody: "jailed"}},
			{"agency", redress.MeasureFilter{AgencyID: -1}},
		} {
			_, err := f.measures.Measures(ctx, c.f)
			if !isField(err, c.field) {
				t.Errorf("%+v: %v; want a field error on %s", c.f, err, c.field)
			}
			if _, err := f.measures.Trend(ctx, c.f); !isField(err, c.field) {
				t.Errorf("trend %+v: %v; want a field error on %s", c.f, err, c.field)
			}
			if _, err := f.measures.FromTrail(ctx, c.f); !isField(err, c.field) {
				t.Errorf("from trail %+v: %v; want a field error on %s", c.f, err, c.field)
			}
		}
	})
}

// The summary keeps a column per referral recipient and per category: a new one needs
// a migration (like 152) and its name in store's lists.
func TestMeasureColumnsCoverTheCodes(t *testing.T) {
	if !slices.Equal(store.MeasureRecipients, casework.ReferralRecipients) {
		t.Errorf("store.MeasureRecipients %v; casework.ReferralRecipients %v", store.MeasureRecipients, casework.ReferralRecipients)
	}
	for _, c := range redress.Categories {
		f := store.MeasureFacts{Allegations: map[redress.Category]string{c: string(workflow.Sustained)}}
		r := store.MeasureRowOf(f, nyc)
		ts := store.RowTallies(&r, at("2026-01-01 00:00"))
		if !slices.ContainsFunc(ts, func(x store.MeasureTally) bool {
			return x.Kind == store.TallyFinding && x.Label == string(c) && x.Sub == "sustained"
		}) {
			t.Errorf("category %s has no column in complaint_measures", c)
		}
	}
}
