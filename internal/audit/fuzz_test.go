package audit_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/redress-oversight/redress/internal/audit"
)

// The canonical encoding names every field apart: two events whose texts differ only
// in where one field ends and the next begins never share a body digest, so no one
// can move words between an event's fields and keep its hash.
func FuzzCanonicalEncoding(f *testing.F) {
	f.Add("user:1", "supervisor", "complaint.viewed", "req-1", `{"a":1}`, uint8(3))
	f.Add("", "", "", "", "", uint8(0))
	f.Add("a\x00b", "\xff", "x", "y", "{}", uint8(1))
	f.Fuzz(func(t *testing.T, actor, role, action, requestID, details string, cut uint8) {
		e := audit.Event{Seq: 1, ID: 1, OccurredAt: "2026-12-03T12:00:00.000000Z", Actor: actor, ActorRole: role,
			Action: action, RequestID: requestID, Details: details}
		// Move the first byte(s) of the role onto the end of the actor.
		n := int(cut) % (len(role) + 1)
		if n == 0 {
			return
		}
		moved := e
		moved.Actor, moved.ActorRole = actor+role[:n], role[n:]
		if audit.BodyDigest(e) == audit.BodyDigest(moved) {
			t.Fatalf("actor %q role %q and actor %q role %q share a digest", e.Actor, e.ActorRole, moved.Actor, moved.ActorRole)
		}
		if bytes.Equal(audit.Entry(e, audit.BodyDigest(e)), audit.Entry(moved, audit.BodyDigest(moved))) {
			t.Fatal("two different events share an entry")
		}
	})
}

// An export file, whatever it holds, is checked to a report or refused with an error;
// it never panics and never passes unless it is a chain.
func FuzzVerifyExport(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("{}\n"))
	f.Add([]byte(`{"kind":"event","seq":1,"id":1,"occurred_at":"2026-12-03T12:00:00.000000Z","actor":"a","action":"b","details":"{}","hash":"00"}` + "\n"))
	f.Add([]byte("\xff\xfe\n\n{\"kind\":"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := audit.VerifyExport(context.Background(), bytes.NewReader(data), audit.VerifyOptions{})
		if err == nil && rep.OK() && len(bytes.TrimSpace(data)) > 0 && rep.Events == 0 {
			t.Fatalf("%q passed with no event checked: %+v", data, rep)
		}
	})
}
