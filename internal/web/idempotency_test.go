package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// idempotencyRows counts the keys kept.
func (e *env) idempotencyRows() int {
	e.t.Helper()
	var n int
	if err := e.db.Bun().NewSelect().TableExpr("idempotency_keys").ColumnExpr("count(*)").Scan(context.Background(), &n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// A client that lost the 201 sends the complaint again under the same Idempotency-Key
// and gets the same answer, receipt code included, while nothing new is filed; the same
// key with another complaint is refused; keys expire after a day and are deleted.
func TestComplaintIdempotencyKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		body, _ := json.Marshal(validComplaint(e.agency.ID))
		post := func(b []byte, key ...string) *httptest.ResponseRecorder {
			var h []string
			for _, k := range key {
				h = append(h, "Idempotency-Key", k)
			}
			return e.do(http.MethodPost, "/api/v1/complaints", "application/json", b, h...)
		}

		first := post(body, "order-7f3a9c")
		if first.Code != http.StatusCreated || first.Header().Get("Idempotent-Replayed") != "" {
			t.Fatalf("first filing: %d %v %s", first.Code, first.Header(), first.Body)
		}
		got := decode[created](t, first)
		before := e.counts()

		t.Run("RetryGetsTheSameAnswer", func(t *testing.T) {
			for range 2 {
				again := post(body, "order-7f3a9c")
				if again.Code != http.StatusCreated || again.Header().Get("Idempotent-Replayed") != "true" {
					t.Fatalf("retry: %d %v %s", again.Code, again.Header(), again.Body)
				}
				if !bytes.Equal(again.Body.Bytes(), first.Body.Bytes()) {
					t.Fatalf("retry answered\n%s\nthe first answer was\n%s", again.Body, first.Body)
				}
			}
			if after := e.counts(); after != before {
				t.Fatalf("a retry filed again: %v -> %v", before, after)
			}
			// The receipt code it repeats is the complaint's.
			rec := e.postJSON("/api/v1/complaints/status", map[string]string{"tracking_number": got.TrackingNumber, "receipt_code": got.ReceiptCode})
			if rec.Code != http.StatusOK {
				t.Fatalf("status with the repeated receipt: %d %s", rec.Code, rec.Body)
			}
		})

		t.Run("SameKeyOtherComplaint", func(t *testing.T) {
			other := validComplaint(e.agency.ID)
			other["narrative"] = "Otra queja, con otras palabras, sobre otro día en la cárcel del condado."
			b, _ := json.Marshal(other)
			before := e.counts()
			rec := post(b, "order-7f3a9c")
			if rec.Code != http.StatusUnprocessableEntity {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			msg := decode[errResp](t, rec).Error
			if !strings.Contains(msg, "ya se usó para otra queja") || strings.Contains(rec.Body.String(), got.TrackingNumber) ||
				strings.Contains(rec.Body.String(), got.ReceiptCode) {
				t.Fatalf("answer %s", rec.Body)
			}
			if after := e.counts(); after != before {
				t.Fatalf("refused filing changed the database: %v -> %v", before, after)
			}
		})

		t.Run("OtherKeyOrNoKeyFilesAgain", func(t *testing.T) {
			a := decode[created](t, post(body, "order-8"))
			b := decode[created](t, post(body))
			c := decode[created](t, post(body))
			if a.TrackingNumber == "" || a.TrackingNumber == got.TrackingNumber || b.TrackingNumber == c.TrackingNumber {
				t.Fatalf("tracking numbers %s %s %s (first %s)", a.TrackingNumber, b.TrackingNumber, c.TrackingNumber, got.TrackingNumber)
			}
		})

		t.Run("BadKey", func(t *testing.T) {
			before := e.counts()
			for _, k := range []string{"", "has space", strings.Repeat("k", 256), "clé"} {
				rec := post(body, k)
				if rec.Code != http.StatusBadRequest || !strings.Contains(decode[errResp](t, rec).Error, "Idempotency-Key") {
					t.Errorf("key %q: %d %s", k, rec.Code, rec.Body)
				}
			}
			req := httptest.NewRequest(http.MethodPost, "/api/v1/complaints", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Add("Idempotency-Key", "a")
			req.Header.Add("Idempotency-Key", "b")
			rec := httptest.NewRecorder()
			e.srv.ServeHTTP(rec, req)
			if rec.Code != http.StatusBadRequest {
				t.Errorf("two keys: %d %s", rec.Code, rec.Body)
			}
			if after := e.counts(); after != before {
				t.Fatalf("refused keys changed the database: %v -> %v", before, after)
			}
		})

		t.Run("KeptSealed", func(t *testing.T) {
			var rows []struct {
				KeyHash      []byte `bun:"key_hash"`
				AnswerSealed []byte `bun:"answer_sealed"`
			}
			if err := db.Bun().NewSelect().TableExpr("idempotency_keys").Column("key_hash", "answer_sealed").Scan(context.Background(), &rows); err != nil {
				t.Fatal(err)
			}
			if len(rows) == 0 {
				t.Fatal("no key kept")
			}
			for _, r := range rows {
				for _, clear := range []string{got.ReceiptCode, got.TrackingNumber, "order-7f3a9c"} {
					if bytes.Contains(r.AnswerSealed, []byte(clear)) || bytes.Contains(r.KeyHash, []byte(clear)) {
						t.Fatalf("%q stored in the clear", clear)
					}
				}
			}
		})

		t.Run("ExpiresAfterADay", func(t *testing.T) {
			db.Now = func() time.Time { return time.Now().Add(24*time.Hour + time.Minute) }
			defer func() { db.Now = time.Now }()
			rec := post(body, "order-7f3a9c")
			if rec.Code != http.StatusCreated || rec.Header().Get("Idempotent-Replayed") != "" {
				t.Fatalf("after a day: %d %v", rec.Code, rec.Header())
			}
			if n := decode[created](t, rec).TrackingNumber; n == got.TrackingNumber {
				t.Fatal("an expired key still answered")
			}
			// Filing pruned the expired keys: only the new one is left.
			if n := e.idempotencyRows(); n != 1 {
				t.Fatalf("%d keys kept, want only the new one", n)
			}
		})
	})
}

// Retries that arrive together file once, on both databases: all get the same answer.
func TestComplaintIdempotencyKeyConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		body, _ := json.Marshal(validComplaint(e.agency.ID))
		before := e.counts()
		const n = 8
		recs := make([]*httptest.ResponseRecorder, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req := httptest.NewRequest(http.MethodPost, "/api/v1/complaints", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", "same-key-for-all")
				recs[i] = httptest.NewRecorder()
				<-start
				e.srv.ServeHTTP(recs[i], req)
			}()
		}
		close(start)
		wg.Wait()
		var tracking string
		for i, rec := range recs {
			if rec.Code != http.StatusCreated {
				t.Fatalf("request %d: %d %s", i, rec.Code, rec.Body)
			}
			got := decode[created](t, rec)
			if tracking == "" {
				tracking = got.TrackingNumber
			}
			if got.TrackingNumber != tracking || got.ReceiptCode == "" {
				t.Fatalf("request %d answered %+v, another %s", i, got, tracking)
			}
		}
		after := e.counts()
		if after[0] != before[0]+1 || after[2] != before[2]+1 {
			t.Fatalf("counts %v -> %v: want one complaint and one audit event", before, after)
		}
		if k := e.idempotencyRows(); k != 1 {
			t.Fatalf("%d keys kept, want 1", k)
		}
	})
}
