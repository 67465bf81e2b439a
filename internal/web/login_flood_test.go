package web_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

const mib = 1 << 20

// heapWatch samples the heap in use until stopped and keeps the highest reading.
type heapWatch struct {
	stop chan struct{}
	done chan struct{}
	peak uint64
}

func watchHeap() *heapWatch {
	w := &heapWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			w.peak = max(w.peak, ms.HeapInuse)
			select {
			case <-w.stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	return w
}

func (w *heapWatch) Stop() uint64 {
	close(w.stop)
	<-w.done
	return w.peak
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// tryLogin posts the sign-in form over real HTTP with an address nobody has, the
// attempt the per-account lockout cannot slow down.
func tryLogin(c *http.Client, base string) (*http.Response, error) {
	form := url.Values{"email": {"flood-" + rand.Text() + "@example.org"}, "password": {"not the password at all"}}
	resp, err := c.PostForm(base+"/login", form)
	if err == nil {
		resp.Body.Close()
	}
	return resp, err
}

func fileComplaint(c *http.Client, base string, body []byte) (int, time.Duration, error) {
	start := time.Now()
	resp, err := c.Post(base+"/api/v1/complaints", "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, time.Since(start), nil
}

// Sixty-four sign-ins at once, each to a new address, while complaints are filed: no
// more hashes run at once than the Hasher's bound, the heap stays within what that many
// hashes hold (with the collector's slack), and every complaint is still filed. Before
// the bound, the same flood held 64 hashes' memory at once. Timings are in
// BenchmarkFilingDuringLoginFlood; the one bound on time here is far from any normal
// answer, for a machine shared with other work.
func TestLoginFloodBounded(t *testing.T) {
	e := newEnv(t, storetest.Open(t, storetest.SQLiteDSN(t)))
	const bound, hashMiB = 2, 16
	h := &auth.Hasher{Params: auth.Argon2Params{Time: 1, MemoryKiB: hashMiB << 10, Threads: 1},
		Concurrent: bound, Queue: 64, Wait: 2 * time.Minute}
	e.auth.Hasher = h
	ts := httptest.NewServer(e.srv)
	t.Cleanup(ts.Close)
	client := &http.Client{Timeout: 3 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	complaint, _ := json.Marshal(validComplaint(e.agency.ID))

	baseline := heapInUse()
	watch := watchHeap()
	var flood sync.WaitGroup
	statuses := make(chan int, 64)
	for range 64 {
		flood.Go(func() {
			resp, err := tryLogin(client, ts.URL)
			if err != nil {
				t.Error(err)
				return
			}
			statuses <- resp.StatusCode
		})
	}
	var floodDone atomic.Bool
	go func() { flood.Wait(); floodDone.Store(true) }()

	// Filing goes on while the flood lasts, two at a time, at least three each.
	var filers sync.WaitGroup
	var mu sync.Mutex
	var latencies []time.Duration
	for range 2 {
		filers.Go(func() {
			for i := 0; i < 3 || !floodDone.Load(); i++ {
				code, took, err := fileComplaint(client, ts.URL, complaint)
				if err != nil || code != http.StatusCreated {
					t.Errorf("filing during the flood: %d, %v", code, err)
					return
				}
				mu.Lock()
				latencies = append(latencies, took)
				mu.Unlock()
			}
		})
	}
	flood.Wait()
	filers.Wait()
	peak := watch.Stop()
	close(statuses)

	answers := map[int]int{}
	for code := range statuses {
		answers[code]++
	}
	for code := range answers {
		// 401: checked and refused. 429: refused by a per-address limit before any hash.
		if code != http.StatusUnauthorized && code != http.StatusTooManyRequests {
			t.Errorf("sign-in answers %v: want only 401 (or 429)", answers)
		}
	}
	if got := h.Peak(); got != bound {
		t.Errorf("%d hashes ran at once, bound %d", got, bound)
	}
	// Each running hash holds hashMiB, and a slot's next hash may start before the
	// last one's memory is collected; the collector lets the heap grow to twice what
	// was live at its last cycle; the rest of the server needs some room. Without the
	// bound, 64 hashes hold 64 × hashMiB at once.
	limit := baseline + 4*bound*hashMiB*mib + 64*mib
	if peak > limit {
		t.Errorf("heap in use peaked at %d MiB (baseline %d MiB), limit %d MiB: hashing is not bounded",
			peak/mib, baseline/mib, limit/mib)
	}
	slices.Sort(latencies)
	if len(latencies) < 6 || latencies[len(latencies)-1] > time.Minute {
		t.Errorf("filing during the flood: %d complaints, slowest %v", len(latencies), latencies[len(latencies)-1])
	}
	t.Logf("answers %v; heap peak %d MiB over a baseline of %d MiB (limit %d MiB); %d complaints filed, median %v, slowest %v",
		answers, peak/mib, baseline/mib, limit/mib, len(latencies), latencies[len(latencies)/2], latencies[len(latencies)-1])
}

// A sign-in that finds every hashing slot taken and the queue full is answered 503
// with Retry-After, in the caller's language, on the form with the address kept.
func TestLoginBusyAnswer(t *testing.T) {
	e := newEnv(t, storetest.Open(t, storetest.SQLiteDSN(t)))
	h := &auth.Hasher{Concurrent: 1, Queue: 1, Wait: time.Millisecond}
	e.auth.Hasher = h
	release, err := h.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	for lang, want := range map[string]string{"en": "Sign-in is busy right now", "es": "El inicio de sesión está ocupado"} {
		form := url.Values{"email": {"ana@example.org"}, "password": {"tulip canyon ferry 47"}}
		rec := e.do(http.MethodPost, "/login?lang="+lang, "application/x-www-form-urlencoded",
			[]byte(form.Encode()), "Accept-Language", lang)
		body := rec.Body.String()
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s: %d, Retry-After %q; want 503 with Retry-After", lang, rec.Code, rec.Header().Get("Retry-After"))
		}
		if !strings.Contains(body, want) || !strings.Contains(body, `value="ana@example.org"`) {
			t.Errorf("%s: the form does not say it is busy or lost the address:\n%s", lang, body)
		}
	}
}

// BenchmarkFilingDuringLoginFlood files complaints over real HTTP, with no sign-ins
// ("quiet") and while 64 clients sign in without pause to addresses nobody has
// ("flood"), with the production cost (auth.Argon2) and bound (one hash per core).
// It reports the median and 95th percentile of filing, the sign-ins answered per
// second and the heap's peak.
func BenchmarkFilingDuringLoginFlood(b *testing.B) {
	for _, clients := range []int{0, 64} {
		name := "quiet"
		if clients > 0 {
			name = "flood"
		}
		b.Run(name, func(b *testing.B) {
			db := storetest.Open(b, storetest.SQLiteDSN(b))
			e := newEnv(b, db)
			h := &auth.Hasher{}
			e.auth.Hasher = h
			ts := httptest.NewServer(e.srv)
			defer ts.Close()
			client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
			complaint, _ := json.Marshal(validComplaint(e.agency.ID))
			stop := make(chan struct{})
			var flood sync.WaitGroup
			var logins, busy atomic.Int64
			for range clients {
				flood.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						if resp, err := tryLogin(client, ts.URL); err == nil {
							logins.Add(1)
							if resp.StatusCode == http.StatusServiceUnavailable {
								busy.Add(1)
							}
						}
					}
				})
			}
			baseline := heapInUse()
			watch := watchHeap()
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				code, took, err := fileComplaint(client, ts.URL, complaint)
				if err != nil || code != http.StatusCreated {
					b.Fatalf("filing: %d %v", code, err)
				}
				lat = append(lat, took)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			close(stop)
			flood.Wait()
			peak := watch.Stop()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(logins.Load())/elapsed.Seconds(), "logins/s")
			b.ReportMetric(float64(busy.Load()), "503s")
			b.ReportMetric(float64(peak-min(peak, baseline))/mib, "heap-MiB-over-baseline")
			b.ReportMetric(float64(h.Peak()), "hashes-at-once")
		})
	}
}
