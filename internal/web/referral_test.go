package web_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/mail"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// Referrals leave the building: an administrator keeps the directory of offices, and a
// referral sends each office standing for a recipient a letter that reaches a real SMTP
// server on loopback, with the complainant's identity only where they consented (to
// DHS OIG and CRCL here, not to ICE OPR). A recipient no office stands for (CRCL) is
// recorded, and the case page says no letter went.
func TestReferralLettersReachOffices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		smtpURL, inbox := startInbox(t)
		worker, err := mail.NewWorker(db, s.box, mail.Config{SMTPURL: smtpURL, Logger: quietLog})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := worker.Drain(ctx); err != nil { // the receipts of newStaff's filings
			t.Fatal(err)
		}
		inbox.mu.Lock()
		inbox.msgs = nil
		inbox.mu.Unlock()

		for _, o := range []url.Values{
			{"name": {"DHS OIG Hotline"}, "email": {"oig@example.gov"}, "recipients": {"dhs_oig"}},
			{"name": {"ICE Joint Intake Center"}, "email": {"jic@example.gov"}, "recipients": {"ice_opr"}},
		} {
			if code, body := s.post("admin", "/admin/offices", o); code != 303 {
				t.Fatalf("saving office %v: %d\n%s", o, code, body)
			}
		}
		page := s.do("GET", "/admin/offices", "", nil, "Cookie", "redress_session="+s.cookies["admin"]).Body.String()
		if !strings.Contains(page, "DHS OIG Hotline") || !strings.Contains(page, "jic@example.gov") {
			t.Fatalf("the directory does not list the offices:\n%s", page)
		}

		base := "/staff/complaints/" + strconv.FormatInt(s.txCase, 10)
		if code, body := s.post("investigator", base+"/referrals", url.Values{"recipients": {"dhs_oig", "ice_opr", "dhs_crcl"},
			"shared": {"Booking record of 20 July"}, "with_identity": {"yes"}}); code != 303 {
			t.Fatalf("refer: %d\n%s", code, body)
		}
		if _, err := worker.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		c, _, _ := db.Complaint(ctx, s.txCase)
		inbox.mu.Lock()
		msgs := inbox.msgs
		inbox.mu.Unlock()
		if len(msgs) != 2 {
			t.Fatalf("%d messages, want a letter to DHS OIG and one to ICE OPR: %+v", len(msgs), msgs)
		}
		for _, m := range msgs {
			if !strings.Contains(m.body, c.TrackingNumber) || !strings.Contains(m.body, "Booking record of 20 July") {
				t.Errorf("letter to %s:\n%s", m.to, m.body)
			}
			identity := strings.Contains(m.body, "Ana G") || strings.Contains(m.body, "ana@example.org") || strings.Contains(m.body, "555-0100")
			switch m.to {
			case "oig@example.gov": // consented
				if !strings.Contains(m.body, "Name: Ana G") || !strings.Contains(m.body, "Email: ana@example.org") {
					t.Errorf("the letter to DHS OIG lacks the identity the complainant shared with it:\n%s", m.body)
				}
			case "jic@example.gov": // not consented
				if identity {
					t.Errorf("the letter to ICE OPR carries the complainant's identity:\n%s", m.body)
				}
			default:
				t.Errorf("letter to %s", m.to)
			}
			if strings.Contains(m.body, "fianza") {
				t.Errorf("the letter to %s carries the narrative", m.to)
			}
		}

		// What was sent is recorded: the letters and their status, and no letter to CRCL.
		refs, _ := db.Referrals(ctx, s.txCase)
		for _, r := range refs {
			if sent := r.LetterStatus == store.MailSent && r.OutboxID != 0; sent != (r.Recipient != "dhs_crcl") {
				t.Errorf("referral to %s: letter %d %q", r.Recipient, r.OutboxID, r.LetterStatus)
			}
		}
		evs, _ := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: s.txCase, Action: redress.ActionReferred})
		for _, ev := range evs {
			if ev.Details["letter"] != (ev.Details["recipient"] != "dhs_crcl") ||
				ev.Details["identity_shared"] != (ev.Details["recipient"] != "ice_opr") { // consented: OIG and CRCL
				t.Errorf("referral event %v", ev.Details)
			}
		}
		casePage := s.do("GET", base, "", nil, "Cookie", "redress_session="+s.cookies["investigator"]).Body.String()
		if !strings.Contains(casePage, "Referral letter to DHS OIG Hotline: sent.") ||
			!strings.Contains(casePage, "No letter was sent: no office in the directory stands for this recipient.") {
			t.Errorf("the case page does not say which letters went")
		}
	})
}

// The directory is administrators' only, and a refused office is told in the
// administrator's language with nothing stored.
func TestOfficeDirectoryPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		office := url.Values{"name": {"DHS OIG Hotline"}, "email": {"oig@example.gov"}, "recipients": {"dhs_oig"}}
		for _, caller := range []string{"investigator", "supervisor", "auditor"} {
			if code, _ := s.post(caller, "/admin/offices", office); code != 403 {
				t.Errorf("%s saving an office: %d, want 403", caller, code)
			}
		}
		bad := url.Values{"name": {"DHS OIG Hotline"}, "email": {"not an address"}, "recipients": {"dhs_oig"}}
		rec := s.do("POST", "/admin/offices", formType, []byte(bad.Encode()),
			"Cookie", "redress_session="+s.cookies["admin"], "Accept-Language", "es")
		cat := mustCatalog(t)
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), cat.T("es", "rule.email", nil)) ||
			!strings.Contains(rec.Body.String(), `value="not an address"`) {
			t.Fatalf("bad address: %d\n%s", rec.Code, rec.Body.String())
		}
		bad.Set("email", "oig@example.gov")
		bad.Set("agency_ids", "harris")
		if code, body := s.post("admin", "/admin/offices", bad); code != 422 || !strings.Contains(body, cat.T("en", "rule.id", nil)) {
			t.Fatalf("agency not a number: %d\n%s", code, body)
		}
		if got, _ := db.Offices(context.Background()); len(got) != 0 {
			t.Fatalf("refused offices were stored: %+v", got)
		}
		if code, _ := s.post("admin", "/admin/offices", url.Values{"op": {"delete"}, "id": {"x"}}); code != 404 {
			t.Errorf("removing no office: %d, want 404", code)
		}
	})
}
