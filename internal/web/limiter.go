package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// failLimiter slows down a client that keeps guessing receipts: after maxFails failed
// status checks within window, it must wait until the oldest failure leaves the window.
// It lives in memory only and keys clients by a keyed hash of their address, with a key
// drawn at start-up, so no IP address is kept, logged or stored.
type failLimiter struct {
	mu       sync.Mutex
	key      []byte
	maxFails int
	window   time.Duration
	now      func() time.Time
	fails    map[string][]time.Time
}

func newFailLimiter(maxFails int, window time.Duration, now func() time.Time) *failLimiter {
	key := make([]byte, 32)
	rand.Read(key)
	return &failLimiter{key: key, maxFails: maxFails, window: window, now: now, fails: map[string][]time.Time{}}
}

func (l *failLimiter) client(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte(host))
	return string(m.Sum(nil)[:16])
}

// recent drops failures older than the window; callers hold mu.
func (l *failLimiter) recent(k string) []time.Time {
	cutoff := l.now().Add(-l.window)
	fs := l.fails[k]
	i := 0
	for i < len(fs) && !fs[i].After(cutoff) {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(l.fails, k)
	} else {
		l.fails[k] = fs
	}
	return fs
}

// blocked returns how long the client must still wait, or 0.
func (l *failLimiter) blocked(r *http.Request) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	fs := l.recent(l.client(r))
	if len(fs) < l.maxFails {
		return 0
	}
	return fs[0].Add(l.window).Sub(l.now())
}

func (l *failLimiter) fail(r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := l.client(r)
	l.fails[k] = append(l.recent(k), l.now())
	if len(l.fails) > 100_000 {
		// Under a flood from many addresses, forget the oldest state rather than grow.
		for k := range l.fails {
			delete(l.fails, k)
			if len(l.fails) <= 50_000 {
				break
			}
		}
	}
}

func tooMany(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
}
