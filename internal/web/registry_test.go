package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/ice/icetest"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// agreementID is the test registry's Harris County JEM agreement.
func (s *staff) agreementID() int64 {
	s.t.Helper()
	ags, err := s.db.AgreementsForAgency(context.Background(), s.agency.ID)
	if err != nil || len(ags) != 1 {
		s.t.Fatalf("agreements = %+v %v", ags, err)
	}
	return ags[0].ID
}

// get sends a GET as one caller and returns the whole response.
func (s *staff) get(caller, path string, header ...string) *httptest.ResponseRecorder {
	s.t.Helper()
	h := append([]string{"Cookie", "redress_session=" + s.cookies[caller]}, header...)
	return s.do(http.MethodGet, path, "", nil, h...)
}

// withSheets loads ICE's real June and July sheets on top of the test registry.
func withSheets(t *testing.T, db *store.DB) *staff {
	t.Helper()
	s := newStaff(t, db)
	for _, name := range []string{icetest.July, icetest.June} {
		if _, err := db.ApplySheet(context.Background(), icetest.Read(t, name), "operator", ""); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func melbourneBeach(t *testing.T, db *store.DB) redress.Agreement {
	t.Helper()
	as, err := db.ListAgencies(context.Background(), "FL", "Melbourne Beach", 2)
	if err != nil || len(as) != 1 {
		t.Fatalf("agencies = %+v %v", as, err)
	}
	ags, err := db.AgreementsForAgency(context.Background(), as[0].ID)
	if err != nil || len(ags) != 1 {
		t.Fatalf("agreements = %+v %v", ags, err)
	}
	return ags[0]
}

func TestRegistryPage(t *testing.T) {
	june := icetest.Read(t, icetest.June)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := withSheets(t, db)
		rec := s.get("auditor", "/staff/registry?state=FL&q=melbourne+beach")
		body := rec.Body.String()
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, body)
		}
		for _, want := range []string{june.SHA256, icetest.June, icetest.July,
			"Melbourne Beach Police Department", "signed 05-13-25", "signed 04-14-25",
			"Signing date 2025-05-13 → 2025-04-14", "1 agreement changed."} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		if strings.Contains(body, "West Melbourne") {
			t.Error("the search for melbourne beach shows West Melbourne")
		}

		// 162 agreements changed from June to July (and a few of the test registry's),
		// 50 a page: page 2 of 4 links both ways.
		_, total, err := db.ChangedAgreements(context.Background(), redress.HistoryFilter{})
		if err != nil || total < 162 || total > 200 {
			t.Fatalf("changed agreements: %d %v", total, err)
		}
		body = s.get("investigator", "/staff/registry?page=2").Body.String()
		for _, want := range []string{"Page 2 of 4", `href="/staff/registry"`, `href="/staff/registry?page=3"`,
			strconv.Itoa(total) + " agreements changed."} {
			if !strings.Contains(body, want) {
				t.Errorf("page 2 lacks %q", want)
			}
		}

		rec = s.get("supervisor", "/staff/registry?state=ZZ&page=0&lang=es")
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Hojas importadas") ||
			!strings.Contains(rec.Body.String(), `id="filter-state-error"`) || !strings.Contains(rec.Body.String(), `href="#filter-page"`) {
			t.Errorf("bad filter: %d %s", rec.Code, rec.Body.String())
		}
	})
}

func TestRegistryAPI(t *testing.T) {
	june, july := icetest.Read(t, icetest.June), icetest.Read(t, icetest.July)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := withSheets(t, db)
		rec := s.get("investigator", "/api/v1/sheets")
		var sheets struct {
			Sheets []redress.SheetRecord `json:"sheets"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &sheets); err != nil || rec.Code != http.StatusOK || len(sheets.Sheets) != 3 {
			t.Fatalf("sheets: %d %s %v", rec.Code, rec.Body, err)
		}
		if j := sheets.Sheets[0]; j.FileName != icetest.June || j.SHA256 != june.SHA256 || j.Rows != 706 || j.AsOf.String() != "2025-06-17" || j.ImportedAt.IsZero() {
			t.Errorf("first sheet = %+v, want June's", j)
		}

		mb := melbourneBeach(t, db)
		rec = s.get("auditor", "/api/v1/agreements/"+strconv.FormatInt(mb.ID, 10))
		var got struct {
			Agreement redress.Agreement `json:"agreement"`
			History   []struct {
				Sheet struct {
					File string `json:"file"`
					AsOf string `json:"as_of"`
				} `json:"sheet"`
				SignedRaw string `json:"signed_raw"`
				SignedOn  string `json:"signed_on"`
			} `json:"history"`
			Changes []redress.FieldChange `json:"changes"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != http.StatusOK {
			t.Fatalf("agreement: %d %s %v", rec.Code, rec.Body, err)
		}
		h := got.History
		if got.Agreement.ID != mb.ID || got.Agreement.SignedRaw != "04-14-25" || len(h) != 2 ||
			h[0].Sheet.File != icetest.June || h[0].Sheet.AsOf != "2025-06-17" || h[0].SignedOn != "2025-05-13" ||
			h[1].Sheet.File != july.FileName || h[1].SignedRaw != "04-14-25" {
			t.Errorf("agreement = %s", rec.Body)
		}
		if len(got.Changes) == 0 || got.Changes[0].Field != "signed_on" || got.Changes[0].Old != "2025-05-13" {
			t.Errorf("changes = %+v", got.Changes)
		}
		for _, path := range []string{"/api/v1/agreements/999999", "/api/v1/agreements/x"} {
			if rec := s.get("auditor", path); rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `"error"`) {
				t.Errorf("%s: %d %s", path, rec.Code, rec.Body)
			}
		}
	})
}
