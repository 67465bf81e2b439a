package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// A staff search for a person's name leaves the name out of the audit trail, which is
// permanent and read by oversight bodies: the queue's page and API (words and officer),
// and the audit log's actor filter. The event still says a text search was made, with a
// keyed tag that matches the same name however it was typed.
func TestSearchTermsNotInAuditTrail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaff(t, db)
		ctx := context.Background()
		searches := []struct{ caller, path string }{
			{"intake", "/staff/complaints?q=" + url.QueryEscape("Maria Lopez")},
			{"intake", "/api/v1/staff/complaints?q=" + url.QueryEscape("  maría   LÓPEZ ") + "&status=received"},
			{"investigator", "/staff/complaints?officer=" + url.QueryEscape("Maria Lopez")},
			{"investigator", "/api/v1/staff/complaints?q=" + url.QueryEscape("Ana Gómez")},
			{"supervisor", "/oversight/audit?actor=" + url.QueryEscape("Maria Lopez")},
			{"auditor", "/api/v1/audit/events?actor=" + url.QueryEscape("intake@example.org")},
		}
		for _, q := range searches {
			if rec := s.queueGet(q.caller, q.path, ""); rec.Code != http.StatusOK {
				t.Fatalf("%s %s: status %d\n%s", q.caller, q.path, rec.Code, rec.Body)
			}
		}
		evs, err := db.ListAudit(ctx, store.AuditFilter{Action: "*"})
		if err != nil {
			t.Fatal(err)
		}
		var filters []map[string]any
		for _, ev := range evs {
			if ev.Action != "complaint.searched" && ev.Action != "audit.searched" {
				continue
			}
			b, _ := json.Marshal(ev.Details)
			low := strings.ToLower(string(b))
			for _, word := range []string{"maria", "maría", "lopez", "lópez", "gómez", "gomez", "@example.org"} {
				if strings.Contains(low, word) {
					t.Errorf("%s event holds %q: %s", ev.Action, word, b)
				}
			}
			f, _ := ev.Details["filters"].(map[string]any)
			filters = append(filters, f)
		}
		if len(filters) != len(searches) {
			t.Fatalf("%d search events, want %d", len(filters), len(searches))
		}
		tag := func(i int, name string) string {
			v, _ := filters[i][name].(string)
			if !strings.HasPrefix(v, "hmac:") || len(v) != len("hmac:")+32 {
				t.Errorf("search %d: %s recorded as %q, want a keyed tag", i, name, v)
			}
			return v
		}
		maria := tag(0, "q")
		if tag(1, "q") != maria || tag(2, "officer") != maria || tag(4, "actor") != maria {
			t.Errorf("one name, typed four ways, tags differently: %v", filters)
		}
		if tag(3, "q") == maria {
			t.Errorf("two names give one tag")
		}
		if filters[1]["status"] != "received" {
			t.Errorf("a fixed-choice filter is no longer recorded: %v", filters[1])
		}
		if want := "user:" + strconv.FormatInt(s.users["intake"].ID, 10); filters[5]["actor"] != want {
			t.Errorf("actor by address recorded as %v, want the account %s", filters[5]["actor"], want)
		}
	})
}
