package metrics_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/metrics"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// A client's made-up methods share one label value, so they cannot grow the series
// without bound; the counters the service feeds appear in the text served.
func TestLabelsStayBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := metrics.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		for _, method := range []string{"FROB", "BREW", "GET"} {
			m.ObserveRequest(method, "(no route)", 405, 3*time.Millisecond)
		}
		m.DeadlinesMissed(4)
		m.Refusals = func() metrics.Refusals { return metrics.Refusals{ReceiptLimited: 7} }
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		body := rec.Body.String()
		for _, want := range []string{
			`redress_http_requests_total{method="other",route="(no route)",status="405"} 2`,
			`redress_http_requests_total{method="GET",route="(no route)",status="405"} 1`,
			`redress_deadlines_missed_total 4`,
			`redress_limiter_refusals_total{limiter="receipt"} 7`,
			`redress_backlog_up 1`,
			`redress_outbox_queued 0`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the scrape lacks %s", want)
			}
		}
		if strings.Contains(body, "FROB") || strings.Contains(body, "BREW") {
			t.Error("a made-up method became a label")
		}
	})
}
