package casefile

import (
	"context"
	"crypto/sha256"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// theOnly returns the one event of action on c, failing unless there is exactly one.
func theOnly(t *testing.T, db *store.DB, c redress.Complaint, action string) redress.AuditEvent {
	t.Helper()
	evs, err := db.ListAudit(context.Background(), redress.AuditFilter{ComplaintID: c.ID, Action: action})
	if err != nil || len(evs) != 1 {
		t.Fatalf("%s events: %+v %v", action, evs, err)
	}
	return evs[0]
}

// newStaff creates a staff account and returns it as an actor of request requestID.
func newStaff(t *testing.T, db *store.DB, requestID string) Actor {
	t.Helper()
	h := sha256.Sum256([]byte(requestID))
	u, err := db.CreateUser(context.Background(), redress.AuditEvent{Actor: "test"}, "staff@example.org", "Staff",
		store.PasswordLink{Hash: h[:], Purpose: store.LinkSet, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return Actor{UserID: u.ID, Subject: "user:" + strconv.FormatInt(u.ID, 10), RequestID: requestID}
}

func TestView(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c, _, _ := newService(t, db, "ana@example.org")
		staff := Actor{UserID: 3, Subject: "user:3", RequestID: "r-view"}
		if err := s.View(ctx, staff, c, false); err != nil {
			t.Fatal(err)
		}
		ev := theOnly(t, db, c, redress.ActionComplaintViewed)
		if ev.Actor != "user:3" || ev.ActorRole != "" || ev.RequestID != "r-view" || len(ev.Details) != 1 || ev.Details["narrative"] != false {
			t.Fatalf("event %+v", ev)
		}
	})
}

func TestRevealIdentity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c, sealed, _ := newService(t, db, "ana@example.org")
		staff := Actor{UserID: 3, Subject: "user:3", RequestID: "r-reveal"}
		contact, err := s.RevealIdentity(ctx, staff, c, sealed, true)
		if err != nil || contact.Name != "Ana" || contact.Email != "ana@example.org" {
			t.Fatalf("contact %+v %v", contact, err)
		}
		ev := theOnly(t, db, c, redress.ActionIdentityViewed)
		fields, _ := ev.Details["fields"].([]any)
		if ev.Actor != "user:3" || ev.RequestID != "r-reveal" || ev.Details["narrative"] != true ||
			!slices.Equal(fields, []any{"name", "email"}) || len(ev.Details) != 2 {
			t.Fatalf("event %+v", ev)
		}
		// One event for the reveal, which is the view too.
		if evs, _ := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c.ID, Action: redress.ActionComplaintViewed}); len(evs) != 0 {
			t.Fatalf("a reveal also recorded %+v", evs)
		}
	})
}

func TestRevealIdentityOfOtherComplaintFails(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	ctx := context.Background()
	s, c, sealed, _ := newService(t, db, "ana@example.org")
	// Identity is sealed to its complaint's tracking number: copied to another, it
	// does not open, and nothing is recorded as seen.
	other := c
	other.TrackingNumber = "RX-0000-0000"
	if contact, err := s.RevealIdentity(ctx, Actor{Subject: "user:3"}, other, sealed, true); err == nil || contact != (redress.Contact{}) {
		t.Fatalf("opened %+v %v", contact, err)
	}
	if evs, _ := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c.ID, Action: redress.ActionIdentityViewed}); len(evs) != 0 {
		t.Fatalf("recorded %+v", evs)
	}
}

func TestReadParts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c, _, _ := newService(t, db, "")
		staff := newStaff(t, db, "r-parts")
		if _, err := s.AddNote(ctx, staff, c, "Llamar a la abogada."); err != nil {
			t.Fatal(err)
		}
		notes, err := s.ReadNotes(ctx, staff, c)
		if err != nil || len(notes) != 1 || notes[0].Body != "Llamar a la abogada." {
			t.Fatalf("notes %+v %v", notes, err)
		}
		if _, err := s.ReadMessages(ctx, staff, c); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ReadEvidence(ctx, staff, c); err != nil {
			t.Fatal(err)
		}
		evs, err := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c.ID, Action: redress.ActionComplaintViewed})
		if err != nil || len(evs) != 3 {
			t.Fatalf("events %+v %v", evs, err)
		}
		for i, part := range []string{PartNotes, PartMessages, PartEvidence} {
			if ev := evs[i]; ev.Actor != staff.Subject || ev.RequestID != "r-parts" || len(ev.Details) != 1 || ev.Details["part"] != part {
				t.Errorf("event %d: %+v, want part %s", i, ev, part)
			}
		}
	})
}

// A read that cannot be recorded is not answered: nothing of the case comes back.
func TestUnrecordedReadsAreNotAnswered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c, sealed, _ := newService(t, db, "ana@example.org")
		staff := newStaff(t, db, "r-refused")
		if _, err := s.AddNote(ctx, staff, c, "Llamar a la abogada."); err != nil {
			t.Fatal(err)
		}
		storetest.RefuseInserts(t, db, "audit_events")
		if err := s.View(ctx, staff, c, true); err == nil {
			t.Error("View: no error")
		}
		if contact, err := s.RevealIdentity(ctx, staff, c, sealed, true); err == nil || contact != (redress.Contact{}) {
			t.Errorf("RevealIdentity: %+v %v", contact, err)
		}
		if notes, err := s.ReadNotes(ctx, staff, c); err == nil || notes != nil {
			t.Errorf("ReadNotes: %+v %v", notes, err)
		}
		if msgs, err := s.ReadMessages(ctx, staff, c); err == nil || msgs != nil {
			t.Errorf("ReadMessages: %+v %v", msgs, err)
		}
		if files, err := s.ReadEvidence(ctx, staff, c); err == nil || files != nil {
			t.Errorf("ReadEvidence: %+v %v", files, err)
		}
		// The notes are there to read: only the recording failed.
		if notes, err := s.Notes(ctx, c.ID); err != nil || len(notes) != 1 || strings.TrimSpace(notes[0].Body) == "" {
			t.Fatalf("notes unreadable: %+v %v", notes, err)
		}
	})
}
