package web_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/web/browsertest"
)

// sealAudit seals every event written so far, signing a checkpoint every five events,
// with the key the test server shows and trusts.
func sealAudit(t *testing.T, db *store.DB) {
	t.Helper()
	sealer := audit.NewSealer(db, testAuditKey, audit.SealerConfig{BatchSize: 5, CheckpointEvery: 5})
	if _, err := sealer.SealPending(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// auditSearched checks the event of a look at the log: the filters given, nothing found.
func auditSearched(want map[string]any) func(t *testing.T, evs []redress.AuditEvent) {
	return func(t *testing.T, evs []redress.AuditEvent) {
		t.Helper()
		ev := only1(t, evs, redress.ActionAuditSearched)
		got, _ := ev.Details["filters"].(map[string]any)
		if len(got) != len(want) {
			t.Errorf("audit search filters %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("audit search filter %s = %v, want %v", k, got[k], v)
			}
		}
		if len(ev.Details) != 2 || ev.ComplaintID != 0 {
			t.Errorf("an audit search records its filters and page only: %+v", ev)
		}
	}
}

type eventsResp struct {
	Events []struct {
		ID             int64          `json:"id"`
		Seq            *int64         `json:"seq"`
		Hash           string         `json:"hash"`
		OccurredAt     time.Time      `json:"occurred_at"`
		Actor          string         `json:"actor"`
		Action         string         `json:"action"`
		ComplaintID    *int64         `json:"complaint_id"`
		TrackingNumber string         `json:"tracking_number"`
		AgencyID       *int64         `json:"agency_id"`
		AgreementID    *int64         `json:"agreement_id"`
		Details        map[string]any `json:"details"`
	} `json:"events"`
	Total   int   `json:"total"`
	Page    int   `json:"page"`
	PerPage int   `json:"per_page"`
	Upto    int64 `json:"upto"`
}

// events asks the events API as caller and decodes the answer, which must be 200.
func (s *staff) events(caller, query string) eventsResp {
	s.t.Helper()
	rec := s.queueGet(caller, "/api/v1/audit/events?"+query, "")
	if rec.Code != http.StatusOK {
		s.t.Fatalf("events?%s as %s: %d %s", query, caller, rec.Code, rec.Body)
	}
	return decode[eventsResp](s.t, rec)
}

// fileHarris files a complaint against Harris County, under its JEM agreement, and
// returns its id, tracking number and agreement id.
func (s *staff) fileHarris() (int64, string, int64) {
	s.t.Helper()
	got := decode[created](s.t, s.postJSON("/api/v1/complaints", validComplaint(s.agency.ID)))
	rr, err := s.db.ComplaintReceipt(context.Background(), got.TrackingNumber)
	if err != nil || got.Agreement == nil {
		s.t.Fatalf("filed %+v: %v", got, err)
	}
	return rr.ComplaintID, got.TrackingNumber, got.Agreement.ID
}

func tracking(t *testing.T, db *store.DB, id int64) string {
	t.Helper()
	c, _, err := db.Complaint(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c.TrackingNumber
}

// Who may use the trail's API: the key is anyone's; checkpoints and the log need an
// oversight auditor or a supervisor, by session or API token; the export an auditor.
func TestAuditAPIAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		rec := s.queueGet("anonymous", "/api/v1/audit/key", "")
		key := decode[map[string]string](t, rec)
		if rec.Code != 200 || key["public_key"] != audit.EncodePublicKey(testAuditKey.Public()) || key["key_id"] != testAuditKey.ID() ||
			key["algorithm"] != "Ed25519" {
			t.Fatalf("key: %d %v", rec.Code, key)
		}
		if pub, err := audit.ParsePublicKey(key["public_key"]); err != nil || !pub.Equal(testAuditKey.Public()) {
			t.Fatalf("the key served does not read back: %v", err)
		}
		token, _, err := s.auth.CreateToken(context.Background(), auth.Meta{Actor: "test"}, "auditor@example.org", "oversight office")
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/api/v1/audit/checkpoints", "/api/v1/audit/events", "/api/v1/audit/export"} {
			for caller, want := range map[string]int{"anonymous": 401, "investigator": 403, "intake": 403, "admin": 403, "auditor": 200} {
				if got := s.queueGet(caller, path, "").Code; got != want {
					t.Errorf("%s as %s: %d, want %d", path, caller, got, want)
				}
			}
			if rec := s.do("GET", path, "", nil, "Authorization", "Bearer "+token); rec.Code != 200 {
				t.Errorf("%s with the auditor's API token: %d %s", path, rec.Code, rec.Body)
			}
		}
		// Supervisors read the log and the checkpoints, and export nothing.
		for path, want := range map[string]int{"/api/v1/audit/checkpoints": 200, "/api/v1/audit/events": 200, "/api/v1/audit/export": 403} {
			if got := s.queueGet("supervisor", path, "").Code; got != want {
				t.Errorf("%s as supervisor: %d, want %d", path, got, want)
			}
		}
	})
}

// Checkpoints come signed with the server's key, oldest first, paged by seq, as JSON or
// as the JSON Lines `redress audit verify --checkpoints` reads.
func TestAuditCheckpointsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		sealAudit(t, db)
		type page struct {
			Checkpoints []audit.Checkpoint `json:"checkpoints"`
			NextAfter   int64              `json:"next_after"`
		}
		all := decode[page](t, s.queueGet("auditor", "/api/v1/audit/checkpoints", ""))
		if len(all.Checkpoints) < 3 {
			t.Fatalf("%d checkpoints, want several", len(all.Checkpoints))
		}
		trusted := []ed25519.PublicKey{testAuditKey.Public()}
		for i, cp := range all.Checkpoints {
			if err := cp.Verify(trusted); err != nil {
				t.Errorf("checkpoint %d: %v", cp.Seq, err)
			}
			if i > 0 && cp.Seq <= all.Checkpoints[i-1].Seq {
				t.Errorf("checkpoints out of order: %d after %d", cp.Seq, all.Checkpoints[i-1].Seq)
			}
		}
		if all.NextAfter != all.Checkpoints[len(all.Checkpoints)-1].Seq {
			t.Errorf("next_after %d", all.NextAfter)
		}
		first := all.Checkpoints[0].Seq
		next := decode[page](t, s.queueGet("supervisor", "/api/v1/audit/checkpoints?limit=1&after="+strconv.FormatInt(first, 10), ""))
		if len(next.Checkpoints) != 1 || next.Checkpoints[0].Seq != all.Checkpoints[1].Seq || next.NextAfter != all.Checkpoints[1].Seq {
			t.Fatalf("the page after seq %d: %+v", first, next)
		}
		rec := s.queueGet("auditor", "/api/v1/audit/checkpoints?format=jsonl", "")
		kept, err := audit.ReadCheckpoints(rec.Body)
		if err != nil || len(kept) != len(all.Checkpoints) {
			t.Fatalf("JSON Lines: %d checkpoints, want %d: %v", len(kept), len(all.Checkpoints), err)
		}
		// Kept checkpoints are what a verification checks the trail against.
		if rep, err := audit.Verify(context.Background(), db, audit.VerifyOptions{TrustedKeys: trusted, Kept: kept}); err != nil || !rep.OK() {
			t.Fatalf("verify with the kept checkpoints: %v %v", rep, err)
		}
		for _, bad := range []string{"after=-1", "after=x", "limit=0", "limit=1001", "format=xml"} {
			rec := s.queueGet("auditor", "/api/v1/audit/checkpoints?"+bad, "es")
			field, _, _ := strings.Cut(bad, "=")
			if e := decode[errResp](t, rec); rec.Code != 422 || len(e.Fields) != 1 || e.Fields[0].Field != field ||
				strings.HasPrefix(e.Fields[0].Message, "rule.") {
				t.Errorf("%s: %d %+v", bad, rec.Code, e)
			}
		}
	})
}

// Each filter of the log narrows it to what it names, newest first, paged; every look
// is an audit event of its filters; bad values are field errors in the caller's language.
func TestAuditEventsFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		harris, harrisTracking, agreement := s.fileHarris()
		if rec := s.queueGet("intake", "/staff/complaints/"+strconv.FormatInt(harris, 10), ""); rec.Code != 200 {
			t.Fatalf("open the case: %d", rec.Code)
		}
		sealAudit(t, db)
		intake := auth.Subject(s.users["intake"].ID)

		got := s.events("auditor", "complaint="+strings.ToLower(harrisTracking))
		if got.Total == 0 || got.Total != len(got.Events) {
			t.Fatalf("complaint filter: %+v", got)
		}
		for _, ev := range got.Events {
			if ev.ComplaintID == nil || *ev.ComplaintID != harris || ev.TrackingNumber != harrisTracking {
				t.Errorf("complaint filter gave %s about %v", ev.Action, ev.ComplaintID)
			}
			if ev.Seq == nil || len(ev.Hash) != 64 {
				t.Errorf("sealed event %d without its seal: %v %q", ev.ID, ev.Seq, ev.Hash)
			}
		}
		for i := 1; i < len(got.Events); i++ {
			if got.Events[i].ID >= got.Events[i-1].ID {
				t.Errorf("not newest first: %d after %d", got.Events[i].ID, got.Events[i-1].ID)
			}
		}
		all := s.events("auditor", "per_page=1").Total
		every := func(match func(actor, action string, complaint, agency, agreement *int64) bool) func(eventsResp) bool {
			return func(r eventsResp) bool {
				for _, ev := range r.Events {
					if !match(ev.Actor, ev.Action, ev.ComplaintID, ev.AgencyID, ev.AgreementID) {
						return false
					}
				}
				return r.Total > 0 && r.Total < all && r.Total == len(r.Events)
			}
		}
		is := func(p *int64, id int64) bool { return p != nil && *p == id }
		for _, c := range []struct {
			query string
			ok    func(eventsResp) bool
		}{
			{"agreement=" + strconv.FormatInt(agreement, 10), every(func(_, _ string, _, _, ag *int64) bool { return is(ag, agreement) })},
			{"agency=" + strconv.FormatInt(s.agency.ID, 10), every(func(_, _ string, _, a, _ *int64) bool { return is(a, s.agency.ID) })},
			{"actor=intake%40example.org", every(func(actor, _ string, _, _, _ *int64) bool { return actor == intake })},
			{"actor=" + url.QueryEscape(intake) + "&action=complaint.viewed", func(r eventsResp) bool {
				return r.Total == 1 && r.Events[0].Actor == intake && r.Events[0].Action == redress.ActionComplaintViewed &&
					is(r.Events[0].ComplaintID, harris)
			}},
			{"action=complaint.filed", func(r eventsResp) bool {
				// The two complaints newStaff filed, and Harris.
				return every(func(_, action string, _, _, _ *int64) bool { return action == redress.ActionComplaintFiled })(r) && r.Total == 3
			}},
			{"action=complaint.*", every(func(_, action string, _, _, _ *int64) bool { return strings.HasPrefix(action, "complaint.") })},
			{"from=2099-01-01", func(r eventsResp) bool { return r.Total == 0 && len(r.Events) == 0 }},
			{"to=2000-01-01", func(r eventsResp) bool { return r.Total == 0 && len(r.Events) == 0 }},
			{"from=" + url.QueryEscape(time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)) + "&to=" + time.Now().UTC().Format(time.DateOnly) +
				"&action=complaint.filed", func(r eventsResp) bool { return r.Total == 3 }},
		} {
			if r := s.events("auditor", c.query+"&per_page=200"); !c.ok(r) {
				t.Errorf("%s: %d events (of %d): %+v", c.query, r.Total, all, r.Events)
			}
		}

		// Pages of one search follow one another, though every look adds an event.
		p1 := s.events("auditor", "per_page=3")
		upto := strconv.FormatInt(p1.Upto, 10)
		p2 := s.events("auditor", "per_page=3&page=2&upto="+upto)
		p3 := s.events("auditor", "per_page=3&page=3&upto="+upto)
		if len(p1.Events) != 3 || len(p2.Events) != 3 || p1.Upto != p1.Events[0].ID || p1.Total != p2.Total || p2.Total != p3.Total ||
			p2.Events[0].ID != p1.Events[2].ID-1 || p3.Events[0].ID != p2.Events[2].ID-1 || p2.Page != 2 || p2.PerPage != 3 || p2.Upto != p1.Upto {
			t.Fatalf("pages: %+v / %+v / %+v", p1, p2, p3)
		}

		// An event written since is shown unsealed.
		if err := db.RecordAudit(ctx, redress.AuditEvent{Actor: "system", Action: "test.unsealed"}); err != nil {
			t.Fatal(err)
		}
		if r := s.events("auditor", "action=test.unsealed"); len(r.Events) != 1 || r.Events[0].Seq != nil || r.Events[0].Hash != "" {
			t.Fatalf("unsealed event: %+v", r.Events)
		}

		// Looking is recorded: the filters as given.
		evs, err := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionAuditSearched, NewestFirst: true, Limit: 1})
		if err != nil || len(evs) != 1 {
			t.Fatal(evs, err)
		}
		auditSearched(map[string]any{"action": "test.unsealed"})(t, evs)

		for query, field := range map[string]string{
			"complaint=RX-12":                   "complaint",
			"complaint=RX-0000-0000":            "complaint",
			"agreement=0":                       "agreement",
			"agency=abc":                        "agency",
			"actor=nobody%40example.org":        "actor",
			"action=DROP+TABLE":                 "action",
			"from=2025-13-01":                   "from",
			"from=2025-08-02&to=2025-08-01":     "to",
			"page=0":                            "page",
			"per_page=201":                      "per_page",
			"actor=" + strings.Repeat("a", 201): "actor",
		} {
			rec := s.queueGet("auditor", "/api/v1/audit/events?"+query, "es")
			e := decode[errResp](t, rec)
			if rec.Code != 422 || len(e.Fields) != 1 || e.Fields[0].Field != field {
				t.Errorf("%s: %d %+v", query, rec.Code, e)
				continue
			}
			en := decode[errResp](t, s.queueGet("auditor", "/api/v1/audit/events?"+query, "en"))
			if m := e.Fields[0].Message; strings.HasPrefix(m, "rule.") || len(en.Fields) != 1 || m == en.Fields[0].Message {
				t.Errorf("%s: message not in Spanish: %q", query, m)
			}
		}
	})
}

// A unit's supervisor sees the events about complaints now in the unit, nothing else;
// an auditor in every unit sees all of them, sign-ins and accounts included.
func TestAuditSupervisorScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		sup := s.events("supervisor", "per_page=200")
		aud := s.events("auditor", "per_page=200")
		if sup.Total == 0 || aud.Total <= sup.Total {
			t.Fatalf("supervisor sees %d events, auditor %d", sup.Total, aud.Total)
		}
		sawTX := false
		for _, ev := range sup.Events {
			if ev.ComplaintID == nil || *ev.ComplaintID != s.txCase {
				t.Errorf("supervisor of tx sees %s about complaint %v", ev.Action, ev.ComplaintID)
			}
			sawTX = true
		}
		sawFL, sawLogin := false, false
		for _, ev := range aud.Events {
			sawFL = sawFL || ev.ComplaintID != nil && *ev.ComplaintID == s.flCase
			sawLogin = sawLogin || ev.Action == redress.ActionLogin
		}
		if !sawTX || !sawFL || !sawLogin {
			t.Errorf("tx events for the supervisor %v; fl events %v and sign-ins %v for the auditor", sawTX, sawFL, sawLogin)
		}
		fl := tracking(t, db, s.flCase)
		// To the supervisor of tx, a complaint in fl is one that does not exist.
		if rec := s.queueGet("supervisor", "/api/v1/audit/events?complaint="+fl, ""); rec.Code != http.StatusUnprocessableEntity ||
			!strings.Contains(rec.Body.String(), "No complaint you may see") {
			t.Errorf("supervisor of tx asks for a complaint in fl: %d %s", rec.Code, rec.Body)
		}
		if r := s.events("auditor", "complaint="+fl); r.Total == 0 {
			t.Errorf("auditor finds no events of the complaint in fl")
		}
		// The page and each complaint's history follow the same rule.
		body := s.queueGet("supervisor", "/oversight/audit?per_page=200", "").Body.String()
		if !strings.Contains(body, tracking(t, db, s.txCase)) || strings.Contains(body, fl) {
			t.Errorf("the supervisor's log page shows the wrong complaints")
		}
		if got := s.queueGet("supervisor", "/oversight/audit/complaints/"+strconv.FormatInt(s.flCase, 10), "").Code; got != 403 {
			t.Errorf("supervisor of tx opens the history of a complaint in fl: %d", got)
		}
		if got := s.queueGet("supervisor", "/oversight/audit/complaints/"+strconv.FormatInt(s.txCase, 10), "").Code; got != 200 {
			t.Errorf("supervisor of tx opens the history of a complaint in tx: %d", got)
		}
		// When the complaint moves to another unit, its history goes with it.
		rec := s.do("POST", "/api/v1/staff/complaints/"+strconv.FormatInt(s.txCase, 10)+"/triage", "application/json",
			[]byte(`{"unit":"fl"}`), "Cookie", "redress_session="+s.cookies["supervisor"])
		if rec.Code != 200 {
			t.Fatalf("move to fl: %d %s", rec.Code, rec.Body)
		}
		if r := s.events("supervisor", ""); r.Total != 0 {
			t.Errorf("supervisor of tx still sees %d events of a complaint moved to fl", r.Total)
		}
	})
}

// The log page: filters, seals, links to each complaint's history, in the reader's
// language; bad filters redraw the form with a summary and 422.
func TestAuditLogPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		tx := tracking(t, db, s.txCase)
		sealAudit(t, db)
		rec := s.queueGet("auditor", "/oversight/audit?complaint="+tx, "es")
		body := rec.Body.String()
		if rec.Code != 200 || !strings.Contains(body, "Registro de auditoría") ||
			!strings.Contains(body, `href="/oversight/audit/complaints/`+strconv.FormatInt(s.txCase, 10)+`">`+tx+`<`) {
			t.Fatalf("log page: %d\n%s", rec.Code, body)
		}
		evs, _, err := db.SearchAudit(context.Background(), redress.AuditFilter{ComplaintID: s.txCase, Limit: 1})
		if err != nil || len(evs) != 1 || evs[0].Seq == 0 {
			t.Fatal(evs, err)
		}
		short := regexp.MustCompile(`<code class="nowrap">([0-9a-f]{12})</code>`).FindAllStringSubmatch(body, -1)
		if len(short) == 0 || !strings.Contains(body, `<span class="nowrap">`+strconv.FormatInt(evs[0].Seq, 10)+`</span>`) {
			t.Errorf("the page shows no seals")
		}
		if !strings.Contains(body, audit.EncodePublicKey(testAuditKey.Public())) || !strings.Contains(body, testAuditKey.ID()) {
			t.Errorf("the page does not show the audit key")
		}
		if strings.Contains(body, "<script") || !strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("oversight pages run no script")
		}
		if strings.Contains(body, `http-equiv="refresh"`) {
			t.Errorf("the log page reloads itself")
		}

		rec = s.queueGet("auditor", "/oversight/audit?from=2025-13-01&actor=nadie%40example.org", "es")
		body = rec.Body.String()
		if rec.Code != 422 || !strings.Contains(body, `id="errors"`) || !strings.Contains(body, `href="#filter-from"`) ||
			!strings.Contains(body, "AAAA-MM-DD") || !strings.Contains(body, "Ninguna cuenta del personal") ||
			!strings.Contains(body, `aria-invalid="true"`) {
			t.Fatalf("bad filters: %d\n%s", rec.Code, body)
		}

		// The history of one complaint, oldest first, is an event about that complaint.
		rec = s.queueGet("auditor", "/oversight/audit/complaints/"+strconv.FormatInt(s.txCase, 10), "en")
		body = rec.Body.String()
		if rec.Code != 200 || !strings.Contains(body, "History of "+tx) || !strings.Contains(body, "Complaint filed") {
			t.Fatalf("history: %d\n%s", rec.Code, body)
		}
		if i, j := strings.Index(body, "complaint.filed"), strings.Index(body, "Sealed as seq"); i < 0 || j < 0 {
			t.Errorf("history lacks the filing or the seals")
		}
		if n := s.auditCount(redress.ActionAuditHistoryViewed, s.txCase); n != 1 {
			t.Errorf("%d history views recorded about the complaint, want 1", n)
		}
		harris, _, agreement := s.fileHarris()
		body = s.queueGet("supervisor", "/oversight/audit/complaints/"+strconv.FormatInt(harris, 10), "en").Body.String()
		if !strings.Contains(body, "Harris County Sheriff&#39;s Office (TX)") || !strings.Contains(body, "JEM #"+strconv.FormatInt(agreement, 10)) {
			t.Errorf("history does not name the agency and agreement:\n%s", body)
		}
		if got := s.queueGet("auditor", "/oversight/audit/complaints/999999", "").Code; got != 404 {
			t.Errorf("history of no complaint: %d", got)
		}
		// The menu offers the pages to those who may use them.
		for caller, want := range map[string][]bool{"auditor": {true, true, true}, "supervisor": {true, false, false}, "investigator": {false, false, false}} {
			body := s.queueGet(caller, "/staff", "").Body.String()
			for i, href := range []string{"/oversight/audit", "/oversight/verify", "/oversight/export"} {
				if got := strings.Contains(body, `href="`+href+`"`); got != want[i] {
					t.Errorf("menu of %s links %s: %v, want %v", caller, href, got, want[i])
				}
			}
		}
	})
}

// An export from the web downloads a file that checks out offline against the public
// key, and is recorded with its filter and range.
func TestAuditExportWeb(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		harris, harrisTracking, agreement := s.fileHarris()
		sealAudit(t, db)
		trusted := audit.VerifyOptions{TrustedKeys: []ed25519.PublicKey{testAuditKey.Public()}}
		check := func(rec *httptest.ResponseRecorder, complaint int64) audit.Report {
			t.Helper()
			if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment; filename=") ||
				rec.Header().Get("Content-Type") != "application/x-ndjson" {
				t.Fatalf("export: %d %v\n%.500s", rec.Code, rec.Header(), rec.Body)
			}
			b := rec.Body.Bytes()
			rep, err := audit.VerifyExport(context.Background(), bytes.NewReader(b), trusted)
			if err != nil || !rep.OK() || rep.Shown == 0 || !rep.Trusted {
				t.Fatalf("the export does not verify: %v %v", rep, err)
			}
			for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
				var l struct {
					Type        string `json:"type"`
					ComplaintID *int64 `json:"complaint_id"`
				}
				if err := json.Unmarshal(line, &l); err != nil {
					t.Fatal(err)
				}
				if complaint != 0 && l.Type == "event" && (l.ComplaintID == nil || *l.ComplaintID != complaint) {
					t.Errorf("the export shows an event of complaint %v", l.ComplaintID)
				}
			}
			// Changing one shown event breaks the check.
			tampered := bytes.Replace(b, []byte(`"action":"complaint.filed"`), []byte(`"action":"complaint.filet"`), 1)
			if rep, _ := audit.VerifyExport(context.Background(), bytes.NewReader(tampered), trusted); rep.OK() {
				t.Errorf("a changed export verifies")
			}
			return rep
		}
		check(s.queueGet("auditor", "/api/v1/audit/export?complaint="+harrisTracking+"&from=2025-01-01", ""), harris)
		evs, err := db.ListAudit(context.Background(), redress.AuditFilter{Action: redress.ActionExported})
		if err != nil || len(evs) != 1 || evs[0].ComplaintID != harris || evs[0].AgreementID != agreement || evs[0].Details["from"] == nil ||
			evs[0].Details["shown"] == nil || evs[0].Actor != auth.Subject(s.users["auditor"].ID) {
			t.Fatalf("export event %+v %v", evs, err)
		}
		check(s.queueGet("auditor", "/oversight/export?download=1&agreement="+strconv.FormatInt(agreement, 10), ""), 0)
		check(s.queueGet("auditor", "/oversight/export?download=1&from=&to=&complaint=&agreement=", ""), 0)
		if n, _ := db.CountAudit(context.Background(), redress.ActionExported); n != 3 {
			t.Errorf("%d exports recorded, want 3", n)
		}

		// The form, and the form redrawn with what was wrong.
		rec := s.queueGet("auditor", "/oversight/export", "es")
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Exportar el registro de auditoría") ||
			!strings.Contains(rec.Body.String(), `name="download"`) {
			t.Fatalf("export form: %d", rec.Code)
		}
		rec = s.queueGet("auditor", "/oversight/export?download=1&from=ayer&complaint=RX-0000-0000", "es")
		if body := rec.Body.String(); rec.Code != 422 || !strings.Contains(body, `href="#filter-from"`) ||
			!strings.Contains(body, `href="#filter-complaint"`) || !strings.Contains(body, "RX-0000-0000") {
			t.Fatalf("bad export form: %d\n%s", rec.Code, body)
		}
		if n, _ := db.CountAudit(context.Background(), redress.ActionExported); n != 3 {
			t.Errorf("a refused export was recorded")
		}
		rec = s.queueGet("auditor", "/api/v1/audit/export?to=yesterday", "")
		if e := decode[errResp](t, rec); rec.Code != 422 || len(e.Fields) != 1 || e.Fields[0].Field != "to" {
			t.Errorf("bad API export: %d %+v", rec.Code, e)
		}
		if got := s.queueGet("supervisor", "/oversight/export", "").Code; got != 403 {
			t.Errorf("supervisor opens the export: %d", got)
		}
	})
}

// verifyNow starts a verification from the page as the auditor, waits for it, and
// returns its page.
func (s *staff) verifyNow() (string, *httptest.ResponseRecorder) {
	s.t.Helper()
	rec := s.cfReq("auditor", "POST", "/oversight/verify", formType, nil)
	loc := rec.Header().Get("Location")
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/oversight/verify/") {
		s.t.Fatalf("start: %d %q", rec.Code, loc)
	}
	s.srv.Audit.Idle()
	return loc, s.queueGet("auditor", loc, "en")
}

// The verification page runs the same check as `redress audit verify`, records it,
// shows progress while it runs and then the outcome.
func TestVerifyPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		sealAudit(t, db)
		loc, rec := s.verifyNow()
		body := rec.Body.String()
		if rec.Code != 200 || !strings.Contains(body, "The audit trail verified") || strings.Contains(body, `http-equiv="refresh"`) ||
			!strings.Contains(body, "audit trail OK:") || strings.Contains(body, "no trusted key given") {
			t.Fatalf("finished verification: %d\n%s", rec.Code, body)
		}
		id, _ := strconv.ParseInt(strings.TrimPrefix(loc, "/oversight/verify/"), 10, 64)
		v, err := db.AuditVerification(ctx, id)
		if err != nil || v.Status != store.VerificationOK || v.Events == 0 || v.Checkpoints == 0 || !v.TrustedKey || v.Done != v.Events ||
			v.Window != 5 || v.LastSignedSeq == 0 {
			t.Fatalf("verification %+v %v", v, err)
		}
		// What the signatures cover, and the unsigned tail within the window.
		unsigned := v.HeadSeq - v.LastSignedSeq
		coverage := fmt.Sprintf("Signatures cover seq 1 to %d of 1 to %d (%s).", v.LastSignedSeq, v.HeadSeq, audit.CoveredPercent(v.LastSignedSeq, v.HeadSeq))
		if !strings.Contains(body, coverage) || !strings.Contains(body, fmt.Sprintf("signatures cover seq 1-%d of 1-%d", v.LastSignedSeq, v.HeadSeq)) ||
			(unsigned > 0) != strings.Contains(body, "within the window of 5 events") {
			t.Fatalf("coverage %q (%d unsigned) not shown:\n%s", coverage, unsigned, body)
		}
		started, _ := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionVerifyStarted})
		done, _ := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionVerified})
		if len(started) != 1 || len(done) != 1 || done[0].Details["ok"] != true || done[0].Details["verification_id"] != float64(id) ||
			started[0].Actor != auth.Subject(s.users["auditor"].ID) || done[0].Actor != started[0].Actor {
			t.Fatalf("events %+v / %+v", started, done)
		}
		if form := s.queueGet("auditor", "/oversight/verify", "es").Body.String(); !strings.Contains(form, `href="`+loc+`"`) ||
			!strings.Contains(form, "Verificado") || !strings.Contains(form, "Verificar el registro ahora") {
			t.Errorf("the form does not list the verification:\n%s", form)
		}

		// While one runs, its page reloads itself and shows how far it has come, and
		// starting another shows that one instead.
		running, err := db.StartAuditVerification(ctx, redress.AuditEvent{Actor: "test", Action: redress.ActionVerifyStarted})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AuditVerificationProgress(ctx, running.ID, 40, 160); err != nil {
			t.Fatal(err)
		}
		runURL := "/oversight/verify/" + strconv.FormatInt(running.ID, 10)
		body = s.queueGet("auditor", runURL, "es").Body.String()
		if !strings.Contains(body, `<meta http-equiv="refresh" content="2">`) || !strings.Contains(body, `max="160" value="40"`) ||
			!strings.Contains(body, "40 de 160 eventos comprobados (25 %)") {
			t.Fatalf("running verification:\n%s", body)
		}
		if rec := s.cfReq("auditor", "POST", "/oversight/verify", formType, nil); rec.Header().Get("Location") != runURL {
			t.Errorf("a second start went to %q, not to the one running", rec.Header().Get("Location"))
		}
		// A verification whose process ended stops reloading and says so.
		db.Now = func() time.Time { return time.Now().Add(2 * store.VerificationStaleAfter) }
		body = s.queueGet("auditor", runURL, "en").Body.String()
		db.Now = time.Now
		if strings.Contains(body, `http-equiv="refresh"`) || !strings.Contains(body, "stopped before the end") {
			t.Fatalf("stopped verification:\n%s", body)
		}
		if got := s.queueGet("auditor", "/oversight/verify/abc", "").Code; got != 404 {
			t.Errorf("verification abc: %d", got)
		}
	})
}

// dropAuditTriggers removes the append-only triggers, as someone with full control of
// the database could (internal/audit's tamper tests do the same).
func dropAuditTriggers(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	var names []struct{ Name, Table string }
	q := `SELECT tgname AS name, c.relname AS "table" FROM pg_trigger JOIN pg_class c ON c.oid = tgrelid
		WHERE NOT tgisinternal AND tgrelid = 'audit_events'::regclass`
	if db.Dialect == store.SQLite {
		q = `SELECT name, tbl_name AS "table" FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'`
	}
	if err := db.Bun().NewRaw(q).Scan(ctx, &names); err != nil || len(names) == 0 {
		t.Fatalf("triggers %v: %v", names, err)
	}
	for _, n := range names {
		drop := "DROP TRIGGER " + n.Name
		if db.Dialect != store.SQLite {
			drop += " ON " + n.Table
		}
		if _, err := db.Bun().ExecContext(ctx, drop); err != nil {
			t.Fatal(err)
		}
	}
}

// A sealed event changed behind the application's back: the page names its sequence
// number and what is wrong, and the failure is recorded.
func TestVerifyPageTamper(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		sealAudit(t, db)
		dropAuditTriggers(t, db)
		if _, err := db.Bun().ExecContext(context.Background(), "UPDATE audit_events SET actor = 'someone else' WHERE seq = 7"); err != nil {
			t.Fatal(err)
		}
		_, rec := s.verifyNow()
		body := rec.Body.String()
		if rec.Code != 200 || !strings.Contains(body, "The audit trail does not verify") ||
			!strings.Contains(body, "First bad sequence number</dt><dd>7</dd>") ||
			!strings.Contains(body, "An event was changed after sealing") || !strings.Contains(body, "FAILED at seq 7") {
			t.Fatalf("tampered trail:\n%s", body)
		}
		done, _ := db.ListAudit(context.Background(), redress.AuditFilter{Action: redress.ActionVerified})
		if len(done) != 1 || done[0].Details["ok"] != false || done[0].Details["problem_seq"] != float64(7) ||
			done[0].Details["problem"] != string(audit.RowAltered) {
			t.Fatalf("verification event %+v", done)
		}
	})
}

// Someone deletes the signed checkpoints: the trail still links up, but with the key
// configured the page fails it, shows the range no signature covers, and records it.
func TestVerifyPageCheckpointsDeleted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		sealAudit(t, db)
		var head int64
		if err := db.Bun().QueryRowContext(context.Background(), "SELECT max(seq) FROM audit_events").Scan(&head); err != nil || head <= 5 {
			t.Fatalf("head %d: %v", head, err)
		}
		dropCheckpointTriggers(t, db)
		if _, err := db.Bun().ExecContext(context.Background(), "DELETE FROM audit_checkpoints"); err != nil {
			t.Fatal(err)
		}
		_, rec := s.verifyNow()
		body := rec.Body.String()
		if rec.Code != 200 || !strings.Contains(body, "The audit trail does not verify") ||
			!strings.Contains(body, fmt.Sprintf("Sequence numbers in doubt</dt><dd>1 to %d</dd>", head)) ||
			!strings.Contains(body, "covered by no signature") || !strings.Contains(body, fmt.Sprintf("FAILED at seq 1-%d: unsigned tail", head)) {
			t.Fatalf("checkpoints deleted:\n%s", body)
		}
		done, _ := db.ListAudit(context.Background(), redress.AuditFilter{Action: redress.ActionVerified})
		if len(done) != 1 || done[0].Details["ok"] != false || done[0].Details["problem"] != string(audit.UnsignedTail) ||
			done[0].Details["problem_from"] != float64(1) || done[0].Details["problem_to"] != float64(head) {
			t.Fatalf("verification event %+v", done)
		}
	})
}

// dropCheckpointTriggers lets a test delete checkpoints, as the database's owner could.
func dropCheckpointTriggers(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	var names []string
	q := "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_checkpoints'::regclass AND NOT tgisinternal"
	if db.Dialect == store.SQLite {
		q = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_checkpoints'"
	}
	if err := db.Bun().NewRaw(q).Scan(ctx, &names); err != nil || len(names) == 0 {
		t.Fatalf("triggers %v: %v", names, err)
	}
	for _, n := range names {
		drop := "DROP TRIGGER " + n
		if db.Dialect != store.SQLite {
			drop += " ON audit_checkpoints"
		}
		if _, err := db.Bun().ExecContext(ctx, drop); err != nil {
			t.Fatal(err)
		}
	}
}

// The audit log and the verification pages in a real browser, in Spanish, checked with
// axe-core.
func TestBrowserOversight(t *testing.T) {
	b := browsertest.Start(t)
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	s := newStaff(t, db)
	sealAudit(t, db)
	tx := tracking(t, db, s.txCase)
	ts := httptest.NewServer(s.srv)
	t.Cleanup(ts.Close)
	p := b.NewPage(t, "es")
	want := func(what string, got, status int64) {
		t.Helper()
		if got != status {
			t.Fatalf("%s: HTTP %d, want %d", what, got, status)
		}
	}
	signInBrowser(t, p, ts.URL, "auditor")

	want("audit log", p.Open(ts.URL+"/oversight/audit"), http.StatusOK)
	p.Click("#filters > summary") // folded while no filter is in use
	p.Type("filter-complaint", tx)
	p.Type("filter-action", "complaint.*")
	want("filter", p.ClickAndWait(`main form[role=search] button[type=submit]`), http.StatusOK)
	if got := p.Text("main table"); !strings.Contains(got, tx) || !strings.Contains(got, "Queja presentada") {
		t.Fatalf("filtered log lacks %s:\n%s", tx, got)
	}
	p.Screenshot("oversight-audit")
	p.CheckAccessibility("oversight-audit")

	want("bad filter", p.Open(ts.URL+"/oversight/audit?from=2025-13-01"), http.StatusUnprocessableEntity)
	if got := p.Text("#errors"); !strings.Contains(got, "Desde el") || !strings.Contains(got, "AAAA-MM-DD") {
		t.Fatalf("error summary %q", got)
	}
	p.CheckAccessibility("oversight-audit-bad-date")

	want("history", p.Open(ts.URL+"/oversight/audit/complaints/"+strconv.FormatInt(s.txCase, 10)), http.StatusOK)
	p.CheckAccessibility("oversight-history")

	want("verify form", p.Open(ts.URL+"/oversight/verify"), http.StatusOK)
	p.CheckAccessibility("oversight-verify-form")
	want("start", p.ClickAndWait(`main form button[type=submit]`), http.StatusOK)
	run := p.Location()
	s.srv.Audit.Idle()
	want("verification", p.Open(run), http.StatusOK)
	if got := p.Text("#result"); !strings.Contains(got, "El registro de auditoría es correcto") {
		t.Fatalf("result %q", got)
	}
	p.Screenshot("oversight-verified")
	p.CheckAccessibility("oversight-verified")

	want("export form", p.Open(ts.URL+"/oversight/export"), http.StatusOK)
	p.CheckAccessibility("oversight-export")
}
