package web_test

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// signIn adds an account (with role in unit at once, as the command line grants, when
// role is not empty) and signs it in as caller name.
func (s *staff) signIn(name string, role redress.Role, unit string) redress.User {
	s.t.Helper()
	ctx := context.Background()
	m := auth.Meta{Actor: "cli:test"}
	u, token, err := s.auth.CreateUser(ctx, m, name+"@example.org", name)
	if err != nil {
		s.t.Fatal(err)
	}
	if role != "" {
		if err := s.auth.AddRole(ctx, m, u.ID, role, unit); err != nil {
			s.t.Fatal(err)
		}
	}
	if _, err := s.auth.SetPasswordWithToken(ctx, m, token, testPassword); err != nil {
		s.t.Fatal(err)
	}
	token = signInAccount(s.t, s.auth, u, []redress.Role{role}, testPassword)
	if err = s.authz.Reload(ctx); err != nil {
		s.t.Fatal(err)
	}
	s.cookies[name], s.users[name] = token, u
	return u
}

// send makes a request as caller, in lang.
func (s *staff) send(caller, method, path string, form url.Values, lang string) *httptest.ResponseRecorder {
	s.t.Helper()
	ct := ""
	var body []byte
	if method == http.MethodPost {
		ct, body = formType, []byte(form.Encode())
		if strings.HasPrefix(path, "/api/") {
			ct, body = "application/json", []byte("{}")
		}
	}
	return s.do(method, path, ct, body, "Cookie", "redress_session="+s.cookies[caller], "Accept-Language", lang)
}

func userPath(id int64, rest string) string {
	return "/admin/users/" + strconv.FormatInt(id, 10) + rest
}

// lastEvent returns the newest event of action, failing when there is none.
func lastEvent(t *testing.T, db *store.DB, action string) redress.AuditEvent {
	t.Helper()
	evs, err := db.ListAudit(context.Background(), redress.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Action == action {
			return evs[i]
		}
	}
	t.Fatalf("no %s event", action)
	return redress.AuditEvent{}
}

// An administrator cannot give itself case access: granting its own account a
// supervisor's role in every unit is refused (403, in the caller's language, recorded
// as a refusal), the case API and the identity reveal stay closed to it, and it cannot
// take back its own roles either.
func TestAdminSelfGrantRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		admin := s.users["admin"]
		tx := strconv.FormatInt(s.txCase, 10)
		for _, c := range []struct{ lang, want string }{
			{"en", "Nobody changes the roles of their own account"},
			{"es", "Nadie cambia las funciones de su propia cuenta"},
		} {
			rec := s.send("admin", "POST", userPath(admin.ID, "/roles"), url.Values{"op": {"add"}, "role": {"supervisor"}, "unit": {"*"}}, c.lang)
			if rec.Code != http.StatusForbidden {
				t.Errorf("self-grant (%s): %d, want 403", c.lang, rec.Code)
				continue
			}
			if body := html.UnescapeString(rec.Body.String()); !strings.Contains(body, c.want) {
				t.Errorf("self-grant (%s) does not say why: %.600s", c.lang, body)
			}
		}
		if got := s.send("admin", "GET", "/api/v1/staff/complaints/"+tx, nil, "en"); got.Code != http.StatusForbidden || strings.Contains(got.Body.String(), "Mi hermano") {
			t.Fatalf("case API after a self-grant: %d %.300s", got.Code, got.Body)
		}
		if got := s.send("admin", "POST", "/api/v1/staff/complaints/"+tx+"/identity", nil, "en"); got.Code != http.StatusForbidden {
			t.Errorf("identity reveal after a self-grant: %d", got.Code)
		}
		u, err := s.auth.User(context.Background(), admin.ID)
		if err != nil || len(u.Roles) != 1 || u.Roles[0].Role != redress.RoleAdministrator {
			t.Errorf("roles after a self-grant: %+v %v", u.Roles, err)
		}
		ev := lastEvent(t, db, redress.ActionRoleRefused)
		if ev.Actor != auth.Subject(admin.ID) || ev.Details["reason"] != "role_own_account" || ev.Details["op"] != "add" ||
			ev.Details["role"] != "supervisor" || ev.Details["user_id"] != float64(admin.ID) {
			t.Errorf("refusal event: %+v", ev)
		}
		if pending, _ := s.auth.PendingRoleGrants(context.Background()); len(pending) != 0 {
			t.Errorf("a self-grant left a request behind: %+v", pending)
		}

		rec := s.send("admin", "POST", userPath(admin.ID, "/roles"), url.Values{"op": {"remove"}, "role": {"administrator"}, "unit": {"*"}}, "en")
		if rec.Code != http.StatusForbidden {
			t.Errorf("taking back one's own role: %d, want 403", rec.Code)
		}
		if ev := lastEvent(t, db, redress.ActionRoleRefused); ev.Details["op"] != "remove" {
			t.Errorf("refusal event of a removal: %+v", ev)
		}
	})
}

// A grant of a case-reading role by administrator A waits: the account has no case
// access; A cannot approve it; B can, and then the case API and identity reveal work.
// A rejection and a withdrawal leave no role; B cannot approve a grant for B.
func TestAdminGrantNeedsSecondAdministrator(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		a := s.users["admin"]
		b := s.signIn("admin_b", redress.RoleAdministrator, "*")
		x := s.signIn("newcomer", "", "")
		tx := strconv.FormatInt(s.txCase, 10)
		caseAPI := "/api/v1/staff/complaints/" + tx

		rec := s.send("admin", "POST", userPath(x.ID, "/roles"), url.Values{"op": {"add"}, "role": {"supervisor"}, "unit": {"tx"}}, "en")
		if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "pending=1") {
			t.Fatalf("grant by A: %d %q, want a redirect saying it waits", rec.Code, rec.Header().Get("Location"))
		}
		if got := s.send("newcomer", "GET", caseAPI, nil, "en"); got.Code != http.StatusForbidden {
			t.Fatalf("case API with a waiting grant: %d, want 403", got.Code)
		}
		pending, err := s.auth.PendingRoleGrants(ctx)
		if err != nil || len(pending) != 1 {
			t.Fatalf("pending: %+v %v", pending, err)
		}
		g := pending[0]
		grantPath := "/admin/grants/" + strconv.FormatInt(g.ID, 10)
		if ev := lastEvent(t, db, redress.ActionRoleRequested); ev.Details["grant_id"] != float64(g.ID) || ev.Actor != auth.Subject(a.ID) {
			t.Errorf("request event: %+v", ev)
		}

		// A's list has nothing for A to approve; B's has the grant with its buttons.
		if body := s.send("admin", "GET", "/admin/users", nil, "en").Body.String(); strings.Contains(body, `action="`+grantPath+`"`) {
			t.Error("the requester is offered its own grant to decide on /admin/users")
		}
		if body := s.send("admin_b", "GET", "/admin/users", nil, "en").Body.String(); !strings.Contains(body, `action="`+grantPath+`"`) || !strings.Contains(body, "newcomer@example.org") {
			t.Errorf("the second administrator does not see the waiting grant: %.2000s", body)
		}
		if body := s.send("admin", "GET", userPath(x.ID, ""), nil, "en").Body.String(); !strings.Contains(body, "Roles waiting for approval") {
			t.Error("the account's page does not show its waiting grant")
		}

		rec = s.send("admin", "POST", grantPath, url.Values{"op": {"approve"}}, "es")
		if rec.Code != http.StatusForbidden || !strings.Contains(html.UnescapeString(rec.Body.String()), "la debe aprobar otra persona administradora") {
			t.Fatalf("approval by the requester: %d %.400s", rec.Code, rec.Body)
		}
		if ev := lastEvent(t, db, redress.ActionRoleRefused); ev.Details["reason"] != "grant_own_request" || ev.Details["grant_id"] != float64(g.ID) {
			t.Errorf("refusal event: %+v", ev)
		}
		if got := s.send("newcomer", "GET", caseAPI, nil, "en"); got.Code != http.StatusForbidden {
			t.Fatalf("case API after a refused approval: %d, want 403", got.Code)
		}

		rec = s.send("admin_b", "POST", grantPath, url.Values{"op": {"approve"}}, "en")
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("approval by B: %d %.400s", rec.Code, rec.Body)
		}
		if got := s.send("newcomer", "GET", caseAPI, nil, "en"); got.Code != http.StatusOK || !strings.Contains(got.Body.String(), "Mi hermano") {
			t.Fatalf("case API after approval: %d %.200s", got.Code, got.Body)
		}
		if got := s.send("newcomer", "POST", caseAPI+"/identity", nil, "en"); got.Code != http.StatusOK {
			t.Errorf("identity reveal after approval: %d", got.Code)
		}
		if ev := lastEvent(t, db, redress.ActionRoleApproved); ev.Actor != auth.Subject(b.ID) || ev.Details["requested_by"] != float64(a.ID) {
			t.Errorf("approval event: %+v", ev)
		}
		if ev := lastEvent(t, db, redress.ActionRoleAdded); ev.Details["user_id"] != float64(x.ID) || ev.Details["role"] != "supervisor" {
			t.Errorf("role event: %+v", ev)
		}
		if got := s.send("admin_b", "POST", grantPath, url.Values{"op": {"reject"}}, "en"); got.Code != http.StatusConflict {
			t.Errorf("rejecting an approved grant: %d, want 409", got.Code)
		}

		// Rejected by B, withdrawn by A: no role either way.
		for _, c := range []struct {
			by, role, action string
		}{{"admin_b", "oversight_auditor", redress.ActionRoleRejected}, {"admin", "investigator", redress.ActionRoleWithdrawn}} {
			s.send("admin", "POST", userPath(x.ID, "/roles"), url.Values{"op": {"add"}, "role": {c.role}, "unit": {"*"}}, "en")
			pending, _ := s.auth.PendingRoleGrants(ctx)
			if len(pending) != 1 {
				t.Fatalf("pending after asking %s: %+v", c.role, pending)
			}
			if got := s.send(c.by, "POST", "/admin/grants/"+strconv.FormatInt(pending[0].ID, 10), url.Values{"op": {"reject"}}, "en"); got.Code != http.StatusSeeOther {
				t.Errorf("%s turning down %s: %d", c.by, c.role, got.Code)
			}
			lastEvent(t, db, c.action)
		}
		if u, _ := s.auth.User(ctx, x.ID); len(u.Roles) != 1 {
			t.Errorf("roles after a rejection and a withdrawal: %+v", u.Roles)
		}

		// A asks a role for B: B may not approve a grant for itself.
		s.send("admin", "POST", userPath(b.ID, "/roles"), url.Values{"op": {"add"}, "role": {"supervisor"}, "unit": {"*"}}, "en")
		pending, _ = s.auth.PendingRoleGrants(ctx)
		if len(pending) != 1 {
			t.Fatalf("pending: %+v", pending)
		}
		if got := s.send("admin_b", "POST", "/admin/grants/"+strconv.FormatInt(pending[0].ID, 10), url.Values{"op": {"approve"}}, "en"); got.Code != http.StatusForbidden {
			t.Errorf("approving a grant for oneself: %d, want 403", got.Code)
		}
		if got := s.send("admin_b", "GET", caseAPI, nil, "en"); got.Code != http.StatusForbidden {
			t.Errorf("case API for B after approving its own grant: %d", got.Code)
		}
	})
}

// An account created with a case-reading role, or as an administrator (who could then
// approve its creator's requests), starts without it: the role waits for a second
// administrator like any other grant.
func TestAdminCreateUserRoleWaits(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	s := newStaff(t, db)
	for i, role := range []redress.Role{redress.RoleInvestigator, redress.RoleAdministrator} {
		email := "fresh" + strconv.Itoa(i) + "@example.org"
		rec := s.send("admin", "POST", "/admin/users", url.Values{"email": {email}, "name": {"Fresh"}, "role": {string(role)}, "unit": {"tx"}}, "en")
		if rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), "takes effect once another administrator approves") {
			t.Fatalf("create with %s: %d %.600s", role, rec.Code, rec.Body)
		}
		u, err := s.auth.UserByEmail(context.Background(), email)
		if err != nil || len(u.Roles) != 0 {
			t.Fatalf("the new account holds %+v (%v) before approval", u.Roles, err)
		}
		pending, _ := s.auth.PendingRoleGrants(context.Background())
		if len(pending) != i+1 || pending[i].UserID != u.ID || pending[i].Role != role || pending[i].Unit != "tx" {
			t.Errorf("pending: %+v", pending)
		}
		// Whoever decides is told the account's password is not set yet: the link that
		// sets it went to the administrator who asked.
		if body := s.send("admin", "GET", userPath(u.ID, ""), nil, "en").Body.String(); !strings.Contains(body, "No password set yet") {
			t.Errorf("the account's page does not say its password is not set: %.1500s", body)
		}
	}
}
