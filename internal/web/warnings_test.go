package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// warningForm is the thresholds form with every default, name set to value.
func warningForm(name, value string) url.Values {
	v := url.Values{}
	for _, d := range redress.WarningSettingDefs {
		v.Set(d.Name, strconv.Itoa(d.Default))
	}
	v.Set(name, value)
	return v
}

// TestWarningsPage plants an officer named three times in Texas, a person held past
// release in Texas and an urgent case nobody holds in Florida, and reads the early
// warning as each caller would.
func TestWarningsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		// A supervisor of Florida only.
		u, token, err := s.auth.CreateUser(ctx, auth.Meta{Actor: "test"}, "flsup@example.org", "flsup")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.auth.AddRole(ctx, auth.Meta{Actor: "test"}, u.ID, redress.RoleSupervisor, "fl"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.auth.SetPasswordWithToken(ctx, auth.Meta{Actor: "test"}, token, testPassword); err != nil {
			t.Fatal(err)
		}
		s.cookies["flsup"] = signInAccount(t, s.auth, u, []redress.Role{redress.RoleSupervisor}, testPassword)
		if err := s.authz.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		plant := func(n int, unit, officers string, age time.Duration, held, urgent bool) string {
			t.Helper()
			at := fixedNow.Add(-age)
			db.Now = func() time.Time { return at }
			defer func() { db.Now = func() time.Time { return fixedNow } }()
			yes := true
			c := redress.Complaint{TrackingNumber: fmt.Sprintf("RX-WEBW-%04d", n), Language: "en", Channel: redress.ChannelWeb,
				IncidentDate: redress.DateOf(at), State: "TX", Unit: unit, Officers: officers, Narrative: "n", Filer: "self",
				Anonymous: true, Allegations: []redress.Allegation{{Category: "force"}}}
			if unit == "tx" {
				c.AgencyID = s.agency.ID
			}
			if held {
				c.Custody.HeldPastRelease = &yes
			}
			if urgent {
				c.Priority = "urgent"
			}
			got, err := db.CreateComplaint(ctx, store.NewComplaint{Complaint: c, ReceiptHash: redress.HashReceiptCode("AAAAA-BBBBB-CCCCC-DDDDD"),
				Audit: redress.AuditEvent{Actor: redress.ActorPublic, Action: redress.ActionComplaintFiled}})
			if err != nil {
				t.Fatal(err)
			}
			return got.TrackingNumber
		}
		var ruiz []string
		for i, o := range []string{"Oficial Ruiz, placa 4471", "Deputy RUIZ #4471", "agente Ruíz (placa 04471)"} {
			ruiz = append(ruiz, plant(i+1, "tx", o, time.Duration(i+1)*24*time.Hour, false, false))
		}
		held := plant(10, "tx", "", 72*time.Hour, true, false)
		urgent := plant(11, "fl", "", 30*time.Hour, false, true)

		get := func(caller, path string, header ...string) *httptest.ResponseRecorder {
			t.Helper()
			h := append([]string{"Cookie", "redress_session=" + s.cookies[caller]}, header...)
			rec := s.do(http.MethodGet, path, "", nil, h...)
			if rec.Code != http.StatusOK {
				t.Fatalf("%s GET %s: %d", caller, path, rec.Code)
			}
			return rec
		}
		has := func(who, body string, want bool, parts ...string) {
			t.Helper()
			body = html.UnescapeString(body)
			for _, p := range parts {
				if strings.Contains(body, p) != want {
					t.Errorf("%s: %q shown %v, want %v", who, p, !want, want)
				}
			}
		}
		sup := get("supervisor", "/oversight/warnings").Body.String()
		has("supervisor of tx", sup, true, append(ruiz, "Badge 4471", held, "/staff/complaints?agency=")...)
		has("supervisor of tx", sup, false, urgent)
		fl := get("flsup", "/oversight/warnings").Body.String()
		has("supervisor of fl", fl, true, urgent)
		has("supervisor of fl", fl, false, append(ruiz, "4471", held)...)
		// The auditor reads the page without officer names or badges.
		aud := get("auditor", "/oversight/warnings").Body.String()
		has("auditor", aud, true, held, urgent, "Officer names are shown only")
		has("auditor", aud, false, "4471", "Ruiz", "ruiz")
		// In Spanish.
		es := get("supervisor", "/oversight/warnings?lang=es").Body.String()
		has("Spanish", es, true, `lang="es"`, "Alerta temprana", "Placa 4471", "Retenidos después de su liberación")
		// The desk links to it.
		has("supervisor's desk", get("supervisor", "/staff").Body.String(), true, `href="/oversight/warnings"`)

		// Administrators set the thresholds: a bad one is refused in the user's language.
		post := func(form url.Values, lang string) *httptest.ResponseRecorder {
			t.Helper()
			return s.do(http.MethodPost, "/admin/warnings", "application/x-www-form-urlencoded", []byte(form.Encode()),
				"Cookie", "redress_session="+s.cookies["admin"], "Accept-Language", lang)
		}
		rec := post(warningForm(redress.WarnOfficerMin, "1"), "es")
		if rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("bad threshold: %d", rec.Code)
		}
		has("refusal", rec.Body.String(), true, "Escriba un número entero en el intervalo 2–100.", `aria-invalid="true"`, `value="1"`)
		if set, _ := db.WarningSettings(ctx); set[redress.WarnOfficerMin] != 3 {
			t.Fatalf("a refused form stored %v", set)
		}
		if rec = post(warningForm(redress.WarnOfficerMin, "4"), "en"); rec.Code != http.StatusSeeOther {
			t.Fatalf("good threshold: %d %s", rec.Code, rec.Body)
		}
		sup = get("supervisor", "/oversight/warnings").Body.String()
		has("supervisor after the change", sup, false, "Badge 4471")
		has("supervisor after the change", sup, true, "at least 4 complaints")
		evs, _, err := db.SearchAudit(ctx, redress.AuditFilter{Action: redress.ActionWarningSettingsSaved, Limit: 5})
		if err != nil || len(evs) != 1 || evs[0].Actor != "user:"+strconv.FormatInt(s.users["admin"].ID, 10) {
			t.Fatalf("audit %+v %v", evs, err)
		}
	})
}
