package web_test

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/logtest"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
	"github.com/redress-oversight/redress/internal/web"
)

// server builds another server on the env's database, with the deps of the first one
// changed by opts: another process, or the same one after a restart.
func (e *env) server(opts ...func(*web.Deps)) *web.Server {
	e.t.Helper()
	d := e.srv.Deps
	d.Limits = nil // a process of its own, unless an opt names the key
	for _, o := range opts {
		o(&d)
	}
	if d.Limits == nil {
		d.Limits = newLimiter(e.db, nil, d.Now, d.Log)
	}
	srv, err := web.NewServer(d)
	if err != nil {
		e.t.Fatal(err)
	}
	return srv
}

func behind(proxies ...string) func(*web.Deps) {
	return func(d *web.Deps) {
		for _, p := range proxies {
			d.TrustedProxies = append(d.TrustedProxies, netip.MustParsePrefix(p))
		}
	}
}

func limitKey(k string) func(*web.Deps) {
	return func(d *web.Deps) { d.Limits = newLimiter(d.DB, []byte(k), d.Now, d.Log) }
}

// statusCheck posts a tracking number and receipt code to the status page through srv,
// from peer, with X-Forwarded-For xff when not empty.
func statusCheck(t *testing.T, srv http.Handler, tracking, receipt, peer, xff string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", "/status", strings.NewReader(url.Values{"tracking_number": {tracking}, "receipt_code": {receipt}}.Encode()))
	req.Header.Set("Content-Type", formType)
	req.RemoteAddr = peer
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec
}

const wrongReceipt = "AAAAA-AAAAA-AAAAA-AAAAA"

// Behind the TLS proxy the README asks for, every request comes from the proxy's
// address: the client is the address the proxy appended to X-Forwarded-For, so one
// client's wrong guesses do not lock out another's correct pair.
func TestReceiptLimitBehindTrustedProxy(t *testing.T) {
	e := newEnv(t, storetest.Open(t, storetest.SQLiteDSN(t)))
	e.srv = e.server(behind("10.0.0.0/8"))
	got := decode[created](t, e.postJSON("/api/v1/complaints", validComplaint(e.agency.ID)))
	const proxy = "10.0.0.2:5000"
	for i := range 5 {
		if rec := statusCheck(t, e.srv, got.TrackingNumber, wrongReceipt, proxy, "203.0.113.5"); rec.Code != http.StatusNotFound {
			t.Fatalf("guess %d: %d", i+1, rec.Code)
		}
	}
	if rec := statusCheck(t, e.srv, got.TrackingNumber, got.ReceiptCode, proxy, "203.0.113.5"); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("the guessing client after five wrong pairs: %d", rec.Code)
	}
	if rec := statusCheck(t, e.srv, got.TrackingNumber, got.ReceiptCode, proxy, "198.51.100.9"); rec.Code != http.StatusOK {
		t.Fatalf("another client through the same proxy, with the right pair: %d, want 200", rec.Code)
	}
	// What the client writes into the header itself sits left of what the proxy
	// appended, and is not read; nor are trusted proxies of a chain.
	for _, xff := range []string{"198.51.100.9, 203.0.113.5", "203.0.113.5, 10.0.0.7", "garbage, 203.0.113.5"} {
		if rec := statusCheck(t, e.srv, got.TrackingNumber, got.ReceiptCode, proxy, xff); rec.Code != http.StatusTooManyRequests {
			t.Errorf("X-Forwarded-For %q: %d, want the guessing client's 429", xff, rec.Code)
		}
	}
}

// A peer that is not a trusted proxy cannot pick its identity with X-Forwarded-For.
func TestReceiptLimitIgnoresForwardedForFromUntrustedPeer(t *testing.T) {
	e := newEnv(t, storetest.Open(t, storetest.SQLiteDSN(t)))
	e.srv = e.server(behind("10.0.0.0/8"))
	got := decode[created](t, e.postJSON("/api/v1/complaints", validComplaint(e.agency.ID)))
	for i := range 5 {
		spoof := fmt.Sprintf("192.0.2.%d", i+1)
		if rec := statusCheck(t, e.srv, got.TrackingNumber, wrongReceipt, "203.0.113.50:999", spoof); rec.Code != http.StatusNotFound {
			t.Fatalf("guess %d: %d", i+1, rec.Code)
		}
	}
	if rec := statusCheck(t, e.srv, got.TrackingNumber, got.ReceiptCode, "203.0.113.50:999", "192.0.2.77"); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("a spoofed X-Forwarded-For escaped the limit: %d", rec.Code)
	}
	if rec := statusCheck(t, e.srv, got.TrackingNumber, got.ReceiptCode, "203.0.113.51:999", ""); rec.Code != http.StatusOK {
		t.Fatalf("another client: %d", rec.Code)
	}
}

// Wrong guesses count per tracking number: a complainant who mistyped one receipt can
// still check their other complaint.
func TestReceiptLimitPerTrackingNumber(t *testing.T) {
	e := newEnv(t, storetest.Open(t, storetest.SQLiteDSN(t)))
	first := decode[created](t, e.postJSON("/api/v1/complaints", validComplaint(e.agency.ID)))
	second := decode[created](t, e.postJSON("/api/v1/complaints", validComplaint(e.agency.ID)))
	const peer = "203.0.113.60:1"
	for range 5 {
		statusCheck(t, e.srv, first.TrackingNumber, wrongReceipt, peer, "")
	}
	if rec := statusCheck(t, e.srv, first.TrackingNumber, first.ReceiptCode, peer, ""); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("the guessed number: %d, want 429", rec.Code)
	}
	if rec := statusCheck(t, e.srv, second.TrackingNumber, second.ReceiptCode, peer, ""); rec.Code != http.StatusOK {
		t.Fatalf("the client's other complaint: %d, want 200", rec.Code)
	}
	// Typing the number differently (lower case, O for 0) is the same number.
	alt := strings.ToLower(first.TrackingNumber)
	if rec := statusCheck(t, e.srv, alt, first.ReceiptCode, peer, ""); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("the guessed number in lower case: %d, want 429", rec.Code)
	}
}

// Two serve processes on one database share the count, and a restart keeps it; the
// table holds keyed hashes, one row per client and number however many guesses.
func TestReceiptLimitSharedAcrossProcessesAndRestarts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		got := decode[created](t, e.postJSON("/api/v1/complaints", validComplaint(e.agency.ID)))
		a, b := e.server(limitKey("shared key")), e.server(limitKey("shared key"))
		const peer = "203.0.113.70:1"
		for i, srv := range []*web.Server{a, b, a, b, a} {
			if rec := statusCheck(t, srv, got.TrackingNumber, wrongReceipt, peer, ""); rec.Code != http.StatusNotFound {
				t.Fatalf("guess %d: %d", i+1, rec.Code)
			}
		}
		for name, srv := range map[string]*web.Server{"first": a, "second": b, "restarted": e.server(limitKey("shared key"))} {
			if rec := statusCheck(t, srv, got.TrackingNumber, got.ReceiptCode, peer, ""); rec.Code != http.StatusTooManyRequests {
				t.Errorf("%s process after five guesses spread over two: %d, want 429", name, rec.Code)
			}
		}
		// More guesses while refused write nothing more.
		for range 10 {
			statusCheck(t, b, got.TrackingNumber, wrongReceipt, peer, "")
		}
		var rows []struct {
			Scope   string `bun:"scope"`
			KeyHash string `bun:"key_hash"`
			Hits    int    `bun:"hits"`
		}
		if err := db.Bun().NewRaw("SELECT scope, key_hash, hits FROM rate_limits").Scan(context.Background(), &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Scope != "receipt" || rows[0].Hits != 5 {
			t.Fatalf("rate_limits = %+v, want one receipt row with 5 hits", rows)
		}
		for _, clear := range []string{"203.0.113.70", got.TrackingNumber} {
			if strings.Contains(rows[0].KeyHash, clear) {
				t.Fatalf("rate_limits holds %q", clear)
			}
		}
		if rec := statusCheck(t, a, got.TrackingNumber, got.ReceiptCode, "203.0.113.71:1", ""); rec.Code != http.StatusOK {
			t.Fatalf("another client: %d", rec.Code)
		}
	})
}

// Filing is limited per client, on the page and in the API alike: a refused complaint
// stores nothing, says when to send it again in the filer's language, and keeps what
// was written in the form. Complaints sent back for a correction are not counted.
func TestFilingLimitPerClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.srv = e.server(func(d *web.Deps) { d.FilingLimit = redress.Rate{N: 3, Per: time.Hour} })
		const peer = "203.0.113.80:1"
		agency := strconv.FormatInt(e.agency.ID, 10)
		if rec := e.postJSON("/api/v1/complaints", validComplaint(e.agency.ID), "RemoteAddr", peer); rec.Code != http.StatusCreated {
			t.Fatalf("first: %d", rec.Code)
		}
		if rec := e.do("POST", "/complaint", formType, form(validForm(agency)), "RemoteAddr", peer); rec.Code != http.StatusCreated {
			t.Fatalf("second, from the page: %d", rec.Code)
		}
		bad := validComplaint(e.agency.ID)
		delete(bad, "narrative")
		for range 4 {
			if rec := e.postJSON("/api/v1/complaints", bad, "RemoteAddr", peer); rec.Code != http.StatusUnprocessableEntity {
				t.Fatalf("invalid: %d", rec.Code)
			}
		}
		if rec := e.postJSON("/api/v1/complaints", validComplaint(e.agency.ID), "RemoteAddr", peer); rec.Code != http.StatusCreated {
			t.Fatalf("third, after four refused for corrections: %d", rec.Code)
		}
		before := e.counts()
		cat, _ := i18n.Load()
		rec := e.postJSON("/api/v1/complaints", validComplaint(e.agency.ID), "RemoteAddr", peer)
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "3600" {
			t.Fatalf("fourth: %d Retry-After %q, want 429 and 3600", rec.Code, rec.Header().Get("Retry-After"))
		}
		if msg := decode[errResp](t, rec).Error; msg != cat.T("es", "error.filing_limit", map[string]any{"Count": 60}) {
			t.Fatalf("message %q", msg)
		}
		rec = e.do("POST", "/complaint", formType, form(validForm(agency)), "RemoteAddr", peer)
		body := rec.Body.String()
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" ||
			!strings.Contains(body, template.HTMLEscapeString(cat.T("es", "error.filing_limit", map[string]any{"Count": 60}))) ||
			!strings.Contains(body, "Lo mantuvieron dos días más") || !strings.Contains(body, `name="narrative"`) {
			t.Fatalf("page over the limit: %d\n%s", rec.Code, body)
		}
		if after := e.counts(); after != before {
			t.Fatalf("a refused complaint left rows: %v -> %v", before, after)
		}
		if rec := e.postJSON("/api/v1/complaints", validComplaint(e.agency.ID), "RemoteAddr", "203.0.113.81:1"); rec.Code != http.StatusCreated {
			t.Fatalf("another client: %d", rec.Code)
		}
	})
}

// Requests to staff routes by no one signed in are counted and summarised in the log,
// not written to the audit trail, and a flood of them writes a log line or two; a
// signed-in staff member's refusal is still an audit event.
func TestAnonymousRefusalsCountedNotAudited(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	s := newStaff(t, db)
	var logs logtest.Buffer
	s.srv = s.server(func(d *web.Deps) { d.Log = slog.New(slog.NewTextHandler(&logs, nil)) })
	before := s.counts()
	for i := range 300 {
		path := "/staff/complaints"
		if i%2 == 1 {
			path = "/api/v1/staff/complaints/" + strconv.FormatInt(s.txCase, 10) + "/notes"
		}
		if rec := s.do("GET", path, "", nil, "RemoteAddr", "203.0.113.90:1"); rec.Code != http.StatusUnauthorized {
			t.Fatalf("%s: %d", path, rec.Code)
		}
	}
	if after := s.counts(); after != before {
		t.Fatalf("anonymous refusals wrote to the database: %v -> %v", before, after)
	}
	if n := s.srv.Metrics().AnonymousRefusals.Load(); n != 300 {
		t.Fatalf("counted %d anonymous refusals, want 300", n)
	}
	lines := strings.Count(logs.String(), "\n")
	if lines > 2 || !strings.Contains(logs.String(), "no one signed in") || !strings.Contains(logs.String(), "count=1") {
		t.Fatalf("%d log lines for 300 refusals:\n%s", lines, logs.String())
	}
	if rec := s.cfReq("auditor", "GET", "/staff/complaints/"+strconv.FormatInt(s.txCase, 10)+"/evidence/1", "", nil); rec.Code != http.StatusForbidden {
		t.Fatalf("auditor: %d", rec.Code)
	}
	evs, err := db.ListAudit(context.Background(), redress.AuditFilter{Action: redress.ActionAccessDenied})
	if err != nil || len(evs) != 1 || evs[0].Actor != auth.Subject(s.users["auditor"].ID) {
		t.Fatalf("access.denied events %+v %v, want the auditor's one", evs, err)
	}
}

// A client that keeps failing to sign in is turned away before its password is even
// checked, whatever addresses it tries; other clients are not.
func TestLoginLimitPerClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.srv = e.server(func(d *web.Deps) { d.LoginLimit = redress.Rate{N: 3, Per: 15 * time.Minute} })
		login := func(email, peer string) *httptest.ResponseRecorder {
			return e.do("POST", "/login", formType, form(url.Values{"email": {email}, "password": {"not the password at all"}}),
				"RemoteAddr", peer, "Accept-Language", "es")
		}
		for i := range 3 {
			if rec := login(fmt.Sprintf("nobody%d@example.org", i), "203.0.113.100:1"); rec.Code != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d", i+1, rec.Code)
			}
		}
		rec := login("someone.else@example.org", "203.0.113.100:1")
		cat, _ := i18n.Load()
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "900" ||
			!strings.Contains(rec.Body.String(), cat.T("es", "login.too_many", map[string]any{"Count": 15})) {
			t.Fatalf("fourth attempt: %d Retry-After %q\n%s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
		}
		// Never checked: the per-account throttle, which counts every address it hashes a
		// password for, has not seen this one.
		var n int
		if err := db.Bun().NewRaw("SELECT count(*) FROM login_throttle WHERE email_hash = ?", store.EmailHash("someone.else@example.org")).Scan(context.Background(), &n); err != nil || n != 0 {
			t.Fatalf("the refused attempt reached the password check: %d rows, %v", n, err)
		}
		if rec := login("someone.else@example.org", "203.0.113.101:1"); rec.Code != http.StatusUnauthorized {
			t.Fatalf("another client: %d, want 401", rec.Code)
		}
	})
}

// countingReader counts the bytes the server read of a request body.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// bigUpload is a status-page upload of fields (in order) and then a file of size bytes,
// streamed: the test sees how much of it the server reads.
func bigUpload(t *testing.T, fields [][2]string, fileFirst bool, size int) (string, *countingReader) {
	t.Helper()
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	writeFields := func() {
		for _, f := range fields {
			mw.WriteField(f[0], f[1])
		}
	}
	if !fileFirst {
		writeFields()
	}
	if _, err := mw.CreateFormFile("file", "photo.png"); err != nil {
		t.Fatal(err)
	}
	file := io.MultiReader(bytes.NewReader(pngFile), io.LimitReader(nulBytes{}, int64(size-len(pngFile))))
	var tail bytes.Buffer
	mw2 := multipart.NewWriter(&tail)
	mw2.SetBoundary(mw.Boundary())
	if fileFirst {
		for _, f := range fields {
			mw2.WriteField(f[0], f[1])
		}
	}
	mw2.Close()
	return mw.FormDataContentType(), &countingReader{r: io.MultiReader(&head, file, strings.NewReader("\r\n"), &tail)}
}

type nulBytes struct{}

func (nulBytes) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// A status-page upload proves its receipt before the file is read: with a wrong
// receipt, or the file sent before the receipt, the server reads next to nothing of a
// 10 MiB file.
func TestStatusUploadProvesReceiptBeforeReadingTheFile(t *testing.T) {
	e := newEnv(t, storetest.Open(t, storetest.SQLiteDSN(t)))
	got := decode[created](t, e.postJSON("/api/v1/complaints", validComplaint(e.agency.ID)))
	const size = 10 << 20
	cat, _ := i18n.Load()
	for _, c := range []struct {
		name      string
		fields    [][2]string
		fileFirst bool
		status    int
		message   string
	}{
		{"wrong receipt", [][2]string{{"tracking_number", got.TrackingNumber}, {"receipt_code", wrongReceipt}}, false,
			http.StatusNotFound, cat.T("es", "error.status_no_match", nil)},
		{"file first", [][2]string{{"tracking_number", got.TrackingNumber}, {"receipt_code", got.ReceiptCode}}, true,
			http.StatusBadRequest, cat.T("es", "error.upload_receipt_first", nil)},
	} {
		ct, body := bigUpload(t, c.fields, c.fileFirst, size)
		req := httptest.NewRequest("POST", "/status/evidence", body)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Accept-Language", "es")
		req.RemoteAddr = "203.0.113.110:1"
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), template.HTMLEscapeString(c.message)) {
			t.Fatalf("%s: %d\n%s", c.name, rec.Code, rec.Body)
		}
		if body.n > 1<<20 {
			t.Errorf("%s: the server read %d bytes of a %d-byte upload before refusing it", c.name, body.n, size)
		}
	}
}

// At most MaxUploads uploads are taken at once; one more is refused with 503 and
// Retry-After, and once the first is done the next goes through.
func TestUploadsTakenAtOnceAreCapped(t *testing.T) {
	e := newEnv(t, storetest.Open(t, storetest.SQLiteDSN(t)))
	e.srv = e.server(func(d *web.Deps) { d.MaxUploads = 1 })
	got := decode[created](t, e.postJSON("/api/v1/complaints", validComplaint(e.agency.ID)))
	proof := url.Values{"tracking_number": {got.TrackingNumber}, "receipt_code": {got.ReceiptCode}}
	send := func(body io.Reader, ct string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/status/evidence", body)
		req.Header.Set("Content-Type", ct)
		req.RemoteAddr = "203.0.113.120:1"
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		return rec
	}

	// The first upload arrives slowly: the receipt, then the file a piece at a time.
	ct, whole := multipartForm(t, proof, "slow.png", append(pngFile, make([]byte, 1<<20)...))
	pr, pw := io.Pipe()
	done := make(chan *httptest.ResponseRecorder)
	go func() { done <- send(pr, ct) }()
	cut := len(whole) - (1 << 19)
	// A write returns once the server has read it: past 512 KiB of the file, the
	// upload holds its place.
	if _, err := pw.Write(whole[:cut]); err != nil {
		t.Fatal(err)
	}
	ct2, body2 := multipartForm(t, proof, "second.png", pngFile)
	if rec := send(bytes.NewReader(body2), ct2); rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("an upload while the one place is taken: %d Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	if n := e.srv.Metrics().UploadsBusy.Load(); n != 1 {
		t.Fatalf("UploadsBusy = %d", n)
	}
	pw.Write(whole[cut:])
	pw.Close()
	if rec := <-done; rec.Code != http.StatusOK {
		t.Fatalf("the slow upload: %d", rec.Code)
	}
	if rec := send(bytes.NewReader(body2), ct2); rec.Code != http.StatusOK {
		t.Fatalf("the next upload, once the place is free: %d", rec.Code)
	}
}
