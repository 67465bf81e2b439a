package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// Outside witnesses: the published heads are anyone's, signed, chained, paged by seq,
// and carry nothing of any event: a planted narrative, actor, complaint id, tracking
// number and agreement id are all absent from the answer. Bad paging is a 422 in the
// caller's language.
func TestPublicAuditHeads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		complaintID, trackingNumber, agreementID := s.fileHarris()
		// The sealer's clock walks four days; each day brings events naming the complaint.
		now := time.Date(2031, 3, 1, 15, 4, 5, 0, time.UTC)
		sealer := audit.NewSealer(db, testAuditKey, audit.SealerConfig{CheckpointEvery: 3, Now: func() time.Time { return now }})
		for day := range 4 {
			now = time.Date(2031, 3, 1+day, 15, 4, 5, 0, time.UTC)
			for i := range 4 {
				ev := redress.AuditEvent{Actor: "user:planted-actor-4471", ActorRole: "investigator", Action: "test.planted",
					ComplaintID: complaintID, AgreementID: agreementID,
					Details: map[string]any{"narrative": "PLANTED-NARRATIVE-9c1f", "i": i}}
				if err := db.RecordAudit(ctx, ev); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := sealer.SealPending(ctx); err != nil {
				t.Fatal(err)
			}
		}
		now = now.Add(24 * time.Hour)
		if _, err := sealer.SealPending(ctx); err != nil {
			t.Fatal(err)
		}

		type page struct {
			Algorithm string       `json:"algorithm"`
			PublicKey string       `json:"public_key"`
			KeyID     string       `json:"key_id"`
			Heads     []audit.Head `json:"heads"`
			NextAfter int64        `json:"next_after"`
		}
		rec := s.queueGet("anonymous", "/api/v1/public/audit/heads", "")
		body := rec.Body.String()
		all := decode[page](t, rec)
		if rec.Code != 200 || all.PublicKey != audit.EncodePublicKey(testAuditKey.Public()) || all.KeyID != testAuditKey.ID() {
			t.Fatalf("heads: %d %s", rec.Code, body)
		}
		if cc := rec.Header().Get("Cache-Control"); !strings.HasPrefix(cc, "public") {
			t.Errorf("Cache-Control %q: heads never change, and may be cached", cc)
		}
		// One head a day, the days 1 to 4 of March (the fifth is not over).
		if len(all.Heads) != 4 {
			t.Fatalf("%d heads, want 4: %s", len(all.Heads), body)
		}
		for i, h := range all.Heads {
			if want := time.Date(2031, 3, 1+i, 0, 0, 0, 0, time.UTC).Format(audit.DayLayout); h.Day != want {
				t.Errorf("head %d is of %s, want %s", i, h.Day, want)
			}
			if err := h.Verify(testAuditKey.Public()); err != nil {
				t.Error(err)
			}
			if i == 0 && !h.First() || i > 0 && !h.Extends(all.Heads[i-1]) {
				t.Errorf("head %d (seq %d) does not extend the one before", i, h.Seq)
			}
		}
		if all.NextAfter != all.Heads[3].Seq {
			t.Errorf("next_after %d, want %d", all.NextAfter, all.Heads[3].Seq)
		}
		for _, planted := range []string{"PLANTED-NARRATIVE", "planted-actor", "investigator", "test.planted", trackingNumber,
			`"details"`, `"actor"`, `"complaint_id"`, `"agreement_id"`, `"signed_at"`, `"occurred_at"`} {
			if strings.Contains(body, planted) {
				t.Errorf("the public heads show %q: %s", planted, body)
			}
		}
		for _, id := range []int64{complaintID, agreementID} {
			if strings.Contains(body, `:`+strconv.FormatInt(id, 10)+`,`) {
				t.Errorf("the public heads show the id %d as a value: %s", id, body)
			}
		}

		next := decode[page](t, s.queueGet("anonymous", "/api/v1/public/audit/heads?limit=2&after="+strconv.FormatInt(all.Heads[0].Seq, 10), ""))
		if len(next.Heads) != 2 || next.Heads[0].Seq != all.Heads[1].Seq || next.NextAfter != all.Heads[2].Seq {
			t.Fatalf("the page after seq %d: %+v", all.Heads[0].Seq, next)
		}
		end := decode[page](t, s.queueGet("anonymous", "/api/v1/public/audit/heads?after="+strconv.FormatInt(all.Heads[3].Seq, 10), ""))
		if len(end.Heads) != 0 || end.NextAfter != all.Heads[3].Seq {
			t.Fatalf("past the last head: %+v", end)
		}

		for _, bad := range []string{"after=-1", "after=x", "after=", "after=1.5", "limit=0", "limit=1001", "limit=ten"} {
			rec := s.queueGet("anonymous", "/api/v1/public/audit/heads?"+bad, "es")
			field, _, _ := strings.Cut(bad, "=")
			if e := decode[errResp](t, rec); rec.Code != 422 || len(e.Fields) != 1 || e.Fields[0].Field != field ||
				strings.HasPrefix(e.Fields[0].Message, "rule.") {
				t.Errorf("%s: %d %+v", bad, rec.Code, e)
			}
		}
	})
}
