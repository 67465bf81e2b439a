package web_test

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// The callers of the route table: no one, each role in the "tx" unit (auditor and
// administrator hold "*"), and an investigator of another unit.
var callers = []string{"anonymous", "intake", "investigator", "supervisor", "auditor", "admin", "other_unit"}

// staff is a signed-in session per caller, on top of env.
type staff struct {
	*env
	cookies map[string]string
	users   map[string]redress.User
	txCase  int64 // a complaint in unit tx
	flCase  int64 // a complaint in unit fl
}

const testPassword = "correct horse battery staple"

// newStaff makes units tx and fl, one account per caller, signs each in, and files one
// complaint in each unit through the API.
func newStaff(t *testing.T, db *store.DB) *staff {
	t.Helper()
	e := newEnv(t, db)
	ctx := context.Background()
	m := auth.Meta{Actor: "test"}
	for _, u := range []redress.Unit{{Name: "tx", Title: "Texas", States: []string{"TX"}}, {Name: "fl", Title: "Florida", States: []string{"FL"}}} {
		if _, err := e.auth.SaveUnit(ctx, m, u); err != nil {
			t.Fatal(err)
		}
	}
	s := &staff{env: e, cookies: map[string]string{}, users: map[string]redress.User{}}
	roles := map[string]redress.RoleAssignment{
		"intake": {Role: redress.RoleIntake, Unit: "tx"}, "investigator": {Role: redress.RoleInvestigator, Unit: "tx"},
		"supervisor": {Role: redress.RoleSupervisor, Unit: "tx"}, "auditor": {Role: redress.RoleAuditor, Unit: "*"},
		"admin": {Role: redress.RoleAdministrator, Unit: "*"}, "other_unit": {Role: redress.RoleInvestigator, Unit: "fl"},
	}
	for name, ra := range roles {
		u, token, err := e.auth.CreateUser(ctx, m, name+"@example.org", name)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.auth.AddRole(ctx, m, u.ID, ra.Role, ra.Unit); err != nil {
			t.Fatal(err)
		}
		if _, err := e.auth.SetPasswordWithToken(ctx, m, token, testPassword); err != nil {
			t.Fatal(err)
		}
		s.cookies[name], s.users[name] = signInAccount(t, e.auth, u, []redress.Role{ra.Role}, testPassword), u
	}
	if err := e.authz.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		id    *int64
		state string
	}{{&s.txCase, "TX"}, {&s.flCase, "FL"}} {
		in := validComplaint(0)
		delete(in, "agency_id")
		in["state"] = c.state
		got := decode[created](t, e.postJSON("/api/v1/complaints", in))
		rr, err := db.ComplaintReceipt(ctx, got.TrackingNumber)
		if err != nil {
			t.Fatal(err)
		}
		*c.id = rr.ComplaintID
	}
	return s
}

// as sends a request as one caller (from its own address, so the status-check limiter of
// one caller does not slow another).
func (s *staff) as(caller, method, path, contentType string, body []byte) int {
	s.t.Helper()
	h := []string{"RemoteAddr", "198.51.100." + strconv.Itoa(1+indexOf(callers, caller)) + ":1000"}
	if c := s.cookies[caller]; c != "" {
		h = append(h, "Cookie", "redress_session="+c)
	}
	return s.do(method, path, contentType, body, h...).Code
}

func indexOf(list []string, v string) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}

// routeRow is one route and what each caller gets from it. want lists a status per
// caller; a caller not listed gets deny (401 for anonymous, 403 for the others).
type routeRow struct {
	method, template string
	path             string // the request path, when the template has variables
	body             string
	want             map[string]int
}

func everyone(status int) map[string]int {
	m := map[string]int{}
	for _, c := range callers {
		m[c] = status
	}
	return m
}

func staffOnly(status int) map[string]int {
	m := everyone(status)
	delete(m, "anonymous")
	return m
}

func only(status int, who ...string) map[string]int {
	m := map[string]int{}
	for _, c := range who {
		m[c] = status
	}
	return m
}

// TestRouteTable asks every route of the router as every caller and checks the status.
// A route added without a row fails the test.
func TestRouteTable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		tx, fl := strconv.FormatInt(s.txCase, 10), strconv.FormatInt(s.flCase, 10)
		admin := strconv.FormatInt(s.users["intake"].ID, 10)
		caseRoles := []string{"intake", "investigator", "supervisor"}
		caseReaders := append(append([]string{}, caseRoles...), "auditor")

		rows := []routeRow{
			{method: "GET", template: "/", want: everyone(200)},
			{method: "GET", template: "/complaint", want: everyone(200)},
			{method: "POST", template: "/complaint", body: "language=en", want: everyone(422)},
			{method: "GET", template: "/status", want: everyone(200)},
			{method: "POST", template: "/status", body: "tracking_number=RX-0000-0000&receipt_code=x", want: everyone(404)},
			{method: "GET", template: "/static/", path: "/static/app.css", want: everyone(200)},
			{method: "GET", template: "/healthz", want: everyone(200)},
			{method: "GET", template: "/readyz", want: everyone(200)},
			{method: "GET", template: "/api/v1/openapi.json", want: everyone(200)},
			{method: "POST", template: "/api/v1/complaints", body: "{}", want: everyone(422)},
			{method: "POST", template: "/api/v1/complaints/status", body: "{}", want: everyone(422)},
			{method: "GET", template: "/api/v1/agencies", want: everyone(200)},
			{method: "GET", template: "/api/v1/agreements", want: everyone(200)},
			// Transparency report (issue 15, point 5).
			{method: "GET", template: "/transparency", want: everyone(200)},
			{method: "GET", template: "/transparency.csv", want: everyone(200)},
			{method: "GET", template: "/api/v1/transparency", want: everyone(200)},
			{method: "GET", template: "/login", want: everyone(200)},
			{method: "POST", template: "/login", body: "email=nobody@example.org&password=wrong", want: everyone(401)},
			{method: "GET", template: "/login/totp", want: everyone(200)},
			{method: "GET", template: "/password/reset", want: everyone(200)},
			{method: "POST", template: "/password/reset", body: "email=nobody@example.org", want: everyone(200)},
			{method: "GET", template: "/password/set", path: "/password/set?token=x", want: everyone(200)},

			{method: "GET", template: "/staff", want: staffOnly(200)},
			{method: "GET", template: "/account", want: staffOnly(200)},
			{method: "GET", template: "/account/password", want: staffOnly(200)},
			{method: "POST", template: "/account/password", body: "old_password=wrong&password=x", want: staffOnly(401)},
			{method: "GET", template: "/account/mfa", want: staffOnly(200)},
			{method: "GET", template: "/account/mfa/qr.png", want: staffOnly(200)},
			{method: "POST", template: "/account/mfa", body: "code=000000", want: staffOnly(422)},
			{method: "GET", template: "/api/v1/staff/me", want: staffOnly(200)},

			{method: "GET", template: "/staff/complaints", want: only(200, append(caseReaders, "other_unit")...)},
			{method: "GET", template: "/staff/complaints/{id}", path: "/staff/complaints/" + tx, want: only(200, caseReaders...)},
			// Entering a complaint received by phone, mail or in person: intake officers'
			// and supervisors' (an empty form is a 422).
			{method: "GET", template: "/staff/complaints/new", want: only(200, "intake", "supervisor")},
			{method: "POST", template: "/staff/complaints/new", body: "language=en", want: only(422, "intake", "supervisor")},
			{method: "POST", template: "/api/v1/staff/complaints", body: "{}", want: only(422, "intake", "supervisor")},
			{method: "POST", template: "/staff/complaints/{id}/identity", path: "/staff/complaints/" + tx + "/identity", want: only(200, caseRoles...)},
			{method: "GET", template: "/api/v1/staff/complaints", want: only(200, append(caseReaders, "other_unit")...)},
			{method: "GET", template: "/api/v1/staff/complaints/{id}", path: "/api/v1/staff/complaints/" + fl, want: only(200, "auditor", "other_unit")},
			{method: "POST", template: "/api/v1/staff/complaints/{id}/identity", path: "/api/v1/staff/complaints/" + tx + "/identity", want: only(200, caseRoles...)},

			// Case work: the route is open to case handlers; each step's permission and the
			// complaint's unit decide the rest (an empty form is a 422, or a 409 for a step
			// the state machine does not know from here).
			{method: "POST", template: "/staff/complaints/{id}/transition", path: "/staff/complaints/" + tx + "/transition", body: "transition=withdraw", want: only(422, "investigator", "supervisor")},
			{method: "POST", template: "/staff/complaints/{id}/triage", path: "/staff/complaints/" + tx + "/triage", body: "priority=whenever", want: only(422, "intake", "supervisor")},
			{method: "POST", template: "/staff/complaints/{id}/assign", path: "/staff/complaints/" + tx + "/assign", body: "assignee=0", want: only(422, "intake", "supervisor")},
			{method: "POST", template: "/staff/complaints/assign", body: "ids=", want: only(422, "intake", "supervisor")},
			{method: "POST", template: "/staff/complaints/{id}/referrals", path: "/staff/complaints/" + tx + "/referrals", body: "", want: only(422, "investigator", "supervisor")},
			{method: "POST", template: "/staff/complaints/{id}/referrals/{rid}", path: "/staff/complaints/" + tx + "/referrals/999", body: "answer=x", want: only(404, "investigator", "supervisor")},
			// An open case owes ICE no report of results yet: 409 to those who may record one.
			{method: "POST", template: "/staff/complaints/{id}/results", path: "/staff/complaints/" + tx + "/results", body: "reported_on=2025-08-01&method=email", want: only(409, "investigator", "supervisor")},

			// Notes, messages and evidence: the receipt holder's forms prove the receipt (a
			// wrong one is the status check's 404; an upload that is not multipart a 400);
			// staff routes are case handlers', and each permission is asked in the unit.
			{method: "POST", template: "/status/reply", body: "tracking_number=RX-0000-0000&receipt_code=x&body=hello", want: everyone(404)},
			{method: "POST", template: "/status/evidence", body: "tracking_number=RX-0000-0000&receipt_code=x", want: everyone(400)},
			{method: "POST", template: "/staff/complaints/{id}/notes", path: "/staff/complaints/" + tx + "/notes", body: "body=", want: only(422, caseRoles...)},
			{method: "POST", template: "/staff/complaints/{id}/messages", path: "/staff/complaints/" + tx + "/messages", body: "body=", want: only(422, "investigator", "supervisor")},
			{method: "POST", template: "/staff/complaints/{id}/evidence", path: "/staff/complaints/" + tx + "/evidence", body: "file=x", want: only(400, caseRoles...)},
			{method: "GET", template: "/staff/complaints/{id}/evidence/{eid}", path: "/staff/complaints/" + tx + "/evidence/999", want: only(404, caseRoles...)},
			{method: "GET", template: "/api/v1/staff/complaints/{id}/notes", path: "/api/v1/staff/complaints/" + tx + "/notes", want: only(200, caseRoles...)},
			{method: "POST", template: "/api/v1/staff/complaints/{id}/notes", path: "/api/v1/staff/complaints/" + tx + "/notes", body: "{}", want: only(422, caseRoles...)},
			{method: "GET", template: "/api/v1/staff/complaints/{id}/messages", path: "/api/v1/staff/complaints/" + tx + "/messages", want: only(200, "investigator", "supervisor")},
			{method: "POST", template: "/api/v1/staff/complaints/{id}/messages", path: "/api/v1/staff/complaints/" + tx + "/messages", body: "{}", want: only(422, "investigator", "supervisor")},
			{method: "GET", template: "/api/v1/staff/complaints/{id}/evidence", path: "/api/v1/staff/complaints/" + tx + "/evidence", want: only(200, caseRoles...)},
			{method: "POST", template: "/api/v1/staff/complaints/{id}/evidence", path: "/api/v1/staff/complaints/" + tx + "/evidence", body: "{}", want: only(400, caseRoles...)},
			{method: "GET", template: "/api/v1/staff/complaints/{id}/evidence/{eid}", path: "/api/v1/staff/complaints/" + tx + "/evidence/999", want: only(404, caseRoles...)},

			{method: "POST", template: "/api/v1/staff/complaints/{id}/transition", path: "/api/v1/staff/complaints/" + tx + "/transition", body: `{"transition":"approve_close"}`, want: only(409, "supervisor")},
			{method: "POST", template: "/api/v1/staff/complaints/{id}/triage", path: "/api/v1/staff/complaints/" + tx + "/triage", body: `{"priority":"whenever"}`, want: only(422, "intake", "supervisor")},
			{method: "POST", template: "/api/v1/staff/complaints/{id}/assign", path: "/api/v1/staff/complaints/" + tx + "/assign", body: `{"assignee_id":0}`, want: only(422, "intake", "supervisor")},
			{method: "POST", template: "/api/v1/staff/complaints/{id}/referrals", path: "/api/v1/staff/complaints/" + tx + "/referrals", body: `{}`, want: only(422, "investigator", "supervisor")},
			{method: "POST", template: "/api/v1/staff/complaints/{id}/referrals/{rid}", path: "/api/v1/staff/complaints/" + tx + "/referrals/999", body: `{"answer":"x"}`, want: only(404, "investigator", "supervisor")},
			{method: "POST", template: "/api/v1/staff/complaints/{id}/results", path: "/api/v1/staff/complaints/" + tx + "/results", body: `{"reported_on":"2025-08-01","method":"email"}`, want: only(409, "investigator", "supervisor")},
			{method: "POST", template: "/api/v1/staff/complaints/assign", body: `{"ids":[]}`, want: only(422, "intake", "supervisor")},

			{method: "GET", template: "/admin/users", want: only(200, "admin")},
			{method: "POST", template: "/admin/users", body: "email=&name=", want: only(422, "admin")},
			{method: "GET", template: "/admin/users/{id}", path: "/admin/users/" + admin, want: only(200, "admin")},
			{method: "POST", template: "/admin/users/{id}/roles", path: "/admin/users/" + admin + "/roles", body: "op=add&role=nobody&unit=tx", want: only(422, "admin")},
			{method: "POST", template: "/admin/users/{id}", path: "/admin/users/" + admin, body: "op=none", want: only(303, "admin")},
			{method: "POST", template: "/admin/grants/{id}", path: "/admin/grants/999999", body: "op=approve", want: only(404, "admin")},
			{method: "GET", template: "/admin/units", want: only(200, "admin")},
			{method: "POST", template: "/admin/units", body: "name=Not+Valid&title=x", want: only(422, "admin")},
			{method: "GET", template: "/admin/routing", want: only(200, "admin")},
			{method: "POST", template: "/admin/routing", body: "op=add&kind=unit&state=Texas", want: only(422, "admin")},
			{method: "GET", template: "/admin/offices", want: only(200, "admin")},
			{method: "POST", template: "/admin/offices", body: "op=save&name=OIG&email=nobody&recipients=dhs_oig", want: only(422, "admin")},
			{method: "GET", template: "/admin/settings", want: only(200, "admin")},
			{method: "POST", template: "/admin/settings", body: "", want: only(303, "admin")},

			// The audit trail: its public key is anyone's; the log, histories and checkpoints
			// are supervisors' and oversight auditors'; verifying and exporting auditors'.
			{method: "GET", template: "/api/v1/audit/key", want: everyone(200)},
			// Outside witnesses: the published heads are anyone's too.
			{method: "GET", template: "/api/v1/public/audit/heads", want: everyone(200)},
			{method: "GET", template: "/api/v1/audit/checkpoints", want: only(200, "supervisor", "auditor")},
			{method: "GET", template: "/api/v1/audit/events", want: only(200, "supervisor", "auditor")},
			{method: "GET", template: "/api/v1/audit/export", want: only(200, "auditor")},
			{method: "GET", template: "/oversight/audit", want: only(200, "supervisor", "auditor")},
			// The registry's history: whoever reads cases, in any unit.
			{method: "GET", template: "/staff/registry", want: only(200, append(caseReaders, "other_unit")...)},
			{method: "GET", template: "/api/v1/sheets", want: only(200, append(caseReaders, "other_unit")...)},
			{method: "GET", template: "/api/v1/agreements/{id}", path: "/api/v1/agreements/" + strconv.FormatInt(s.agreementID(), 10), want: only(200, append(caseReaders, "other_unit")...)},
			{method: "GET", template: "/oversight/audit/complaints/{id}", path: "/oversight/audit/complaints/" + tx, want: only(200, "supervisor", "auditor")},
			{method: "GET", template: "/oversight/verify", want: only(200, "auditor")},
			{method: "POST", template: "/oversight/verify", want: only(303, "auditor")},
			{method: "GET", template: "/oversight/verify/{id}", path: "/oversight/verify/999999", want: only(404, "auditor")},
			{method: "GET", template: "/oversight/export", want: only(200, "auditor")},
			// Issue 15, oversight dashboard: the measures, supervisors' for their units.
			{method: "GET", template: "/oversight", want: only(200, "supervisor", "auditor")},
			{method: "GET", template: "/oversight/agreements/{id}", path: "/oversight/agreements/" + strconv.FormatInt(s.agreementID(), 10), want: only(200, "supervisor", "auditor")},
			{method: "GET", template: "/api/v1/reports/{table}", path: "/api/v1/reports/summary", want: only(200, "supervisor", "auditor")},
			// Early warning: supervisors' and auditors' (without officer names); its
			// thresholds administrators'.
			{method: "GET", template: "/oversight/warnings", want: only(200, "supervisor", "auditor")},
			{method: "GET", template: "/admin/warnings", want: only(200, "admin")},
			{method: "POST", template: "/admin/warnings", body: "urgent_hours=x", want: only(422, "admin")},

			// Last: these end or change the session.
			{method: "POST", template: "/login/totp", body: "code=000000", want: with(staffOnly(401), "anonymous", 303)},
			{method: "POST", template: "/password/set", body: "token=nonsense&password=" + url.QueryEscape(testPassword), want: everyone(404)},
			{method: "POST", template: "/logout", want: staffOnly(303)},
		}

		// The table covers the router exactly.
		covered := map[string]bool{}
		for _, r := range rows {
			covered[r.method+" "+r.template] = true
		}
		var missing []string
		s.srv.Router().Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
			tpl, err := route.GetPathTemplate()
			if err != nil {
				return nil
			}
			methods, _ := route.GetMethods()
			for _, m := range methods {
				if m == http.MethodHead {
					continue
				}
				if !covered[m+" "+tpl] {
					missing = append(missing, m+" "+tpl)
				}
				delete(covered, m+" "+tpl)
			}
			return nil
		})
		sort.Strings(missing)
		for _, m := range missing {
			t.Errorf("route %s has no row in the route table", m)
		}
		for k := range covered {
			t.Errorf("row %s names no route", k)
		}

		for _, row := range rows {
			path := row.path
			if path == "" {
				path = row.template
			}
			ct := ""
			if row.method == "POST" {
				ct = formType
				if strings.HasPrefix(path, "/api/") {
					ct = "application/json"
				}
			}
			for _, caller := range callers {
				want, ok := row.want[caller]
				if !ok {
					want = 403
					if caller == "anonymous" {
						want = 401
					}
				}
				got := s.as(caller, row.method, path, ct, []byte(row.body))
				if got != want {
					t.Errorf("%s %s as %s: %d, want %d", row.method, path, caller, got, want)
				}
			}
		}
	})
}

func with(m map[string]int, caller string, status int) map[string]int {
	m[caller] = status
	return m
}

// A state-changing staff request from another site is refused, even with a valid
// session cookie, and changes nothing.
func TestStaffCrossOriginRefused(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	s := newStaff(t, db)
	before, err := s.auth.ListUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rec := s.do("POST", "/admin/users", formType, []byte("email=x%40example.org&name=X&role=investigator&unit=tx"),
		"Cookie", "redress_session="+s.cookies["admin"], "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if rec.Code != http.StatusForbidden {
		t.Fatalf("cross-site POST: %d", rec.Code)
	}
	after, _ := s.auth.ListUsers(context.Background())
	if len(after) != len(before) {
		t.Fatal("cross-site POST created an account")
	}
	// The same request from the site itself goes through.
	rec = s.do("POST", "/admin/users", formType, []byte("email=x%40example.org&name=X&role=investigator&unit=tx"),
		"Cookie", "redress_session="+s.cookies["admin"], "Sec-Fetch-Site", "same-origin")
	if rec.Code != http.StatusCreated {
		t.Fatalf("same-origin POST: %d", rec.Code)
	}
}
