package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// searchFixture is four complaints in unit tx and one in fl, received on different
// days, with agencies, agreements, categories, statuses, assignees and clocks that tell
// them apart. The fl complaint matches most searches that also match a tx one, so any
// leak across units shows.
type searchFixture struct {
	db       *store.DB
	now      time.Time
	harris   int64 // TX agency, JEM agreement
	collier  int64 // FL agency, TFM agreement
	assignee int64
}

func newSearchFixture(t *testing.T, db *store.DB) *searchFixture {
	t.Helper()
	ctx := context.Background()
	if _, err := db.ApplySheet(ctx, redress.Sheet{
		FileName: "participatingAgencies07182025pm.xlsx", Kind: redress.SheetParticipating,
		AsOf: time.Date(2025, 7, 18, 12, 0, 0, 0, time.UTC), SHA256: "search-test",
		Rows: []redress.SheetRow{
			{Row: 2, State: "TX", AgencyName: "Harris County Sheriff's Office", AgencyType: "County", Model: redress.ModelJEM, SignedRaw: "2020-01-10", MOAListed: true},
			{Row: 3, State: "FL", AgencyName: "Collier County Sheriff's Office", AgencyType: "County", Model: redress.ModelTFM, SignedRaw: "2025-02-20", MOAListed: true},
		},
	}, redress.ActorSystem, ""); err != nil {
		t.Fatal(err)
	}
	f := &searchFixture{db: db}
	for _, st := range []struct {
		state string
		id    *int64
	}{{"TX", &f.harris}, {"FL", &f.collier}} {
		as, err := db.ListAgencies(ctx, st.state, "", 10)
		if err != nil || len(as) != 1 {
			t.Fatalf("agencies of %s: %v %v", st.state, as, err)
		}
		*st.id = as[0].ID
	}
	if err := db.Bun().NewRaw("INSERT INTO users (email, name, created_at) VALUES ('una@example.org', 'Una Investigadora', ?) RETURNING id",
		time.Now()).Scan(ctx, &f.assignee); err != nil {
		t.Fatal(err)
	}

	file := func(tracking, unit, lang, received, narrative, officers string, agencyID int64, cats ...redress.Category) redress.Complaint {
		t.Helper()
		at, _ := time.Parse(time.DateTime, received)
		db.Now = func() time.Time { return at }
		nc := newComplaint(tracking)
		c := &nc.Complaint
		c.Unit, c.Language, c.Narrative, c.Officers, c.AgencyID = unit, lang, narrative, officers, agencyID
		c.Allegations = nil
		for _, cat := range cats {
			c.Allegations = append(c.Allegations, redress.Allegation{Category: cat})
		}
		if agencyID != 0 {
			ags, err := db.AgreementsForAgency(ctx, agencyID)
			if err != nil || len(ags) != 1 {
				t.Fatalf("agreements of %d: %v %v", agencyID, ags, err)
			}
			c.AgreementID = ags[0].ID
		}
		got, err := db.CreateComplaint(ctx, nc)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	a := file("RX-AAAA-0001", "tx", "es", "2025-07-01 09:00:00",
		"Me hicieron firmar papeles en inglés sin intérprete.", "Oficial José Núñez", f.harris, "no_interpreter", "coercion")
	b := file("RX-AAAA-0002", "tx", "en", "2025-07-10 15:00:00",
		"They kept my brother two days after the bail was paid.", "Deputy Rodriguez (badge 4411)", f.harris, "held_past_release")
	file("RX-AAAA-0003", "fl", "en", "2025-07-05 10:00:00",
		"They kept my brother in jail and the papers were only in English, no interpreter (intérprete).", "Deputy Rodriguez", f.collier,
		"held_past_release", "no_interpreter")
	d := file("RX-AAAA-0004", "tx", "en", "2025-07-20 08:00:00", "Force was used during the arrest.", "", 0, "force")

	f.now = time.Date(2025, 8, 1, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return f.now }
	if err := db.ChangeStatus(ctx, store.StatusChange{ComplaintID: b.ID, From: "received", To: "triaged",
		Audit: redress.AuditEvent{Actor: "user:1", Action: "complaint.transition"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Assign(ctx, store.AssignmentChange{ComplaintIDs: []int64{a.ID}, AssigneeID: f.assignee,
		Audit: redress.AuditEvent{Actor: "user:1", Action: "complaint.assigned"}}); err != nil {
		t.Fatal(err)
	}
	// a: a running clock past due; b: one due within hours; d: one past due but met,
	// one past due but paused, and one far off.
	for _, k := range []struct {
		id          int64
		name        string
		due         time.Duration
		met, paused bool
	}{
		{a.ID, "triage", -time.Hour, false, false},
		{a.ID, "resolve", 60 * 24 * time.Hour, false, false},
		{b.ID, "triage", 2 * time.Hour, false, false},
		{d.ID, "acknowledge", -48 * time.Hour, true, false},
		{d.ID, "triage", -24 * time.Hour, false, true},
		{d.ID, "resolve", 80 * 24 * time.Hour, false, false},
	} {
		var met, paused *time.Time
		if k.met {
			met = &f.now
		}
		if k.paused {
			paused = &f.now
		}
		if _, err := db.Bun().NewRaw("INSERT INTO complaint_clocks (complaint_id, clock, started_at, due_at, met_at, paused_at) VALUES (?, ?, ?, ?, ?, ?)",
			k.id, k.name, f.now.Add(-30*24*time.Hour), f.now.Add(k.due), met, paused).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// search runs a search in unit tx (or every unit with all) and returns the tracking
// numbers found, in order, and the total.
func (f *searchFixture) search(t *testing.T, sf redress.SearchFilter) ([]string, int) {
	t.Helper()
	if !sf.AllUnits && sf.Units == nil {
		sf.Units = []string{"tx"}
	}
	rows, total, err := f.db.SearchComplaints(context.Background(), sf)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.TrackingNumber)
	}
	return out, total
}

const (
	rxA = "RX-AAAA-0001"
	rxB = "RX-AAAA-0002"
	rxC = "RX-AAAA-0003" // unit fl
	rxD = "RX-AAAA-0004"
)

func TestSearchComplaints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newSearchFixture(t, db)
		all := redress.ComplaintFilter{AllUnits: true}
		for _, tc := range []struct {
			name   string
			filter redress.SearchFilter
			want   []string
		}{
			{"NoFilter", redress.SearchFilter{}, []string{rxA, rxB, rxD}},
			{"NoFilterAllUnits", redress.SearchFilter{ComplaintFilter: all}, []string{rxA, rxC, rxB, rxD}},
			{"NewestFirst", redress.SearchFilter{NewestFirst: true}, []string{rxD, rxB, rxA}},
			{"Tracking", redress.SearchFilter{Tracking: rxB}, []string{rxB}},
			{"TrackingSloppy", redress.SearchFilter{Tracking: " rx aaaa ooo2 "}, []string{rxB}},
			{"TrackingNotANumber", redress.SearchFilter{Tracking: "RX-AAAA"}, nil},
			{"TrackingOtherUnit", redress.SearchFilter{Tracking: rxC}, nil},
			{"TextSpanishWithoutAccent", redress.SearchFilter{Text: "ingles interprete"}, []string{rxA}},
			{"TextSpanishWithAccent", redress.SearchFilter{Text: "INGLÉS intérprete"}, []string{rxA}},
			{"TextAccentsAllUnits", redress.SearchFilter{ComplaintFilter: all, Text: "intérprete"}, []string{rxA, rxC}},
			{"TextEnglish", redress.SearchFilter{Text: "brother bail"}, []string{rxB}},
			{"TextEnglishAllUnits", redress.SearchFilter{ComplaintFilter: all, Text: "kept brother"}, []string{rxC, rxB}},
			{"TextPrefix", redress.SearchFilter{Text: "rodr"}, []string{rxB}},
			{"TextEveryWord", redress.SearchFilter{Text: "brother force"}, nil},
			{"TextNoWords", redress.SearchFilter{Text: " -- !"}, []string{rxA, rxB, rxD}},
			{"TextQuotesAreWords", redress.SearchFilter{Text: `"bail" OR* NEAR(force)`}, nil},
			{"Officer", redress.SearchFilter{Officer: "nunez"}, []string{rxA}},
			{"OfficerBadge", redress.SearchFilter{Officer: "4411"}, []string{rxB}},
			{"OfficerNotNarrative", redress.SearchFilter{Officer: "ingles"}, nil},
			{"OfficerAllUnits", redress.SearchFilter{ComplaintFilter: all, Officer: "deputy rodriguez"}, []string{rxC, rxB}},
			{"Agency", redress.SearchFilter{AgencyID: f.harris}, []string{rxA, rxB}},
			{"AgencyOtherUnit", redress.SearchFilter{AgencyID: f.collier}, nil},
			{"ModelJEM", redress.SearchFilter{Model: redress.ModelJEM}, []string{rxA, rxB}},
			{"ModelTFM", redress.SearchFilter{Model: redress.ModelTFM}, nil},
			{"ModelTFMAllUnits", redress.SearchFilter{ComplaintFilter: all, Model: redress.ModelTFM}, []string{rxC}},
			{"Category", redress.SearchFilter{Category: "held_past_release"}, []string{rxB}},
			{"CategoryAllUnits", redress.SearchFilter{ComplaintFilter: all, Category: "held_past_release"}, []string{rxC, rxB}},
			{"Status", redress.SearchFilter{Status: "received"}, []string{rxA, rxD}},
			{"StatusTriaged", redress.SearchFilter{Status: "triaged"}, []string{rxB}},
			{"Assignee", redress.SearchFilter{AssigneeID: f.assignee}, []string{rxA}},
			{"Unassigned", redress.SearchFilter{Unassigned: true}, []string{rxB, rxD}},
			{"Unit", redress.SearchFilter{Unit: "tx"}, []string{rxA, rxB, rxD}},
			{"UnitNotPermitted", redress.SearchFilter{Unit: "fl"}, nil},
			{"UnitAllUnits", redress.SearchFilter{ComplaintFilter: all, Unit: "fl"}, []string{rxC}},
			{"ReceivedFrom", redress.SearchFilter{ReceivedFrom: day(2025, 7, 10)}, []string{rxB, rxD}},
			{"ReceivedTo", redress.SearchFilter{ReceivedTo: day(2025, 7, 10)}, []string{rxA, rxB}},
			{"ReceivedOneDay", redress.SearchFilter{ReceivedFrom: day(2025, 7, 10), ReceivedTo: day(2025, 7, 10)}, []string{rxB}},
			{"Overdue", redress.SearchFilter{Overdue: true}, []string{rxA}},
			{"DueSoon", redress.SearchFilter{DueSoon: true}, []string{rxB}},
			{"OverdueOrDueSoon", redress.SearchFilter{Overdue: true, DueSoon: true}, []string{rxA, rxB}},
			{"Combined", redress.SearchFilter{ComplaintFilter: all, Text: "ingles", Category: "no_interpreter", Model: redress.ModelJEM,
				Status: "received", Overdue: true}, []string{rxA}},
			{"CombinedOtherUnit", redress.SearchFilter{ComplaintFilter: all, Text: "brother", Category: "held_past_release",
				Status: "received", ReceivedTo: day(2025, 7, 9)}, []string{rxC}},
			{"CombinedNone", redress.SearchFilter{Text: "brother", Status: "received"}, nil},
			{"NoUnits", redress.SearchFilter{ComplaintFilter: redress.ComplaintFilter{Units: []string{}}}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				sf := tc.filter
				if tc.name == "NoUnits" {
					rows, total, err := db.SearchComplaints(context.Background(), sf)
					if err != nil || len(rows) != 0 || total != 0 {
						t.Fatalf("no units: %v %d %v", rows, total, err)
					}
					return
				}
				got, total := f.search(t, sf)
				if !slices.Equal(got, tc.want) || total != len(tc.want) {
					t.Fatalf("got %v (total %d), want %v", got, total, tc.want)
				}
			})
		}

		t.Run("Paging", func(t *testing.T) {
			for _, p := range []struct {
				offset int
				want   []string
			}{{0, []string{rxA, rxC}}, {2, []string{rxB, rxD}}, {4, nil}} {
				got, total := f.search(t, redress.SearchFilter{ComplaintFilter: redress.ComplaintFilter{AllUnits: true, Limit: 2, Offset: p.offset}})
				if !slices.Equal(got, p.want) || total != 4 {
					t.Errorf("offset %d: got %v (total %d), want %v of 4", p.offset, got, total, p.want)
				}
			}
			got, total := f.search(t, redress.SearchFilter{ComplaintFilter: redress.ComplaintFilter{Limit: 1, Offset: 1}, NewestFirst: true})
			if !slices.Equal(got, []string{rxB}) || total != 3 {
				t.Errorf("newest first, second page of one: got %v (total %d)", got, total)
			}
		})

		t.Run("RowFacts", func(t *testing.T) {
			rows, _, err := db.SearchComplaints(context.Background(), redress.SearchFilter{ComplaintFilter: redress.ComplaintFilter{Units: []string{"tx"}}})
			if err != nil {
				t.Fatal(err)
			}
			byTracking := map[string]redress.QueueRow{}
			for _, r := range rows {
				byTracking[r.TrackingNumber] = r
			}
			a, b, d := byTracking[rxA], byTracking[rxB], byTracking[rxD]
			if a.AssigneeID != f.assignee || a.AssigneeName != "Una Investigadora" || a.Deadline != redress.DeadlineOverdue ||
				!a.NextDueAt.Equal(f.now.Add(-time.Hour)) || a.AgencyName != "Harris County Sheriff's Office" || a.AgreementID == 0 ||
				a.Priority != "normal" || a.Language != "es" || a.Unit != "tx" {
				t.Errorf("row a: %+v", a)
			}
			if b.Deadline != redress.DeadlineDueSoon || b.AssigneeID != 0 || b.AssigneeName != "" || b.Status != "triaged" {
				t.Errorf("row b: %+v", b)
			}
			// d's met and paused clocks do not count; the running one is far off.
			if d.Deadline != redress.DeadlineRunning || !d.NextDueAt.Equal(f.now.Add(80*24*time.Hour)) || d.AgencyID != 0 {
				t.Errorf("row d: %+v", d)
			}
		})

		// The index follows edits of the text, and other updates (status, unit) leave
		// the complaint findable.
		t.Run("IndexFollowsUpdates", func(t *testing.T) {
			ctx := context.Background()
			if _, err := db.Bun().NewUpdate().Table("complaints").Set("narrative = ?", "Tasered twice at the sally port.").
				Where("tracking_number = ?", rxD).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if got, _ := f.search(t, redress.SearchFilter{Text: "force arrest"}); got != nil {
				t.Errorf("old words still found: %v", got)
			}
			if got, _ := f.search(t, redress.SearchFilter{Text: "tasered sally"}); !slices.Equal(got, []string{rxD}) {
				t.Errorf("new words: got %v", got)
			}
			if _, err := db.Bun().NewUpdate().Table("complaints").Set("status = ?", "under_review").Set("unit = ?", "fl").
				Where("tracking_number = ?", rxD).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if got, _ := f.search(t, redress.SearchFilter{Text: "tasered"}); got != nil {
				t.Errorf("complaint moved to fl still found in tx: %v", got)
			}
			if got, _ := f.search(t, redress.SearchFilter{ComplaintFilter: all, Text: "tasered", Status: "under_review"}); !slices.Equal(got, []string{rxD}) {
				t.Errorf("after status and unit change: got %v", got)
			}
		})

		t.Run("ComplaintAgencies", func(t *testing.T) {
			got, err := db.ComplaintAgencies(context.Background(), redress.ComplaintFilter{Units: []string{"tx"}})
			if err != nil || len(got) != 1 || got[0].ID != f.harris || got[0].State != "TX" {
				t.Errorf("tx agencies: %+v %v", got, err)
			}
			got, err = db.ComplaintAgencies(context.Background(), redress.ComplaintFilter{AllUnits: true})
			if err != nil || len(got) != 2 || got[0].ID != f.collier {
				t.Errorf("all agencies: %+v %v", got, err)
			}
		})
	})
}

func day(y int, m time.Month, d int) redress.Date { return redress.Date{Year: y, Month: m, Day: d} }

func TestSearchWords(t *testing.T) {
	for in, want := range map[string][]string{
		"":                          nil,
		"  Inglés,  INTÉRPRETE! ":   {"inglés", "intérprete"},
		`"bail" OR* NEAR(force)`:    {"bail", "or", "near", "force"},
		"badge#4411 o'brien":        {"badge", "4411", "o", "brien"},
		"e\u0301xito":               {"éxito"}, // a combining accent is composed first
		"a b c d e f g h i j k l m": {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"},
	} {
		if got := store.SearchWords(in); !slices.Equal(got, want) {
			t.Errorf("SearchWords(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSearchCountBound: the queue's, the desk's and the audit log's counts stop one
// past the bound (redress.CountCap of the page), however many rows match.
func TestSearchCountBound(t *testing.T) {
	defer func(b int) { redress.CountBound = b }(redress.CountBound)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		newSearchFixture(t, db)
		ctx := context.Background()
		redress.CountBound = 1
		all := redress.SearchFilter{ComplaintFilter: redress.ComplaintFilter{AllUnits: true}}
		f := all
		f.Limit = 1
		rows, n, err := db.SearchComplaints(ctx, f)
		if err != nil || len(rows) != 1 || n != 2 {
			t.Errorf("first page of one: %d rows, count %d, %v; want 1 row, count 2 (more than 1)", len(rows), n, err)
		}
		// The second page of one counts as far as itself, and one further.
		f.Offset = 1
		if _, n, err = db.SearchComplaints(ctx, f); err != nil || n != 3 {
			t.Errorf("second page of one: count %d, %v; want 3", n, err)
		}
		if n, err = db.CountSearch(ctx, all); err != nil || n != 2 {
			t.Errorf("CountSearch: %d, %v; want 2", n, err)
		}
		if _, n, err = db.SearchAudit(ctx, redress.AuditFilter{Limit: 1}); err != nil || n != 2 {
			t.Errorf("SearchAudit: count %d, %v; want 2", n, err)
		}
		redress.CountBound = 1000
		if n, err = db.CountSearch(ctx, all); err != nil || n != 4 {
			t.Errorf("CountSearch under the bound: %d, %v; want the 4 complaints", n, err)
		}
	})
}
