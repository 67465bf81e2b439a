package intake_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/ice/icetest"
	"github.com/redress-oversight/redress/internal/intake"
	"github.com/redress-oversight/redress/internal/mail"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// today is the filer's calendar day in every test: incidents after it are refused.
var today = redress.Date{Year: 2025, Month: 8, Day: 1}

type fixture struct {
	db  *store.DB
	svc *intake.Service
	// harris (TX) holds one JEM agreement, signed 2020; collier (FL) holds a JEM
	// (2019), a WSO (2020) and a TFM (2025-02-20) agreement.
	harris, collier redress.Agency
	agreements      map[string]redress.Agreement // by agency state and model: "FL TFM"
}

// newFixture loads a small registry through the real import path and builds the
// service as serve does, receipt email included.
func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	row := func(n int, state, name string, m redress.Model, signed string) redress.SheetRow {
		d, _ := redress.ParseDate(signed)
		return redress.SheetRow{Row: n, State: state, AgencyName: name, AgencyType: "County",
			County: strings.TrimSuffix(name, " Sheriff's Office"), Model: m, SignedRaw: signed, SignedOn: d, MOAListed: true}
	}
	_, err := db.ApplySheet(ctx, redress.Sheet{
		FileName: "participatingAgencies07182025pm.xlsx", Kind: redress.SheetParticipating,
		AsOf: time.Date(2025, 7, 18, 12, 0, 0, 0, time.UTC), SHA256: "test-sheet",
		Rows: []redress.SheetRow{
			row(2, "TX", "Harris County Sheriff's Office", redress.ModelJEM, "2020-01-10"),
			row(3, "FL", "Collier County Sheriff's Office", redress.ModelJEM, "2019-06-01"),
			row(4, "FL", "Collier County Sheriff's Office", redress.ModelWSO, "2020-02-01"),
			row(5, "FL", "Collier County Sheriff's Office", redress.ModelTFM, "2025-02-20"),
		},
	}, redress.ActorSystem, "")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	box, err := secret.New(bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, agreements: map[string]redress.Agreement{}}
	f.svc = &intake.Service{DB: db, Box: box, Languages: cat.Languages(),
		ReceiptMail: func(lang, to, tracking string) redress.OutboundMail {
			return mail.NewReceipt(cat, box, lang, to, tracking, "https://redress.example/status")
		}}
	f.harris, f.collier = onlyAgency(t, db, "TX"), onlyAgency(t, db, "FL")
	for _, a := range []redress.Agency{f.harris, f.collier} {
		ags, err := db.AgreementsForAgency(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ag := range ags {
			f.agreements[a.State+" "+string(ag.Model)] = ag
		}
	}
	return f
}

func onlyAgency(t *testing.T, db *store.DB, state string) redress.Agency {
	t.Helper()
	as, err := db.ListAgencies(context.Background(), state, "", 10)
	if err != nil || len(as) != 1 {
		t.Fatalf("agencies in %s: %v %v", state, as, err)
	}
	return as[0]
}

// valid is a complete anonymous complaint about an unnamed agency in Texas.
func valid() redress.ComplaintInput {
	return redress.ComplaintInput{Language: "en", IncidentDate: "2025-07-20", State: "TX",
		Categories: []redress.Category{"held_past_release"}, Filer: "relative",
		Narrative: "My brother was held two days after he posted bail."}
}

func (f *fixture) file(t *testing.T, in redress.ComplaintInput) intake.Filed {
	t.Helper()
	filed, err := f.svc.FileComplaint(context.Background(), in,
		intake.Request{Actor: redress.ActorPublic, RequestID: "req-file", Today: today})
	if err != nil {
		t.Fatal(err)
	}
	return filed
}

func TestFileComplaint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)

		t.Run("OK", func(t *testing.T) {
			in := valid()
			in.AgencyID = f.harris.ID
			in.Contact = redress.Contact{Name: "Ana Quintanilla", Email: "ana@example.org"}
			in.Consent = []redress.Recipient{"dhs_oig"}
			filed := f.file(t, in)

			if filed.ReceiptCode == "" || !filed.Emailed || filed.Replayed {
				t.Fatalf("filed = %+v; want a receipt code, emailed, not replayed", filed)
			}
			c, sealed, err := db.Complaint(ctx, filed.Complaint.ID)
			if err != nil {
				t.Fatal(err)
			}
			if c.TrackingNumber != filed.Complaint.TrackingNumber || c.Status != redress.StatusReceived ||
				c.Narrative != in.Narrative || c.Anonymous || c.AgencyID != f.harris.ID {
				t.Errorf("stored %+v", c)
			}
			if len(sealed) == 0 || bytes.Contains(sealed, []byte("Quintanilla")) {
				t.Errorf("identity not sealed: %q", sealed)
			}
			rec, err := db.ComplaintReceipt(ctx, c.TrackingNumber)
			if err != nil {
				t.Fatal(err)
			}
			if !redress.ReceiptMatches(filed.ReceiptCode, rec.ReceiptHash) || bytes.Contains(rec.ReceiptHash, []byte(filed.ReceiptCode)) {
				t.Errorf("stored receipt hash does not match the code handed out, or holds it in the clear")
			}

			events, err := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != 1 {
				t.Fatalf("%d audit events, want 1: %+v", len(events), events)
			}
			ev := events[0]
			if ev.Action != redress.ActionComplaintFiled || ev.Actor != redress.ActorPublic || ev.RequestID != "req-file" ||
				ev.AgencyID != f.harris.ID || ev.AgreementID != f.agreements["TX JEM"].ID {
				t.Errorf("event = %+v", ev)
			}
			details := fmt.Sprint(ev.Details)
			for _, secret := range []string{"Quintanilla", "ana@example.org", "bail", filed.ReceiptCode} {
				if strings.Contains(details, secret) {
					t.Errorf("audit details hold %q: %s", secret, details)
				}
			}
			queued, err := db.ListOutbox(ctx, store.OutboxFilter{ComplaintID: c.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(queued) != 1 || queued[0].Kind != redress.MailReceipt {
				t.Errorf("outbox = %+v; want one receipt", queued)
			}
		})

		t.Run("Invalid", func(t *testing.T) {
			before := counts(t, db)
			for _, c := range []struct {
				name, field, rule string
				change            func(*redress.ComplaintInput)
			}{
				{"NoNarrative", "narrative", "required", func(in *redress.ComplaintInput) { in.Narrative = " " }},
				{"FutureDate", "incident_date", "future", func(in *redress.ComplaintInput) { in.IncidentDate = "2025-08-02" }},
				{"NoState", "state", "required", func(in *redress.ComplaintInput) { in.State = "" }},
				{"UnknownAgency", "agency_id", "unknown_agency", func(in *redress.ComplaintInput) { in.AgencyID = 999999 }},
				{"UnknownLanguage", "language", "one_of", func(in *redress.ComplaintInput) { in.Language = "xx" }},
				{"UnknownCategory", "categories", "unknown_code", func(in *redress.ComplaintInput) {
					in.Categories = []redress.Category{"deportation"}
				}},
			} {
				t.Run(c.name, func(t *testing.T) {
					in := valid()
					in.Contact = redress.Contact{Email: "ana@example.org"}
					c.change(&in)
					_, err := f.svc.FileComplaint(ctx, in, intake.Request{Actor: redress.ActorPublic, Today: today})
					var de *redress.Error
					if !errors.As(err, &de) || de.Code != redress.EINVALID {
						t.Fatalf("err = %v; want EINVALID", err)
					}
					if !slices.ContainsFunc(de.Fields, func(e redress.FieldError) bool { return e.Field == c.field && e.Rule == c.rule }) {
						t.Errorf("fields = %+v; want %s %s", de.Fields, c.field, c.rule)
					}
				})
			}
			if after := counts(t, db); after != before {
				t.Errorf("refused complaints left something behind: before %+v, after %+v", before, after)
			}
		})

		t.Run("AdmitRefuses", func(t *testing.T) {
			before := counts(t, db)
			full := &redress.Error{Code: redress.EUNAVAILABLE, Message: "Too many."}
			_, err := f.svc.FileComplaint(ctx, valid(), intake.Request{Actor: redress.ActorPublic, Today: today,
				Admit: func(context.Context) error { return full }})
			if !errors.Is(err, full) {
				t.Fatalf("err = %v; want Admit's refusal", err)
			}
			if after := counts(t, db); after != before {
				t.Errorf("refused complaint left something behind: before %+v, after %+v", before, after)
			}
		})
	})
}

type tally struct{ complaints, filedEvents, mail int }

func counts(t *testing.T, db *store.DB) tally {
	t.Helper()
	ctx := context.Background()
	n, err := db.CountComplaints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := db.CountAudit(ctx, redress.ActionComplaintFiled)
	if err != nil {
		t.Fatal(err)
	}
	queued, err := db.ListOutbox(ctx, store.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return tally{int(n), int(ev), len(queued)}
}

// TestAgreementAttribution: a complaint is counted against an MOA only when exactly one
// of its agency's agreements was in force on the incident date and covers every
// function named.
func TestAgreementAttribution(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, c := range []struct {
			name      string
			agency    func() redress.Agency
			incident  string
			functions []redress.Function
			want      string // "" for none
			reason    string // why none
		}{
			{"OneInForce", func() redress.Agency { return f.harris }, "2025-07-20", nil, "TX JEM", ""},
			{"BeforeAnySigned", func() redress.Agency { return f.harris }, "2019-12-01", nil, "", redress.AttributionNoneFits},
			{"ThreeInForce", func() redress.Agency { return f.collier }, "2025-07-20", nil, "", redress.AttributionSeveral},
			{"OnlyJEMYet", func() redress.Agency { return f.collier }, "2019-12-01", nil, "FL JEM", ""},
			{"FieldArrestIsTFM", func() redress.Agency { return f.collier }, "2025-07-20", []redress.Function{"field_arrest"}, "FL TFM", ""},
			{"DetainerJEMOrWSO", func() redress.Agency { return f.collier }, "2025-07-20", []redress.Function{"detainer"}, "", redress.AttributionSeveral},
			{"FieldArrestBeforeTFM", func() redress.Agency { return f.collier }, "2024-07-20", []redress.Function{"field_arrest"}, "", redress.AttributionNoneFits},
		} {
			t.Run(c.name, func(t *testing.T) {
				a := c.agency()
				in := valid()
				in.State, in.AgencyID, in.IncidentDate, in.Functions = a.State, a.ID, c.incident, c.functions
				filed := f.file(t, in)
				var want int64
				if c.want != "" {
					want = f.agreements[c.want].ID
					if filed.Agreement == nil || filed.Agreement.ID != want {
						t.Errorf("filed.Agreement = %+v; want %s", filed.Agreement, c.want)
					}
				} else if filed.Agreement != nil {
					t.Errorf("filed.Agreement = %+v; want none", filed.Agreement)
				}
				stored, _, err := db.Complaint(context.Background(), filed.Complaint.ID)
				if err != nil {
					t.Fatal(err)
				}
				if stored.AgreementID != want || stored.Attribution != c.reason {
					t.Errorf("stored agreement %d, attribution %q; want %d (%s), %q", stored.AgreementID, stored.Attribution, want, c.want, c.reason)
				}
			})
		}
		t.Run("NoAgencyNamed", func(t *testing.T) {
			filed := f.file(t, valid())
			stored, _, err := db.Complaint(context.Background(), filed.Complaint.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.AgreementID != 0 || stored.Attribution != redress.AttributionNoAgency {
				t.Errorf("stored agreement %d, attribution %q; want none, %q", stored.AgreementID, stored.Attribution, redress.AttributionNoAgency)
			}
		})
	})
}

// TestTooeleUnreadableDateIsAmbiguous files against ICE's real July sheet, where Tooele
// County's TFM was signed 07-02-25 and its WSO "7/72025": the WSO may have been in force
// on 2025-07-15 too, so no agreement is chosen, and the complaint says why.
func TestTooeleUnreadableDateIsAmbiguous(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		if _, err := db.ApplySheet(ctx, icetest.Read(t, icetest.July), redress.ActorSystem, ""); err != nil {
			t.Fatal(err)
		}
		var tooele redress.Agency
		as, err := db.ListAgencies(ctx, "UT", "Tooele", 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			if strings.Contains(a.Name, "Tooele County") {
				tooele = a
			}
		}
		ags, err := db.AgreementsForAgency(ctx, tooele.ID)
		if err != nil || len(ags) != 2 {
			t.Fatalf("Tooele County's agreements: %+v %v; want its TFM and WSO", ags, err)
		}
		in := valid()
		in.State, in.AgencyID, in.IncidentDate = "UT", tooele.ID, "2025-07-15"
		filed := f.file(t, in)
		stored, _, err := db.Complaint(ctx, filed.Complaint.ID)
		if err != nil {
			t.Fatal(err)
		}
		if filed.Agreement != nil || stored.AgreementID != 0 || stored.Attribution != redress.AttributionUnreadable {
			t.Fatalf("Tooele complaint tied to %d (attribution %q); want none, %q", stored.AgreementID, stored.Attribution, redress.AttributionUnreadable)
		}
	})
}

// TestCheckStatus: the right pair answers; every wrong pair gets one and the same answer,
// and only answered checks are audit events.
func TestCheckStatus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		filed := f.file(t, valid())
		other := f.file(t, valid())
		tn := filed.Complaint.TrackingNumber

		st, err := f.svc.CheckStatus(ctx, tn, filed.ReceiptCode, intake.Request{RequestID: "req-status"})
		if err != nil {
			t.Fatal(err)
		}
		if st.TrackingNumber != tn || st.Status != redress.StatusReceived || st.Language != "en" || st.Outcome != nil {
			t.Errorf("status = %+v", st)
		}
		// Typed in lower case, as people do: still the same complaint.
		if _, err := f.svc.CheckStatus(ctx, strings.ToLower(tn), filed.ReceiptCode, intake.Request{}); err != nil {
			t.Errorf("lower-case tracking number: %v", err)
		}

		for _, c := range []struct{ name, tracking, receipt string }{
			{"WrongReceipt", tn, other.ReceiptCode},
			{"UnknownNumber", "RX-0000-0000", filed.ReceiptCode},
			{"OtherComplaintsNumber", other.Complaint.TrackingNumber, filed.ReceiptCode},
			{"Empty", "", ""},
			{"Garbage", "not a number", "x"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.svc.CheckStatus(ctx, c.tracking, c.receipt, intake.Request{})
				if !errors.Is(err, intake.ErrNoMatch) || redress.ErrorMessage(err) != redress.ErrorMessage(intake.ErrNoMatch) {
					t.Errorf("err = %v; want ErrNoMatch", err)
				}
			})
		}
		n, err := db.CountAudit(ctx, redress.ActionStatusChecked)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("%d status.checked events; want 2, one per answered check", n)
		}
	})
}
