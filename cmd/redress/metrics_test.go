package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/redress-oversight/redress/internal/store/storetest"
)

var metricsAddrRE = regexp.MustCompile(`msg="metrics listening" addr=(\S+)`)

// The metrics listener, end to end on each dialect: the real serve with --metrics-addr
// (here its environment variable), with SMTP unreachable and tight limits; complaints
// filed, sign-ins failed, a limiter's refusals; then /metrics scraped from its own
// listener with a real client and read with Prometheus' own parser.
func TestMetricsListener(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		base, logs, _ := startServe(t, map[string]string{
			"REDRESS_DATABASE_URL": dsn, "REDRESS_DATA_DIR": t.TempDir(),
			"REDRESS_SMTP_URL": "smtp://" + closedPort(t), "REDRESS_METRICS_ADDR": "127.0.0.1:0",
			"REDRESS_FILING_LIMIT": "2/1h", "REDRESS_LOGIN_LIMIT": "2/15m",
		})
		m := metricsAddrRE.FindStringSubmatch(logs.String())
		if m == nil {
			t.Fatalf("no metrics address in the log:\n%s", logs)
		}
		scrapeURL := "http://" + m[1] + "/metrics"
		if code := getStatus(t, base+"/metrics"); code != http.StatusNotFound {
			t.Fatalf("the service's own address answers /metrics: %d", code)
		}

		// Two complaints filed, the third over --filing-limit; each queues a receipt
		// email SMTP cannot take.
		agency := findAgency(t, base)
		var secrets []string
		for i := range 3 {
			code, filed := postJSON(t, base+"/api/v1/complaints", map[string]any{
				"language": "en", "incident_date": "2025-07-25", "agency_id": agency,
				"categories": []string{"held_past_release"}, "filer": "self",
				"narrative": "I was kept in jail two days after my release date because of an ICE hold.",
				"contact":   map[string]any{"email": fmt.Sprintf("person%d@example.org", i)},
			})
			if want := map[bool]int{true: 201, false: 429}[i < 2]; code != want {
				t.Fatalf("filing %d: %d %v; want %d", i+1, code, filed, want)
			}
			if i < 2 {
				tracking := fmt.Sprint(filed["tracking_number"])
				secrets = append(secrets, tracking, fmt.Sprint(filed["receipt_code"]))
				// Paths with the tracking number in them, matched and not.
				getStatus(t, base+"/staff/complaints/"+tracking)
				getStatus(t, base+"/"+tracking)
			}
		}
		// Two wrong passwords, then --login-limit turns the client away.
		for i, want := range []int{401, 401, 429} {
			resp, err := http.PostForm(base+"/login", url.Values{"email": {"nobody@example.org"}, "password": {"wrong password"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Fatalf("sign-in %d: %d, want %d", i+1, resp.StatusCode, want)
			}
		}

		fams := scrape(t, scrapeURL)
		for _, c := range []struct {
			name   string
			labels map[string]string
			want   float64
		}{
			{"redress_http_requests_total", map[string]string{"method": "POST", "route": "/api/v1/complaints", "status": "201"}, 2},
			{"redress_http_requests_total", map[string]string{"method": "POST", "route": "/api/v1/complaints", "status": "429"}, 1},
			{"redress_http_requests_total", map[string]string{"method": "POST", "route": "/login", "status": "401"}, 2},
			{"redress_http_requests_total", map[string]string{"method": "POST", "route": "/login", "status": "429"}, 1},
			{"redress_http_requests_total", map[string]string{"method": "GET", "route": "/staff/complaints/{id}", "status": "401"}, 2},
			{"redress_http_requests_total", map[string]string{"method": "GET", "route": "(no route)", "status": "404"}, 3},
			{"redress_http_request_duration_seconds", map[string]string{"method": "POST", "route": "/api/v1/complaints"}, 3},
			{"redress_login_failures_total", map[string]string{"step": "password"}, 2},
			{"redress_limiter_refusals_total", map[string]string{"limiter": "login"}, 1},
			{"redress_limiter_refusals_total", map[string]string{"limiter": "filing"}, 1},
			{"redress_limiter_refusals_total", map[string]string{"limiter": "receipt"}, 0},
			{"redress_anonymous_refusals_total", nil, 2},
			{"redress_deadlines_missed_total", nil, 0},
			{"redress_backlog_up", nil, 1},
		} {
			if got := value(t, fams, c.name, c.labels); got != c.want {
				t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
			}
		}
		for _, c := range []struct {
			name string
			min  float64
		}{
			{"redress_outbox_queued", 2},
			{"redress_outbox_oldest_queued_age_seconds", 0},
			{"redress_outbox_failed", 0},
			{"redress_audit_unsealed_events", 0},
			{"redress_audit_sealer_lag_seconds", 0},
			{"go_sql_open_connections", 1},
			{"go_sql_max_open_connections", 1},
			{"go_sql_in_use_connections", 0},
			{"go_sql_idle_connections", 0},
			{"go_sql_wait_count_total", 0},
			{"go_sql_wait_duration_seconds_total", 0},
		} {
			if got := value(t, fams, c.name, nil); got < c.min {
				t.Errorf("%s = %v, want at least %v", c.name, got, c.min)
			}
		}
		// No label holds a tracking number, a receipt code or a raw path.
		for name, f := range fams {
			for _, mt := range f.GetMetric() {
				for _, l := range mt.GetLabel() {
					for _, s := range secrets {
						if strings.Contains(l.GetValue(), s) {
							t.Errorf("%s has label %s=%q", name, l.GetName(), l.GetValue())
						}
					}
				}
			}
		}
	})
}

// closedPort is an address nothing listens on: mail to it waits in the outbox.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func getStatus(t *testing.T, u string) int {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// findAgency is the id of a real agency of the seeded registry.
func findAgency(t *testing.T, base string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/agencies?state=TX&q=aransas%20county%20sheriff")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct{ Agencies []struct{ ID float64 } }
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list.Agencies) == 0 {
		t.Fatalf("no Aransas County agency: %v", err)
	}
	return list.Agencies[0].ID
}

// scrape reads the metrics as Prometheus would.
func scrape(t *testing.T, u string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse the scrape: %v", err)
	}
	return fams
}

// value is the metric of fams named name whose labels include labels: a counter's or a
// gauge's value, a histogram's count; -1 when there is none.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	f := fams[name]
	if f == nil {
		t.Errorf("no metric %s", name)
		return -1
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return 0
}

// With PostgreSQL out of reach the listener still answers: the backlog reads fail
// within their timeout and say so (redress_backlog_up 0), the rest is served; with the
// database back, the backlog is read again, with no restart.
func TestMetricsWithoutDatabase(t *testing.T) {
	dsn, proxy := storetest.PostgresViaProxy(t)
	_, logs, _ := startServe(t, map[string]string{
		"REDRESS_DATABASE_URL": dsn, "REDRESS_DATA_DIR": t.TempDir(), "REDRESS_METRICS_ADDR": "127.0.0.1:0",
	})
	m := metricsAddrRE.FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no metrics address in the log:\n%s", logs)
	}
	scrapeURL := "http://" + m[1] + "/metrics"
	if up := value(t, scrape(t, scrapeURL), "redress_backlog_up", nil); up != 1 {
		t.Fatalf("redress_backlog_up = %v with the database up", up)
	}
	proxy.Cut()
	start := time.Now()
	fams := scrape(t, scrapeURL)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("a scrape with the database gone took %v", took)
	}
	if up := value(t, fams, "redress_backlog_up", nil); up != 0 {
		t.Errorf("redress_backlog_up = %v with the database gone", up)
	}
	if fams["redress_outbox_queued"] != nil || fams["go_sql_open_connections"] == nil || fams["redress_http_requests_total"] == nil {
		t.Errorf("with the database gone, the scrape should drop only the backlog: %v", names(fams))
	}
	proxy.Restore()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if value(t, scrape(t, scrapeURL), "redress_backlog_up", nil) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the backlog was not read again after the database came back")
		}
	}
}

func names(fams map[string]*dto.MetricFamily) []string {
	var out []string
	for n := range fams {
		out = append(out, n)
	}
	return out
}
