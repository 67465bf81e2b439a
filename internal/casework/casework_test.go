package casework_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/authz"
	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/intake"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/workflow"
)

type fixture struct {
	db     *store.DB
	cases  *casework.Service
	intake *intake.Service
	units  []redress.Unit // tx (Texas) and fl (Florida)
	harris redress.Agency // TX, one JEM agreement signed 2020
	// investigator proposes findings; supervisor approves them. Both work in tx.
	investigator, supervisor redress.User
	staff                    *auth.Service
}

// newFixture builds what serve builds, on db: a registry with one Texas agency, units
// tx and fl, intake starting casework's clocks, and two staff accounts with their roles
// in tx.
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
	f := &fixture{db: db}
	for _, u := range []redress.Unit{{Name: "tx", Title: "Texas", States: []string{"TX"}}, {Name: "fl", Title: "Florida", States: []string{"FL"}}} {
		saved, err := db.SaveUnit(ctx, redress.AuditEvent{Actor: "test"}, u)
		if err != nil {
			t.Fatal(err)
		}
		f.units = append(f.units, saved)
	}
	f.cases = &casework.Service{DB: db, Box: box, Catalog: cat, PublicURL: "https://redress.example", Deadlines: deadline.Defaults()}
	f.intake = &intake.Service{DB: db, Box: box, Languages: cat.Languages(), Casework: f.cases}
	as, err := db.ListAgencies(ctx, "TX", "", 10)
	if err != nil || len(as) != 1 {
		t.Fatalf("agencies: %v %v", as, err)
	}
	f.harris = as[0]
	if f.cases.Authz, err = authz.New(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	f.staff = &auth.Service{DB: db, Box: box, Catalog: cat, PublicURL: "https://redress.example"}
	f.investigator = f.user(t, "investigator", redress.RoleInvestigator, "tx")
	f.supervisor = f.user(t, "supervisor", redress.RoleSupervisor, "tx")
	return f
}

// user makes an account holding role in unit, which counts from the next request.
func (f *fixture) user(t *testing.T, name string, role redress.Role, unit string) redress.User {
	t.Helper()
	ctx := context.Background()
	u, _, err := f.staff.CreateUser(ctx, auth.Meta{Actor: "test"}, name+"@example.org", name)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.staff.AddRole(ctx, auth.Meta{Actor: "test"}, u.ID, role, unit); err != nil {
		t.Fatal(err)
	}
	if err := f.cases.Authz.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	return u
}

// file files a complaint in Texas, about Harris County unless agency is false, with an
// email address and consent to share identity with DHS OIG only.
func (f *fixture) file(t *testing.T, agency bool) redress.Complaint {
	t.Helper()
	in := redress.ComplaintInput{Language: "es", IncidentDate: "2025-07-20", State: "TX",
		Categories: []redress.Category{"held_past_release", "no_interpreter"}, Filer: "self",
		Narrative: "Me detuvieron dos días después de pagar la fianza.",
		Contact:   redress.Contact{Name: "Ana", Email: "ana@example.org"}, Consent: []redress.Recipient{"dhs_oig"}}
	if agency {
		in.AgencyID = f.harris.ID
	}
	filed, err := f.intake.FileComplaint(context.Background(), in,
		intake.Request{Actor: redress.ActorPublic, Today: redress.Date{Year: 2025, Month: 8, Day: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return f.load(t, filed.Complaint.ID)
}

func (f *fixture) load(t *testing.T, id int64) redress.Complaint {
	t.Helper()
	c, _, err := f.db.Complaint(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// step reads the case as it is now and asks for one transition, as the case page does.
func (f *fixture) step(t *testing.T, by redress.User, id int64, in casework.TransitionInput) (string, error) {
	t.Helper()
	c, sealed, err := f.db.Complaint(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return f.cases.Transition(context.Background(), actor(by), c, sealed, in)
}

func (f *fixture) mustStep(t *testing.T, by redress.User, id int64, in casework.TransitionInput) {
	t.Helper()
	if _, err := f.step(t, by, id, in); err != nil {
		t.Fatalf("%s: %v", in.Transition, err)
	}
}

func (f *fixture) count(t *testing.T, action string) int64 {
	t.Helper()
	n, err := f.db.CountAudit(context.Background(), action)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func actor(u redress.User) casework.Actor {
	return casework.Actor{UserID: u.ID, Subject: fmt.Sprintf("user:%d", u.ID), RequestID: "req-test"}
}

// wantInvalid fails unless err is EINVALID naming field with rule.
func wantInvalid(t *testing.T, err error, field, rule string) {
	t.Helper()
	var de *redress.Error
	if !errors.As(err, &de) || de.Code != redress.EINVALID {
		t.Fatalf("err = %v; want EINVALID", err)
	}
	if !slices.ContainsFunc(de.Fields, func(e redress.FieldError) bool { return e.Field == field && e.Rule == rule }) {
		t.Errorf("fields = %+v; want %s %s", de.Fields, field, rule)
	}
}

func TestTriage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		c := f.file(t, false)
		other := f.file(t, true)
		clocksBefore, err := db.Clocks(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}

		t.Run("Refused", func(t *testing.T) {
			for _, r := range []struct {
				name, field, rule string
				in                casework.TriageInput
			}{
				{"Priority", "priority", "one_of", casework.TriageInput{Priority: "asap"}},
				{"Unit", "unit", "unknown_unit", casework.TriageInput{Unit: "nowhere"}},
				{"Category", "categories", "unknown_code", casework.TriageInput{Categories: []redress.Category{"deportation"}}},
				{"Agency", "agency_id", "unknown_agency", casework.TriageInput{AgencyID: 999999}},
				{"UnknownNumber", "duplicate", "unknown_tracking", casework.TriageInput{Duplicates: []string{"RX-0000-0000"}, LinkAnyUnit: true}},
				// A complaint of a unit the caller cannot see is answered as one that
				// does not exist.
				{"OtherUnitsNumber", "related", "unknown_tracking", casework.TriageInput{Related: []string{other.TrackingNumber}, LinkUnits: []string{"fl"}}},
			} {
				t.Run(r.name, func(t *testing.T) {
					wantInvalid(t, f.cases.Triage(ctx, actor(f.supervisor), c, r.in, f.units), r.field, r.rule)
				})
			}
			if n := f.count(t, redress.ActionTriaged); n != 0 {
				t.Errorf("%d triage events after refusals; want 0", n)
			}
			if got := f.load(t, c.ID); got.Priority != c.Priority || got.AgencyID != 0 || len(got.Allegations) != 2 {
				t.Errorf("a refused triage changed the case: %+v", got)
			}
		})

		t.Run("OK", func(t *testing.T) {
			err := f.cases.Triage(ctx, actor(f.supervisor), c, casework.TriageInput{
				Priority: workflow.PriorityUrgent, Unit: "tx", AgencyID: f.harris.ID,
				Categories: []redress.Category{"force"}, Related: []string{other.TrackingNumber}, LinkUnits: []string{"tx"},
			}, f.units)
			if err != nil {
				t.Fatal(err)
			}
			got := f.load(t, c.ID)
			if got.Priority != workflow.PriorityUrgent || got.Unit != "tx" || got.AgencyID != f.harris.ID || len(got.Allegations) != 3 {
				t.Errorf("after triage: %+v", got)
			}
			// The agency named at triage brings its agreement, and the agreement's
			// model its clocks (JEM: notify ICE within 48 weekday hours).
			if got.AgreementID == 0 {
				t.Error("triage naming the agency did not attribute its agreement")
			}
			clocks, err := db.Clocks(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(clocks) <= len(clocksBefore) {
				t.Errorf("clocks %d before triage, %d after; the agreement's model should start its own", len(clocksBefore), len(clocks))
			}
			st, err := db.CaseState(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Links) != 1 || st.Links[0].OtherID != other.ID || st.Links[0].Kind != "related" {
				t.Errorf("links = %+v", st.Links)
			}
			if n := f.count(t, redress.ActionTriaged); n != 1 {
				t.Errorf("%d triage events; want 1", n)
			}
		})
	})
}

func TestAssign(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a, b, ended := f.file(t, true), f.file(t, true), f.file(t, true)
		f.mustStep(t, f.supervisor, ended.ID, casework.TransitionInput{Transition: workflow.Withdraw, Reason: "asked to"})
		ended = f.load(t, ended.ID)
		mailBefore, err := db.ListOutbox(ctx, store.OutboxFilter{})
		if err != nil {
			t.Fatal(err)
		}

		wantInvalid(t, f.cases.Assign(ctx, actor(f.supervisor), nil, f.investigator.ID, "en"), "complaints", "required_one")
		// All or none: one ended case in the batch refuses the batch.
		err = f.cases.Assign(ctx, actor(f.supervisor), []redress.Complaint{a, ended}, f.investigator.ID, "en")
		if redress.ErrorCode(err) != redress.ECONFLICT {
			t.Fatalf("assigning an ended case: %v; want ECONFLICT", err)
		}
		if f.load(t, a.ID).AssigneeID != 0 {
			t.Error("a refused batch assigned its open case")
		}

		if err := f.cases.Assign(ctx, actor(f.supervisor), []redress.Complaint{a, b}, f.investigator.ID, "en"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []redress.Complaint{a, b} {
			if got := f.load(t, c.ID).AssigneeID; got != f.investigator.ID {
				t.Errorf("%s assigned to %d; want %d", c.TrackingNumber, got, f.investigator.ID)
			}
		}
		if n := f.count(t, redress.ActionAssigned); n != 2 {
			t.Errorf("%d assignment events; want one per complaint", n)
		}
		mailAfter, err := db.ListOutbox(ctx, store.OutboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(mailAfter) != len(mailBefore)+1 || mailAfter[len(mailAfter)-1].Kind != casework.MailAssigned {
			t.Errorf("outbox %+v; want one assignment email more than %d", mailAfter, len(mailBefore))
		}
	})
}

// TestTransition walks the state machine through the service: each case files a new
// complaint, takes the steps before the last, and checks the last.
func TestTransition(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tr := func(t workflow.Transition, reason string) casework.TransitionInput {
			return casework.TransitionInput{Transition: t, Reason: reason}
		}
		for _, c := range []struct {
			name    string
			before  []casework.TransitionInput
			last    casework.TransitionInput
			want    string // status after the last step, or the error code
			refused bool
		}{
			{"Triage", nil, tr(workflow.Triage, ""), workflow.StatusTriaged, false},
			{"ReviewAfterTriage", []casework.TransitionInput{tr(workflow.Triage, "")}, tr(workflow.StartReview, ""), workflow.StatusUnderReview, false},
			{"ReviewBeforeTriage", nil, tr(workflow.StartReview, ""), redress.ECONFLICT, true},
			{"UnknownStep", nil, tr("fly", ""), redress.EINVALID, true},
			{"WithdrawWithoutReason", nil, tr(workflow.Withdraw, " "), redress.EINVALID, true},
			{"Withdraw", nil, tr(workflow.Withdraw, "The complainant asked."), workflow.StatusWithdrawn, false},
			{"ReopenOpenCase", nil, tr(workflow.Reopen, "Why not."), redress.ECONFLICT, true},
			{"CloseAsDuplicate", nil, casework.TransitionInput{Transition: workflow.CloseAdministratively,
				Reason: "Filed twice.", Disposition: workflow.Duplicate}, workflow.StatusClosed, false},
			{"CloseWithoutDisposition", nil, tr(workflow.CloseAdministratively, "Filed twice."), redress.EINVALID, true},
			{"ReopenClosed", []casework.TransitionInput{{Transition: workflow.CloseAdministratively, Reason: "Filed twice.",
				Disposition: workflow.Duplicate}}, tr(workflow.Reopen, "It was not a duplicate."), workflow.StatusReopened, false},
		} {
			t.Run(c.name, func(t *testing.T) {
				id := f.file(t, true).ID
				for _, in := range c.before {
					f.mustStep(t, f.supervisor, id, in)
				}
				before := f.load(t, id).Status
				events := f.count(t, redress.ActionTransition)
				to, err := f.step(t, f.supervisor, id, c.last)
				if c.refused {
					if redress.ErrorCode(err) != c.want {
						t.Fatalf("err = %v; want %s", err, c.want)
					}
					if got := f.load(t, id).Status; got != before {
						t.Errorf("refused step moved the case from %s to %s", before, got)
					}
					if n := f.count(t, redress.ActionTransition); n != events {
						t.Errorf("refused step wrote an event")
					}
					return
				}
				if err != nil || to != c.want || f.load(t, id).Status != c.want {
					t.Fatalf("to %q, err %v, stored %q; want %s", to, err, f.load(t, id).Status, c.want)
				}
				if n := f.count(t, redress.ActionTransition); n != events+1 {
					t.Errorf("%d transition events; want %d", n, events+1)
				}
			})
		}
	})
}

// TestWaitingOnComplainant: asking the complainant pauses the clocks; their reply moves
// the case back under review and the clocks run again.
func TestWaitingOnComplainant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		id := f.file(t, true).ID
		paused := func() int {
			clocks, err := db.Clocks(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, k := range clocks {
				if !k.PausedAt.IsZero() {
					n++
				}
			}
			return n
		}
		f.mustStep(t, f.supervisor, id, casework.TransitionInput{Transition: workflow.Triage})
		// A reply to a case that is not waiting changes nothing.
		if ch, err := f.cases.ResumeOnReply(ctx, id, "req-reply"); err != nil || ch != nil {
			t.Fatalf("reply to a triaged case: change %+v, %v; want none", ch, err)
		}
		f.mustStep(t, f.investigator, id, casework.TransitionInput{Transition: workflow.AskComplainant})
		if paused() == 0 {
			t.Fatal("asking the complainant paused no clock")
		}
		// The reply's own transaction (casefile.Reply) writes this change with the message;
		// here the change alone, to see what casework makes of the reply.
		ch, err := f.cases.ResumeOnReply(ctx, id, "req-reply")
		if err != nil || ch == nil {
			t.Fatalf("reply to a waiting case: change %+v, %v", ch, err)
		}
		if err := db.ChangeStatus(ctx, *ch); err != nil {
			t.Fatal(err)
		}
		if got := f.load(t, id).Status; got != workflow.StatusUnderReview {
			t.Errorf("after the reply: %s; want under_review", got)
		}
		if n := paused(); n != 0 {
			t.Errorf("%d clocks still paused after the reply", n)
		}
	})
}

func TestRefer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		c := f.file(t, true)
		by := actor(f.investigator)

		for _, r := range []struct {
			name, field, rule string
			in                casework.ReferralInput
		}{
			{"NoRecipient", "recipients", "required_one", casework.ReferralInput{}},
			{"UnknownRecipient", "recipients", "unknown_code", casework.ReferralInput{Recipients: []string{"fbi"}}},
			{"OtherUnnamed", "other", "required", casework.ReferralInput{Recipients: []string{"other"}}},
		} {
			t.Run(r.name, func(t *testing.T) {
				_, err := f.cases.Refer(ctx, by, c, nil, r.in)
				wantInvalid(t, err, r.field, r.rule)
			})
		}

		refs, err := f.cases.Refer(ctx, by, c, nil, casework.ReferralInput{
			Recipients: []string{"ice_opr", "dhs_oig", "other"}, Other: "Harris County IA",
			Method: "email", WithIdentity: true})
		if err != nil {
			t.Fatal(err)
		}
		stored, err := db.Referrals(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(refs) != 3 || len(stored) != 3 {
			t.Fatalf("referrals returned %d, stored %d; want 3", len(refs), len(stored))
		}
		for _, r := range stored {
			// Identity goes only where the complainant agreed, whatever the box said.
			if want := r.Recipient == "dhs_oig"; r.IdentityShared != want {
				t.Errorf("%s: identity shared %v; want %v", r.Recipient, r.IdentityShared, want)
			}
			if r.Recipient == "other" && r.RecipientOther != "Harris County IA" {
				t.Errorf("other office = %q", r.RecipientOther)
			}
		}
		// The referral to ICE OPR is ICE's notification: the JEM 48-hour clock is met.
		clocks, err := db.Clocks(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		notify := f.cases.Deadlines.MetBy(deadline.EventICENotified)
		met := 0
		for _, k := range clocks {
			if slices.Contains(notify, k.Name) && !k.MetAt.IsZero() {
				met++
			}
		}
		if len(notify) == 0 || met == 0 {
			t.Errorf("clocks %+v: the ICE notification clock (%v) is not met", clocks, notify)
		}

		t.Run("Answer", func(t *testing.T) {
			ref := stored[0]
			wantInvalid(t, f.cases.AnswerReferral(ctx, by, c, ref.ID, "  ", ""), "answer", "required")
			if err := f.cases.AnswerReferral(ctx, by, c, ref.ID, "Opened case 25-114.", "investigating"); err != nil {
				t.Fatal(err)
			}
			after, err := db.Referrals(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(after, func(r redress.Referral) bool { return r.ID == ref.ID })
			if i < 0 || after[i].Answer != "Opened case 25-114." || after[i].AnsweredAt.IsZero() {
				t.Errorf("answered referral = %+v", after)
			}
		})
	})
}

// TestFindingsAndTwoPersonClose: findings are proposed per allegation by one person and
// approved by another; the proposer's own approval is refused, and closing tells the
// complainant the outcome.
func TestFindingsAndTwoPersonClose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		c := f.file(t, true)
		f.mustStep(t, f.supervisor, c.ID, casework.TransitionInput{Transition: workflow.Triage})
		f.mustStep(t, f.investigator, c.ID, casework.TransitionInput{Transition: workflow.StartReview})

		findings, reasoning := map[int64]workflow.Finding{}, map[int64]string{}
		for _, a := range c.Allegations {
			findings[a.ID], reasoning[a.ID] = workflow.Sustained, "The video shows it."
		}
		one := map[int64]workflow.Finding{c.Allegations[0].ID: workflow.Sustained}
		if _, err := f.step(t, f.investigator, c.ID, casework.TransitionInput{Transition: workflow.ProposeFindings, Findings: one, Reasoning: reasoning}); redress.ErrorCode(err) != redress.EINVALID {
			t.Fatalf("findings for one of two allegations: %v; want EINVALID", err)
		}
		if _, err := f.step(t, f.investigator, c.ID, casework.TransitionInput{Transition: workflow.ProposeFindings, Findings: findings}); redress.ErrorCode(err) != redress.EINVALID {
			t.Fatalf("findings without their reasoning: %v; want EINVALID", err)
		}
		f.mustStep(t, f.investigator, c.ID, casework.TransitionInput{Transition: workflow.ProposeFindings, Findings: findings, Reasoning: reasoning})
		st, err := db.CaseState(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.ProposedBy != f.investigator.ID || len(st.Findings) != len(c.Allegations) {
			t.Errorf("case state after proposing: %+v", st)
		}

		if _, err := f.step(t, f.investigator, c.ID, casework.TransitionInput{Transition: workflow.ApproveClose}); !errors.Is(err, workflow.ErrSameApprover) {
			t.Fatalf("the proposer approving: %v; want ErrSameApprover", err)
		}
		if got := f.load(t, c.ID).Status; got != workflow.StatusFindingsProposed {
			t.Fatalf("after a refused approval: %s", got)
		}
		mailBefore, err := db.ListOutbox(ctx, store.OutboxFilter{ComplaintID: c.ID})
		if err != nil {
			t.Fatal(err)
		}

		f.mustStep(t, f.supervisor, c.ID, casework.TransitionInput{Transition: workflow.ApproveClose})
		if got := f.load(t, c.ID).Status; got != workflow.StatusClosed {
			t.Fatalf("after approval: %s; want closed", got)
		}
		mailAfter, err := db.ListOutbox(ctx, store.OutboxFilter{ComplaintID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(mailAfter) != len(mailBefore)+1 || mailAfter[len(mailAfter)-1].Kind != casework.MailOutcome {
			t.Errorf("outbox %+v; want the outcome email added", mailAfter)
		}
		outcome, err := f.intake.Outcome(ctx, c.ID)
		if err != nil || outcome == nil {
			t.Fatalf("outcome: %v %v", outcome, err)
		}
		if got := fmt.Sprint(outcome); !strings.Contains(got, string(workflow.Sustained)) {
			t.Errorf("outcome %s names no finding", got)
		}

		// An ended case is reopened before anything else is done to it.
		err = f.cases.Triage(ctx, actor(f.supervisor), f.load(t, c.ID), casework.TriageInput{Priority: workflow.PriorityUrgent}, f.units)
		if redress.ErrorCode(err) != redress.ECONFLICT {
			t.Errorf("triage of a closed case: %v; want ECONFLICT", err)
		}
	})
}

// TestAdministrativeCloseUnderReviewTakesTwo: once a case is under review, one person
// cannot end it without findings. close_administratively is refused there; the closure
// is proposed (with its disposition and reason), the proposer cannot approve it, and a
// second person's approve_close closes it with the disposition proposed. Before review
// (screening) one person still may.
func TestAdministrativeCloseUnderReviewTakesTwo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		c := f.file(t, true)
		f.mustStep(t, f.supervisor, c.ID, casework.TransitionInput{Transition: workflow.Triage})
		f.mustStep(t, f.investigator, c.ID, casework.TransitionInput{Transition: workflow.StartReview})

		closeNow := casework.TransitionInput{Transition: workflow.CloseAdministratively, Reason: "same as RX-1", Disposition: workflow.Duplicate}
		if _, err := f.step(t, f.supervisor, c.ID, closeNow); redress.ErrorCode(err) != redress.ECONFLICT {
			t.Fatalf("close_administratively under review: %v; want ECONFLICT", err)
		}
		if _, err := f.step(t, f.supervisor, c.ID, casework.TransitionInput{Transition: workflow.ProposeClosure, Reason: "x"}); redress.ErrorCode(err) != redress.EINVALID {
			t.Fatalf("propose_closure without a disposition: %v; want EINVALID", err)
		}
		f.mustStep(t, f.supervisor, c.ID, casework.TransitionInput{Transition: workflow.ProposeClosure, Reason: "same as RX-1", Disposition: workflow.Duplicate})
		st, err := db.CaseState(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.load(t, c.ID).Status; got != workflow.StatusFindingsProposed || st.ProposedDisposition != string(workflow.Duplicate) || st.Disposition != "" || !st.ClosedAt.IsZero() {
			t.Fatalf("after proposing: status %s, state %+v; want findings_proposed, duplicate proposed, not closed", got, st)
		}
		if _, err := f.step(t, f.supervisor, c.ID, casework.TransitionInput{Transition: workflow.ApproveClose}); !errors.Is(err, workflow.ErrSameApprover) {
			t.Fatalf("the proposer approving the closure: %v; want ErrSameApprover", err)
		}
		f.mustStep(t, f.investigator, c.ID, casework.TransitionInput{Transition: workflow.ApproveClose})
		if st, err = db.CaseState(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if got := f.load(t, c.ID).Status; got != workflow.StatusClosed || st.Disposition != string(workflow.Duplicate) {
			t.Fatalf("after a second person approved: status %s, disposition %q; want closed, duplicate", got, st.Disposition)
		}

		// Screening: before review one person closes a duplicate.
		d := f.file(t, true)
		f.mustStep(t, f.supervisor, d.ID, closeNow)
		if got := f.load(t, d.ID).Status; got != workflow.StatusClosed {
			t.Fatalf("close_administratively of a received case: %s; want closed", got)
		}
	})
}

// TestResultsClockOnlyWithResults: the JEM "report results to ICE within 30 days of
// resolution" clock starts when a JEM case ends with results (findings made, or
// resolved informally), never for a duplicate or a complaint outside jurisdiction.
func TestResultsClockOnlyWithResults(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		hasResultsClock := func(id int64) bool {
			ks, err := db.Clocks(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range ks {
				if k.Name == "report_results" {
					return true
				}
			}
			return false
		}
		for _, tc := range []struct {
			disposition workflow.Disposition
			want        bool
		}{
			{workflow.Duplicate, false},
			{workflow.OutsideJurisdiction, false},
			{workflow.NotEnoughInformation, false},
			{workflow.ReferredOut, false},
			{workflow.ResolvedInformally, true},
		} {
			c := f.file(t, true) // Harris County: a JEM
			f.mustStep(t, f.supervisor, c.ID, casework.TransitionInput{Transition: workflow.CloseAdministratively, Reason: "r", Disposition: tc.disposition})
			if got := hasResultsClock(c.ID); got != tc.want {
				t.Errorf("JEM case closed as %s: results clock started %v; want %v", tc.disposition, got, tc.want)
			}
		}
		c := f.file(t, true)
		f.mustStep(t, f.supervisor, c.ID, casework.TransitionInput{Transition: workflow.Withdraw, Reason: "asked by phone"})
		if hasResultsClock(c.ID) {
			t.Error("a withdrawn JEM case started the results clock")
		}
	})
}
