package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

type created struct {
	TrackingNumber string `json:"tracking_number"`
	ReceiptCode    string `json:"receipt_code"`
	Status         string `json:"status"`
	Agreement      *struct {
		ID       int64  `json:"id"`
		Model    string `json:"model"`
		AgencyID int64  `json:"agency_id"`
	} `json:"agreement"`
}

func TestComplaintCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()

		t.Run("OK", func(t *testing.T) {
			before := e.counts()
			rec := e.postJSON("/api/v1/complaints", validComplaint(e.agency.ID))
			if rec.Code != http.StatusCreated {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
			got := decode[created](t, rec)
			if redress.NormalizeTrackingNumber(got.TrackingNumber) != got.TrackingNumber || len(got.ReceiptCode) != 23 || got.Status != "received" {
				t.Fatalf("response %+v", got)
			}
			if got.Agreement == nil || got.Agreement.Model != "JEM" || got.Agreement.AgencyID != e.agency.ID {
				t.Fatalf("agreement = %+v, want Harris County's JEM", got.Agreement)
			}
			after := e.counts()
			if after[0] != before[0]+1 || after[1] != before[1]+2 || after[2] != before[2]+1 {
				t.Fatalf("counts %v -> %v: want +1 complaint, +2 allegations, +1 audit event", before, after)
			}

			// What is stored: the complaint as given, identity sealed, the receipt hashed.
			rr, err := db.ComplaintReceipt(ctx, got.TrackingNumber)
			if err != nil {
				t.Fatal(err)
			}
			c, sealed, err := db.Complaint(ctx, rr.ComplaintID)
			if err != nil {
				t.Fatal(err)
			}
			if c.AgreementID != got.Agreement.ID || c.State != "TX" || c.Channel != redress.ChannelAPI ||
				c.Language != "es" || len(c.Allegations) != 2 || c.Anonymous || c.Custody.InCustody == nil || !*c.Custody.InCustody {
				t.Fatalf("stored complaint %+v", c)
			}
			if bytes.Contains(sealed, []byte("Gómez")) || bytes.Contains(sealed, []byte("ana@example.org")) {
				t.Fatal("identity stored in the clear")
			}
			plain, err := e.box.Open(sealed, redress.IdentityContext(got.TrackingNumber))
			if err != nil || !bytes.Contains(plain, []byte("ana@example.org")) {
				t.Fatalf("sealed identity does not open: %v", err)
			}
			if !redress.ReceiptMatches(got.ReceiptCode, rr.ReceiptHash) || bytes.Contains(rr.ReceiptHash, []byte(got.ReceiptCode)) {
				t.Fatal("receipt hash does not match the code, or holds it")
			}

			// The receipt email is queued with the complaint, in its language.
			queued, err := db.ListOutbox(ctx, store.OutboxFilter{})
			if err != nil || len(queued) != 1 || queued[0].ComplaintID != c.ID || queued[0].Language != "es" || queued[0].Kind != redress.MailReceipt {
				t.Fatalf("outbox %+v %v", queued, err)
			}

			// The audit event names the complaint, agency and MOA, and holds no identity.
			evs, err := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c.ID})
			if err != nil || len(evs) != 1 {
				t.Fatalf("audit events %v %v", evs, err)
			}
			ev := evs[0]
			if ev.Action != redress.ActionComplaintFiled || ev.Actor != redress.ActorPublic ||
				ev.AgencyID != e.agency.ID || ev.AgreementID != c.AgreementID || ev.RequestID == "" {
				t.Fatalf("audit event %+v", ev)
			}
			details, _ := json.Marshal(ev.Details)
			for _, secret := range []string{"Ana", "ana@example.org", "555", "fianza"} {
				if strings.Contains(string(details), secret) {
					t.Fatalf("audit details hold %q: %s", secret, details)
				}
			}
		})

		t.Run("OKAnonymousNoAgency", func(t *testing.T) {
			in := validComplaint(0)
			delete(in, "agency_id")
			in["state"] = "Texas"
			in["agency_other"] = "Policía del pueblo"
			in["anonymous"] = true
			rec := e.postJSON("/api/v1/complaints", in)
			if rec.Code != http.StatusCreated {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			got := decode[created](t, rec)
			if got.Agreement != nil {
				t.Fatalf("agreement %+v without an agency", got.Agreement)
			}
			rr, _ := db.ComplaintReceipt(ctx, got.TrackingNumber)
			c, sealed, _ := db.Complaint(ctx, rr.ComplaintID)
			if !c.Anonymous || sealed != nil || len(c.Consent) != 0 || c.State != "TX" {
				t.Fatalf("anonymous complaint kept identity: %+v sealed=%v", c, sealed)
			}
			if queued, _ := db.ListOutbox(ctx, store.OutboxFilter{ComplaintID: c.ID}); len(queued) != 0 {
				t.Fatalf("anonymous complaint queued email: %+v", queued)
			}
		})

		t.Run("OKAmbiguousAgreementIsNone", func(t *testing.T) {
			in := validComplaint(e.multi.ID)
			in["functions"] = []string{"detainer"} // JEM or WSO: do not guess
			got := decode[created](t, e.postJSON("/api/v1/complaints", in))
			if got.Agreement != nil {
				t.Fatalf("agreement %+v, want none", got.Agreement)
			}
			in["functions"] = []string{"field_arrest"}
			got = decode[created](t, e.postJSON("/api/v1/complaints", in))
			if got.Agreement == nil || got.Agreement.Model != "TFM" {
				t.Fatalf("agreement %+v, want Collier's TFM", got.Agreement)
			}
		})

		t.Run("OKMarkupStoredAsGiven", func(t *testing.T) {
			in := validComplaint(e.agency.ID)
			text := `<script>alert("x")</script> '; DROP TABLE complaints; --`
			in["narrative"] = text
			in["officers"] = `<b>Sgt. O'Neil</b>`
			rec := e.postJSON("/api/v1/complaints", in)
			if rec.Code != http.StatusCreated {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			got := decode[created](t, rec)
			rr, _ := db.ComplaintReceipt(ctx, got.TrackingNumber)
			c, _, _ := db.Complaint(ctx, rr.ComplaintID)
			if c.Narrative != text || c.Officers != `<b>Sgt. O'Neil</b>` {
				t.Fatalf("stored %q / %q", c.Narrative, c.Officers)
			}
		})
	})
}

func TestComplaintCreateBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		valid := func(edit func(map[string]any)) []byte {
			in := validComplaint(e.agency.ID)
			edit(in)
			b, _ := json.Marshal(in)
			return b
		}
		many := make([]string, 21)
		for i := range many {
			many[i] = "other"
		}
		for _, tc := range []struct {
			name        string
			contentType string
			body        []byte
			header      []string
			status      int
			field       string // the one field named, for 422
			message     string // part of the message expected
		}{
			{"MalformedJSON", "application/json", []byte(`{"language": "es",`), nil, 400, "", "not well formed"},
			{"NotAnObject", "application/json", []byte(`["a"]`), nil, 400, "", "JSON object"},
			{"Empty", "application/json", nil, nil, 400, "", "empty"},
			{"TrailingData", "application/json", append(valid(func(map[string]any) {}), []byte(`{}`)...), nil, 400, "", "more after"},
			{"InvalidUTF8", "application/json", []byte("{\"language\":\"es\",\"narrative\":\"caf\xe9\"}"), nil, 400, "", "UTF-8"},
			{"WrongContentType", "text/plain", valid(func(map[string]any) {}), nil, 415, "", "Content-Type: application/json"},
			{"FormContentType", "application/x-www-form-urlencoded", []byte("narrative=x"), nil, 415, "", "application/json"},
			{"TooLarge", "application/json", valid(func(in map[string]any) { in["narrative"] = strings.Repeat("a", 300<<10) }), nil, 413, "", "262144"},
			{"UnknownAgency", "application/json", valid(func(in map[string]any) { in["agency_id"] = 999999 }), nil, 422, "agency_id", "No encontramos esta agencia"},
			{"FutureDate", "application/json", valid(func(in map[string]any) { in["incident_date"] = "2025-08-03" }), nil, 422, "incident_date", "futuro"},
			{"Before1996", "application/json", valid(func(in map[string]any) { in["incident_date"] = "1990-01-01" }), nil, 422, "incident_date", "1996"},
			{"UnknownCategory", "application/json", valid(func(in map[string]any) { in["categories"] = []string{"immigration_status"} }), nil, 422, "categories", "immigration_status"},
			{"TooManyItems", "application/json", valid(func(in map[string]any) { in["categories"] = many }), nil, 422, "categories", "20"},
			{"UnknownField", "application/json", valid(func(in map[string]any) { in["immigration_status"] = "x" }), nil, 422, "immigration_status", "no forma parte"},
			{"WrongType", "application/json", valid(func(in map[string]any) { in["agency_id"] = "Harris" }), nil, 422, "agency_id", "tipo de valor"},
			{"EnglishMessages", "application/json", valid(func(in map[string]any) { in["language"] = "en"; in["incident_date"] = "2025-08-03" }), nil, 422, "incident_date", "cannot be in the future"},
			{"AcceptLanguageForBadJSON", "application/json", []byte(`{`), []string{"Accept-Language", "es-MX,es;q=0.9"}, 400, "", "no es JSON válido"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := e.counts()
				rec := e.do(http.MethodPost, "/api/v1/complaints", tc.contentType, tc.body, tc.header...)
				if rec.Code != tc.status {
					t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
				}
				got := decode[errResp](t, rec)
				all := got.Error
				for _, f := range got.Fields {
					all += " | " + f.Field + ": " + f.Message
				}
				if !strings.Contains(all, tc.message) {
					t.Errorf("message %q does not contain %q", all, tc.message)
				}
				if tc.field != "" && (len(got.Fields) != 1 || got.Fields[0].Field != tc.field) {
					t.Errorf("fields %+v, want only %s", got.Fields, tc.field)
				}
				if after := e.counts(); after != before {
					t.Fatalf("refused input changed the database: %v -> %v", before, after)
				}
			})
		}

		t.Run("MissingRequiredFields", func(t *testing.T) {
			rec := e.postJSON("/api/v1/complaints", map[string]any{"language": "es"})
			if rec.Code != 422 {
				t.Fatalf("status %d", rec.Code)
			}
			got := decode[errResp](t, rec)
			var fields []string
			for _, f := range got.Fields {
				fields = append(fields, f.Field)
				if f.Message != "Este dato es obligatorio." && f.Message != "Elija al menos una opción." {
					t.Errorf("%s: message %q", f.Field, f.Message)
				}
			}
			if strings.Join(fields, ",") != "incident_date,state,narrative,categories,filer" {
				t.Fatalf("fields %v", fields)
			}
		})

		// After all that, the server still files complaints.
		if rec := e.postJSON("/api/v1/complaints", validComplaint(e.agency.ID)); rec.Code != http.StatusCreated {
			t.Fatalf("server stopped serving: %d %s", rec.Code, rec.Body)
		}
	})
}

func TestComplaintStatus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		got := decode[created](t, e.postJSON("/api/v1/complaints", validComplaint(e.agency.ID)))
		type status struct {
			TrackingNumber string `json:"tracking_number"`
			Status         string `json:"status"`
			Label          string `json:"label"`
			ReceivedOn     string `json:"received_on"`
			Steps          []struct {
				Status, Label, Date string
			} `json:"steps"`
		}

		t.Run("OK", func(t *testing.T) {
			before := e.counts()
			// Typed sloppily, as people do: lower case, spaces for dashes.
			rec := e.postJSON("/api/v1/complaints/status", map[string]string{
				"tracking_number": strings.ToLower(strings.ReplaceAll(got.TrackingNumber, "-", " ")),
				"receipt_code":    strings.ToLower(got.ReceiptCode),
			})
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Error("status answer may be cached")
			}
			st := decode[status](t, rec)
			if st.TrackingNumber != got.TrackingNumber || st.Status != "received" || st.Label != "Recibida" ||
				len(st.Steps) != 1 || st.Steps[0].Status != "received" || st.Steps[0].Date != st.ReceivedOn || st.ReceivedOn == "" {
				t.Fatalf("status %+v", st)
			}
			if after := e.counts(); after[2] != before[2]+1 {
				t.Fatal("status check wrote no audit event")
			}
			// The complaint's language for an English browser, until the person chooses.
			es := decode[status](t, e.postJSON("/api/v1/complaints/status", map[string]string{
				"tracking_number": got.TrackingNumber, "receipt_code": got.ReceiptCode}, "Accept-Language", "en-US"))
			if es.Label != "Recibida" {
				t.Fatalf("label %q for an English browser; want the complaint's Spanish", es.Label)
			}
			en := decode[status](t, e.postJSON("/api/v1/complaints/status", map[string]string{
				"tracking_number": got.TrackingNumber, "receipt_code": got.ReceiptCode, "language": "en"}, "Accept-Language", "es"))
			if en.Label != "Received" {
				t.Fatalf("English label %q", en.Label)
			}
		})

		other := decode[created](t, e.postJSON("/api/v1/complaints", validComplaint(e.agency.ID)))
		var first string
		for _, tc := range []struct{ name, tracking, receipt string }{
			{"WrongReceipt", got.TrackingNumber, redress.NewReceiptCode()},
			{"AnotherComplaintsReceipt", got.TrackingNumber, other.ReceiptCode},
			{"UnknownTracking", redress.NewTrackingNumber(), got.ReceiptCode},
			{"MalformedTracking", "hello", got.ReceiptCode},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := e.counts()
				rec := e.postJSON("/api/v1/complaints/status", map[string]string{"tracking_number": tc.tracking, "receipt_code": tc.receipt})
				if rec.Code != 404 {
					t.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
				// One answer for every wrong pair, so it tells nothing about which half was wrong.
				if first == "" {
					first = rec.Body.String()
				} else if rec.Body.String() != first {
					t.Fatalf("answer %q differs from %q", rec.Body.String(), first)
				}
				if after := e.counts(); after != before {
					t.Fatalf("failed check changed the database")
				}
			})
		}

		t.Run("ErrMissing", func(t *testing.T) {
			rec := e.postJSON("/api/v1/complaints/status", map[string]string{"tracking_number": got.TrackingNumber})
			if rec.Code != 422 || !strings.Contains(rec.Body.String(), "receipt_code") {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		})
	})
}
