package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

func TestRegistryLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		type agencies struct {
			Agencies []struct {
				ID    int64
				State string
				Name  string
			}
		}
		got := decode[agencies](t, e.do("GET", "/api/v1/agencies?state=florida&q=collier", "", nil))
		if len(got.Agencies) != 1 || got.Agencies[0].Name != "Collier County Sheriff's Office" || got.Agencies[0].State != "FL" {
			t.Fatalf("agencies %+v", got)
		}
		got = decode[agencies](t, e.do("GET", "/api/v1/agencies?state=TX&q=collier", "", nil))
		if len(got.Agencies) != 0 {
			t.Fatalf("agencies %+v, want none", got)
		}
		type agreements struct {
			Agreements []struct {
				Model    string
				Status   string
				AgencyID int64 `json:"agency_id"`
				Agency   struct{ Name string }
			}
		}
		ag := decode[agreements](t, e.do("GET", "/api/v1/agreements?state=FL&model=TFM&status=active", "", nil))
		if len(ag.Agreements) != 1 || ag.Agreements[0].Model != "TFM" || ag.Agreements[0].Agency.Name != "Collier County Sheriff's Office" {
			t.Fatalf("agreements %+v", ag)
		}
		for _, bad := range []string{"/api/v1/agreements?model=XYZ", "/api/v1/agreements?status=gone", "/api/v1/agencies?state=Atlantis", "/api/v1/agencies?limit=0"} {
			if rec := e.do("GET", bad, "", nil); rec.Code != 422 {
				t.Errorf("%s: status %d, want 422", bad, rec.Code)
			}
		}
	})
}

// Every /api/v1 route is in the OpenAPI document, and the document describes no route
// the server lacks.
func TestOpenAPICoversRoutes(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	e := newEnv(t, db)
	rec := e.do("GET", "/api/v1/openapi.json", "", nil)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.json: %v %q", err, doc.OpenAPI)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" /api/v1"+p] = true
		}
	}
	served := map[string]bool{}
	e.srv.Router().Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil || !strings.HasPrefix(tpl, "/api/v1/") {
			return nil
		}
		methods, _ := route.GetMethods()
		for _, m := range methods {
			served[m+" "+tpl] = true
		}
		return nil
	})
	for k := range served {
		if !documented[k] {
			t.Errorf("route %s is not in openapi.json", k)
		}
	}
	for k := range documented {
		if !served[k] {
			t.Errorf("openapi.json describes %s, which the server lacks", k)
		}
	}
}

func TestHealthAndReady(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	e := newEnv(t, db)
	if rec := e.do("GET", "/healthz", "", nil); rec.Code != 200 {
		t.Fatalf("healthz %d", rec.Code)
	}
	if rec := e.do("GET", "/readyz", "", nil); rec.Code != 200 {
		t.Fatalf("readyz %d", rec.Code)
	}
	rec := e.do("GET", "/nowhere", "", nil)
	if rec.Code != 404 || rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("X-Request-ID") == "" {
		t.Fatalf("not found: %d %v", rec.Code, rec.Header())
	}
	if rec := e.do("DELETE", "/api/v1/complaints", "", nil); rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("DELETE complaints: %d", rec.Code)
	}
	db.Close()
	if rec := e.do("GET", "/readyz", "", nil); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database closed: %d", rec.Code)
	}
	if rec := e.do("GET", "/healthz", "", nil); rec.Code != 200 {
		t.Fatalf("healthz with the database closed: %d (the process is up)", rec.Code)
	}
}
