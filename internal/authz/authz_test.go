package authz_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/redress-oversight/redress/internal/authz"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

var (
	by    = redress.AuditEvent{Actor: "test"}
	quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
)

// grant is a role held in a unit.
type grant struct {
	role redress.Role
	unit string
}

func addUnits(t testing.TB, db *store.DB, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := db.SaveUnit(t.Context(), by, redress.Unit{Name: n, Title: strings.ToUpper(n)}); err != nil {
			t.Fatalf("unit %s: %v", n, err)
		}
	}
}

// addUser creates an account holding grants and returns its subject.
func addUser(t testing.TB, db *store.DB, name string, grants ...grant) (int64, string) {
	t.Helper()
	ctx := t.Context()
	h := sha256.Sum256([]byte(name))
	u, err := db.CreateUser(ctx, by, name+"@example.org", name, store.PasswordLink{
		Hash: h[:], Purpose: store.LinkSet, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatalf("user %s: %v", name, err)
	}
	for _, g := range grants {
		if err := db.AddRole(ctx, by, u.ID, g.role, g.unit); err != nil {
			t.Fatalf("role %s in %s for %s: %v", g.role, g.unit, name, err)
		}
	}
	return u.ID, "user:" + strconv.FormatInt(u.ID, 10)
}

// Who may use each route and permission, as the issue and docs/roles.md say. The test
// checks policy.csv gives exactly this, role by role.
const (
	anyone   = "anyone"
	account  = "account"  // any signed-in account
	readers  = "readers"  // case handlers and oversight auditors
	handlers = "handlers" // intake officers, investigators, supervisors
	admins   = "admins"
)

var routes = []struct {
	obj, acts, who string
}{
	{"/", "GET|HEAD", anyone},
	{"/complaint", "GET|HEAD|POST", anyone},
	{"/status", "GET|HEAD|POST", anyone},
	{"/static/", "GET|HEAD", anyone},
	{"/healthz", "GET|HEAD", anyone},
	{"/readyz", "GET|HEAD", anyone},
	{"/api/v1/openapi.json", "GET", anyone},
	{"/api/v1/complaints", "POST", anyone},
	{"/api/v1/complaints/status", "POST", anyone},
	{"/api/v1/agencies", "GET", anyone},
	{"/api/v1/agreements", "GET", anyone},
	{"/login", "GET|POST", anyone},
	{"/login/totp", "GET|POST", anyone},
	{"/password/reset", "GET|POST", anyone},
	{"/password/set", "GET|POST", anyone},
	{"/logout", "POST", account},
	{"/account", "GET", account},
	{"/account/password", "GET|POST", account},
	{"/account/mfa", "GET|POST", account},
	{"/account/mfa/qr.png", "GET", account},
	{"/staff", "GET", account},
	{"/api/v1/staff/me", "GET", account},
	{"/staff/complaints", "GET", readers},
	{"/staff/complaints/{id}", "GET", readers},
	{"/api/v1/staff/complaints", "GET", readers},
	{"/api/v1/staff/complaints/{id}", "GET", readers},
	{"/staff/complaints/{id}/identity", "POST", handlers},
	{"/api/v1/staff/complaints/{id}/identity", "POST", handlers},
	{"/admin/users", "GET|POST", admins},
	{"/admin/users/{id}", "GET|POST", admins},
	{"/admin/users/{id}/roles", "POST", admins},
	{"/admin/units", "GET|POST", admins},
	{"/admin/settings", "GET|POST", admins},
	{"complaint.read", "read", readers},
	{"complaint.narrative", "read", handlers},
	{"complaint.identity", "reveal", handlers},
}

// groups says which kinds of caller a role belongs to.
var groups = map[redress.Role][]string{
	redress.RoleIntake:        {anyone, account, readers, handlers},
	redress.RoleInvestigator:  {anyone, account, readers, handlers},
	redress.RoleSupervisor:    {anyone, account, readers, handlers},
	redress.RoleAuditor:       {anyone, account, readers},
	redress.RoleAdministrator: {anyone, account, admins},
}

// Every role, in its own unit, in every unit, and seen from another unit.
func TestDecisions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		addUnits(t, db, "fl", "tx", "tx-north")
		subjects := map[redress.Role]string{}
		everywhere := map[redress.Role]string{}
		for _, r := range redress.StaffRoles {
			_, subjects[r] = addUser(t, db, string(r)+"-tx", grant{r, "tx"})
			_, everywhere[r] = addUser(t, db, string(r)+"-all", grant{r, "*"})
		}
		_, nobody := addUser(t, db, "no-roles")
		_, mixed := addUser(t, db, "mixed", grant{redress.RoleInvestigator, "tx"}, grant{redress.RoleAuditor, "fl"})
		disabledID, disabled := addUser(t, db, "disabled", grant{redress.RoleInvestigator, "*"})
		if err := db.DisableUser(t.Context(), by, disabledID); err != nil {
			t.Fatal(err)
		}
		e, err := authz.New(t.Context(), db, quiet)
		if err != nil {
			t.Fatal(err)
		}

		t.Run("RoleByRoute", func(t *testing.T) {
			for _, role := range redress.StaffRoles {
				for _, rt := range routes {
					want := slices.Contains(groups[role], rt.who)
					for act := range strings.SplitSeq(rt.acts, "|") {
						for _, unit := range []string{"tx", "fl", ""} {
							// Held in tx: allowed in tx only, unless anyone may.
							if got, w := e.Allowed(subjects[role], unit, rt.obj, act), want && (unit == "tx" || rt.who == anyone || rt.who == account); got != w {
								t.Errorf("%s in tx: %s %s in unit %q = %v, want %v", role, act, rt.obj, unit, got, w)
							}
							// Held in "*": allowed in every unit, and in none-yet ("").
							if got := e.Allowed(everywhere[role], unit, rt.obj, act); got != want {
								t.Errorf("%s in *: %s %s in unit %q = %v, want %v", role, act, rt.obj, unit, got, want)
							}
						}
						if got := e.AllowedAnywhere(subjects[role], rt.obj, act); got != want {
							t.Errorf("%s: %s %s anywhere = %v, want %v", role, act, rt.obj, got, want)
						}
					}
				}
			}
		})

		t.Run("PublicAndAccounts", func(t *testing.T) {
			for _, rt := range routes {
				for act := range strings.SplitSeq(rt.acts, "|") {
					if got := e.Public(rt.obj, act); got != (rt.who == anyone) {
						t.Errorf("Public(%s %s) = %v", act, rt.obj, got)
					}
					// An account without roles, and a disabled one: what any account may.
					for _, sub := range []string{nobody, disabled} {
						want := rt.who == anyone || rt.who == account
						if got := e.AllowedAnywhere(sub, rt.obj, act); got != want {
							t.Errorf("%s: %s %s = %v, want %v", sub, act, rt.obj, got, want)
						}
					}
					// Policy names are not subjects: passing one grants nothing beyond the public's.
					for _, sub := range []string{"public", "staff", "case_handler", "investigator", "administrator", "user:", "user:1x", ""} {
						if got := e.Allowed(sub, "*", rt.obj, act); got != (rt.who == anyone) {
							t.Errorf("subject %q: %s %s = %v", sub, act, rt.obj, got)
						}
					}
				}
			}
			for _, c := range []struct{ obj, act string }{
				{"/api/v1/complaints", "DELETE"}, {"/admin/users", "DELETE"}, {"/status", "PUT"},
				{"/unlisted", "GET"}, {"", "GET"}, {"/staff/complaints/42", "GET"}, {"/static/app.css", "GET"},
				{"complaint.identity", "read"}, {"complaint.read", "reveal"}, {"/", "GET|HEAD"}, {"/", "GE"}, {"/", ""},
			} {
				if e.Public(c.obj, c.act) || e.AllowedAnywhere(everywhere[redress.RoleInvestigator], c.obj, c.act) ||
					e.AllowedAnywhere(everywhere[redress.RoleAdministrator], c.obj, c.act) {
					t.Errorf("%s %s is allowed", c.act, c.obj)
				}
			}
		})

		t.Run("AnotherUnit", func(t *testing.T) {
			inv := subjects[redress.RoleInvestigator]
			for _, unit := range []string{"fl", "tx-north", "t", "*", ""} {
				if e.Allowed(inv, unit, "complaint.read", "read") {
					t.Errorf("investigator of tx reads a complaint of unit %q", unit)
				}
			}
			// A mixed account: investigator in tx, auditor in fl.
			for _, c := range []struct {
				unit, obj, act string
				want           bool
			}{
				{"tx", "complaint.identity", "reveal", true},
				{"fl", "complaint.read", "read", true},
				{"fl", "complaint.narrative", "read", false},
				{"fl", "complaint.identity", "reveal", false},
				{"tx-north", "complaint.read", "read", false},
			} {
				if got := e.Allowed(mixed, c.unit, c.obj, c.act); got != c.want {
					t.Errorf("mixed: %s %s in %s = %v, want %v", c.act, c.obj, c.unit, got, c.want)
				}
			}
		})

		t.Run("Units", func(t *testing.T) {
			for _, c := range []struct {
				name, sub, obj, act string
				all                 bool
				units               []string
			}{
				{"investigator of tx", subjects[redress.RoleInvestigator], "complaint.read", "read", false, []string{"tx"}},
				{"investigator of *", everywhere[redress.RoleInvestigator], "complaint.read", "read", true, nil},
				{"auditor of *, narrative", everywhere[redress.RoleAuditor], "complaint.narrative", "read", false, nil},
				{"administrator of *", everywhere[redress.RoleAdministrator], "complaint.read", "read", false, nil},
				{"mixed, read", mixed, "complaint.read", "read", false, []string{"fl", "tx"}},
				{"mixed, identity", mixed, "complaint.identity", "reveal", false, []string{"tx"}},
				{"no roles", nobody, "complaint.read", "read", false, nil},
				{"disabled", disabled, "complaint.read", "read", false, nil},
				{"public", "public", "complaint.read", "read", false, nil},
			} {
				all, units := e.Units(c.sub, c.obj, c.act)
				if all != c.all || !slices.Equal(units, c.units) {
					t.Errorf("%s: Units = %v %q, want %v %q", c.name, all, units, c.all, c.units)
				}
			}
		})
	})
}

// A change made in this process counts as soon as it calls Reload.
func TestReload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		addUnits(t, db, "tx")
		id, sub := addUser(t, db, "ana")
		e, err := authz.New(ctx, db, quiet)
		if err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			name   string
			change func() error
			want   bool
		}{
			{"role added", func() error { return db.AddRole(ctx, by, id, redress.RoleInvestigator, "tx") }, true},
			{"role removed", func() error { return db.RemoveRole(ctx, by, id, redress.RoleInvestigator, "tx") }, false},
			{"role added in *", func() error { return db.AddRole(ctx, by, id, redress.RoleSupervisor, "*") }, true},
			{"account disabled", func() error { return db.DisableUser(ctx, by, id) }, false},
		}
		for _, s := range steps {
			if err := s.change(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if err := e.Reload(ctx); err != nil {
				t.Fatal(err)
			}
			if got := e.Allowed(sub, "tx", "complaint.identity", "reveal"); got != s.want {
				t.Errorf("%s: allowed = %v, want %v", s.name, got, s.want)
			}
			if got := e.AllowedAnywhere(sub, "/staff/complaints", http.MethodGet); got != s.want {
				t.Errorf("%s: list allowed = %v, want %v", s.name, got, s.want)
			}
		}
	})
}

// Two processes on one database: a change made through the first reaches the second's
// decisions through Watch, without a Reload there.
func TestWatchSeesOtherProcess(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		first := storetest.Open(t, dsn)
		second := storetest.Open(t, dsn) // its own connection pool, as another process has
		ctx := t.Context()
		addUnits(t, first, "tx")
		id, sub := addUser(t, first, "ben")
		e, err := authz.New(ctx, second, quiet)
		if err != nil {
			t.Fatal(err)
		}
		watching, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); e.Watch(watching, 20*time.Millisecond) }()
		t.Cleanup(func() { stop(); <-done }) // before the databases close

		eventually := func(what string, want bool) {
			t.Helper()
			deadline := time.Now().Add(5 * time.Second)
			for e.Allowed(sub, "tx", "complaint.read", "read") != want {
				if time.Now().After(deadline) {
					t.Fatalf("%s: the second process still says %v after 5s", what, !want)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		if e.Allowed(sub, "tx", "complaint.read", "read") {
			t.Fatal("allowed before any role")
		}
		if err := first.AddRole(ctx, by, id, redress.RoleAuditor, "tx"); err != nil {
			t.Fatal(err)
		}
		eventually("role added", true)
		if err := first.RemoveRole(ctx, by, id, redress.RoleAuditor, "tx"); err != nil {
			t.Fatal(err)
		}
		eventually("role removed", false)
	})
}

// Decisions go on while reloads swap the snapshot (run with -race).
func TestConcurrentDecisions(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	addUnits(t, db, "tx")
	_, sub := addUser(t, db, "cy", grant{redress.RoleInvestigator, "tx"})
	e, err := authz.New(t.Context(), db, quiet)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				all, units := e.Units(sub, "complaint.read", "read")
				if !e.Allowed(sub, "tx", "complaint.identity", "reveal") || all || !slices.Equal(units, []string{"tx"}) ||
					!e.AllowedAnywhere(sub, "/staff/complaints", http.MethodGet) || e.Allowed(sub, "fl", "complaint.read", "read") {
					t.Error("a decision changed under load")
					return
				}
			}
		})
	}
	for range 5 {
		if err := e.Reload(t.Context()); err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
}

func TestMiddleware(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	addUnits(t, db, "tx")
	_, investigator := addUser(t, db, "ida", grant{redress.RoleInvestigator, "tx"})
	_, admin := addUser(t, db, "ada", grant{redress.RoleAdministrator, "*"})
	_, nobody := addUser(t, db, "noa")
	var logs bytes.Buffer
	e, err := authz.New(t.Context(), db, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}

	r := mux.NewRouter()
	ok := func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }
	r.HandleFunc("/", ok).Methods(http.MethodGet)
	r.PathPrefix("/static/").HandlerFunc(ok).Methods(http.MethodGet)
	r.HandleFunc("/staff/complaints/{id}", ok).Methods(http.MethodGet)
	r.HandleFunc("/admin/users", ok).Methods(http.MethodGet)
	r.HandleFunc("/account", ok).Methods(http.MethodGet)
	r.HandleFunc("/not-in-policy", ok).Methods(http.MethodGet)
	principal := func(r *http.Request) (string, bool) {
		s := r.Header.Get("X-Test-Subject")
		return s, s != ""
	}
	denied := 0
	r.Use(e.Middleware(principal, func(w http.ResponseWriter, r *http.Request, status int) {
		denied++
		http.Error(w, "refused", status)
	}))

	for _, c := range []struct {
		sub, path string
		want      int
	}{
		{"", "/", 200},
		{"", "/static/app.css", 200},
		{"", "/staff/complaints/7?token=s3cret", 401},
		{"", "/account", 401},
		{"", "/not-in-policy", 401},
		{admin, "/staff/complaints/7?token=s3cret", 403},
		{investigator, "/staff/complaints/7", 200},
		{investigator, "/admin/users", 403},
		{admin, "/admin/users", 200},
		{nobody, "/account", 200},
		{nobody, "/staff/complaints/7", 403},
		{admin, "/not-in-policy", 403},
		{investigator, "/", 200},
	} {
		req := httptest.NewRequest(http.MethodGet, c.path, nil)
		if c.sub != "" {
			req.Header.Set("X-Test-Subject", c.sub)
		}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%q GET %s = %d, want %d", c.sub, c.path, rec.Code, c.want)
		}
	}
	if denied != 7 {
		t.Errorf("deny called %d times, want 7", denied)
	}
	log := logs.String()
	if strings.Contains(log, "s3cret") || strings.Contains(log, "token") || strings.Contains(log, "/7") {
		t.Errorf("the log tells more than the route:\n%s", log)
	}
	if !strings.Contains(log, "route=/staff/complaints/{id}") || !strings.Contains(log, "subject="+admin) ||
		!strings.Contains(log, "status=403") || !strings.Contains(log, "level=INFO") {
		t.Errorf("the log does not name route, subject and status:\n%s", log)
	}
}
