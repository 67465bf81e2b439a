package oversight_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/oversight"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// warnFixture plants complaints of two agencies in two units ("tx": Harris, "fl":
// Collier) at chosen times before now.
type warnFixture struct {
	t               *testing.T
	db              *store.DB
	w               *oversight.Warnings
	now             time.Time
	harris, collier int64
	n               int
}

func newWarnFixture(t *testing.T, db *store.DB) *warnFixture {
	t.Helper()
	ctx := context.Background()
	if _, err := db.ApplySheet(ctx, redress.Sheet{
		FileName: "participatingAgencies07182025pm.xlsx", Kind: redress.SheetParticipating,
		AsOf: time.Date(2025, 7, 18, 12, 0, 0, 0, time.UTC), SHA256: "warn-test",
		Rows: []redress.SheetRow{
			{Row: 2, State: "TX", AgencyName: "Harris County Sheriff's Office", AgencyType: "County", Model: redress.ModelJEM, SignedRaw: "2020-01-10", MOAListed: true},
			{Row: 3, State: "FL", AgencyName: "Collier County Sheriff's Office", AgencyType: "County", Model: redress.ModelTFM, SignedRaw: "2025-02-20", MOAListed: true},
		},
	}, redress.ActorSystem, ""); err != nil {
		t.Fatal(err)
	}
	for _, u := range []redress.Unit{{Name: "tx", Title: "Texas", States: []string{"TX"}}, {Name: "fl", Title: "Florida", States: []string{"FL"}}} {
		if _, err := db.SaveUnit(ctx, redress.AuditEvent{Actor: "test", Action: redress.ActionUnitSaved}, u); err != nil {
			t.Fatal(err)
		}
	}
	f := &warnFixture{t: t, db: db, now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	for _, st := range []struct {
		state string
		id    *int64
	}{{"TX", &f.harris}, {"FL", &f.collier}} {
		as, err := db.ListAgencies(ctx, st.state, "", 10)
		if err != nil || len(as) != 1 {
			t.Fatalf("agencies of %s: %v %v", st.state, as, err)
		}
		*st.id = as[0].ID
	}
	f.w = &oversight.Warnings{DB: db, Now: func() time.Time { return f.now }}
	return f
}

// warnComplaint is one complaint to plant.
type warnComplaint struct {
	agency   int64
	unit     string
	age      time.Duration // before now
	officers string
	held     bool
	urgent   bool
}

func (f *warnFixture) file(c warnComplaint) redress.Complaint {
	f.t.Helper()
	f.n++
	yes := true
	at := f.now.Add(-c.age)
	f.db.Now = func() time.Time { return at }
	defer func() { f.db.Now = func() time.Time { return f.now } }()
	nc := store.NewComplaint{
		Complaint: redress.Complaint{
			TrackingNumber: fmt.Sprintf("RX-WARN-%04d", f.n), Language: "en", Channel: redress.ChannelWeb,
			IncidentDate: redress.DateOf(at), State: "TX", Unit: c.unit, AgencyID: c.agency, Officers: c.officers,
			Allegations: []redress.Allegation{{Category: "force"}}, Narrative: "n", Filer: "self", Anonymous: true,
		},
		ReceiptHash: redress.HashReceiptCode("AAAAA-BBBBB-CCCCC-DDDDD"),
		Audit:       redress.AuditEvent{Actor: redress.ActorPublic, Action: redress.ActionComplaintFiled},
	}
	if c.held {
		nc.Complaint.Custody = redress.Custody{HeldPastRelease: &yes}
	}
	if c.urgent {
		nc.Complaint.Priority = "urgent"
	}
	got, err := f.db.CreateComplaint(context.Background(), nc)
	if err != nil {
		f.t.Fatal(err)
	}
	return got
}

// close closes a complaint at age before now with its allegation's finding.
func (f *warnFixture) close(id int64, age time.Duration, finding string) {
	f.t.Helper()
	ctx := context.Background()
	if _, err := f.db.Bun().NewRaw("UPDATE complaints SET status = 'closed', closed_at = ? WHERE id = ?", f.now.Add(-age), id).Exec(ctx); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.db.Bun().NewRaw("UPDATE allegations SET finding = ? WHERE complaint_id = ?", finding, id).Exec(ctx); err != nil {
		f.t.Fatal(err)
	}
}

func (f *warnFixture) report(scope oversight.WarningScope) *oversight.WarningReport {
	f.t.Helper()
	r, err := f.w.Report(context.Background(), scope)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

var everyUnit = oversight.WarningScope{AllUnits: true, OfficersAll: true, OfficersAllowed: true}

func (f *warnFixture) save(changes map[string]int) {
	f.t.Helper()
	set, err := f.w.Settings(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	for k, v := range changes {
		set[k] = v
	}
	err = f.w.SaveSettings(context.Background(), casework.Actor{Subject: "user:9", RequestID: "req-w"},
		func(name string) string { return strconv.Itoa(set[name]) })
	if err != nil {
		f.t.Fatal(err)
	}
}

const warnDay = 24 * time.Hour

func TestWarningOfficers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newWarnFixture(t, db)
		// One officer written three ways, by badge: flagged at the threshold (3).
		for _, o := range []string{"Oficial Ruiz, placa 4471", "Deputy RUIZ #4471", "agente Ruíz (placa 04471)"} {
			f.file(warnComplaint{agency: f.harris, unit: "tx", age: 10 * warnDay, officers: o})
		}
		// Two in the window and one outside it: below the threshold.
		f.file(warnComplaint{agency: f.harris, unit: "tx", age: 20 * warnDay, officers: "Deputy J. Smith"})
		f.file(warnComplaint{agency: f.harris, unit: "tx", age: 30 * warnDay, officers: "Sgt. SMITH"})
		f.file(warnComplaint{agency: f.harris, unit: "tx", age: 400 * warnDay, officers: "Officer Smith"})
		// A Smith of another agency does not count for Harris.
		f.file(warnComplaint{agency: f.collier, unit: "fl", age: 5 * warnDay, officers: "Deputy Smith"})

		r := f.report(everyUnit)
		if len(r.Officers) != 1 || r.Officers[0].Key != "b:4471" || r.Officers[0].AgencyID != f.harris || len(r.Officers[0].Cases) != 3 {
			t.Fatalf("officer flags %+v, want only badge 4471 of Harris with 3 cases", r.Officers)
		}
		// A Smith named with a badge is that badge, not the surname; the third Smith
		// without one in the window reaches the threshold.
		f.file(warnComplaint{agency: f.harris, unit: "tx", age: 40 * warnDay, officers: "Officer Smith, badge 12"})
		if r = f.report(everyUnit); len(r.Officers) != 1 {
			t.Fatalf("a badge counted as a name: %+v", r.Officers)
		}
		f.file(warnComplaint{agency: f.harris, unit: "tx", age: 50 * warnDay, officers: "Officer SMITH"})
		r = f.report(everyUnit)
		keys := []string{}
		for _, o := range r.Officers {
			keys = append(keys, o.Key)
		}
		if !slices.Equal(keys, []string{"b:4471", "n:smith"}) {
			t.Fatalf("officer flags %v, want b:4471 and n:smith", keys)
		}
		// Raising the threshold to 4 takes effect at once.
		f.save(map[string]int{redress.WarnOfficerMin: 4})
		if r = f.report(everyUnit); len(r.Officers) != 0 {
			t.Fatalf("at 4, flags %+v", r.Officers)
		}
		f.save(map[string]int{redress.WarnOfficerMin: 3})
		// A supervisor of Florida sees no flag of Texas; a reader of no names sees none.
		if r = f.report(oversight.WarningScope{Units: []string{"fl"}, OfficersUnits: []string{"fl"}, OfficersAllowed: true}); len(r.Officers) != 0 {
			t.Fatalf("fl sees %+v", r.Officers)
		}
		if r = f.report(oversight.WarningScope{AllUnits: true}); r.OfficersShown || len(r.Officers) != 0 {
			t.Fatalf("without names: %+v", r.Officers)
		}
		// Triage moving a complaint to Florida takes its key along.
		c := f.file(warnComplaint{agency: f.harris, unit: "tx", age: warnDay, officers: "Deputy Lee"})
		f.file(warnComplaint{agency: f.collier, unit: "fl", age: warnDay, officers: "Deputy Lee"})
		f.file(warnComplaint{agency: f.collier, unit: "fl", age: warnDay, officers: "Deputy Lee"})
		if err := db.Triage(context.Background(), store.TriageChange{ComplaintID: c.ID, AgencyID: f.collier, Unit: "fl",
			Audit: redress.AuditEvent{Actor: "user:1", Action: redress.ActionTriaged}}); err != nil {
			t.Fatal(err)
		}
		r = f.report(oversight.WarningScope{Units: []string{"fl"}, OfficersUnits: []string{"fl"}, OfficersAllowed: true})
		if len(r.Officers) != 1 || r.Officers[0].Key != "n:lee" || r.Officers[0].AgencyID != f.collier {
			t.Fatalf("after triage, fl sees %+v", r.Officers)
		}
	})
}

func TestWarningAgencies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newWarnFixture(t, db)
		// Past 360 days, recent 90: the past's average per window is a quarter of it.
		// Doubling (100%) at 10 recent complaints: Harris 20 past (average 5) jumps
		// exactly at the threshold; Collier 21 past (average 5.25) does not.
		f.save(map[string]int{redress.WarnAgencyPastDays: 360, redress.WarnAgencyJumpPercent: 100})
		for i := range 10 {
			f.file(warnComplaint{agency: f.harris, unit: "tx", age: time.Duration(i+1) * warnDay})
			f.file(warnComplaint{agency: f.collier, unit: "fl", age: time.Duration(i+1) * warnDay})
		}
		for i := range 21 {
			if i < 20 {
				f.file(warnComplaint{agency: f.harris, unit: "tx", age: time.Duration(100+i*10) * warnDay})
			}
			f.file(warnComplaint{agency: f.collier, unit: "fl", age: time.Duration(100+i*10) * warnDay})
		}
		r := f.report(everyUnit)
		if len(r.Agencies) != 1 || r.Agencies[0].AgencyID != f.harris || !r.Agencies[0].CountJump || r.Agencies[0].SustainedJump ||
			r.Agencies[0].Recent != 10 || r.Agencies[0].Past != 20 || r.Agencies[0].PastAverage != 5 {
			t.Fatalf("agency flags %+v, want Harris's count only", r.Agencies)
		}
		// The minimum count: at 11 the 10 recent complaints no longer count.
		f.save(map[string]int{redress.WarnAgencyMin: 11})
		if r = f.report(everyUnit); len(r.Agencies) != 0 {
			t.Fatalf("below the minimum: %+v", r.Agencies)
		}
		// Florida's supervisor sees no flag of Harris.
		f.save(map[string]int{redress.WarnAgencyMin: 10})
		if r = f.report(oversight.WarningScope{Units: []string{"fl"}}); len(r.Agencies) != 0 {
			t.Fatalf("fl sees %+v", r.Agencies)
		}
	})
}

func TestWarningSustained(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newWarnFixture(t, db)
		// Complaints received long ago (outside the count's windows), closed recently or
		// in the past. Harris: 3 of 10 sustained recently, 1 of 10 before: +20 points.
		// Collier: 2 of 10 recently, 1 of 10 before: +10 points.
		plant := func(agency int64, unit string, recentSustained, pastSustained int) {
			for i := range 10 {
				c := f.file(warnComplaint{agency: agency, unit: unit, age: 900 * warnDay})
				finding := "not_sustained"
				if i < recentSustained {
					finding = "sustained"
				}
				f.close(c.ID, time.Duration(i+1)*warnDay, finding)
				c = f.file(warnComplaint{agency: agency, unit: unit, age: 900 * warnDay})
				finding = "unfounded"
				if i < pastSustained {
					finding = "sustained"
				}
				f.close(c.ID, time.Duration(100+i*10)*warnDay, finding)
			}
		}
		plant(f.harris, "tx", 3, 1)
		plant(f.collier, "fl", 2, 1)
		flagged := func() []int64 {
			var ids []int64
			for _, a := range f.report(everyUnit).Agencies {
				if a.SustainedJump {
					ids = append(ids, a.AgencyID)
				}
			}
			return ids
		}
		// 15 points (the default): Harris only. 10: both, Collier exactly at it.
		if got := flagged(); !slices.Equal(got, []int64{f.harris}) {
			t.Fatalf("sustained jumps %v, want Harris %d", got, f.harris)
		}
		f.save(map[string]int{redress.WarnSustainedPoints: 10})
		if got := flagged(); len(got) != 2 {
			t.Fatalf("at 10 points: %v, want both", got)
		}
		// Too few decisions: 11 needed, 10 made.
		f.save(map[string]int{redress.WarnSustainedMin: 11})
		if got := flagged(); len(got) != 0 {
			t.Fatalf("below the minimum of decisions: %v", got)
		}
	})
}

func TestWarningCustodyAndUrgent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newWarnFixture(t, db)
		at := f.file(warnComplaint{agency: f.harris, unit: "tx", age: 48 * time.Hour, held: true})
		f.file(warnComplaint{agency: f.harris, unit: "tx", age: 48*time.Hour - time.Minute, held: true})
		closed := f.file(warnComplaint{agency: f.harris, unit: "tx", age: 100 * time.Hour, held: true})
		f.close(closed.ID, time.Hour, "sustained")
		f.file(warnComplaint{agency: f.collier, unit: "fl", age: 100 * time.Hour, held: true})

		u := f.file(warnComplaint{agency: f.harris, unit: "tx", age: 24 * time.Hour, urgent: true})
		f.file(warnComplaint{agency: f.harris, unit: "tx", age: 24*time.Hour - time.Minute, urgent: true})
		f.file(warnComplaint{agency: f.harris, unit: "tx", age: 30 * time.Hour}) // not urgent
		assigned := f.file(warnComplaint{agency: f.harris, unit: "tx", age: 30 * time.Hour, urgent: true})
		if _, err := db.Bun().NewRaw("INSERT INTO users (email, name, created_at) VALUES ('a@example.org', 'A', ?)", f.now).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Bun().NewRaw("UPDATE complaints SET assignee_id = (SELECT MAX(id) FROM users) WHERE id = ?", assigned.ID).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}

		tx := oversight.WarningScope{Units: []string{"tx"}}
		r := f.report(tx)
		if r.Custody.Total != 1 || len(r.Custody.Cases) != 1 || r.Custody.Cases[0].ID != at.ID {
			t.Fatalf("custody %+v, want only %s", r.Custody, at.TrackingNumber)
		}
		if r.Urgent.Total != 1 || r.Urgent.Cases[0].ID != u.ID {
			t.Fatalf("urgent %+v, want only %s", r.Urgent, u.TrackingNumber)
		}
		if r = f.report(everyUnit); r.Custody.Total != 2 {
			t.Fatalf("every unit: custody %+v", r.Custody)
		}
		// One hour more and neither fires; one minute less and both second ones do.
		f.save(map[string]int{redress.WarnCustodyHours: 49, redress.WarnUrgentHours: 25})
		if r = f.report(tx); r.Custody.Total != 0 || r.Urgent.Total != 0 {
			t.Fatalf("raised thresholds: %+v %+v", r.Custody, r.Urgent)
		}
	})
}

func TestWarningSettingsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newWarnFixture(t, db)
		ctx := context.Background()
		err := f.w.SaveSettings(ctx, casework.Actor{Subject: "user:9"}, func(name string) string {
			if name == redress.WarnUrgentHours {
				return "-1"
			}
			return strconv.Itoa(redress.DefaultWarningSettings()[name])
		})
		if fe := redress.FieldsOf(err); len(fe) != 1 || fe[0].Field != redress.WarnUrgentHours {
			t.Fatalf("bad input: %v", err)
		}
		f.save(map[string]int{redress.WarnUrgentHours: 12})
		f.save(map[string]int{redress.WarnUrgentHours: 12}) // the same again: no event
		evs, _, err := db.SearchAudit(ctx, redress.AuditFilter{Action: redress.ActionWarningSettingsSaved, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].Actor != "user:9" || fmt.Sprint(evs[0].Details["old"]) != "map[urgent_hours:24]" ||
			fmt.Sprint(evs[0].Details["new"]) != "map[urgent_hours:12]" {
			t.Fatalf("events %+v", evs)
		}
		set, _ := f.w.Settings(ctx)
		if set[redress.WarnUrgentHours] != 12 || set[redress.WarnCustodyHours] != 48 {
			t.Fatalf("settings %v", set)
		}
	})
}
