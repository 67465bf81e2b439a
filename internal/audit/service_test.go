package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// service is the audit service as cmd/redress builds it, trusting testKey; closed
// before the database.
func service(t *testing.T, db *store.DB) *audit.Service {
	t.Helper()
	box, err := secret.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	s := &audit.Service{DB: db, Box: box, PublicKey: testKey.Public(), Window: 10}
	t.Cleanup(s.Close)
	return s
}

// events are the recorded events of one action, oldest first.
func events(t *testing.T, db *store.DB, action string) []redress.AuditEvent {
	t.Helper()
	evs, err := db.ListAudit(context.Background(), redress.AuditFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

var auditor = audit.Actor{Subject: "user:7", RequestID: "req-look"}

func TestServiceVerification(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		record(t, db, 25)
		sealAll(t, sealer(db))
		s := service(t, db)
		v, err := s.StartVerification(ctx, auditor)
		if err != nil {
			t.Fatal(err)
		}
		s.Idle()
		got, err := db.AuditVerification(ctx, v.ID)
		if err != nil || got.Status != store.VerificationOK || got.Events != 25 || got.Done != 25 || !got.TrustedKey ||
			got.Window != 10 || got.LastSignedSeq != 20 || got.StartedBy != auditor.Subject {
			t.Fatalf("verification %+v %v", got, err)
		}
		started, done := events(t, db, redress.ActionVerifyStarted), events(t, db, redress.ActionVerified)
		if len(started) != 1 || started[0].Actor != auditor.Subject || started[0].RequestID != auditor.RequestID {
			t.Fatalf("started %+v", started)
		}
		if len(done) != 1 || done[0].Actor != auditor.Subject || done[0].RequestID != auditor.RequestID ||
			done[0].Details["ok"] != true || done[0].Details["verification_id"] != float64(v.ID) ||
			done[0].Details["events"] != float64(25) || done[0].Details["trusted_key"] != true {
			t.Fatalf("verified %+v", done)
		}

		// While one runs (here in another process), starting gives that one.
		running, err := db.StartAuditVerification(ctx, redress.AuditEvent{Actor: "user:8", Action: redress.ActionVerifyStarted})
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.StartVerification(ctx, auditor)
		if err != nil || again.ID != running.ID {
			t.Fatalf("started %+v beside %d: %v", again, running.ID, err)
		}
		if n := len(events(t, db, redress.ActionVerifyStarted)); n != 2 {
			t.Fatalf("%d verifications started, want 2", n)
		}
	})
}

// A verification the service cannot finish, because it is closing, is recorded as
// stopped, with no outcome event.
func TestServiceVerificationStoppedAtClose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		record(t, db, 5)
		sealAll(t, sealer(db))
		s := service(t, db)
		s.Close()
		v, err := s.StartVerification(ctx, auditor)
		if err != nil {
			t.Fatal(err)
		}
		s.Idle()
		got, err := db.AuditVerification(ctx, v.ID)
		if err != nil || got.Status != store.VerificationStopped {
			t.Fatalf("verification %+v %v", got, err)
		}
		if n := len(events(t, db, redress.ActionVerified)); n != 0 {
			t.Fatalf("%d outcome events of a stopped verification", n)
		}
	})
}

func TestServiceSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		record(t, db, 12)
		s := service(t, db)
		// An address typed into the actor filter was looked up to its account: the event
		// records the account, never the address.
		q := audit.Search{Filter: redress.AuditFilter{Actor: "user:1", Action: "test.event", NewestFirst: true, Limit: 2},
			Given: map[string]any{"actor": "ana@example.org", "action": "test.event"}, Page: 1}
		res, err := s.Search(ctx, auditor, q)
		if err != nil || res.Total != 4 || len(res.Entries) != 2 || res.Entries[0].Actor != "user:1" || res.Upto != res.Entries[0].ID {
			t.Fatalf("search: %+v %v", res, err)
		}
		evs := events(t, db, redress.ActionAuditSearched)
		want := map[string]any{"filters": map[string]any{"actor": "user:1", "action": "test.event"}, "page": float64(1)}
		if len(evs) != 1 || evs[0].Actor != auditor.Subject || evs[0].RequestID != auditor.RequestID || !same(evs[0].Details, want) {
			t.Fatalf("searched %+v, want details %v", evs, want)
		}
		// The search is recorded before it runs: the page does not count its own record.
		if q.Given["actor"] != "ana@example.org" {
			t.Errorf("the caller's filters were changed: %v", q.Given)
		}

		// Free text as the actor is recorded as a keyed tag of its folded words.
		q = audit.Search{Filter: redress.AuditFilter{Actor: "María López", UptoID: 5}, Given: map[string]any{"actor": "María López"}, Page: 2}
		res, err = s.Search(ctx, auditor, q)
		if err != nil || res.Total != 0 || res.Upto != 5 {
			t.Fatalf("search: %+v %v", res, err)
		}
		evs = events(t, db, redress.ActionAuditSearched)
		tag := s.SearchTag("maria LOPEZ")
		if len(evs) != 2 || !strings.HasPrefix(tag, "hmac:") || len(tag) <= len("hmac:") || !same(evs[1].Details,
			map[string]any{"filters": map[string]any{"actor": tag}, "page": float64(2)}) {
			t.Fatalf("searched %+v, want the tag %s", evs, tag)
		}
		if s.SearchActor("system") != "system" || s.SearchActor("user:12") != "user:12" || s.SearchActor("user:x") == "user:x" {
			t.Errorf("known actors are not recorded as given")
		}
		if (&audit.Service{}).SearchTag("María") != "hmac:" {
			t.Errorf("without a key, the tag holds no hash")
		}
	})
}

func TestServiceHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		record(t, db, 12) // complaint 102: the events i = 2, 6, 10
		s := service(t, db)
		entries, err := s.History(ctx, auditor, redress.Complaint{ID: 102, AgencyID: 7, AgreementID: 41})
		if err != nil {
			t.Fatal(err)
		}
		evs := events(t, db, redress.ActionAuditHistoryViewed)
		if len(evs) != 1 || evs[0].Actor != auditor.Subject || evs[0].RequestID != auditor.RequestID || evs[0].ComplaintID != 102 ||
			evs[0].AgencyID != 7 || evs[0].AgreementID != 41 || len(evs[0].Details) != 0 {
			t.Fatalf("history viewed %+v", evs)
		}
		// The look is recorded first, so the history shows it, last.
		if len(entries) != 4 || entries[3].Action != redress.ActionAuditHistoryViewed {
			t.Fatalf("history %+v", entries)
		}
		for _, e := range entries {
			if e.ComplaintID != 102 {
				t.Errorf("history of 102 shows %+v", e)
			}
		}
	})
}

func TestServiceExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		record(t, db, 35)
		sealAll(t, sealer(db))
		s := service(t, db)
		f, err := s.Export(ctx, auditor, audit.ExportFilter{ComplaintID: 102})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		// The same file as audit.Export writes, but for the header's time of export.
		want, sum := export(t, db, audit.ExportFilter{ComplaintID: 102})
		if got, want := lines(b), lines(want); len(got) != len(want) || strings.Join(got[1:], "\n") != strings.Join(want[1:], "\n") || f.Size != int64(len(b)) || f.Summary != sum || sum.Shown != 9 {
			t.Fatalf("export of %d bytes (size %d, %+v), want %d (%+v)", len(b), f.Size, f.Summary, len(want), sum)
		}
		if rep := verifyFile(t, b, trusted()); !rep.OK() || rep.Shown != 9 {
			t.Fatalf("%v", rep)
		}
		evs := events(t, db, redress.ActionExported)
		wantEv := audit.ExportedEvent(auditor.Subject, "", auditor.RequestID, audit.ExportFilter{ComplaintID: 102}, sum)
		if len(evs) != 1 || evs[0].Actor != wantEv.Actor || evs[0].RequestID != wantEv.RequestID || evs[0].ComplaintID != 102 ||
			!same(evs[0].Details, wantEv.Details) {
			t.Fatalf("exported %+v, want %+v", evs, wantEv)
		}
	})
}

// same compares details as stored (JSON) with details as written.
func same(got, want map[string]any) bool {
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(want)
	return bytes.Equal(a, b)
}
