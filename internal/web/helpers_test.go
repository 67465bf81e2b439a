package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/authz"
	"github.com/redress-oversight/redress/internal/casefile"
	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/intake"
	"github.com/redress-oversight/redress/internal/limit"
	"github.com/redress-oversight/redress/internal/mail"
	"github.com/redress-oversight/redress/internal/oversight"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/reports"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/web"
)

// fixedNow is the test clock: every "today" rule is judged on this day.
var fixedNow = time.Date(2025, 8, 1, 15, 0, 0, 0, time.UTC)

type env struct {
	t      testing.TB
	db     *store.DB
	box    *secret.Box
	srv    *web.Server
	auth   *auth.Service
	authz  *authz.Enforcer
	agency redress.Agency // Harris County Sheriff's Office (TX): one JEM agreement
	multi  redress.Agency // Collier County Sheriff's Office (FL): JEM, WSO and TFM
}

// newEnv builds the real server on db with a small registry loaded through the real
// import path.
func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	ctx := context.Background()
	asOf := time.Date(2025, 7, 18, 12, 0, 0, 0, time.UTC)
	row := func(n int, state, name string, m redress.Model, signed string) redress.SheetRow {
		d, _ := redress.ParseDate(signed)
		return redress.SheetRow{Row: n, State: state, AgencyName: name, AgencyType: "County",
			County: name[:len(name)-len(" Sheriff's Office")], Model: m, SignedRaw: signed, SignedOn: d, MOAListed: true}
	}
	_, err := db.ApplySheet(ctx, redress.Sheet{
		FileName: "participatingAgencies07182025pm.xlsx", Kind: redress.SheetParticipating, AsOf: asOf, SHA256: "test-sheet",
		Rows: []redress.SheetRow{
			row(2, "TX", "Harris County Sheriff's Office", redress.ModelJEM, "2020-01-10"),
			row(3, "FL", "Collier County Sheriff's Office", redress.ModelJEM, "2019-06-01"),
			row(4, "FL", "Collier County Sheriff's Office", redress.ModelWSO, "2020-02-01"),
			row(5, "FL", "Collier County Sheriff's Office", redress.ModelTFM, "2025-02-20"),
		},
	}, redress.ActorSystem, "")
	if err != nil {
		t.Fatalf("load registry: %v", err)
	}
	catalog, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	box, err := secret.New(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, box: box}
	e.auth = &auth.Service{DB: db, Box: box, Catalog: catalog, PublicURL: "https://redress.example"}
	e.authz, err = authz.New(ctx, db, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = newServer(t, db, box, catalog, e.auth, e.authz)
	for _, a := range mustAgencies(t, db, "TX") {
		e.agency = a
	}
	for _, a := range mustAgencies(t, db, "FL") {
		e.multi = a
	}
	return e
}

func mustAgencies(t testing.TB, db *store.DB, state string) []redress.Agency {
	as, err := db.ListAgencies(context.Background(), state, "", 10)
	if err != nil || len(as) != 1 {
		t.Fatalf("agencies in %s: %v %v", state, as, err)
	}
	return as
}

func newServer(t testing.TB, db *store.DB, box *secret.Box, catalog *i18n.Catalog, a *auth.Service, z *authz.Enforcer) *web.Server {
	t.Helper()
	cases := &casework.Service{DB: db, Box: box, Catalog: catalog, PublicURL: "https://redress.example", Deadlines: deadline.Defaults(), Authz: z}
	// sealAudit's sealer signs every five events, so it never leaves more unsigned.
	trail := &audit.Service{DB: db, Box: box, PublicKey: testAuditKey.Public(), Window: 5, Log: quietLog}
	// Before the database closes: verifications a test started end first.
	t.Cleanup(trail.Close)
	srv, err := web.NewServer(web.Deps{
		DB: db,
		Intake: &intake.Service{DB: db, Box: box, Languages: catalog.Languages(),
			Casework: cases,
			ReceiptMail: func(lang, to, tracking string) redress.OutboundMail {
				return mail.NewReceipt(catalog, box, lang, to, tracking, "https://redress.example/status")
			}},
		Catalog:  catalog,
		Log:      quietLog,
		Now:      func() time.Time { return fixedNow },
		Auth:     a,
		Authz:    z,
		Casework: cases,
		Casefile: &casefile.Service{DB: db, Box: box, Catalog: catalog, PublicURL: cases.PublicURL, Casework: cases},
		Limits:   newLimiter(db, nil, func() time.Time { return fixedNow }, quietLog),
		Audit:    trail,
		// Issue 15, oversight dashboard: the measures as cmd/redress builds them.
		Reports: &reports.Service{DB: db, Source: &oversight.Service{DB: db, Deadlines: cases.Deadlines, UnitDeadlines: cases.UnitDeadlines}},
		// Transparency report (issue 15, point 5).
		Transparency: &oversight.Transparency{Tallies: db, Loc: cases.Deadlines.Loc(), Now: func() time.Time { return fixedNow },
			Measures: &oversight.Service{DB: db, Deadlines: cases.Deadlines, Now: func() time.Time { return fixedNow }}},
		Warnings: &oversight.Warnings{DB: db, Now: func() time.Time { return fixedNow }}, // early warning
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// newLimiter is the rate limiter serve builds, on db, under key; nil draws a key of its
// own: a process that shares no counts.
func newLimiter(db *store.DB, key []byte, now func() time.Time, log *slog.Logger) *limit.Limiter {
	if key == nil {
		key = make([]byte, 32)
		rand.Read(key)
	}
	return limit.New(db, key, now, log)
}

// testAuditKey signs the checkpoints of tests that seal the trail (auditSealer); the
// server shows and trusts its public half.
var testAuditKey, _ = audit.ParseKey("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// do sends one request through the real router.
func (e *env) do(method, path, contentType string, body []byte, header ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "RemoteAddr" { // not a header: who the server thinks is calling
			req.RemoteAddr = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec
}

func (e *env) postJSON(path string, v any, header ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(http.MethodPost, path, "application/json", b, header...)
}

type errResp struct {
	Error  string `json:"error"`
	Fields []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"fields"`
}

func decode[T any](t testing.TB, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, rec.Body.String())
	}
	return v
}

// counts returns how many complaints, allegations and audit events are stored, to prove
// that refused input left nothing behind.
func (e *env) counts() [3]int {
	e.t.Helper()
	var out [3]int
	for i, table := range []string{"complaints", "allegations", "audit_events"} {
		if err := e.db.Bun().NewSelect().TableExpr(table).ColumnExpr("count(*)").Scan(context.Background(), &out[i]); err != nil {
			e.t.Fatal(err)
		}
	}
	return out
}

// validComplaint is a complaint every rule accepts.
func validComplaint(agencyID int64) map[string]any {
	return map[string]any{
		"language":                  "es",
		"incident_date":             "2025-07-20",
		"agency_id":                 agencyID,
		"place":                     "Harris County Jail, 1200 Baker St",
		"functions":                 []string{"detainer"},
		"categories":                []string{"held_past_release", "no_interpreter"},
		"narrative":                 "Mi hermano quedó detenido dos días después de pagar la fianza. Nadie le explicó nada en español.",
		"officers":                  "Deputy R. (badge 4411)",
		"custody":                   map[string]any{"in_custody": true, "detainer_issued": true, "held_past_release": true},
		"filer":                     "relative",
		"contact":                   map[string]any{"name": "Ana Gómez", "email": "ana@example.org", "phone": "+1 (713) 555-0100"},
		"consent_to_share_identity": []string{"dhs_crcl", "dhs_oig"},
	}
}
