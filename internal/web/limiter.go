package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redress-oversight/redress/internal/limit"
	"github.com/redress-oversight/redress/internal/redress"
)

// receiptRate slows down guessing of receipts: five wrong pairs for one tracking number
// from one client, then that client waits until 15 minutes after the first.
var receiptRate = redress.Rate{N: 5, Per: 15 * time.Minute}

// clientAddr is the address of the client that sent r. The peer is the client unless it
// is a trusted proxy (Deps.TrustedProxies): then X-Forwarded-For is read from the
// right, where the proxies appended what they saw, and the first address that is not a
// trusted proxy is the client. What a client writes into the header itself sits to the
// left of that and is never read, and an untrusted peer's header is ignored.
func (s *Server) clientAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	addr = addr.Unmap()
	if !s.trusted(addr) {
		return addr
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		fields := strings.Split(hops[i], ",")
		for j := len(fields) - 1; j >= 0; j-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(fields[j]))
			if err != nil {
				// A trusted proxy would not write this: the client did. The last hop we
				// could read stands for it.
				return addr
			}
			addr = hop.Unmap()
			if !s.trusted(addr) {
				return addr
			}
		}
	}
	return addr
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// client names the client of r for the limits: its address, or for IPv6 its /64, the
// block one subscriber is given and can draw new addresses from at will.
func (s *Server) client(r *http.Request) string {
	a := s.clientAddr(r)
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// receiptKey names one client's tries at one tracking number: someone else's wrong
// guesses, or this client's at another number, never lock out a correct pair.
func (s *Server) receiptKey(r *http.Request, tracking string) string {
	return s.Limits.Key(limit.Receipt, s.client(r), redress.NormalizeTrackingNumber(tracking))
}

// receiptWait says how long the client must wait before trying tracking again, or 0.
func (s *Server) receiptWait(r *http.Request, tracking string) (time.Duration, error) {
	wait, err := s.Limits.Wait(r.Context(), limit.Receipt, s.receiptKey(r, tracking), receiptRate)
	if wait > 0 {
		s.metrics.ReceiptLimited.Add(1)
		quiet(r)
	}
	return wait, err
}

// receiptFailed counts a wrong pair: one upsert, whatever the flood.
func (s *Server) receiptFailed(r *http.Request, tracking string) error {
	_, err := s.Limits.Take(r.Context(), limit.Receipt, s.receiptKey(r, tracking), receiptRate)
	return err
}

// admitFiling is the check intake makes once a complaint is valid, before storing it:
// one more from this client, unless it has filed Deps.FilingLimit already.
func (s *Server) admitFiling(r *http.Request) func(context.Context) error {
	if s.FilingLimit.Off() {
		return nil
	}
	return func(ctx context.Context) error {
		wait, err := s.Limits.Take(ctx, limit.Filing, s.Limits.Key(limit.Filing, s.client(r)), s.FilingLimit)
		if err != nil || wait == 0 {
			return err
		}
		s.metrics.FilingLimited.Add(1)
		quiet(r)
		return &apiError{status: http.StatusTooManyRequests, key: "error.filing_limit", retryAfter: wait,
			data: map[string]any{"Count": minutes(wait)}}
	}
}

// loginWait says how long the client must wait before its next sign-in is even
// checked (no password is hashed for it), or 0.
func (s *Server) loginWait(r *http.Request) (time.Duration, error) {
	wait, err := s.Limits.Wait(r.Context(), limit.Login, s.Limits.Key(limit.Login, s.client(r)), s.LoginLimit)
	if wait > 0 {
		s.metrics.LoginLimited.Add(1)
		quiet(r)
	}
	return wait, err
}

// loginFailed counts a sign-in refused for its password or a locked account (why), one
// upsert; any other refusal (a server too busy to check) is not the client's failure.
func (s *Server) loginFailed(r *http.Request, why error) error {
	if code := redress.ErrorCode(why); code != redress.EUNAUTHORIZED && code != redress.EFORBIDDEN {
		return nil
	}
	s.metrics.LoginFailed.Add(1)
	_, err := s.Limits.Take(r.Context(), limit.Login, s.Limits.Key(limit.Login, s.client(r)), s.LoginLimit)
	return err
}

func minutes(d time.Duration) int { return int((d + time.Minute - 1) / time.Minute) }

func tooMany(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
}

// Metrics counts what the server refused without writing it to the audit trail, for
// the metrics listener (internal/metrics). Read the fields with Load.
type Metrics struct {
	// AnonymousRefusals: requests to staff routes by no one signed in (401).
	AnonymousRefusals atomic.Int64
	// Refused for a limit: complaints over --filing-limit, receipt checks and sign-ins
	// from a client that must wait.
	FilingLimited  atomic.Int64
	ReceiptLimited atomic.Int64
	LoginLimited   atomic.Int64
	// UploadsBusy: uploads turned away because --max-uploads were running.
	UploadsBusy atomic.Int64
	// Sign-ins refused: a wrong password or a locked account (LoginFailed), a wrong
	// second-factor code (TOTPFailed).
	LoginFailed atomic.Int64
	TOTPFailed  atomic.Int64
}

// Metrics exposes the server's counters.
func (s *Server) Metrics() *Metrics { return &s.metrics }
