package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/casefile"
	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// cfReq sends a request as a staff caller (or "anonymous") from addr.
func (s *staff) cfReq(caller, method, path, contentType string, body []byte) *httptest.ResponseRecorder {
	s.t.Helper()
	h := []string{"RemoteAddr", "198.51.100.77:1000"}
	if c := s.cookies[caller]; c != "" {
		h = append(h, "Cookie", "redress_session="+c)
	}
	return s.do(method, path, contentType, body, h...)
}

// multipartForm writes fields, then one file, as a browser sends a form.
func multipartForm(t *testing.T, fields url.Values, name string, data []byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

// filed files a complaint in unit tx through the API and returns its id, tracking
// number and receipt code.
func (s *staff) filed() (int64, string, string) {
	s.t.Helper()
	in := validComplaint(0)
	delete(in, "agency_id")
	in["state"] = "TX"
	got := decode[created](s.t, s.postJSON("/api/v1/complaints", in))
	rr, err := s.db.ComplaintReceipt(context.Background(), got.TrackingNumber)
	if err != nil {
		s.t.Fatal(err)
	}
	return rr.ComplaintID, got.TrackingNumber, got.ReceiptCode
}

func (s *staff) auditCount(action string, complaintID int64) int {
	s.t.Helper()
	evs, err := s.db.ListAudit(context.Background(), redress.AuditFilter{ComplaintID: complaintID, Action: action})
	if err != nil {
		s.t.Fatal(err)
	}
	return len(evs)
}

var pngFile = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)

func TestCaseNotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		id := strconv.FormatInt(s.txCase, 10)
		const text = "Called the jail: no record of the release time. Ask the clerk."

		rec := s.cfReq("intake", "POST", "/staff/complaints/"+id+"/notes", formType, []byte(url.Values{"body": {text}}.Encode()))
		if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "filed=note") {
			t.Fatalf("add note: %d %s", rec.Code, rec.Header().Get("Location"))
		}
		rec = s.cfReq("investigator", "POST", "/api/v1/staff/complaints/"+id+"/notes", "application/json", []byte(`{"body":"Second note"}`))
		if rec.Code != http.StatusCreated {
			t.Fatalf("API note: %d %s", rec.Code, rec.Body)
		}
		// The answer names its author, as the list does.
		if !strings.Contains(rec.Body.String(), `"author":"investigator"`) {
			t.Fatalf("API note answer has no author: %s", rec.Body)
		}
		rec = s.cfReq("supervisor", "GET", "/api/v1/staff/complaints/"+id+"/notes", "", nil)
		var list struct {
			Notes []struct {
				Author, Body string
			}
		}
		list = decode[struct {
			Notes []struct {
				Author, Body string
			}
		}](t, rec)
		if len(list.Notes) != 2 || list.Notes[0].Body != text || list.Notes[0].Author != "intake" || list.Notes[1].Body != "Second note" {
			t.Fatalf("notes %+v", list)
		}

		// The audit trail has the note's id and length, never its text.
		evs, _ := db.ListAudit(context.Background(), redress.AuditFilter{ComplaintID: s.txCase, Action: redress.ActionNoteAdded})
		if len(evs) != 2 || evs[0].Details["length"] != float64(len(text)) || evs[0].Details["note_id"] == nil {
			t.Fatalf("audit %+v", evs)
		}
		for _, ev := range evs {
			for k, v := range ev.Details {
				if str, ok := v.(string); ok && strings.Contains(str, "clerk") {
					t.Fatalf("audit detail %s holds the note", k)
				}
			}
		}

		// Empty: the case page again, with the problem. Auditors and other units: refused.
		if rec := s.cfReq("intake", "POST", "/staff/complaints/"+id+"/notes", formType, []byte("body=+")); rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("empty note: %d", rec.Code)
		}
		for _, caller := range []string{"auditor", "other_unit", "admin"} {
			if rec := s.cfReq(caller, "POST", "/staff/complaints/"+id+"/notes", formType, []byte("body=x")); rec.Code != http.StatusForbidden {
				t.Errorf("%s adds a note: %d", caller, rec.Code)
			}
			if rec := s.cfReq(caller, "GET", "/api/v1/staff/complaints/"+id+"/notes", "", nil); rec.Code != http.StatusForbidden {
				t.Errorf("%s reads notes: %d", caller, rec.Code)
			}
		}
		if n := s.auditCount(redress.ActionNoteAdded, s.txCase); n != 2 {
			t.Fatalf("%d notes recorded", n)
		}
	})
}

// The review office writes; the complainant is told by email in the complaint's
// language (never the message), reads it on the status page with the receipt, and
// answers there; every follow-up proves the receipt again.
func TestMessagesWithComplainant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		cid, tracking, receipt := s.filed()
		id := strconv.FormatInt(cid, 10)
		const question = "¿Tiene el recibo de la fianza? Puede enviarlo aquí como foto."

		// Intake officers do not correspond with complainants (policy); investigators do.
		if rec := s.cfReq("intake", "POST", "/staff/complaints/"+id+"/messages", formType, []byte("body=x")); rec.Code != http.StatusForbidden {
			t.Fatalf("intake sends a message: %d", rec.Code)
		}
		rec := s.cfReq("investigator", "POST", "/staff/complaints/"+id+"/messages", formType, []byte(url.Values{"body": {question}}.Encode()))
		if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "filed=message_emailed") {
			t.Fatalf("send: %d %s", rec.Code, rec.Header().Get("Location"))
		}

		// The notice: in Spanish, the complaint's language, with the status page; never the message.
		var notices []struct{ Language, Subject, Body string }
		if err := db.Bun().NewRaw("SELECT language, subject, body FROM outbox WHERE complaint_id = ? AND kind = ?", cid, casefile.MailMessage).
			Scan(ctx, &notices); err != nil || len(notices) != 1 {
			t.Fatalf("notices %+v %v", notices, err)
		}
		cat, _ := i18n.Load()
		n := notices[0]
		if n.Language != "es" || n.Subject != cat.T("es", "email.message.subject", nil) || !strings.Contains(n.Body, "https://redress.example/status") {
			t.Fatalf("notice %+v", n)
		}
		if strings.Contains(n.Body, "fianza") || strings.Contains(n.Body, receipt) {
			t.Fatalf("the notice gives away the message or the receipt:\n%s", n.Body)
		}

		status := func(path string, form url.Values, addr string) *httptest.ResponseRecorder {
			return s.do("POST", path, formType, []byte(form.Encode()), "RemoteAddr", addr)
		}
		proof := url.Values{"tracking_number": {tracking}, "receipt_code": {receipt}}

		// The complainant reads it with the receipt; reading marks it read.
		rec = status("/status", proof, "203.0.113.5:1")
		page := rec.Body.String()
		if rec.Code != http.StatusOK || !strings.Contains(page, "¿Tiene el recibo de la fianza?") {
			t.Fatalf("status page: %d\n%s", rec.Code, page)
		}
		if !strings.Contains(page, `action="/status/reply"`) || !strings.Contains(page, `action="/status/evidence"`) ||
			strings.Count(page, `name="receipt_code" value="`+receipt+`"`) != 3 { // reply, evidence, and the language switch that keeps the result
			t.Fatal("the page's forms do not carry the receipt")
		}
		if rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("Set-Cookie") != "" || strings.Contains(page, "receipt_code="+receipt) {
			t.Fatal("the receipt could be kept by a cache, a cookie or a URL")
		}
		if s.auditCount(redress.ActionMessagesRead, cid) != 1 {
			t.Fatal("reading is not recorded")
		}

		// A wrong receipt gets the status check's one generic answer, and stores nothing.
		generic := status("/status", url.Values{"tracking_number": {tracking}, "receipt_code": {"AAAAA-BBBBB-CCCCC-DDDDD"}}, "203.0.113.6:1")
		wrong := status("/status/reply", url.Values{"tracking_number": {tracking}, "receipt_code": {"AAAAA-BBBBB-CCCCC-DDDDD"}, "body": {"hola"}}, "203.0.113.6:1")
		noMatch := cat.T("en", "error.status_no_match", nil)
		if generic.Code != http.StatusNotFound || wrong.Code != http.StatusNotFound ||
			!strings.Contains(wrong.Body.String(), noMatch) || !strings.Contains(generic.Body.String(), noMatch) {
			t.Fatalf("wrong receipt: %d / %d", generic.Code, wrong.Code)
		}
		msgs, _ := db.Messages(ctx, cid)
		if len(msgs) != 1 {
			t.Fatalf("a wrong receipt stored a reply: %+v", msgs)
		}

		// The answer: stored, the thread marked answered, an audit event of the receipt holder.
		reply := url.Values{"tracking_number": {tracking}, "receipt_code": {receipt}, "body": {"Sí, lo tengo. Se lo envío."}}
		rec = status("/status/reply", reply, "203.0.113.5:1")
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Se lo envío") {
			t.Fatalf("reply: %d", rec.Code)
		}
		// Its language switch shows the same result again (a form to /status with the proof),
		// never an address without GET.
		if !strings.Contains(rec.Body.String(), `<nav class="lang" aria-label="`) ||
			!strings.Contains(rec.Body.String(), `<form method="post" action="/status"><input type="hidden" name="tracking_number" value="`+tracking+`">`) ||
			strings.Contains(rec.Body.String(), "/status/reply?") {
			t.Fatal("the language switch of the answer page leads nowhere")
		}
		msgs, _ = db.Messages(ctx, cid)
		if len(msgs) != 2 || msgs[0].AnsweredAt.IsZero() || msgs[0].ReadAt.IsZero() || msgs[1].Direction != redress.MessageFromComplainant {
			t.Fatalf("after the reply: %+v", msgs)
		}
		evs, _ := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: cid, Action: redress.ActionMessageReplied})
		if len(evs) != 1 || evs[0].ActorRole != redress.SubjectReceiptHolder || evs[0].Actor != redress.ActorPublic {
			t.Fatalf("reply audit %+v", evs)
		}
		// An empty answer is redrawn with the problem.
		empty := url.Values{"tracking_number": {tracking}, "receipt_code": {receipt}, "body": {" "}}
		if rec := status("/status/reply", empty, "203.0.113.5:1"); rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("empty reply: %d", rec.Code)
		}

		// Staff see the answer, flagged new once, and its thread answered.
		rec = s.cfReq("investigator", "GET", "/api/v1/staff/complaints/"+id+"/messages", "", nil)
		got := decode[struct {
			Messages []struct {
				Direction  string
				Body       string
				ReadAt     *string `json:"read_at"`
				AnsweredAt *string `json:"answered_at"`
			}
		}](t, rec)
		if len(got.Messages) != 2 || got.Messages[0].AnsweredAt == nil || got.Messages[1].ReadAt != nil {
			t.Fatalf("staff view %+v", got)
		}
		if rec := s.cfReq("auditor", "GET", "/api/v1/staff/complaints/"+id+"/messages", "", nil); rec.Code != http.StatusForbidden {
			t.Fatalf("auditor reads messages: %d", rec.Code)
		}

		// The follow-ups share the status check's limiter: after five wrong tries, even
		// the right receipt waits.
		for range 5 {
			status("/status/reply", url.Values{"tracking_number": {tracking}, "receipt_code": {"x"}, "body": {"x"}}, "203.0.113.9:1")
		}
		if rec := status("/status/reply", reply, "203.0.113.9:1"); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
			t.Fatalf("after five failures: %d", rec.Code)
		}
	})
}

func TestEvidence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		cid, tracking, receipt := s.filed()
		id := strconv.FormatInt(cid, 10)
		proof := url.Values{"tracking_number": {tracking}, "receipt_code": {receipt}}
		upload := func(name string, data []byte, fields url.Values) *httptest.ResponseRecorder {
			ct, body := multipartForm(t, fields, name, data)
			return s.do("POST", "/status/evidence", ct, body, "RemoteAddr", "203.0.113.20:1", "Accept-Language", "es")
		}

		// The complainant sends a photo with the receipt.
		rec := upload("foto señal.png", pngFile, proof)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "foto señal.png") {
			t.Fatalf("upload: %d\n%s", rec.Code, rec.Body)
		}
		// Refused, in the complainant's language: an executable renamed .pdf (415), a file
		// over the limit (413), a wrong receipt (404).
		cat, _ := i18n.Load()
		exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), make([]byte, 200)...)
		rec = upload("factura.pdf", exe, proof)
		if rec.Code != http.StatusUnsupportedMediaType || !strings.Contains(rec.Body.String(), cat.T("es", "error.evidence_type", nil)) {
			t.Fatalf("exe as pdf: %d", rec.Code)
		}
		if rec := upload("big.png", append(pngFile, make([]byte, casefile.MaxFileSize)...), proof); rec.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("too large: %d", rec.Code)
		}
		if rec := upload("a.png", pngFile, url.Values{"tracking_number": {tracking}, "receipt_code": {"nope"}}); rec.Code != http.StatusNotFound {
			t.Fatalf("wrong receipt: %d", rec.Code)
		}
		list, _ := db.Evidence(ctx, cid)
		if len(list) != 1 || list[0].UploadedBy != redress.SubjectReceiptHolder || list[0].ContentType != "image/png" {
			t.Fatalf("stored %+v", list)
		}
		eid := strconv.FormatInt(list[0].ID, 10)

		// Download: attachment, the stored type, nosniff, no caching; an audit event.
		rec = s.cfReq("investigator", "GET", "/staff/complaints/"+id+"/evidence/"+eid, "", nil)
		h := rec.Header()
		if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), pngFile) || h.Get("Content-Type") != "image/png" ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Cache-Control") != "no-store" ||
			h.Get("Content-Disposition") != `attachment; filename="foto se_al.png"; filename*=UTF-8''foto%20se%C3%B1al.png` {
			t.Fatalf("download: %d %v", rec.Code, h)
		}
		if n := s.auditCount(redress.ActionEvidenceDownloaded, cid); n != 1 {
			t.Fatalf("%d download events", n)
		}
		// Oversight auditors never download; an investigator of another unit neither.
		for _, caller := range []string{"auditor", "other_unit", "admin", "anonymous"} {
			for _, path := range []string{"/staff/complaints/" + id + "/evidence/" + eid, "/api/v1/staff/complaints/" + id + "/evidence/" + eid} {
				rec := s.cfReq(caller, "GET", path, "", nil)
				if rec.Code != http.StatusForbidden && rec.Code != http.StatusUnauthorized || bytes.Contains(rec.Body.Bytes(), pngFile[:8]) {
					t.Errorf("%s GET %s: %d", caller, path, rec.Code)
				}
			}
		}
		if n := s.auditCount(redress.ActionEvidenceDownloaded, cid); n != 1 {
			t.Fatalf("refused downloads were recorded as downloads: %d", n)
		}
		// A file id of another complaint is not found through this one.
		if rec := s.cfReq("investigator", "GET", "/staff/complaints/"+strconv.FormatInt(s.txCase, 10)+"/evidence/"+eid, "", nil); rec.Code != http.StatusNotFound {
			t.Fatalf("file through another complaint: %d", rec.Code)
		}

		// Staff add files through the page and the API, up to the limit of the complaint.
		ct, body := multipartForm(t, nil, "notes.txt", []byte("Timeline from the jail log."))
		rec = s.cfReq("intake", "POST", "/staff/complaints/"+id+"/evidence", ct, body)
		if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "filed=evidence") {
			t.Fatalf("staff upload: %d", rec.Code)
		}
		for i := 2; i < casefile.MaxFiles; i++ {
			ct, body := multipartForm(t, nil, "p"+strconv.Itoa(i)+".png", pngFile)
			if rec := s.cfReq("supervisor", "POST", "/api/v1/staff/complaints/"+id+"/evidence", ct, body); rec.Code != http.StatusCreated {
				t.Fatalf("file %d: %d %s", i+1, rec.Code, rec.Body)
			}
		}
		ct, body = multipartForm(t, nil, "one-too-many.png", pngFile)
		if rec := s.cfReq("supervisor", "POST", "/api/v1/staff/complaints/"+id+"/evidence", ct, body); rec.Code != http.StatusConflict {
			t.Fatalf("file %d: %d", casefile.MaxFiles+1, rec.Code)
		}
		if rec := upload("late.png", pngFile, proof); rec.Code != http.StatusConflict {
			t.Fatalf("complainant's file over the limit: %d", rec.Code)
		}
		rec = s.cfReq("auditor", "GET", "/api/v1/staff/complaints/"+id+"/evidence", "", nil)
		if rec.Code != http.StatusForbidden {
			t.Fatalf("auditor lists evidence: %d", rec.Code)
		}
		rec = s.cfReq("investigator", "GET", "/api/v1/staff/complaints/"+id+"/evidence", "", nil)
		got := decode[struct {
			Evidence []struct {
				FileName   string `json:"file_name"`
				UploadedBy string `json:"uploaded_by"`
				Download   string
			}
		}](t, rec)
		if len(got.Evidence) != casefile.MaxFiles || got.Evidence[1].UploadedBy != "user:"+strconv.FormatInt(s.users["intake"].ID, 10) {
			t.Fatalf("list %+v", got)
		}
		if rec := s.cfReq("investigator", "GET", got.Evidence[1].Download, "", nil); rec.Code != http.StatusOK || rec.Body.String() != "Timeline from the jail log." {
			t.Fatalf("API download: %d", rec.Code)
		}
	})
}
