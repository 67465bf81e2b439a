package casework_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/workflow"
)

// TestTriageSetsAgreement: a complaint about Collier County (JEM, WSO and TFM in force)
// names no function, so filing ties no agreement. Triage sets one by hand, with a
// reason; the MOA's clocks start from when the complaint was received; correcting it to
// another model stops the clocks that model does not have and starts its own; clearing
// it says why none is tied. A wrong agreement or no reason changes nothing.
func TestTriageSetsAgreement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		row := func(n int, m redress.Model, signed string) redress.SheetRow {
			d, _ := redress.ParseDate(signed)
			return redress.SheetRow{Row: n, State: "TX", AgencyName: "Collier County Sheriff's Office", AgencyType: "County",
				County: "Collier County", Model: m, SignedRaw: signed, SignedOn: d, MOAListed: true}
		}
		if _, err := db.ApplySheet(ctx, redress.Sheet{FileName: "participatingAgencies07192025pm.xlsx", Kind: redress.SheetParticipating,
			AsOf: time.Date(2025, 7, 19, 12, 0, 0, 0, time.UTC), SHA256: "test-sheet-2",
			Rows: []redress.SheetRow{row(2, redress.ModelJEM, "2019-06-01"), row(3, redress.ModelWSO, "2020-02-01"), row(4, redress.ModelTFM, "2025-02-20")},
		}, redress.ActorSystem, ""); err != nil {
			t.Fatal(err)
		}
		agencies, err := db.ListAgencies(ctx, "TX", "Collier", 5)
		if err != nil || len(agencies) != 1 {
			t.Fatalf("Collier: %v %v", agencies, err)
		}
		collier := agencies[0]
		ags, err := db.AgreementsForAgency(ctx, collier.ID)
		if err != nil {
			t.Fatal(err)
		}
		byModel := map[redress.Model]int64{}
		for _, a := range ags {
			byModel[a.Model] = a.ID
		}
		harrisAgs, err := db.AgreementsForAgency(ctx, f.harris.ID)
		if err != nil {
			t.Fatal(err)
		}

		c := f.file(t, false)
		if err := f.cases.Triage(ctx, actor(f.supervisor), c, casework.TriageInput{AgencyID: collier.ID}, f.units); err != nil {
			t.Fatal(err)
		}
		c = f.load(t, c.ID)
		if c.AgreementID != 0 || c.Attribution != redress.AttributionSeveral {
			t.Fatalf("Collier without functions: agreement %d, attribution %q; want none, %q", c.AgreementID, c.Attribution, redress.AttributionSeveral)
		}
		clockNames := func() (running, met []string) {
			ks, err := db.Clocks(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range ks {
				if k.MetAt.IsZero() {
					running = append(running, k.Name)
				} else {
					met = append(met, k.Name)
				}
				if (k.Name == "notify_ice" || k.Name == "resolve_tfm") && !k.StartedAt.Equal(c.ReceivedAt) {
					t.Errorf("%s started %v; want the complaint's received time %v", k.Name, k.StartedAt, c.ReceivedAt)
				}
			}
			return running, met
		}
		if running, _ := clockNames(); slices.Contains(running, "notify_ice") {
			t.Fatalf("notify_ice runs without an agreement: %v", running)
		}

		events := f.count(t, redress.ActionTriaged)
		wantInvalid(t, f.cases.Triage(ctx, actor(f.supervisor), c, casework.TriageInput{AgreementID: byModel[redress.ModelJEM]}, f.units), "agreement_reason", "required")
		wantInvalid(t, f.cases.Triage(ctx, actor(f.supervisor), c, casework.TriageInput{AgreementID: harrisAgs[0].ID, AgreementReason: "r"}, f.units), "agreement_id", "not_agency_agreement")
		wantInvalid(t, f.cases.Triage(ctx, actor(f.supervisor), c, casework.TriageInput{AgreementID: 999999, AgreementReason: "r"}, f.units), "agreement_id", "not_agency_agreement")
		if n := f.count(t, redress.ActionTriaged); n != events || f.load(t, c.ID).AgreementID != 0 {
			t.Fatalf("a refused agreement changed the case (%d events, was %d)", n, events)
		}

		set := func(in casework.TriageInput) {
			t.Helper()
			if err := f.cases.Triage(ctx, actor(f.supervisor), f.load(t, c.ID), in, f.units); err != nil {
				t.Fatal(err)
			}
		}
		set(casework.TriageInput{AgreementID: byModel[redress.ModelJEM], AgreementReason: "The complainant was held in the jail on a detainer (called back)."})
		if got := f.load(t, c.ID); got.AgreementID != byModel[redress.ModelJEM] || got.Attribution != "" {
			t.Fatalf("after setting the JEM: agreement %d, attribution %q", got.AgreementID, got.Attribution)
		}
		if running, _ := clockNames(); !slices.Contains(running, "notify_ice") {
			t.Fatalf("setting a JEM did not start notify_ice: %v", running)
		}
		evs, err := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c.ID, Action: redress.ActionTriaged})
		if err != nil {
			t.Fatal(err)
		}
		last := evs[len(evs)-1]
		if last.AgreementID != byModel[redress.ModelJEM] || last.Details["agreement_reason"] == nil || last.Details["old"].(map[string]any)["agreement_id"] == nil {
			t.Errorf("triage event %+v; want the agreement, old and new values and the reason", last)
		}

		set(casework.TriageInput{AgreementID: byModel[redress.ModelTFM], AgreementReason: "It was a street arrest, not the jail."})
		running, _ := clockNames()
		if slices.Contains(running, "notify_ice") || !slices.Contains(running, "resolve_tfm") {
			t.Fatalf("JEM corrected to TFM: running %v; want resolve_tfm, not notify_ice", running)
		}

		set(casework.TriageInput{ClearAgreement: true, AgreementReason: "Not 287(g) conduct after all."})
		got := f.load(t, c.ID)
		if running, _ = clockNames(); got.AgreementID != 0 || got.Attribution != redress.AttributionCleared || slices.Contains(running, "resolve_tfm") {
			t.Fatalf("after clearing: agreement %d, attribution %q, running %v", got.AgreementID, got.Attribution, running)
		}
	})
}

// TestQueueDueSoonByClockRule: the queue's "due soon" filter and its row marker use the
// clock's own rule. An ICE notice (48 weekday hours) due Monday 17:00 is due soon on the
// Friday evening before (21 weekday hours left, though 69 on the wall clock), and not
// on the Thursday it started.
func TestQueueDueSoonByClockRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		c := f.file(t, false)
		if err := db.MeetClocks(ctx, c.ID, "acknowledge", "triage", "resolve"); err != nil {
			t.Fatal(err)
		}
		ny, _ := time.LoadLocation("America/New_York")
		thursday := time.Date(2026, 12, 3, 17, 0, 0, 0, ny)
		monday := time.Date(2026, 12, 7, 17, 0, 0, 0, ny)
		if err := db.Triage(ctx, store.TriageChange{ComplaintID: c.ID, Audit: redress.AuditEvent{Actor: "test", Action: redress.ActionTriaged},
			StartClocks: []redress.Clock{{Name: "notify_ice", StartedAt: thursday, DueAt: monday}}}); err != nil {
			t.Fatal(err)
		}
		search := func(now time.Time) (found bool, deadline string) {
			t.Helper()
			f.cases.Now, db.Now = func() time.Time { return now }, func() time.Time { return now }
			rows, _, err := f.cases.SearchQueue(ctx, actor(f.supervisor), casework.QueueSearch{Filter: redress.SearchFilter{ComplaintFilter: redress.ComplaintFilter{AllUnits: true}, DueSoon: true}})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if r.ID == c.ID {
					return true, r.Deadline
				}
			}
			return false, ""
		}
		if found, d := search(time.Date(2026, 12, 4, 20, 0, 0, 0, ny)); !found || d != redress.DeadlineDueSoon {
			t.Errorf("Friday evening: found %v, deadline %q; want due soon", found, d)
		}
		if found, _ := search(thursday.Add(5 * time.Minute)); found {
			t.Error("Thursday, 48 weekday hours left: listed as due soon")
		}
	})
}

// TestReportResultsMeetsTheJEMClock: a JEM case closed with results owes ICE a report
// within 30 days; recording it (the day and how) meets the clock, once. A future day, a
// day before the case ended, an unknown method, a second report, or a case that owes
// none are refused and change nothing.
func TestReportResultsMeetsTheJEMClock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		dup := f.file(t, true)
		f.mustStep(t, f.supervisor, dup.ID, casework.TransitionInput{Transition: workflow.CloseAdministratively, Reason: "r", Disposition: workflow.Duplicate})
		today := redress.DateOf(time.Now().In(f.cases.Deadlines.Loc())).String()
		if err := f.cases.ReportResults(ctx, actor(f.investigator), f.load(t, dup.ID), casework.ResultsInput{On: today, Method: "email"}); !errors.Is(err, redress.ErrNoResultsDue) {
			t.Fatalf("a duplicate owes no results: %v; want ErrNoResultsDue", err)
		}

		c := f.file(t, true)
		f.mustStep(t, f.supervisor, c.ID, casework.TransitionInput{Transition: workflow.CloseAdministratively, Reason: "Property returned.", Disposition: workflow.ResolvedInformally})
		c = f.load(t, c.ID)
		tomorrow := redress.DateOf(time.Now().In(f.cases.Deadlines.Loc()).AddDate(0, 0, 1)).String()
		for _, tc := range []struct {
			in          casework.ResultsInput
			field, rule string
		}{
			{casework.ResultsInput{Method: "email"}, "reported_on", "required"},
			{casework.ResultsInput{On: "last week", Method: "email"}, "reported_on", "date"},
			{casework.ResultsInput{On: tomorrow, Method: "email"}, "reported_on", "future"},
			{casework.ResultsInput{On: "2025-01-01", Method: "email"}, "reported_on", "before_closing"},
			{casework.ResultsInput{On: today, Method: "fax"}, "method", "one_of"},
		} {
			wantInvalid(t, f.cases.ReportResults(ctx, actor(f.investigator), c, tc.in), tc.field, tc.rule)
		}
		if n := f.count(t, redress.ActionResultsReported); n != 0 {
			t.Fatalf("%d results events after refusals", n)
		}
		if err := f.cases.ReportResults(ctx, actor(f.investigator), c, casework.ResultsInput{On: today, Method: "portal"}); err != nil {
			t.Fatal(err)
		}
		ks, err := db.Clocks(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var met bool
		for _, k := range ks {
			if k.Name == "report_results" {
				met = !k.MetAt.IsZero() && !k.MetAt.After(k.DueAt)
			}
		}
		st, err := db.CaseState(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !met || st.ResultsReportedOn.String() != today || st.ResultsReportedMethod != "portal" {
			t.Fatalf("after reporting: clock met in time %v, state %+v", met, st)
		}
		if err := f.cases.ReportResults(ctx, actor(f.supervisor), c, casework.ResultsInput{On: today, Method: "email"}); err == nil {
			t.Fatal("a second report was taken")
		}
		if n := f.count(t, redress.ActionResultsReported); n != 1 {
			t.Fatalf("%d results events; want 1", n)
		}
	})
}
