package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"html"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// An outage is one way the database stops taking complaints, made for real: start
// begins it once the service is up, end finishes it.
type outage struct {
	name string
	open func(t *testing.T) (db *store.DB, start, end func())
}

var outages = []outage{
	{"sqlite-locked", func(t *testing.T) (*store.DB, func(), func()) {
		// Another process holds SQLite's write lock.
		dsn := storetest.SQLiteDSN(t)
		db := storetest.Open(t, dsn, store.BusyTimeout(150*time.Millisecond))
		var conn *sql.Conn
		start := func() {
			other, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(dsn, "sqlite:"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { other.Close() })
			if conn, err = other.Conn(context.Background()); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
				t.Fatal(err)
			}
		}
		end := func() {
			if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
				t.Fatal(err)
			}
			conn.Close()
		}
		return db, start, end
	}},
	{"sqlite-disk-full", func(t *testing.T) (*store.DB, func(), func()) {
		// The file may not grow: SQLite answers SQLITE_FULL as on a full disk.
		db := storetest.Open(t, storetest.SQLiteDSN(t))
		ctx := context.Background()
		start := func() {
			// max_page_count belongs to a connection: keep one. VACUUM leaves no free page
			// inside the file for a write to reuse.
			db.Bun().SetMaxOpenConns(1)
			if _, err := db.Bun().ExecContext(ctx, "VACUUM"); err != nil {
				t.Fatal(err)
			}
			var pages, limit int
			if err := db.Bun().QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
				t.Fatal(err)
			}
			if err := db.Bun().QueryRowContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages)).Scan(&limit); err != nil || limit != pages {
				t.Fatalf("max_page_count %d, want %d: %v", limit, pages, err)
			}
		}
		end := func() {
			if _, err := db.Bun().ExecContext(ctx, "PRAGMA max_page_count = 1073741823"); err != nil {
				t.Fatal(err)
			}
		}
		return db, start, end
	}},
	{"postgres-connection-lost", func(t *testing.T) (*store.DB, func(), func()) {
		// The network to PostgreSQL goes: connections drop, new ones are refused.
		dsn, proxy := storetest.PostgresViaProxy(t)
		return storetest.Open(t, dsn), proxy.Cut, proxy.Restore
	}},
}

// longNarrative needs pages of its own in SQLite, so that a full file refuses it.
var longNarrative = strings.Repeat("Lo mantuvieron dos días más y nadie le explicó nada en español. ", 80)

// TestOutageAnswers503: while the database cannot take a complaint, the form and the API
// answer 503 with Retry-After in the caller's language, the form drawn again with every
// answer; /readyz says so; nothing is half stored; once the outage ends, filing works
// and every complaint acknowledged before is still there.
func TestOutageAnswers503(t *testing.T) {
	for _, o := range outages {
		t.Run(o.name, func(t *testing.T) {
			db, start, end := o.open(t)
			e := newEnv(t, db)
			agency := strconv.FormatInt(e.agency.ID, 10)
			apiComplaint := validComplaint(e.agency.ID)
			apiComplaint["narrative"] = longNarrative
			formComplaint := validForm(agency)
			formComplaint.Set("narrative", longNarrative)
			formComplaint.Set("place", "Cárcel del condado <Harris>")

			first := e.postJSON("/api/v1/complaints", apiComplaint)
			if first.Code != 201 {
				t.Fatalf("before the outage: %d %s", first.Code, first.Body)
			}
			acknowledged := decode[created](t, first)
			before := e.counts()

			start()
			t.Run("Form", func(t *testing.T) {
				rec := e.do("POST", "/complaint", formType, form(formComplaint), "Cookie", "lang=es")
				body := rec.Body.String()
				if rec.Code != 503 || rec.Header().Get("Retry-After") != "30" {
					t.Fatalf("status %d, Retry-After %q, want 503 and 30:\n%s", rec.Code, rec.Header().Get("Retry-After"), body)
				}
				for _, want := range []string{
					`<html lang="es">`, `action="/complaint"`,
					html.EscapeString(e.srv.Catalog.T("es", "form.unavailable_title", nil)),
					"No pudimos guardar su queja", "«Enviar la queja»",
					// Every answer comes back, escaped.
					html.EscapeString(longNarrative) + "</textarea>",
					`value="Cárcel del condado &lt;Harris&gt;"`, `value="ana@example.org"`,
					`value="` + agency + `" selected`, `<option value="TX" selected>`,
					`value="2025-07-20"`, `id="filer-relative" name="filer" value="relative" checked`,
					`id="cat-held_past_release" name="categories" value="held_past_release" checked`,
					`id="fn-detainer" name="functions" value="detainer" checked`,
					`id="in_custody-yes" name="in_custody" value="yes" checked`,
				} {
					if !strings.Contains(body, want) {
						t.Errorf("redrawn form lacks %.80q", want)
					}
				}
			})
			t.Run("API", func(t *testing.T) {
				for lang, want := range map[string]string{"es": "no podemos guardar nada", "en": "We cannot store anything"} {
					apiComplaint["language"] = lang
					rec := e.postJSON("/api/v1/complaints", apiComplaint)
					got := decode[struct{ Error, Code string }](t, rec)
					if rec.Code != 503 || rec.Header().Get("Retry-After") != "30" || got.Code != "unavailable" ||
						!strings.Contains(got.Error, want) {
						t.Errorf("%s: %d Retry-After %q %+v, want 503, 30, unavailable, %q", lang, rec.Code, rec.Header().Get("Retry-After"), got, want)
					}
				}
			})
			t.Run("Readyz", func(t *testing.T) {
				if rec := e.do("GET", "/readyz", "", nil); rec.Code != 503 || rec.Header().Get("Retry-After") == "" {
					t.Fatalf("readyz %d during the outage", rec.Code)
				}
			})
			end()

			ready := false
			for range 50 { // pooled connections the outage broke fail once each
				if e.do("GET", "/readyz", "", nil).Code == 200 {
					ready = true
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if !ready {
				t.Fatal("readyz never came back after the outage")
			}
			if after := e.counts(); after != before {
				t.Fatalf("the outage left rows behind: %v, before %v", after, before)
			}
			if rec := e.do("POST", "/complaint", formType, form(formComplaint), "Cookie", "lang=es"); rec.Code != 201 {
				t.Fatalf("form after the outage: %d", rec.Code)
			}
			apiComplaint["language"] = "es"
			if rec := e.postJSON("/api/v1/complaints", apiComplaint); rec.Code != 201 {
				t.Fatalf("API after the outage: %d %s", rec.Code, rec.Body)
			}
			if after := e.counts(); after[0] != before[0]+2 {
				t.Fatalf("%d complaints, want %d", after[0], before[0]+2)
			}
			rec := e.postJSON("/api/v1/complaints/status", map[string]string{
				"tracking_number": acknowledged.TrackingNumber, "receipt_code": acknowledged.ReceiptCode})
			if rec.Code != 200 {
				t.Fatalf("the complaint acknowledged before the outage: %d %s", rec.Code, rec.Body)
			}
		})
	}
}

// TestOutageAgencyListKeepsChoice: with PostgreSQL gone, the form asked for a state's agencies
// is drawn again with what was entered and the agency already chosen, not an error page.
func TestOutageAgencyListKeepsChoice(t *testing.T) {
	dsn, proxy := storetest.PostgresViaProxy(t)
	e := newEnv(t, storetest.Open(t, dsn))
	agency := strconv.FormatInt(e.agency.ID, 10)
	proxy.Cut()
	v := url.Values{"language": {"en"}, "state": {"TX"}, "agency_id": {agency}, "narrative": {"kept"}, "step": {"agencies"}}
	rec := e.do("POST", "/complaint", formType, form(v))
	body := rec.Body.String()
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "30" {
		t.Fatalf("status %d:\n%s", rec.Code, body)
	}
	for _, want := range []string{">kept</textarea>", `<option value="` + agency + `" selected>`,
		html.EscapeString(e.srv.Catalog.T("en", "form.agency_kept", nil))} {
		if !strings.Contains(body, want) {
			t.Errorf("form lacks %q", want)
		}
	}
}
