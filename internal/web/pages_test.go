package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

func form(v url.Values) []byte { return []byte(v.Encode()) }

const formType = "application/x-www-form-urlencoded"

func validForm(agencyID string) url.Values {
	return url.Values{
		"language": {"es"}, "filer": {"relative"}, "incident_date": {"2025-07-20"}, "state": {"TX"},
		"agency_id": {agencyID}, "categories": {"held_past_release", "force"}, "functions": {"detainer"},
		"narrative":  {"Lo mantuvieron dos días más. <b>No</b> le dieron intérprete."},
		"in_custody": {"yes"}, "anonymous": {"no"}, "email": {"ana@example.org"},
		"consent_to_share_identity": {"dhs_crcl"},
	}
}

var codeRE = regexp.MustCompile(`id="(tracking-number|receipt-code)">([^<]+)<`)

func TestPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		agency := strconv.FormatInt(e.agency.ID, 10)

		t.Run("HomeInSpanishByAcceptLanguage", func(t *testing.T) {
			rec := e.do("GET", "/", "", nil, "Accept-Language", "es-MX,es;q=0.9")
			body := rec.Body.String()
			if rec.Code != 200 || !strings.Contains(body, `<html lang="es">`) || !strings.Contains(body, "Nunca preguntamos") {
				t.Fatalf("%d %s", rec.Code, body)
			}
			csp := rec.Header().Get("Content-Security-Policy")
			if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP %q", csp)
			}
			if rec.Header().Get("Referrer-Policy") != "no-referrer" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers %v", rec.Header())
			}
		})

		t.Run("LanguageSwitchSetsCookie", func(t *testing.T) {
			rec := e.do("GET", "/?lang=en", "", nil, "Accept-Language", "es")
			if !strings.Contains(rec.Body.String(), `<html lang="en">`) {
				t.Fatal("switch to English ignored")
			}
			cookie := rec.Header().Get("Set-Cookie")
			if !strings.Contains(cookie, "lang=en") || !strings.Contains(cookie, "HttpOnly") {
				t.Fatalf("cookie %q", cookie)
			}
			rec = e.do("GET", "/complaint", "", nil, "Accept-Language", "es", "Cookie", "lang=en")
			if !strings.Contains(rec.Body.String(), `<html lang="en">`) {
				t.Fatal("cookie does not win over Accept-Language")
			}
		})

		t.Run("FormRedrawnWithErrorsInSpanish", func(t *testing.T) {
			before := e.counts()
			v := validForm(agency)
			v.Set("incident_date", "2025-09-01") // in the future
			v.Del("categories")
			rec := e.do("POST", "/complaint", formType, form(v), "Cookie", "lang=es")
			body := rec.Body.String()
			if rec.Code != 422 {
				t.Fatalf("status %d", rec.Code)
			}
			for _, want := range []string{
				"La fecha no puede estar en el futuro.", "Elija al menos una opción.",
				`href="#incident_date"`, `value="2025-09-01"`,
				// What was entered is drawn again, escaped.
				"Lo mantuvieron dos días más. &lt;b&gt;No&lt;/b&gt;", `value="ana@example.org"`,
				`id="fn-detainer" name="functions" value="detainer" checked`,
				`id="in_custody-yes" name="in_custody" value="yes" checked`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("form lacks %q", want)
				}
			}
			if strings.Contains(body, "<b>No</b>") {
				t.Error("entered text rendered as HTML")
			}
			if after := e.counts(); after != before {
				t.Fatal("refused form stored something")
			}
		})

		t.Run("ShowAgenciesKeepsEntries", func(t *testing.T) {
			v := url.Values{"language": {"en"}, "state": {"FL"}, "narrative": {"kept"}, "step": {"agencies"}}
			rec := e.do("POST", "/complaint", formType, form(v))
			body := rec.Body.String()
			if rec.Code != 200 || !strings.Contains(body, "Collier County Sheriff&#39;s Office") || !strings.Contains(body, ">kept</textarea>") {
				t.Fatalf("%d: agencies or entries missing", rec.Code)
			}
			if strings.Contains(body, "error-summary") {
				t.Fatal("showing agencies reported errors")
			}
		})

		var tracking, code string
		t.Run("FileAndReadReceipt", func(t *testing.T) {
			before := e.counts()
			rec := e.do("POST", "/complaint", formType, form(validForm(agency)))
			body := rec.Body.String()
			if rec.Code != 201 {
				t.Fatalf("status %d: %s", rec.Code, body)
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Error("receipt page may be cached")
			}
			for _, m := range codeRE.FindAllStringSubmatch(stripGroups(body), -1) {
				if m[1] == "tracking-number" {
					tracking = m[2]
				} else {
					code = m[2]
				}
			}
			if tracking == "" || len(code) != 23 || !strings.Contains(body, "Recibimos su queja") {
				t.Fatalf("receipt page lacks the numbers: %s", body)
			}
			if strings.Contains(body, `hreflang="en"`) {
				t.Error("receipt page offers a language switch that would lose the receipt")
			}
			if after := e.counts(); after[0] != before[0]+1 {
				t.Fatal("complaint not stored")
			}
		})

		t.Run("StatusPage", func(t *testing.T) {
			rec := e.do("POST", "/status", formType, form(url.Values{"tracking_number": {tracking}, "receipt_code": {code}}), "Cookie", "lang=es")
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Recibida") || rec.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
		})

		t.Run("HoneypotRefused", func(t *testing.T) {
			before := e.counts()
			v := validForm(agency)
			v.Set("website", "http://spam.example")
			rec := e.do("POST", "/complaint", formType, form(v))
			if rec.Code != 400 || e.counts() != before {
				t.Fatalf("bot form: %d, stored=%v", rec.Code, e.counts() != before)
			}
		})

		t.Run("CrossOriginRefused", func(t *testing.T) {
			before := e.counts()
			rec := e.do("POST", "/complaint", formType, form(validForm(agency)),
				"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example", "Accept-Language", "es")
			if rec.Code != 403 || !strings.Contains(rec.Body.String(), "otro sitio web") || e.counts() != before {
				t.Fatalf("cross-origin post: %d %s", rec.Code, rec.Body)
			}
		})

		t.Run("BadAgencyIDIsAFieldError", func(t *testing.T) {
			v := validForm("drop table")
			v.Set("language", "en")
			rec := e.do("POST", "/complaint", formType, form(v))
			if rec.Code != 422 || !strings.Contains(rec.Body.String(), "We could not find this agency") {
				t.Fatalf("%d", rec.Code)
			}
		})
	})
}

// After five wrong pairs from one client, status checks are refused for a while, on the
// page and in the API, even with a right pair.
func TestStatusRateLimit(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	e := newEnv(t, db)
	got := decode[created](t, e.postJSON("/api/v1/complaints", validComplaint(e.agency.ID)))
	wrong := form(url.Values{"tracking_number": {got.TrackingNumber}, "receipt_code": {"AAAAA-AAAAA-AAAAA-AAAAA"}})
	for i := range 5 {
		if rec := e.do("POST", "/status", formType, wrong); rec.Code != 404 {
			t.Fatalf("attempt %d: %d", i+1, rec.Code)
		}
	}
	right := form(url.Values{"tracking_number": {got.TrackingNumber}, "receipt_code": {got.ReceiptCode}})
	rec := e.do("POST", "/status", formType, right)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("sixth attempt: %d", rec.Code)
	}
	api := e.postJSON("/api/v1/complaints/status", map[string]string{"tracking_number": got.TrackingNumber, "receipt_code": got.ReceiptCode})
	if api.Code != http.StatusTooManyRequests {
		t.Fatalf("API after five failures: %d", api.Code)
	}
	// Another client is not affected.
	if rec := e.do("POST", "/status", formType, right, "RemoteAddr", "198.51.100.7:4000"); rec.Code != 200 {
		t.Fatalf("another client: %d", rec.Code)
	}
}
