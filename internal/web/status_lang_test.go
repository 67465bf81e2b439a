package web_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// The status page speaks the language the complaint was filed in, whatever the browser
// says, until the person switches; switching on a result keeps the result, and the
// receipt code never goes in a link.
func TestStatusInComplaintsLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		got := decode[created](t, e.postJSON("/api/v1/complaints", validComplaint(e.agency.ID))) // filed in Spanish
		proof := url.Values{"tracking_number": {got.TrackingNumber}, "receipt_code": {got.ReceiptCode}}
		english := []string{"Accept-Language", "en-US,en;q=0.9"}
		check := func(t *testing.T, body, lang, label string) {
			t.Helper()
			if !strings.Contains(body, `<html lang="`+lang+`">`) || !strings.Contains(body, `<p class="status" role="status">`+label+`</p>`) ||
				!strings.Contains(body, got.TrackingNumber) {
				t.Fatalf("want the result in %s:\n%s", lang, body)
			}
			// The switch is a form sending the proof again: no link carries the receipt, and
			// none leads away from the result.
			if strings.Contains(body, `hreflang=`) || !strings.Contains(body, `<form method="post" action="/status"><input type="hidden" name="tracking_number"`) {
				t.Errorf("the switch loses the result:\n%s", body)
			}
			for _, href := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(body, -1) {
				if strings.Contains(href[1], got.ReceiptCode) {
					t.Errorf("a link holds the receipt: %s", href[1])
				}
			}
		}

		t.Run("ComplaintsLanguageForAnEnglishBrowser", func(t *testing.T) {
			rec := e.do("POST", "/status", formType, form(proof), english...)
			if rec.Code != 200 {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			check(t, rec.Body.String(), "es", "Recibida")
			if !strings.Contains(rec.Body.String(), `<button class="link" type="submit" name="lang" value="en" lang="en">English</button>`) {
				t.Errorf("no switch to English:\n%s", rec.Body)
			}
			if rec.Header().Get("Set-Cookie") != "" {
				t.Error("showing the complaint's language chose a language for the person")
			}
		})

		t.Run("SwitchKeepsTheResult", func(t *testing.T) {
			v := url.Values{"lang": {"en"}}
			for k, x := range proof {
				v[k] = x
			}
			rec := e.do("POST", "/status", formType, form(v), "Accept-Language", "es")
			if rec.Code != 200 {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			check(t, rec.Body.String(), "en", "Received")
			if c := rec.Header().Get("Set-Cookie"); !strings.HasPrefix(c, "lang=en;") {
				t.Errorf("the choice is not remembered: %q", c)
			}
			// An unknown language is no choice: the complaint's stays.
			v.Set("lang", "xx")
			check(t, e.do("POST", "/status", formType, form(v), english...).Body.String(), "es", "Recibida")
		})

		t.Run("EarlierChoiceKept", func(t *testing.T) {
			rec := e.do("POST", "/status", formType, form(proof), "Cookie", "lang=en", "Accept-Language", "es")
			check(t, rec.Body.String(), "en", "Received")
		})

		t.Run("FollowUpInComplaintsLanguage", func(t *testing.T) {
			v := url.Values{"body": {"Gracias."}}
			for k, x := range proof {
				v[k] = x
			}
			rec := e.do("POST", "/status/reply", formType, form(v), english...)
			if rec.Code != 200 {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			check(t, rec.Body.String(), "es", "Recibida")
		})

		t.Run("WrongReceiptInTheBrowsersLanguage", func(t *testing.T) {
			rec := e.do("POST", "/status", formType, form(url.Values{"tracking_number": {got.TrackingNumber}, "receipt_code": {"AAAAA-BBBBB-CCCCC-DDDDD"}}), english...)
			if rec.Code != 404 || !strings.Contains(rec.Body.String(), `<html lang="en">`) {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
		})

		t.Run("EmailLink", func(t *testing.T) {
			rec := e.do("GET", "/status?lang=es", "", nil, english...)
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), `<html lang="es">`) {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
		})
	})
}

// A language added by the README's recipe (here Haitian Creole, which go-i18n has no
// plural rule for) starts the server and serves pages; what it has not translated yet
// shows in English.
func TestAddedLanguageServes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		cat, err := i18n.LoadWith(fstest.MapFS{"ht.json": {Data: []byte(`{
  "language.name": "Kreyòl ayisyen",
  "status.title": "Tcheke yon plent",
  "hint.agency_id": {"one": "1 ajans", "other": "{{.Count}} ajans"}
}`)}})
		if err != nil {
			t.Fatal(err)
		}
		e.srv = newServer(t, db, e.box, cat, e.auth, e.authz)
		rec := e.do("GET", "/status", "", nil, "Accept-Language", "ht")
		body := rec.Body.String()
		if rec.Code != 200 || !strings.Contains(body, `<html lang="ht">`) || !strings.Contains(body, "<h1>Tcheke yon plent</h1>") ||
			!strings.Contains(body, cat.T("en", "status.intro", nil)) {
			t.Fatalf("%d %s", rec.Code, body)
		}
		home := e.do("GET", "/", "", nil, "Accept-Language", "en").Body.String()
		if !strings.Contains(home, `hreflang="ht" lang="ht">Kreyòl ayisyen</a>`) {
			t.Errorf("the switch does not offer ht:\n%s", home)
		}
	})
}
