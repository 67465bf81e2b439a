package casework_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// The directory refuses what it cannot use, replaces an office by name, keeps addresses
// sealed, and records each change without the address.
func TestOfficeDirectory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		by := actor(f.supervisor)
		good := redress.Office{Name: "DHS OIG Hotline", Email: "hotline@oig.example.gov", Recipients: []string{"dhs_oig"}}
		for _, r := range []struct {
			name, field, rule string
			change            func(o *redress.Office)
		}{
			{"NoName", "name", "required", func(o *redress.Office) { o.Name = "  " }},
			{"BadEmail", "email", "email", func(o *redress.Office) { o.Email = "OIG <hotline@oig.example.gov>" }},
			{"NoEmail", "email", "required", func(o *redress.Office) { o.Email = "" }},
			{"NoRecipient", "recipients", "required_one", func(o *redress.Office) { o.Recipients = nil }},
			{"Other", "recipients", "unknown_code", func(o *redress.Office) { o.Recipients = []string{"other"} }},
			{"BadState", "states", "state", func(o *redress.Office) { o.States = []string{"Atlantis"} }},
			{"UnknownAgency", "agencies", "unknown_agency", func(o *redress.Office) { o.AgencyIDs = []int64{f.harris.ID + 1000} }},
		} {
			t.Run(r.name, func(t *testing.T) {
				o := good
				r.change(&o)
				_, err := f.cases.SaveOffice(ctx, by, o)
				wantInvalid(t, err, r.field, r.rule)
			})
		}
		if got, _ := f.cases.Offices(ctx); len(got) != 0 {
			t.Fatalf("refused offices were stored: %+v", got)
		}

		saved, err := f.cases.SaveOffice(ctx, by, good)
		if err != nil {
			t.Fatal(err)
		}
		// The same name replaces the office: a new address, states by name read as codes.
		again := good
		again.Email, again.States = "intake@oig.example.gov", []string{"Texas", "FL"}
		if _, err := f.cases.SaveOffice(ctx, by, again); err != nil {
			t.Fatal(err)
		}
		offices, err := f.cases.Offices(ctx)
		if err != nil || len(offices) != 1 || offices[0].ID != saved.ID || offices[0].Email != "intake@oig.example.gov" ||
			strings.Join(offices[0].States, " ") != "FL TX" {
			t.Fatalf("offices %+v %v", offices, err)
		}
		sealed, _ := db.Offices(ctx)
		if strings.Contains(string(sealed[0].EmailSealed), "oig.example.gov") {
			t.Error("the office's address is stored in clear")
		}
		evs, _ := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionOfficeSaved})
		if len(evs) != 2 || evs[1].Details["email_changed"] != true || evs[1].Details["created"] != false {
			t.Fatalf("office.saved events %+v", evs)
		}
		if d, _ := json.Marshal(evs[1].Details); !strings.Contains(string(d), `"states":"FL TX"`) || strings.Contains(string(d), "example.gov") {
			t.Errorf("office.saved details %s", d)
		}

		if err := f.cases.RemoveOffice(ctx, by, saved.ID+99); redress.ErrorCode(err) != redress.ENOTFOUND {
			t.Errorf("removing no office: %v", err)
		}
		if err := f.cases.RemoveOffice(ctx, by, saved.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.cases.Offices(ctx); len(got) != 0 {
			t.Errorf("after removal %+v", got)
		}
		if evs, _ := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionOfficeRemoved}); len(evs) != 1 {
			t.Errorf("office.removed events %+v", evs)
		}
	})
}

// A referral sends the most specific office standing for each recipient a letter in
// English through the outbox, with the complainant's identity only where they
// consented; a recipient no office stands for is recorded with no letter.
func TestReferralLetters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		by := actor(f.investigator)
		for _, o := range []redress.Office{
			{Name: "DHS OIG Hotline", Email: "oig@example.gov", Recipients: []string{"dhs_oig"}},
			{Name: "ICE Joint Intake Center", Email: "jic@example.gov", Recipients: []string{"ice_opr"}},
			{Name: "Florida Attorney General", Email: "ag@fl.example.gov", Recipients: []string{"state_ag"}, States: []string{"FL"}},
			{Name: "Texas Attorney General", Email: "ag@tx.example.gov", Recipients: []string{"state_ag"}, States: []string{"TX"}},
			{Name: "Any agency's internal affairs", Email: "ia@example.gov", Recipients: []string{"agency_ia"}},
			{Name: "Harris County SO Internal Affairs", Email: "ia@harris.example.gov", Recipients: []string{"agency_ia"}, AgencyIDs: []int64{f.harris.ID}},
		} {
			if _, err := f.cases.SaveOffice(ctx, actor(f.supervisor), o); err != nil {
				t.Fatal(err)
			}
		}
		filed := f.file(t, true) // consents to dhs_oig only
		c, sealed, _ := db.Complaint(ctx, filed.ID)
		// The receipt email of the filing is in the outbox first.
		before, _ := db.ListOutbox(ctx, store.OutboxFilter{})

		refs, err := f.cases.Refer(ctx, by, c, sealed, casework.ReferralInput{
			Recipients: []string{"dhs_oig", "ice_opr", "state_ag", "agency_ia", "dhs_crcl"},
			Shared:     "Booking record and the bail receipt of 12 July.", WithIdentity: true, DueDays: 20})
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := db.Referrals(ctx, c.ID)
		wantOffice := map[string]string{"dhs_oig": "DHS OIG Hotline", "ice_opr": "ICE Joint Intake Center",
			"state_ag": "Texas Attorney General", "agency_ia": "Harris County SO Internal Affairs", "dhs_crcl": ""}
		for i, r := range stored {
			if r.OfficeName != wantOffice[r.Recipient] || (r.OutboxID != 0) != (wantOffice[r.Recipient] != "") ||
				refs[i].OutboxID != r.OutboxID {
				t.Errorf("%s: office %q outbox %d (returned %d); want %q", r.Recipient, r.OfficeName, r.OutboxID, refs[i].OutboxID, wantOffice[r.Recipient])
			}
			if r.OutboxID != 0 && (r.LetterStatus != store.MailQueued || r.Method != "email") {
				t.Errorf("%s: letter %q, method %q", r.Recipient, r.LetterStatus, r.Method)
			}
		}

		letters := map[string]string{} // address: body
		claimed, err := db.ClaimOutbox(ctx, "test", 20, time.Minute)
		if err != nil || len(claimed) != len(before)+4 {
			t.Fatalf("claimed %d messages (%v); want the receipt and 4 letters", len(claimed), err)
		}
		for _, m := range claimed {
			if m.Kind != casework.MailReferral {
				continue
			}
			to, err := f.cases.Box.Open(m.RecipientSealed, redress.RecipientContext(m.Key))
			if err != nil {
				t.Fatal(err)
			}
			if m.Language != "en" || m.ComplaintID != c.ID || m.AgreementID != c.AgreementID || !strings.Contains(m.Subject, c.TrackingNumber) {
				t.Errorf("letter to %s: %+v", to, m.OutboundMail)
			}
			letters[string(to)] = m.Body
		}
		for _, to := range []string{"oig@example.gov", "jic@example.gov", "ag@tx.example.gov", "ia@harris.example.gov"} {
			body := letters[to]
			for _, want := range []string{c.TrackingNumber, "Harris County Sheriff's Office (TX)", "Jail Enforcement Model",
				"Kept in jail after they should have been released", "July 20, 2025", "Booking record and the bail receipt"} {
				if !strings.Contains(body, want) {
					t.Errorf("letter to %s lacks %q:\n%s", to, want, body)
				}
			}
			// Identity only to DHS OIG, the one office the complainant consented to.
			if shared := strings.Contains(body, "Name: Ana") && strings.Contains(body, "ana@example.org"); shared != (to == "oig@example.gov") {
				t.Errorf("letter to %s: identity shared %v\n%s", to, shared, body)
			}
			if to != "oig@example.gov" && (strings.Contains(body, "Ana") || strings.Contains(body, "ana@example.org")) {
				t.Errorf("letter to %s carries the complainant's identity:\n%s", to, body)
			}
			if strings.Contains(body, "fianza") {
				t.Errorf("letter to %s carries the narrative", to)
			}
		}

		evs, _ := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c.ID, Action: redress.ActionReferred})
		if len(evs) != 5 {
			t.Fatalf("%d referral events", len(evs))
		}
		for _, ev := range evs {
			d, _ := json.Marshal(ev.Details)
			if ev.Details["letter"] != (ev.Details["recipient"] != "dhs_crcl") || strings.Contains(string(d), "Ana") ||
				strings.Contains(string(d), "example.gov") {
				t.Errorf("referral event %s", d)
			}
		}
	})
}

// The most specific office wins: the complaint's agency, then its state, then everywhere.
func TestOfficeFor(t *testing.T) {
	offices := []redress.Office{
		{ID: 1, Recipients: []string{"agency_ia"}},
		{ID: 2, Recipients: []string{"agency_ia"}, States: []string{"TX"}},
		{ID: 3, Recipients: []string{"agency_ia"}, AgencyIDs: []int64{7}},
		{ID: 4, Recipients: []string{"state_ag"}, States: []string{"FL"}},
	}
	for _, r := range []struct {
		recipient, state string
		agency, want     int64
	}{
		{"agency_ia", "TX", 7, 3}, {"agency_ia", "TX", 8, 2}, {"agency_ia", "GA", 0, 1},
		{"state_ag", "FL", 0, 4}, {"state_ag", "TX", 0, 0}, {"dhs_oig", "TX", 7, 0},
	} {
		o, ok := redress.OfficeFor(offices, r.recipient, redress.Complaint{State: r.state, AgencyID: r.agency})
		if ok != (r.want != 0) || o.ID != r.want {
			t.Errorf("%s in %s, agency %d: office %d (%v); want %d", r.recipient, r.state, r.agency, o.ID, ok, r.want)
		}
	}
}
