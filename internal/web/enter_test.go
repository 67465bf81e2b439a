package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/web"
)

// enterAs sends a request as one signed-in caller, with more headers.
func (s *staff) enterAs(caller, method, path, contentType string, body []byte, header ...string) *entryResult {
	s.t.Helper()
	h := append([]string{"Cookie", "redress_session=" + s.cookies[caller] + "; lang=en"}, header...)
	rec := s.do(method, path, contentType, body, h...)
	return &entryResult{Code: rec.Code, Body: rec.Body.String()}
}

type entryResult struct {
	Code int
	Body string
}

// receiptOf reads the tracking number and receipt code off a receipt page.
func receiptOf(t *testing.T, body string) (tracking, code string) {
	t.Helper()
	for _, m := range codeRE.FindAllStringSubmatch(stripGroups(body), -1) {
		if m[1] == "tracking-number" {
			tracking = m[2]
		} else {
			code = m[2]
		}
	}
	if tracking == "" || len(code) != 23 {
		t.Fatalf("receipt page lacks the numbers:\n%s", body)
	}
	return tracking, code
}

// An intake officer enters a complaint received by phone in Spanish: the page stays in
// the officer's English, the letter to read out is in Spanish, the receipt works on the
// status page and in the status API, and the complaint records the channel and who
// entered it.
func TestEnterPhoneComplaint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		officer := s.users["intake"]
		// The public filing limit does not count staff entries.
		s.srv = s.server(func(d *web.Deps) { d.FilingLimit = redress.Rate{N: 1, Per: time.Hour} })

		blank := s.enterAs("intake", "GET", "/staff/complaints/new", "", nil)
		if blank.Code != 200 || !strings.Contains(blank.Body, "Enter a complaint") ||
			!strings.Contains(blank.Body, `id="channel-phone" name="channel" value="phone" checked`) {
			t.Fatalf("form: %d\n%s", blank.Code, blank.Body)
		}
		nonce := nonceRE.FindStringSubmatch(blank.Body)

		v := validForm(strconv.FormatInt(s.agency.ID, 10))
		v.Set("nonce", nonce[1])
		v.Set("channel", "phone")
		v.Set("name", "Ana Gómez")
		before := s.counts()
		got := s.enterAs("intake", "POST", "/staff/complaints/new", formType, form(v))
		if got.Code != http.StatusCreated {
			t.Fatalf("enter: %d\n%s", got.Code, got.Body)
		}
		tracking, code := receiptOf(t, got.Body)
		for _, want := range []string{
			"Complaint entered", "Read this out to the complainant", `lang="es"`,
			"Su código de recibo es " + code, "Su número de seguimiento es " + tracking, "https://redress.example/status?lang=es",
		} {
			if !strings.Contains(html.UnescapeString(got.Body), want) {
				t.Errorf("receipt page lacks %q", want)
			}
		}
		if after := s.counts(); after[0] != before[0]+1 {
			t.Fatalf("counts %v -> %v", before, after)
		}

		// Stored: the complainant's language, the channel, who entered it.
		rr, err := db.ComplaintReceipt(ctx, tracking)
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := db.Complaint(ctx, rr.ComplaintID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Channel != redress.ChannelPhone || c.EnteredBy != officer.ID || c.Language != "es" || c.Unit != "tx" || c.AgreementID == 0 {
			t.Fatalf("stored %+v", c)
		}
		evs, err := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c.ID, Action: redress.ActionComplaintFiled})
		if err != nil || len(evs) != 1 {
			t.Fatalf("filed events %v %v", evs, err)
		}
		if ev := evs[0]; ev.Actor != "user:"+strconv.FormatInt(officer.ID, 10) || ev.Details["channel"] != "phone" {
			t.Fatalf("filed event %+v", ev)
		}

		// The receipt works for the complainant, on the page and in the API.
		rec := s.do("POST", "/status", formType, form(url.Values{"tracking_number": {tracking}, "receipt_code": {code}}), "Cookie", "lang=es")
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Recibida") {
			t.Fatalf("status page: %d\n%s", rec.Code, rec.Body)
		}
		rec = s.postJSON("/api/v1/complaints/status", map[string]string{"tracking_number": tracking, "receipt_code": code})
		if st := decode[struct{ Status string }](t, rec); rec.Code != 200 || st.Status != "received" {
			t.Fatalf("status API: %d %s", rec.Code, rec.Body)
		}

		// The case says how it came in and who entered it.
		page := s.enterAs("supervisor", "GET", "/staff/complaints/"+strconv.FormatInt(c.ID, 10), "", nil)
		if page.Code != 200 || !strings.Contains(page.Body, "Phone call, entered by intake") {
			t.Fatalf("case page: %d\n%s", page.Code, page.Body)
		}
		api := s.enterAs("supervisor", "GET", "/api/v1/staff/complaints/"+strconv.FormatInt(c.ID, 10), "", nil)
		if !strings.Contains(api.Body, `"channel":"phone"`) || !strings.Contains(api.Body, `"entered_by":`+strconv.FormatInt(officer.ID, 10)) {
			t.Fatalf("case API: %s", api.Body)
		}

		// The same form sent again (a double click) enters nothing new.
		again := s.enterAs("intake", "POST", "/staff/complaints/new", formType, form(v))
		if again.Code != 200 || !strings.Contains(again.Body, tracking) || s.counts()[0] != before[0]+1 {
			t.Fatalf("sent again: %d, complaints %d", again.Code, s.counts()[0])
		}
	})
}

// Through the API a supervisor enters a mailed complaint; the receipt works on the
// status API, and the public API's filing limit does not apply.
func TestEnterComplaintAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		s.srv = s.server(func(d *web.Deps) { d.FilingLimit = redress.Rate{N: 1, Per: time.Hour} })
		in := validComplaint(s.agency.ID)
		in["channel"] = "mail"
		for i := range 2 {
			got := s.enterAs("supervisor", "POST", "/api/v1/staff/complaints", "application/json", mustJSON(t, in))
			if got.Code != http.StatusCreated {
				t.Fatalf("entry %d: %d %s", i, got.Code, got.Body)
			}
			var cr created
			decodeString(t, got.Body, &cr)
			if cr.Agreement == nil || cr.Agreement.AgencyID != s.agency.ID {
				t.Fatalf("agreement %+v", cr.Agreement)
			}
			rec := s.postJSON("/api/v1/complaints/status", map[string]string{"tracking_number": cr.TrackingNumber, "receipt_code": cr.ReceiptCode})
			if rec.Code != 200 {
				t.Fatalf("status API: %d %s", rec.Code, rec.Body)
			}
			rr, _ := db.ComplaintReceipt(ctx, cr.TrackingNumber)
			c, _, err := db.Complaint(ctx, rr.ComplaintID)
			if err != nil || c.Channel != redress.ChannelMail || c.EnteredBy != s.users["supervisor"].ID {
				t.Fatalf("stored %+v %v", c, err)
			}
		}
	})
}

// Bad entries are refused in the officer's language, with 422 and nothing stored; an
// account without complaint.enter is refused with 403.
func TestEnterComplaintRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		before := s.counts()

		t.Run("PageInTheOfficersLanguage", func(t *testing.T) {
			v := validForm(strconv.FormatInt(s.agency.ID, 10)) // a complaint in Spanish
			v.Set("channel", "web")
			v.Del("categories")
			got := s.enterAs("intake", "POST", "/staff/complaints/new", formType, form(v))
			if got.Code != http.StatusUnprocessableEntity {
				t.Fatalf("%d\n%s", got.Code, got.Body)
			}
			for _, want := range []string{"Choose one of: phone, mail, in_person.", "Choose at least one.", `href="#channel"`,
				"Lo mantuvieron dos días más."} {
				if !strings.Contains(html.UnescapeString(got.Body), want) {
					t.Errorf("form lacks %q", want)
				}
			}
		})

		t.Run("APIInTheOfficersLanguage", func(t *testing.T) {
			in := validComplaint(s.agency.ID)
			delete(in, "narrative")
			got := s.enterAs("intake", "POST", "/api/v1/staff/complaints", "application/json", mustJSON(t, in), "Accept-Language", "en")
			var er errResp
			decodeString(t, got.Body, &er)
			fields := map[string]string{}
			for _, f := range er.Fields {
				fields[f.Field] = f.Message
			}
			if got.Code != http.StatusUnprocessableEntity || fields["channel"] != "Choose one of: phone, mail, in_person." ||
				fields["narrative"] != "This is required." {
				t.Fatalf("%d %s", got.Code, got.Body)
			}
		})

		t.Run("NoPermission", func(t *testing.T) {
			in := validComplaint(s.agency.ID)
			in["channel"] = "phone"
			v := validForm(strconv.FormatInt(s.agency.ID, 10))
			v.Set("channel", "phone")
			for _, caller := range []string{"investigator", "auditor", "admin", "other_unit"} {
				if got := s.enterAs(caller, "GET", "/staff/complaints/new", "", nil); got.Code != http.StatusForbidden {
					t.Errorf("%s: form %d", caller, got.Code)
				}
				if got := s.enterAs(caller, "POST", "/staff/complaints/new", formType, form(v)); got.Code != http.StatusForbidden {
					t.Errorf("%s: page %d", caller, got.Code)
				}
				if got := s.enterAs(caller, "POST", "/api/v1/staff/complaints", "application/json", mustJSON(t, in)); got.Code != http.StatusForbidden {
					t.Errorf("%s: API %d", caller, got.Code)
				}
			}
		})

		if after := s.counts(); after[0] != before[0] || after[1] != before[1] {
			t.Fatalf("refused entries stored complaints: %v -> %v", before, after)
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeString(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, body)
	}
}
