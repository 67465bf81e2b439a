package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// seedTransparency writes n complaints received at at (one force allegation each, its
// finding made when closed), each with planted text that must never reach the report.
func seedTransparency(t *testing.T, db *store.DB, first int64, n int, at time.Time, state string, agency, agreement *int64, status, finding string) {
	t.Helper()
	var b store.SeedRows
	for i := range int64(n) {
		id := first + i
		c := store.SeedComplaint{ID: id, TrackingNumber: fmt.Sprintf("RX-W%03d-%04d", id/10000, id%10000),
			ReceiptHash: []byte{1}, ReceivedAt: at, Language: "es", Channel: "web",
			IncidentDate: redress.DateOf(at), State: state, County: "PLANTED-COUNTY", Place: "PLANTED-PLACE",
			AgencyID: agency, AgreementID: agreement, Narrative: "PLANTED-NARRATIVE", Officers: "PLANTED-OFFICER",
			Filer: "self", Anonymous: true, Status: status, StatusChangedAt: at, Priority: "normal"}
		if agency == nil {
			c.AgencyOther = "PLANTED-AGENCY-OTHER"
		}
		if status == redress.StatusClosed {
			// Closed ten days after it came in, the (i+1)th one a day later each time.
			closed := at.Add(time.Duration(10*24+i*24) * time.Hour)
			c.ClosedAt, c.StatusChangedAt = &closed, closed
			b.StatusChanges = append(b.StatusChanges, store.SeedStatusChange{ID: id, ComplaintID: id, Status: status, ChangedAt: closed, Actor: "system"})
		}
		b.Complaints = append(b.Complaints, c)
		b.Allegations = append(b.Allegations, store.SeedAllegation{ID: id, ComplaintID: id, Category: "force", Finding: finding})
	}
	if err := db.WriteSeed(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
}

// dayDates finds any date finer than a month: ISO days, and days written in words.
var dayDates = regexp.MustCompile(`\d{4}-\d{2}-\d{2}|(January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}\b|\b\d{1,2} de (enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre)`)

func checkPublic(t *testing.T, what, body string) {
	t.Helper()
	if strings.Contains(body, "PLANTED") {
		t.Errorf("%s holds planted free text", what)
	}
	if m := dayDates.FindString(body); m != "" {
		t.Errorf("%s names a day: %q", what, m)
	}
}

func TestTransparencyReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		agreement := func(a redress.Agency, m redress.Model) *int64 {
			gs, err := db.AgreementsForAgency(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range gs {
				if g.Model == m {
					return &g.ID
				}
			}
			t.Fatalf("no %s agreement", m)
			return nil
		}
		q1 := time.Date(2025, 2, 10, 17, 0, 0, 0, time.UTC)
		q2 := time.Date(2025, 5, 12, 17, 0, 0, 0, time.UTC)
		seedTransparency(t, db, 1000, 12, q1, "TX", &e.agency.ID, agreement(e.agency, redress.ModelJEM), redress.StatusClosed, "sustained")
		seedTransparency(t, db, 2000, 3, q2, "TX", &e.agency.ID, agreement(e.agency, redress.ModelJEM), redress.StatusReceived, "")
		seedTransparency(t, db, 3000, 7, q1, "FL", &e.multi.ID, agreement(e.multi, redress.ModelWSO), redress.StatusReceived, "")
		seedTransparency(t, db, 3100, 9, q2, "FL", &e.multi.ID, agreement(e.multi, redress.ModelWSO), redress.StatusReceived, "")
		seedTransparency(t, db, 4000, 2, q2, "CA", nil, nil, redress.StatusClosed, "")
		// Received in the quarter still running (fixedNow is 2025-08-01): not shown.
		seedTransparency(t, db, 5000, 40, fixedNow.Add(-time.Hour), "TX", &e.agency.ID, agreement(e.agency, redress.ModelJEM), redress.StatusReceived, "")

		rec := e.do("GET", "/transparency.csv", "", nil)
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
			t.Fatalf("csv: %d %s", rec.Code, rec.Header().Get("Content-Type"))
		}
		csv := rec.Body.String()
		checkPublic(t, "the CSV", csv)
		harris, collier := e.agency.Name, e.multi.Name
		for _, line := range []string{
			"agency,Texas," + harris + ",2025-Q1,12",
			"agency,Texas," + harris + ",2025-Q2,fewer than 5",
			"agency,Florida," + collier + ",2025-Q1,7",
			"agency,Florida," + collier + ",2025-Q2,9",
			"state,,California,2025-Q2,fewer than 5",
			"state,,Texas,2025-Q2,fewer than 5",
			"state,,Texas,2024-Q4,0",
			"agency,California,\"Agency not on ICE's list, or not given\",2025-Q2,fewer than 5",
			"model,,Jail Enforcement Model,2025-Q1,12",
			"model,,Jail Enforcement Model,2025-Q2,fewer than 5",
			// Texas's row would give its 3 from its total: the total is withheld.
			"state,,Texas,total,withheld",
			// Closed after 10 to 21 days: the median is 15.5; the two closed in 2025-Q2
			// are too few for a median.
			"times,,Median days to close,2025-Q1,15.5",
			"times,,Median days to close,2025-Q2,too few cases",
		} {
			if !strings.Contains(csv, line+"\n") {
				t.Errorf("the CSV lacks %q", line)
			}
		}
		if regexp.MustCompile(`,"[0-9.,]+"\n`).MatchString(csv) {
			t.Error("the CSV groups a number's digits: its numbers are plain")
		}
		if strings.Contains(csv, ",40\n") || strings.Contains(csv, "2025-Q3") {
			t.Error("the running quarter is published")
		}

		page := e.do("GET", "/transparency", "", nil)
		body := html.UnescapeString(page.Body.String())
		if page.Code != 200 || !strings.Contains(body, "Transparency report") || !strings.Contains(body, "fewer than 5") ||
			!strings.Contains(body, harris) || !strings.Contains(body, "Q1 2025") {
			t.Fatalf("page %d:\n%s", page.Code, body)
		}
		checkPublic(t, "the page", body)

		es := html.UnescapeString(e.do("GET", "/transparency?lang=es", "", nil).Body.String())
		if !strings.Contains(es, "Informe de transparencia") || !strings.Contains(es, "menos de 5") || !strings.Contains(es, "T1 2025") {
			t.Fatalf("Spanish page:\n%s", es)
		}
		checkPublic(t, "the Spanish page", es)
		if escsv := e.do("GET", "/transparency.csv?lang=es", "", nil).Body.String(); !strings.Contains(escsv, ",2025-Q2,menos de 5\n") {
			t.Errorf("the Spanish CSV lacks \"menos de 5\":\n%s", escsv)
		}

		api := e.do("GET", "/api/v1/transparency", "", nil)
		checkPublic(t, "the JSON", strings.ReplaceAll(api.Body.String(), fixedNow.Format("2006-01-02"), ""))
		var doc struct {
			Quarters []string `json:"quarters"`
			Tables   []struct {
				Name string `json:"name"`
				Rows []struct {
					Code  string `json:"code"`
					Cells []struct {
						N      *int   `json:"n"`
						Status string `json:"status"`
					} `json:"cells"`
				} `json:"rows"`
			} `json:"tables"`
		}
		if err := json.Unmarshal(api.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		for _, r := range doc.Tables[0].Rows {
			if c := r.Cells[7]; r.Code == "TX" && (c.N != nil || c.Status != "fewer_than_5") {
				t.Errorf("the API gives Texas's 2025-Q2 as %+v", c)
			}
		}

		// Served from memory: complaints filed since change nothing until the TTL.
		seedTransparency(t, db, 6000, 50, q1, "TX", &e.agency.ID, agreement(e.agency, redress.ModelJEM), redress.StatusReceived, "")
		if again := e.do("GET", "/transparency.csv", "", nil).Body.String(); again != csv {
			t.Error("the CSV was computed again within the TTL")
		}
	})
}
