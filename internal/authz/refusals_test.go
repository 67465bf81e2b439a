package authz_test

import (
	"context"
	"testing"

	"github.com/redress-oversight/redress/internal/authz"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

func TestRecordRefusal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, err := authz.New(ctx, db, quiet)
		if err != nil {
			t.Fatal(err)
		}
		_, sub := addUser(t, db, "ana")
		ref := authz.Refusal{Subject: sub, Route: "/staff/complaints/{id}", Method: "POST", Status: 403, RequestID: "r-refused"}
		if err := e.RecordRefusal(ctx, ref); err != nil {
			t.Fatal(err)
		}
		evs, err := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionAccessDenied})
		if err != nil || len(evs) != 1 {
			t.Fatalf("events %+v %v", evs, err)
		}
		ev := evs[0]
		if ev.Actor != sub || ev.RequestID != "r-refused" || ev.ComplaintID != 0 || len(ev.Details) != 3 ||
			ev.Details["route"] != "/staff/complaints/{id}" || ev.Details["method"] != "POST" || ev.Details["status"] != float64(403) {
			t.Fatalf("event %+v", ev)
		}

		storetest.RefuseInserts(t, db, "audit_events")
		if err := e.RecordRefusal(ctx, ref); err == nil {
			t.Fatal("a refusal that was not recorded reported no error")
		}
	})
}
