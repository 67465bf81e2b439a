package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// A complaint form over the ordinary body limit (256 KiB) but under the redrawn forms'
// hard cap comes back with everything typed and the too-long field named with its
// limit, in the person's language; then the server files the next complaint as usual.
func TestOversizedComplaintFormComesBackFilled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, cat := newEnv(t, db), mustCatalog(t)
		agency := strconv.FormatInt(e.agency.ID, 10)
		for _, lang := range []string{"en", "es"} {
			t.Run(lang, func(t *testing.T) {
				v := validForm(agency)
				v.Set("language", lang)
				marker := "TYPED-FOR-AN-HOUR-" + lang
				v.Set("narrative", marker+" "+strings.Repeat("ñ", 150_000)) // 1.8 MB URL-encoded
				v.Set("officers", "Deputy with the red cap")
				body := form(v)
				if len(body) <= 256<<10 {
					t.Fatalf("body %d bytes is not over the ordinary limit", len(body))
				}
				rec := e.do("POST", "/complaint", formType, body)
				page := rec.Body.String()
				if rec.Code != http.StatusUnprocessableEntity && rec.Code != http.StatusRequestEntityTooLarge {
					t.Fatalf("status %d, want 413 or 422: %.300s", rec.Code, page)
				}
				if !strings.Contains(page, marker) || !strings.Contains(page, "Deputy with the red cap") {
					t.Fatal("what was typed is not in the form drawn again")
				}
				want := cat.T(lang, "rule.too_long_typed", map[string]any{"Param": "20000", "Count": 150_000 + len(marker) + 1})
				if !strings.Contains(page, want) {
					t.Fatalf("no message %q naming the limit", want)
				}
				label := cat.T(lang, "field.narrative", nil)
				if !regexp.MustCompile(`<a href="#narrative">` + regexp.QuoteMeta(htmlEsc(label)) + ` – `).MatchString(page) {
					t.Fatalf("the summary does not name the field %q", label)
				}
			})
		}
		// The server keeps serving: a normal complaint files.
		rec := e.do("POST", "/complaint", formType, form(validForm(agency)))
		if rec.Code != http.StatusCreated {
			t.Fatalf("after the oversized form: %d", rec.Code)
		}
	})
}

func htmlEsc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// countingBody is an endless body that counts what the server reads of it.
type countingBody struct{ n int64 }

func (c *countingBody) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	c.n += int64(len(p))
	return len(p), nil
}
func (c *countingBody) Close() error { return nil }

// Past the hard cap the generic refusal stays, and the server reads no more than the
// cap of a body that would go on for ever (no Content-Length): memory stays bounded.
func TestComplaintFormPastHardCapRefused(t *testing.T) {
	e := newEnv(t, storetest.Open(t, storetest.SQLiteDSN(t)))
	for _, path := range []string{"/complaint", "/status/reply"} {
		body := &countingBody{}
		req := httptest.NewRequest("POST", path, nil)
		req.Body, req.ContentLength = body, -1
		req.Header.Set("Content-Type", formType)
		req.Header.Set("Accept-Language", "en")
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "the limit is") {
			t.Fatalf("%s: %d %.300s", path, rec.Code, rec.Body.String())
		}
		if body.n > 2<<20+64<<10 {
			t.Fatalf("%s: the server read %d bytes of an endless body", path, body.n)
		}
	}
	// Announced over the cap, refused before reading.
	req := httptest.NewRequest("POST", "/complaint", io.LimitReader(zeros{}, 3<<20))
	req.ContentLength = 3 << 20
	req.Header.Set("Content-Type", formType)
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, req)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("3 MiB announced: %d", w.Code)
	}
}

// Dates typed by habit: month first in English, day first in Spanish, read and filed
// as meant; one that cannot be read is explained with an example in the person's
// language, never only as YYYY-MM-DD, and stays in the box as typed.
func TestComplaintFormTypedDates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, cat := newEnv(t, db), mustCatalog(t)
		agency := strconv.FormatInt(e.agency.ID, 10)
		for _, tc := range []struct{ lang, typed, want string }{
			{"en", "03/01/2025", "2025-03-01"},
			{"es", "1/3/2025", "2025-03-01"},
			{"es", "18/7/2025", "2025-07-18"},
		} {
			v := validForm(agency)
			v.Set("language", tc.lang)
			v.Set("incident_date", tc.typed)
			v.Set("narrative", "") // an error elsewhere, so the form comes back with the date as read
			rec := e.do("POST", "/complaint", formType, form(v))
			page := rec.Body.String()
			if rec.Code != 422 || !strings.Contains(page, `type="date" id="incident_date" name="incident_date" value="`+tc.want+`"`) {
				t.Fatalf("%s %s: %d, date not read as %s", tc.lang, tc.typed, rec.Code, tc.want)
			}
			d, _ := time.Parse("2006-01-02", tc.want)
			read := cat.T(tc.lang, "form.date_read", map[string]any{"Typed": tc.typed,
				"Date": cat.Date(tc.lang, d.Year(), d.Month(), d.Day())})
			if !strings.Contains(page, htmlEsc(read)) {
				t.Fatalf("%s: no note %q", tc.lang, read)
			}
			// Filed as read, and the receipt says how.
			v.Set("narrative", "typed date")
			rec = e.do("POST", "/complaint", formType, form(v))
			if rec.Code != 201 || !strings.Contains(rec.Body.String(), htmlEsc(read)) {
				t.Fatalf("%s: filed %d, receipt without %q", tc.lang, rec.Code, read)
			}
			var got string
			tracking := codeRE.FindStringSubmatch(stripGroups(rec.Body.String()))
			if err := db.Bun().NewSelect().Table("complaints").Column("incident_date").Where("tracking_number = ?", tracking[2]).Scan(t.Context(), &got); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(got, tc.want) {
				t.Fatalf("%s %s filed as %s", tc.lang, tc.typed, got)
			}
		}
		for _, tc := range []struct{ lang, typed, example string }{
			{"en", "18/7/2025", "07/18/2025"},
			{"es", "7/18/2025", "18/07/2025"},
			{"es", "ayer", "18/07/2025"},
		} {
			v := validForm(agency)
			v.Set("language", tc.lang)
			v.Set("incident_date", tc.typed)
			rec := e.do("POST", "/complaint", formType, form(v))
			page := rec.Body.String()
			msg := cat.T(tc.lang, "rule.date_typed", nil)
			if rec.Code != 422 || !strings.Contains(page, htmlEsc(msg)) || !strings.Contains(msg, tc.example) {
				t.Fatalf("%s %q: %d, no message %q", tc.lang, tc.typed, rec.Code, msg)
			}
			if strings.Contains(page, "YYYY-MM-DD") || strings.Contains(page, "AAAA-MM-DD") {
				t.Fatalf("%s: the message asks for the programs' format", tc.lang)
			}
			if !strings.Contains(page, `type="text" id="incident_date" name="incident_date" value="`+tc.typed+`"`) {
				t.Fatalf("%s: %q is not kept in the box", tc.lang, tc.typed)
			}
		}
	})
}

var groupRE = regexp.MustCompile(`<span class="grp">([^<]*)</span>`)

// stripGroups joins a code's groups back as one string.
func stripGroups(s string) string { return groupRE.ReplaceAllString(s, "$1") }

// Anonymous with an email typed: the form says beforehand what anonymity drops, and the
// receipt says the email was not kept and no email will come.
func TestAnonymousWithEmailIsToldOnFormAndReceipt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, cat := newEnv(t, db), mustCatalog(t)
		agency := strconv.FormatInt(e.agency.ID, 10)
		for _, lang := range []string{"en", "es"} {
			rec := e.do("GET", "/complaint?lang="+lang, "", nil)
			note := htmlEsc(cat.T(lang, "form.anonymous_note", nil))
			if !strings.Contains(rec.Body.String(), `<span class="hint" id="anonymous-note">`+note) ||
				!strings.Contains(rec.Body.String(), `<fieldset id="anonymous" aria-describedby="anonymous-note">`) {
				t.Fatalf("%s: no note by the anonymous choice", lang)
			}
			v := validForm(agency)
			v.Set("language", lang)
			v.Set("anonymous", "yes")
			rec = e.do("POST", "/complaint", formType, form(v))
			dropped := htmlEsc(cat.T(lang, "receipt.contact_dropped", nil))
			if rec.Code != 201 || !strings.Contains(rec.Body.String(), dropped) {
				t.Fatalf("%s: %d, receipt without %q", lang, rec.Code, dropped)
			}
			if strings.Contains(rec.Body.String(), htmlEsc(cat.T(lang, "receipt.emailed", nil))) {
				t.Fatalf("%s: the receipt promises an email", lang)
			}
			// Not anonymous: no such notice.
			v = validForm(agency)
			v.Set("language", lang)
			rec = e.do("POST", "/complaint", formType, form(v))
			if rec.Code != 201 || strings.Contains(rec.Body.String(), dropped) {
				t.Fatalf("%s: %d, notice on a receipt that kept the email", lang, rec.Code)
			}
		}
	})
}

// The error summary lists the problems in the order their fields stand on the form.
func TestErrorSummaryFollowsFormOrder(t *testing.T) {
	e := newEnv(t, storetest.Open(t, storetest.SQLiteDSN(t)))
	v := url.Values{"language": {"en"}, "incident_date": {"2999-01-01"}, "state": {"ZZ"},
		"email": {"not an email"}, "phone": {"1"}, "officers": {strings.Repeat("x", 4001)},
		"agency_other": {strings.Repeat("y", 301)}, "anonymous": {"no"}}
	rec := e.do("POST", "/complaint", formType, form(v))
	page := rec.Body.String()
	if rec.Code != 422 {
		t.Fatalf("%d", rec.Code)
	}
	summary := regexp.MustCompile(`(?s)<div class="error-summary"[^>]*id="errors">.*?</div>`).FindString(page)
	var inSummary []string
	for _, m := range regexp.MustCompile(`<a href="#([a-z_]+)">`).FindAllStringSubmatch(summary, -1) {
		inSummary = append(inSummary, m[1])
	}
	// The fields in the order the page draws them, from the form itself.
	form := page[strings.Index(page, "<form"):]
	var onForm []string
	for _, m := range regexp.MustCompile(`\bid="([a-z_]+)"`).FindAllStringSubmatch(form, -1) {
		if slices.Contains(inSummary, m[1]) && !slices.Contains(onForm, m[1]) {
			onForm = append(onForm, m[1])
		}
	}
	if len(inSummary) < 8 || !slices.Equal(inSummary, onForm) {
		t.Fatalf("summary order %v, form order %v", inSummary, onForm)
	}
}

// "Show agencies" sends the form to the agency list's anchor, so the page comes back
// there, on the public form and the officers' entry form alike.
func TestShowAgenciesReturnsToTheList(t *testing.T) {
	e := newEnv(t, storetest.Open(t, storetest.SQLiteDSN(t)))
	rec := e.do("POST", "/complaint", formType, form(url.Values{"language": {"en"}, "state": {"TX"}, "step": {"agencies"}}))
	page := rec.Body.String()
	if !strings.Contains(page, `formaction="/complaint#agencies"`) || !strings.Contains(page, `<div class="field" id="agencies">`) {
		t.Fatalf("%d: no anchor for the agency list", rec.Code)
	}
}

// An answer on the status page over the route's ordinary limit (64 KiB) and over the
// message limit comes back in the box, named, with its limit and length, in the
// complaint's language; nothing is sent.
func TestOversizedStatusReplyComesBackFilled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, cat := newEnv(t, db), mustCatalog(t)
		rec := e.do("POST", "/complaint", formType, form(validForm(strconv.FormatInt(e.agency.ID, 10))))
		codes := map[string]string{}
		for _, m := range codeRE.FindAllStringSubmatch(stripGroups(rec.Body.String()), -1) {
			codes[m[1]] = m[2]
		}
		typed := "RESPUESTA-LARGA " + strings.Repeat("é", 20_000) // 120 KB URL-encoded
		body := form(url.Values{"tracking_number": {codes["tracking-number"]}, "receipt_code": {codes["receipt-code"]}, "body": {typed}})
		if len(body) <= 64<<10 {
			t.Fatalf("body %d bytes is not over the route's ordinary limit", len(body))
		}
		rec = e.do("POST", "/status/reply", formType, body)
		page := rec.Body.String()
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(page, typed) {
			t.Fatalf("%d: the answer is not drawn again: %.300s", rec.Code, page)
		}
		want := htmlEsc(cat.T("es", "status.reply_too_long", map[string]any{"Count": utf8.RuneCountInString(typed), "Max": 5000}))
		if !strings.Contains(page, `<span class="error" id="reply-error">`+htmlEsc(cat.T("es", "status.reply_label", nil))+": "+want) ||
			!strings.Contains(page, `aria-invalid="true">`+typed) {
			t.Fatalf("the answer's problem is not named next to it: %q", want)
		}
	})
}
