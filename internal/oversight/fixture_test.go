package oversight_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/authz"
	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/intake"
	"github.com/redress-oversight/redress/internal/oversight"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/workflow"
)

// fixture is what serve builds, on one database, with a clock the test moves: a
// registry with one Texas agency under a JEM, units tx and fl, intake starting
// casework's clocks, an investigator and a supervisor of tx, and the oversight service.
type fixture struct {
	db       *store.DB
	cases    *casework.Service
	intake   *intake.Service
	measures *oversight.Service
	units    []redress.Unit
	harris   redress.Agency
	agree    redress.Agreement
	inv, sup redress.User
	now      time.Time
	// stale is checked after every step: the summary must match a recomputation.
	t *testing.T
}

var nyc = deadline.DefaultLocation

// at is a wall time in New York, the office's zone.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, nyc)
	if err != nil {
		panic(err)
	}
	return t
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	signed, _ := redress.ParseDate("2020-01-10")
	if _, err := db.ApplySheet(ctx, redress.Sheet{
		FileName: "participatingAgencies07182025pm.xlsx", Kind: redress.SheetParticipating,
		AsOf: time.Date(2025, 7, 18, 12, 0, 0, 0, time.UTC), SHA256: "test-sheet",
		Rows: []redress.SheetRow{{Row: 2, State: "TX", AgencyName: "Harris County Sheriff's Office", AgencyType: "County",
			County: "Harris County", Model: redress.ModelJEM, SignedRaw: "2020-01-10", SignedOn: signed, MOAListed: true}},
	}, redress.ActorSystem, ""); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	box, err := secret.New(bytes.Repeat([]byte{5}, 32))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, t: t}
	clock := func() time.Time { return f.now }
	db.Now = clock
	for _, u := range []redress.Unit{{Name: "tx", Title: "Texas", States: []string{"TX"}}, {Name: "fl", Title: "Florida", States: []string{"FL"}}} {
		saved, err := db.SaveUnit(ctx, redress.AuditEvent{Actor: "test"}, u)
		if err != nil {
			t.Fatal(err)
		}
		f.units = append(f.units, saved)
	}
	f.cases = &casework.Service{DB: db, Box: box, Catalog: cat, PublicURL: "https://redress.example",
		Deadlines: deadline.Defaults(), Now: clock}
	f.intake = &intake.Service{DB: db, Box: box, Languages: cat.Languages(), Casework: f.cases}
	f.measures = &oversight.Service{DB: db, Deadlines: deadline.Defaults(), UnitDeadlines: f.cases.UnitDeadlines, Now: clock}
	as, err := db.ListAgencies(ctx, "TX", "", 10)
	if err != nil || len(as) != 1 {
		t.Fatalf("agencies: %v %v", as, err)
	}
	f.harris = as[0]
	ags, err := db.AgreementsForAgency(ctx, f.harris.ID)
	if err != nil || len(ags) != 1 {
		t.Fatalf("agreements: %v %v", ags, err)
	}
	f.agree = ags[0]
	if f.cases.Authz, err = authz.New(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	staff := &auth.Service{DB: db, Box: box, Catalog: cat, PublicURL: "https://redress.example"}
	user := func(name string, role redress.Role) redress.User {
		u, _, err := staff.CreateUser(ctx, auth.Meta{Actor: "test"}, name+"@example.org", name)
		if err != nil {
			t.Fatal(err)
		}
		if err := staff.AddRole(ctx, auth.Meta{Actor: "test"}, u.ID, role, "tx"); err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.inv, f.sup = user("investigator", redress.RoleInvestigator), user("supervisor", redress.RoleSupervisor)
	if err := f.cases.Authz.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

// checkCurrent fails when a complaint's measure row differs from one worked out afresh:
// the write just made forgot the measures.
func (f *fixture) checkCurrent(what string) {
	f.t.Helper()
	stale, err := f.db.MeasureRowsStale(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	if len(stale) > 0 {
		f.t.Fatalf("after %s: measure rows of complaints %v are not current", what, stale)
	}
}

// complaint describes one complaint to file.
type complaint struct {
	when     string
	state    string // TX (Harris County) unless FL
	cats     []redress.Category
	lang     string
	custody  bool
	function redress.Function
}

func (f *fixture) file(c complaint) int64 {
	f.t.Helper()
	f.now = at(c.when)
	in := redress.ComplaintInput{Language: "es", IncidentDate: "2025-07-20", State: "TX", AgencyID: f.harris.ID,
		Categories: []redress.Category{"held_past_release", "no_interpreter"}, Filer: "self",
		Narrative: "Me detuvieron dos días después de pagar la fianza.", Anonymous: true}
	if c.state == "FL" {
		in.State, in.AgencyID = "FL", 0
	}
	if c.cats != nil {
		in.Categories = c.cats
	}
	if c.lang != "" {
		in.Language = c.lang
	}
	if c.custody {
		yes := true
		in.Custody.InCustody = &yes
	}
	if c.function != "" {
		in.Functions = []redress.Function{c.function}
	}
	filed, err := f.intake.FileComplaint(context.Background(), in,
		intake.Request{Actor: redress.ActorPublic, Today: redress.Date{Year: 2026, Month: 12, Day: 31}})
	if err != nil {
		f.t.Fatalf("file %s: %v", c.when, err)
	}
	f.checkCurrent("filing " + c.when)
	return filed.Complaint.ID
}

func (f *fixture) load(id int64) (redress.Complaint, []byte) {
	f.t.Helper()
	c, sealed, err := f.db.Complaint(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return c, sealed
}

func actor(u redress.User) casework.Actor {
	return casework.Actor{UserID: u.ID, Subject: fmt.Sprintf("user:%d", u.ID), RequestID: "req-test"}
}

// step makes one transition at when, by the supervisor unless by is given.
func (f *fixture) step(id int64, when string, in casework.TransitionInput, by ...redress.User) {
	f.t.Helper()
	f.now = at(when)
	u := f.sup
	if len(by) > 0 {
		u = by[0]
	}
	c, sealed := f.load(id)
	if _, err := f.cases.Transition(context.Background(), actor(u), c, sealed, in); err != nil {
		f.t.Fatalf("%s at %s: %v", in.Transition, when, err)
	}
	f.checkCurrent(string(in.Transition) + " " + when)
}

// triage saves triage fields and marks the case triaged at when.
func (f *fixture) triage(id int64, when string, in casework.TriageInput) {
	f.t.Helper()
	f.now = at(when)
	c, _ := f.load(id)
	in.MarkTriaged = true
	if err := f.cases.Triage(context.Background(), actor(f.sup), c, in, f.units); err != nil {
		f.t.Fatalf("triage at %s: %v", when, err)
	}
	f.checkCurrent("triage " + when)
}

// refer records a referral to recipient at when and returns its id.
func (f *fixture) refer(id int64, when, recipient string) int64 {
	f.t.Helper()
	f.now = at(when)
	c, sealed := f.load(id)
	refs, err := f.cases.Refer(context.Background(), actor(f.sup), c, sealed,
		casework.ReferralInput{Recipients: []string{recipient}, Method: "email", Shared: "the complaint", DueDays: 30})
	if err != nil || len(refs) != 1 {
		f.t.Fatalf("refer at %s: %v %v", when, refs, err)
	}
	f.checkCurrent("referral " + when)
	return refs[0].ID
}

func (f *fixture) answer(id, referral int64, when string) {
	f.t.Helper()
	f.now = at(when)
	c, _ := f.load(id)
	if err := f.cases.AnswerReferral(context.Background(), actor(f.sup), c, referral, "We looked into it.", "opened"); err != nil {
		f.t.Fatalf("answer at %s: %v", when, err)
	}
	f.checkCurrent("answer " + when)
}

func (f *fixture) reportResults(id int64, when, on string) {
	f.t.Helper()
	f.now = at(when)
	c, _ := f.load(id)
	if err := f.cases.ReportResults(context.Background(), actor(f.sup), c, casework.ResultsInput{On: on, Method: "email"}); err != nil {
		f.t.Fatalf("results at %s: %v", when, err)
	}
	f.checkCurrent("results " + when)
}

// findings proposes findings on every allegation (by category) and has them approved.
func (f *fixture) findings(id int64, proposeAt, approveAt string, by map[redress.Category]workflow.Finding) {
	f.t.Helper()
	c, _ := f.load(id)
	fs, reasons := map[int64]workflow.Finding{}, map[int64]string{}
	for _, a := range c.Allegations {
		fs[a.ID], reasons[a.ID] = by[a.Category], "what the record shows"
	}
	f.step(id, proposeAt, casework.TransitionInput{Transition: workflow.ProposeFindings, Findings: fs, Reasoning: reasons}, f.inv)
	f.step(id, approveAt, casework.TransitionInput{Transition: workflow.ApproveClose})
}
