package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// A staff search for a person's name leaves the name out of the audit trail, which is
// permanent and read by oversight bodies: the queue's page and API (words and officer),
// and the audit log's actor filter. The event still says a text search was made, with a
// keyed tag that matches the same name however it was typed.
func TestSearchTermsNotInAuditTrail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		searches := []struct{ caller, path string }{
			{"intake", "/staff/complaints?q=" + url.QueryEscape("Maria Lopez")},
			{"intake", "/api/v1/staff/complaints?q=" + url.QueryEscape("  maría   LÓPEZ ") + "&status=received"},
			{"investigator", "/staff/complaints?officer=" + url.QueryEscape("Maria Lopez")},
			{"investigator", "/api/v1/staff/complaints?q=" + url.QueryEscape("Ana Gómez")},
			{"supervisor", "/oversight/audit?actor=" + url.QueryEscape("Maria Lopez")},
			{"auditor", "/api/v1/audit/events?actor=" + url.QueryEscape("intake@example.org")},
		}
		for _, q := range searches {
			if rec := s.queueGet(q.caller, q.path, ""); rec.Code != http.StatusOK {
				t.Fatalf("%s %s: status %d\n%s", q.caller, q.path, rec.Code, rec.Body)
			}
		}
		evs, err := db.ListAudit(ctx, redress.AuditFilter{Action: "*"})
		if err != nil {
			t.Fatal(err)
		}
		var filters []map[string]any
		for _, ev := range evs {
			if ev.Action != "complaint.searched" && ev.Action != "audit.searched" {
				continue
			}
			b, _ := json.Marshal(ev.Details)
			low := strings.ToLower(string(b))
			for _, word := range []string{"maria", "maría", "lopez", "lópez", "gómez", "gomez", "@example.org"} {
				if strings.Contains(low, word) {
					t.Errorf("%s event holds %q: %s", ev.Action, word, b)
				}
			}
			f, _ := ev.Details["filters"].(map[string]any)
			filters = append(filters, f)
		}
		if len(filters) != len(searches) {
			t.Fatalf("%d search events, want %d", len(filters), len(searches))
		}
		tag := func(i int, name string) string {
			v, _ := filters[i][name].(string)
			if !strings.HasPrefix(v, "hmac:") || len(v) != len("hmac:")+32 {
				t.Errorf("search %d: %s recorded as %q, want a keyed tag", i, name, v)
			}
			return v
		}
		maria := tag(0, "q")
		if tag(1, "q") != maria || tag(2, "officer") != maria || tag(4, "actor") != maria {
			t.Errorf("one name, typed four ways, tags differently: %v", filters)
		}
		if tag(3, "q") == maria {
			t.Errorf("two names give one tag")
		}
		if filters[1]["status"] != "received" {
			t.Errorf("a fixed-choice filter is no longer recorded: %v", filters[1])
		}
		if want := "user:" + strconv.FormatInt(s.users["intake"].ID, 10); filters[5]["actor"] != want {
			t.Errorf("actor by address recorded as %v, want the account %s", filters[5]["actor"], want)
		}
	})
}

// Oversight auditors see cases de-identified: the county and an agency the registry
// lacks are the complainant's own words, like the narrative, and appear on none of the
// pages, API answers or exports an auditor reads. Whoever handles the case sees them.
func TestAuditorSeesNoComplainantText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		const county, agency = "Condado Qzxcounty", "Policía de Qzxagency"
		in := validComplaint(0)
		delete(in, "agency_id")
		in["state"], in["county"], in["agency_other"] = "TX", county, agency
		tn := decode[created](t, s.postJSON("/api/v1/complaints", in)).TrackingNumber
		rr, err := db.ComplaintReceipt(ctx, tn)
		if err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatInt(rr.ComplaintID, 10)
		// A handler searches by the complainant's words: the export below holds the event.
		if rec := s.queueGet("intake", "/staff/complaints?q=Qzxagency", ""); rec.Code != http.StatusOK {
			t.Fatalf("search: %d", rec.Code)
		}
		sealAudit(t, db)

		reads := []string{
			"/staff/complaints", "/api/v1/staff/complaints", "/staff/complaints?tracking=" + tn,
			"/staff/complaints/" + id, "/api/v1/staff/complaints/" + id,
			"/oversight/audit", "/api/v1/audit/events", "/oversight/audit/complaints/" + id,
			"/api/v1/audit/export", "/oversight/export?download=1",
		}
		for _, path := range reads {
			rec := s.queueGet("auditor", path, "")
			if rec.Code != http.StatusOK {
				t.Errorf("auditor %s: status %d", path, rec.Code)
				continue
			}
			// The whole made-up words, not a fragment: an export carries base64 signatures,
			// in which three given letters turn up now and then by chance.
			if body := strings.ToLower(rec.Body.String()); strings.Contains(body, "qzxcounty") || strings.Contains(body, "qzxagency") {
				t.Errorf("auditor reads the complainant's words at %s", path)
			}
			if path == "/staff/complaints/"+id && !strings.Contains(rec.Body.String(), "Named by the complainant; not shown") {
				t.Errorf("the case page does not say the agency is withheld")
			}
		}
		// The control: a handler of the unit reads them, so the pages above could show them.
		for _, path := range []string{"/staff/complaints", "/api/v1/staff/complaints", "/staff/complaints/" + id,
			"/api/v1/staff/complaints/" + id, "/oversight/audit/complaints/" + id} {
			caller := "intake"
			if strings.HasPrefix(path, "/oversight") {
				caller = "supervisor"
			}
			body := s.queueGet(caller, path, "").Body.String()
			if !strings.Contains(body, "Qzxagency") {
				t.Errorf("%s does not see the agency the complainant named at %s", caller, path)
			}
			if strings.Contains(path, "/complaints/"+id) && !strings.HasPrefix(path, "/oversight") && !strings.Contains(body, county) {
				t.Errorf("%s does not see the county at %s", caller, path)
			}
		}
	})
}

// Linking a complaint by tracking number answers a number of another unit's complaint
// exactly as one no complaint has (status and body, page and API): triage cannot be used
// to learn what exists in a unit the caller cannot see. Neither is linked. The audit
// log's complaint filter answers the same way to a unit's supervisor.
func TestLinkAnswersAlikeForUnseenAndMissing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		fl, _, err := db.Complaint(ctx, s.flCase)
		if err != nil {
			t.Fatal(err)
		}
		const missing = "RX-ZZZZ-ZZZZ"
		if fl.TrackingNumber == missing {
			t.Skip("the fl complaint drew the number used as missing")
		}
		id := strconv.FormatInt(s.txCase, 10)
		type answer struct {
			code int
			body string
		}
		ask := func(tn string) (api, page, audit answer) {
			rec := s.do(http.MethodPost, "/api/v1/staff/complaints/"+id+"/triage", "application/json",
				[]byte(`{"duplicates":["`+tn+`"]}`), "Cookie", "redress_session="+s.cookies["intake"])
			api = answer{rec.Code, strings.ReplaceAll(rec.Body.String(), tn, "TN")}
			code, body := s.post("intake", "/staff/complaints/"+id+"/triage", url.Values{"related": {tn}})
			// The page's error summary; the rest of the page is the case, drawn again.
			if i, j := strings.Index(body, `<div class="error-summary"`), strings.Index(body, `<div class="case-grid">`); i >= 0 && j > i {
				body = body[i:j]
			}
			page = answer{code, strings.ReplaceAll(body, tn, "TN")}
			rec = s.queueGet("supervisor", "/api/v1/audit/events?complaint="+tn, "")
			audit = answer{rec.Code, strings.ReplaceAll(rec.Body.String(), tn, "TN")}
			return
		}
		unseenAPI, unseenPage, unseenAudit := ask(fl.TrackingNumber)
		missingAPI, missingPage, missingAudit := ask(missing)
		for _, c := range []struct {
			what            string
			unseen, missing answer
		}{{"API triage", unseenAPI, missingAPI}, {"page triage", unseenPage, missingPage}, {"audit log", unseenAudit, missingAudit}} {
			if c.unseen != c.missing {
				t.Errorf("%s: another unit's complaint answers\n%d %s\nbut a missing one\n%d %s", c.what,
					c.unseen.code, c.unseen.body, c.missing.code, c.missing.body)
			}
			if c.missing.code != http.StatusUnprocessableEntity {
				t.Errorf("%s: a missing complaint answers %d, want 422", c.what, c.missing.code)
			}
		}
		if !strings.HasPrefix(missingPage.body, `<div class="error-summary"`) || !strings.Contains(missingPage.body, "TN") {
			t.Errorf("the page names no problem with the number: %s", missingPage.body)
		}
		if st, err := db.CaseState(ctx, s.txCase); err != nil || len(st.Links) != 0 {
			t.Errorf("links stored: %+v %v", st.Links, err)
		}
		if n, _ := db.CountAudit(ctx, "complaint.triaged"); n != 0 {
			t.Errorf("%d refused triages recorded", n)
		}
	})
}

// isolatedIn tells whether text appears in body directly inside an element that isolates
// it from the text around it: <bdi>, or any element with dir="auto".
func isolatedIn(body, text string) bool {
	i := strings.Index(body, text)
	if i < 0 {
		return false
	}
	open := body[strings.LastIndex(body[:i], "<"):i]
	return open == "<bdi>" || strings.HasSuffix(open, ">") && strings.Contains(open, `dir="auto"`) && !strings.HasPrefix(open, "</")
}

// Bidirectional overrides and zero-width characters in what people type cannot reorder
// the staff's pages or the complainant's status page: long text is shown inside an
// isolating element, and single-line fields (county, agency, name) lose them at intake.
func TestUserTextIsolated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		const rlo, zwsp = "\u202e", "\u200b"
		narrative := "Me dijeron " + rlo + "fdp.exe" + zwsp + " y nada más."
		officers := "Deputy " + rlo + "ecnarF"
		in := validComplaint(0)
		delete(in, "agency_id")
		in["state"], in["narrative"], in["officers"] = "TX", narrative, officers
		in["county"], in["agency_other"] = "Harris"+rlo+" County", "Policía"+zwsp+" local "+rlo+"xet"
		in["contact"] = map[string]any{"name": "Ana " + rlo + "zemóG", "email": "ana@example.org"}
		got := decode[created](t, s.postJSON("/api/v1/complaints", in))
		rr, err := s.db.ComplaintReceipt(context.Background(), got.TrackingNumber)
		if err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatInt(rr.ComplaintID, 10)
		c, _, err := s.db.Complaint(context.Background(), rr.ComplaintID)
		if err != nil {
			t.Fatal(err)
		}
		if c.County != "Harris County" || c.AgencyOther != "Policía local xet" || c.Narrative != narrative || c.Officers != officers {
			t.Errorf("stored county %q, agency %q, narrative %q, officers %q", c.County, c.AgencyOther, c.Narrative, c.Officers)
		}

		rec := s.do(http.MethodPost, "/staff/complaints/"+id+"/identity", "", nil, "Cookie", "redress_session="+s.cookies["intake"])
		page := rec.Body.String()
		if rec.Code != http.StatusOK {
			t.Fatalf("case page: %d", rec.Code)
		}
		for _, text := range []string{narrative, officers, "Harris County", "Policía local xet", "Ana zemóG"} {
			if !isolatedIn(page, text) {
				t.Errorf("case page does not isolate %q", text)
			}
		}
		queue := s.queueGet("intake", "/staff/complaints", "").Body.String()
		if !isolatedIn(queue, "Policía local xet") {
			t.Errorf("queue does not isolate the agency the complainant named")
		}

		// A message from the office, read by the complainant on the status page.
		msg := "Su caso " + rlo + "odaznava" + " sigue abierto."
		if rec := s.do(http.MethodPost, "/staff/complaints/"+id+"/messages", formType, []byte(url.Values{"body": {msg}}.Encode()),
			"Cookie", "redress_session="+s.cookies["investigator"]); rec.Code != http.StatusSeeOther {
			t.Fatalf("message: %d", rec.Code)
		}
		proof := url.Values{"tracking_number": {got.TrackingNumber}, "receipt_code": {got.ReceiptCode}}
		status := s.do(http.MethodPost, "/status", formType, []byte(proof.Encode()), "RemoteAddr", "203.0.113.9:1").Body.String()
		if !isolatedIn(status, msg) {
			t.Errorf("status page does not isolate the office's message")
		}
		page = s.queueGet("investigator", "/staff/complaints/"+id, "").Body.String()
		if !isolatedIn(page, msg) {
			t.Errorf("case page does not isolate the message")
		}
	})
}
