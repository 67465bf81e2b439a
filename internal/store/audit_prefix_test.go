package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// An action filter ending in "*" keeps exactly the events whose action begins with
// what comes before it: not "complaint" nor "complaints.x" for "complaint.*", however
// the range the index serves is written, and also where the database's collation is
// not byte order (the C-collation comparison).
func TestAuditActionPrefix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, action := range []string{"complaint", "complaint.", "complaint.a", "complaint.zz_z", "complaint/x",
			"complaint_x", "complaints.x", "complaint-x", "complaint.~", "auth.lo", "auth.log", "auth.login",
			"auth.logout", "auth.lp", "auth.lo_", "autha"} {
			if err := db.RecordAudit(ctx, redress.AuditEvent{Actor: "user:1", Action: action}); err != nil {
				t.Fatal(err)
			}
		}
		every, err := db.ListAudit(ctx, redress.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, byteOrder := range []bool{true, false} {
			store.SetByteOrder(db, byteOrder)
			for _, filter := range []string{"complaint.*", "complaint*", "auth.log*", "auth.lo*", "a*", "complaint.z*", "x*"} {
				prefix := strings.TrimSuffix(filter, "*")
				var want []string
				for _, e := range every {
					if strings.HasPrefix(e.Action, prefix) {
						want = append(want, e.Action)
					}
				}
				entries, total, err := db.SearchAudit(ctx, redress.AuditFilter{Action: filter})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, e := range entries {
					got = append(got, e.Action)
				}
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) || total != len(want) {
					t.Errorf("byte order %v, %s: %q (total %d), want %q", byteOrder, filter, got, total, want)
				}
			}
		}
	})
}
