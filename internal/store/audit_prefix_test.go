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

// Paging the log by event id (After, Before) gives the same pages and counts as paging
// by offset, newest and oldest first.
func TestAuditKeyset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for range 11 {
			if err := db.RecordAudit(ctx, redress.AuditEvent{Actor: "user:1", Action: "complaint.viewed"}); err != nil {
				t.Fatal(err)
			}
		}
		defer func(b int) { redress.CountBound = b }(redress.CountBound)
		redress.CountBound = 4
		ids := func(es []redress.AuditEntry) []int64 {
			var out []int64
			for _, e := range es {
				out = append(out, e.ID)
			}
			return out
		}
		for _, newest := range []bool{true, false} {
			f := redress.AuditFilter{Action: "complaint.*", NewestFirst: newest, Limit: 3}
			var byOffset [][]redress.AuditEntry
			var totals []int
			for page := 0; ; page++ {
				f.Offset = page * 3
				es, total, err := db.SearchAudit(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if len(es) == 0 {
					break
				}
				byOffset, totals = append(byOffset, es), append(totals, total)
			}
			if len(byOffset) != 4 {
				t.Fatalf("newest %v: %d pages", newest, len(byOffset))
			}
			for page := 1; page < len(byOffset); page++ {
				prev := byOffset[page-1]
				f.After, f.Before, f.Offset = &redress.ListKey{ID: prev[len(prev)-1].ID}, nil, page*3
				es, total, err := db.SearchAudit(ctx, f)
				if err != nil || !slices.Equal(ids(es), ids(byOffset[page])) || total != totals[page] {
					t.Errorf("newest %v, page %d by key: %v (total %d) %v, by offset %v (total %d)", newest, page+1,
						ids(es), total, err, ids(byOffset[page]), totals[page])
				}
				f.After, f.Before, f.Offset = nil, &redress.ListKey{ID: byOffset[page][0].ID}, (page-1)*3
				es, total, err = db.SearchAudit(ctx, f)
				if err != nil || !slices.Equal(ids(es), ids(prev)) || total != totals[page-1] {
					t.Errorf("newest %v, page %d back by key: %v (total %d) %v, by offset %v (total %d)", newest, page,
						ids(es), total, err, ids(prev), totals[page-1])
				}
			}
		}
	})
}
