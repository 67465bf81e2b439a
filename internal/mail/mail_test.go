package mail_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/logtest"
	"github.com/redress-oversight/redress/internal/mail"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// ---- an SMTP server on loopback that keeps what it receives ----

type received struct {
	From string
	To   []string
	Data []byte
	TLS  bool
}

// inbox is the server's backend. refuse, when set, may refuse a command: stage is
// "mail", "rcpt" or "data".
type inbox struct {
	mu     sync.Mutex
	msgs   []received
	refuse func(stage string) error
	// user and pass, when set, are required through AUTH PLAIN.
	user, pass string
}

func (in *inbox) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{in: in, conn: c}, nil
}

func (in *inbox) check(stage string) error {
	in.mu.Lock()
	f := in.refuse
	in.mu.Unlock()
	if f == nil {
		return nil
	}
	return f(stage)
}

func (in *inbox) setRefuse(f func(stage string) error) {
	in.mu.Lock()
	in.refuse = f
	in.mu.Unlock()
}

func (in *inbox) messages() []received {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]received(nil), in.msgs...)
}

type session struct {
	in     *inbox
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
}

func (s *session) AuthMechanisms() []string {
	if s.in.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.in.user || pass != s.in.pass {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.in.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return s.in.check("mail")
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := s.in.check("rcpt"); err != nil {
		return err
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := s.in.check("data"); err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.in.mu.Lock()
	s.in.msgs = append(s.in.msgs, received{From: s.from, To: s.to, Data: data, TLS: isTLS})
	s.in.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// serveSMTP starts a server for in on addr ("127.0.0.1:0" for any port) and returns
// its address.
func serveSMTP(t *testing.T, addr string, in *inbox, tlsConfig *tls.Config) string {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := smtp.NewServer(in)
	s.Domain, s.AllowInsecureAuth, s.TLSConfig = "localhost", true, tlsConfig
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	s.ErrorLog = log.New(io.Discard, "", 0)
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return l.Addr().String()
}

// freeAddr returns a loopback address nobody listens on (yet).
func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// ---- the rest of the fixture ----

type fixture struct {
	db   *store.DB
	box  *secret.Box
	cat  *i18n.Catalog
	logs *logtest.Buffer
	// offset moves the store's clock, so tests wait for retries without sleeping.
	offset atomic.Int64
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	box, err := secret.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, box: box, cat: cat, logs: &logtest.Buffer{}}
	db.Now = func() time.Time { return time.Now().Add(time.Duration(f.offset.Load())) }
	return f
}

func (f *fixture) advance(d time.Duration) { f.offset.Add(int64(d)) }

// config retries after about a minute, never more than ten (so advancing the clock by
// a quarter of an hour always makes a deferred message due).
func (f *fixture) config(addr string) mail.Config {
	cfg := mail.Config{
		From: "Redress <no-reply@redress.example>", Timeout: 3 * time.Second, Lease: time.Minute,
		RetryBase: time.Minute, RetryMax: 10 * time.Minute, PollInterval: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(f.logs, nil)),
	}
	if addr != "" {
		cfg.SMTPURL = "smtp://" + addr
	}
	return cfg
}

func (f *fixture) worker(t *testing.T, cfg mail.Config) *mail.Worker {
	t.Helper()
	w, err := mail.NewWorker(f.db, f.box, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func drain(t *testing.T, w *mail.Worker, want mail.Result) {
	t.Helper()
	got, err := w.Drain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("drain = %+v, want %+v", got, want)
	}
}

const narrative = "Me hicieron firmar papeles en inglés."

// fileComplaint stores a complaint with its receipt email, as intake will.
func (f *fixture) fileComplaint(t *testing.T, tracking, lang, to string) redress.Complaint {
	t.Helper()
	c, err := f.db.CreateComplaint(context.Background(), store.NewComplaint{
		Complaint: redress.Complaint{
			TrackingNumber: tracking, Language: lang, Channel: redress.ChannelWeb,
			IncidentDate: redress.Date{Year: 2025, Month: 7, Day: 4}, State: "GA",
			Allegations: []redress.Allegation{{Category: "coercion"}},
			Narrative:   narrative, Filer: "self", Anonymous: true,
		},
		ReceiptHash: redress.HashReceiptCode("AAAAA-BBBBB-CCCCC-DDDDD"),
		Audit:       redress.AuditEvent{Actor: redress.ActorPublic, Action: redress.ActionComplaintFiled},
		Mail:        []redress.OutboundMail{mail.NewReceipt(f.cat, f.box, lang, to, tracking, "https://redress.example/status")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) queue(t *testing.T, n int) {
	t.Helper()
	msgs := make([]redress.OutboundMail, n)
	for i := range msgs {
		msgs[i] = redress.OutboundMail{Kind: "test", Language: "en", Subject: fmt.Sprintf("Test %d", i), Body: "Hello.\n"}
		mail.SealRecipient(f.box, &msgs[i], fmt.Sprintf("person%d@example.org", i))
	}
	if err := f.db.QueueMail(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) outbox(t *testing.T) []store.OutboxEntry {
	t.Helper()
	out, err := f.db.ListOutbox(context.Background(), store.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (f *fixture) audit(t *testing.T, action string) []redress.AuditEvent {
	t.Helper()
	evs, err := f.db.ListAudit(context.Background(), redress.AuditFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// assertNoContact fails if s holds an address or a message body.
func assertNoContact(t *testing.T, what, s string) {
	t.Helper()
	for _, bad := range []string{"@example.org", "example.org>", "tracking number", "seguimiento", "Hello."} {
		if strings.Contains(s, bad) {
			t.Errorf("%s contains %q: %s", what, bad, s)
		}
	}
}

func detailsJSON(evs []redress.AuditEvent) string {
	var b strings.Builder
	for _, ev := range evs {
		j, _ := json.Marshal(ev.Details)
		b.Write(j)
	}
	return b.String()
}

// ---- tests ----

func TestReceiptArrivesOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		in := &inbox{}
		w := f.worker(t, f.config(serveSMTP(t, "127.0.0.1:0", in, nil)))
		for i, tc := range []struct{ lang, subject, phrase string }{
			{"es", "Recibimos su queja", "Su número de seguimiento: RX-"},
			{"en", "We received your complaint", "Your tracking number: RX-"},
		} {
			t.Run(tc.lang, func(t *testing.T) {
				tracking := fmt.Sprintf("RX-7K4M-2Q9%d", i)
				c := f.fileComplaint(t, tracking, tc.lang, "Ana María <ana@example.org>")

				drain(t, w, mail.Result{Sent: 1})
				drain(t, w, mail.Result{})
				msgs := in.messages()
				if len(msgs) != i+1 {
					t.Fatalf("server received %d messages, want %d", len(msgs), i+1)
				}
				got := msgs[i]
				if got.From != "no-reply@redress.example" || len(got.To) != 1 || got.To[0] != "ana@example.org" {
					t.Fatalf("envelope from %q to %q", got.From, got.To)
				}
				msg, err := netmail.ReadMessage(bytes.NewReader(got.Data))
				if err != nil {
					t.Fatal(err)
				}
				h := msg.Header
				out, err := db.ListOutbox(context.Background(), store.OutboxFilter{ComplaintID: c.ID})
				if err != nil {
					t.Fatal(err)
				}
				if len(out) != 1 || out[0].Status != store.MailSent || out[0].Language != tc.lang || out[0].Attempts != 1 {
					t.Fatalf("outbox = %+v", out)
				}
				wantID := "<" + out[0].Key + "@redress.example>"
				subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
				if err != nil {
					t.Fatal(err)
				}
				from, _ := h.AddressList("From")
				to, _ := h.AddressList("To")
				date, dateErr := h.Date()
				for _, check := range []struct {
					name      string
					got, want any
				}{
					{"Subject", subject, tc.subject},
					{"From", fmt.Sprint(len(from), from[0].Name, " ", from[0].Address), "1Redress no-reply@redress.example"},
					{"To", fmt.Sprint(len(to), to[0].Name, " ", to[0].Address), "1Ana María ana@example.org"},
					{"Message-ID", h.Get("Message-ID"), wantID},
					{"Content-Language", h.Get("Content-Language"), tc.lang},
					{"Auto-Submitted", h.Get("Auto-Submitted"), "auto-generated"},
					{"Content-Type", h.Get("Content-Type"), "text/plain; charset=UTF-8"},
					{"Date error", dateErr, nil},
					{"Date", date.Unix(), out[0].CreatedAt.Unix()},
				} {
					if check.got != check.want {
						t.Errorf("%s = %v, want %v", check.name, check.got, check.want)
					}
				}
				body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
				if err != nil {
					t.Fatal(err)
				}
				for _, want := range []string{tc.phrase, tracking, "https://redress.example/status?lang=" + tc.lang} {
					if !bytes.Contains(body, []byte(want)) {
						t.Errorf("body lacks %q:\n%s", want, body)
					}
				}
				for _, never := range []string{"AAAAA-BBBBB", narrative, "coercion"} {
					if bytes.Contains(body, []byte(never)) {
						t.Errorf("body contains %q:\n%s", never, body)
					}
				}
				evs, err := db.ListAudit(context.Background(), redress.AuditFilter{ComplaintID: c.ID, Action: redress.ActionMailSent})
				if err != nil {
					t.Fatal(err)
				}
				if len(evs) != 1 || evs[0].Details["message_id"] != wantID || evs[0].Details["kind"] != redress.MailReceipt ||
					evs[0].Details["attempt"] != float64(1) || evs[0].Details["outcome"] != store.MailSent {
					t.Fatalf("audit = %+v", evs)
				}
				assertNoContact(t, "audit details", detailsJSON(evs))
				assertNoContact(t, "log", f.logs.String())
			})
		}
	})
}

// Headers outside ASCII are encoded, and an HTML alternative travels with the text.
func TestUTF8Subject(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		in := &inbox{}
		w := f.worker(t, f.config(serveSMTP(t, "127.0.0.1:0", in, nil)))
		m := redress.OutboundMail{Kind: "test", Language: "es", Subject: "Información sobre su queja — señal ñ",
			Body: "Año: ñandú\n", HTML: "<p>Año</p>"}
		mail.SealRecipient(f.box, &m, "ana@example.org")
		if err := db.QueueMail(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		drain(t, w, mail.Result{Sent: 1})
		data := in.messages()[0].Data
		msg, err := netmail.ReadMessage(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		raw := msg.Header.Get("Subject")
		if !strings.HasPrefix(raw, "=?UTF-8?q?") {
			t.Errorf("raw Subject %q is not an encoded word", raw)
		}
		if got, _ := new(mime.WordDecoder).DecodeHeader(raw); got != m.Subject {
			t.Errorf("Subject = %q, want %q", got, m.Subject)
		}
		if ct := msg.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") {
			t.Errorf("Content-Type = %q", ct)
		}
		for _, b := range data {
			if b >= 0x80 {
				t.Fatal("the message has raw 8-bit bytes")
			}
		}
	})
}

func TestServerDownAtFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		addr := freeAddr(t)
		w := f.worker(t, f.config(addr))
		c := f.fileComplaint(t, "RX-DOWN-0001", "es", "ana@example.org")

		drain(t, w, mail.Result{Deferred: 1})
		drain(t, w, mail.Result{}) // not due again yet
		f.advance(15 * time.Minute)
		drain(t, w, mail.Result{Deferred: 1})

		// The server comes up, and at first asks to try later.
		in := &inbox{}
		in.setRefuse(func(stage string) error {
			if stage == "data" {
				return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
			}
			return nil
		})
		serveSMTP(t, addr, in, nil)
		f.advance(15 * time.Minute)
		drain(t, w, mail.Result{Deferred: 1})
		in.setRefuse(nil)
		drain(t, w, mail.Result{}) // not due yet
		f.advance(15 * time.Minute)
		drain(t, w, mail.Result{Sent: 1})

		if n := len(in.messages()); n != 1 {
			t.Fatalf("server received %d messages, want 1", n)
		}
		out := f.outbox(t)
		if len(out) != 1 || out[0].Status != store.MailSent || out[0].Attempts != 4 || out[0].Refusals != 0 {
			t.Fatalf("outbox = %+v", out)
		}
		attempts, err := db.OutboxAttempts(ctx, out[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range attempts {
			got = append(got, a.Outcome+"/"+a.ErrorClass)
		}
		if want := "deferred/connection deferred/connection deferred/temporary sent/"; strings.Join(got, " ") != want {
			t.Errorf("attempts = %s, want %s", strings.Join(got, " "), want)
		}
		if !strings.Contains(attempts[2].Error, "451") {
			t.Errorf("attempt 3 error = %q", attempts[2].Error)
		}
		evs := f.audit(t, redress.ActionMailSent)
		if len(evs) != 1 || evs[0].ComplaintID != c.ID || evs[0].Details["attempt"] != float64(4) {
			t.Fatalf("audit = %+v", evs)
		}
		assertNoContact(t, "log", f.logs.String())
	})
}

// Two workers (two `serve` processes) draining one database send each message once.
func TestTwoWorkersSendEachOnce(t *testing.T) {
	storetest.Dialects(t, func(t *testing.T, dsn string) {
		db := storetest.Open(t, dsn)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		f := newFixture(t, db)
		in := &inbox{}
		// A server that takes a moment per message, as real ones do: one worker cannot
		// drain the queue before the other has started claiming, however the scheduler
		// of a busy machine runs them (the last assertion depends on it).
		in.setRefuse(func(stage string) error {
			if stage == "data" {
				time.Sleep(20 * time.Millisecond)
			}
			return nil
		})
		addr := serveSMTP(t, "127.0.0.1:0", in, nil)
		const n = 50
		f.queue(t, n)

		var wg sync.WaitGroup
		errs := make([]error, 2)
		workers := make([]*mail.Worker, 2)
		for i := range workers {
			cfg := f.config(addr)
			// Small batches make the two workers claim at the same moments often: without
			// SKIP LOCKED (or with a claim that is not atomic) some message arrives twice.
			cfg.WorkerID, cfg.Batch = fmt.Sprintf("worker-%d", i), 2
			// Each worker its own connection pool, as two processes would have. Both are
			// opened before either starts: opening waits for the server-wide migration
			// lock, which other tests on a shared server may hold for seconds, long
			// enough for the first worker to send everything alone.
			other := storetest.Open(t, dsn)
			other.Now = db.Now
			w, err := mail.NewWorker(other, f.box, cfg)
			if err != nil {
				t.Fatal(err)
			}
			workers[i] = w
		}
		// Both start once both pools are open: opening one (which runs the migrations
		// check) can take longer than the other worker needs to drain the queue.
		for i, w := range workers {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = w.Run(ctx) }()
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			q, err := db.CountQueuedMail(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if q == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d messages still queued", q)
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Errorf("Run returned %v", err)
			}
		}

		seen := map[string]int{}
		for _, m := range in.messages() {
			msg, err := netmail.ReadMessage(bytes.NewReader(m.Data))
			if err != nil {
				t.Fatal(err)
			}
			seen[msg.Header.Get("Message-ID")]++
		}
		for id, k := range seen {
			if k != 1 {
				t.Errorf("%s arrived %d times", id, k)
			}
		}
		if len(seen) != n {
			t.Errorf("%d distinct messages arrived, want %d", len(seen), n)
		}
		byWorker := map[string]int{}
		for _, ev := range f.audit(t, redress.ActionMailSent) {
			byWorker[ev.RequestID]++
		}
		if byWorker["worker-0"]+byWorker["worker-1"] != n {
			t.Errorf("sent events by worker = %v, want %d in all", byWorker, n)
		}
		if byWorker["worker-0"] == 0 || byWorker["worker-1"] == 0 {
			t.Errorf("sent by worker = %v: one did all the work, so nothing here was concurrent", byWorker)
		}
		for _, e := range f.outbox(t) {
			if e.Status != store.MailSent || e.Attempts != 1 {
				t.Errorf("outbox entry %+v", e)
			}
		}
	})
}

// A message whose worker died mid-send goes out once its lease runs out.
func TestLeaseOfDeadWorker(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		in := &inbox{}
		w := f.worker(t, f.config(serveSMTP(t, "127.0.0.1:0", in, nil)))
		f.queue(t, 1)
		if got, err := db.ClaimOutbox(context.Background(), "dead", 10, time.Minute); err != nil || len(got) != 1 {
			t.Fatalf("claim = %v, %v", got, err)
		}
		drain(t, w, mail.Result{})
		f.advance(time.Minute + time.Second)
		drain(t, w, mail.Result{Sent: 1})
		if n := len(in.messages()); n != 1 {
			t.Fatalf("server received %d messages", n)
		}
	})
}

func TestPermanentRefusal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		in := &inbox{}
		in.setRefuse(func(stage string) error {
			if stage == "rcpt" {
				return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<Ana@Example.org>: no such user"}
			}
			return nil
		})
		cfg := f.config(serveSMTP(t, "127.0.0.1:0", in, nil))
		cfg.MaxRefusals = 3
		w := f.worker(t, cfg)
		c := f.fileComplaint(t, "RX-REFU-0001", "en", "ana@example.org")

		drain(t, w, mail.Result{Deferred: 1})
		f.advance(15 * time.Minute)
		drain(t, w, mail.Result{Deferred: 1})
		f.advance(15 * time.Minute)
		drain(t, w, mail.Result{Failed: 1})
		f.advance(24 * time.Hour)
		drain(t, w, mail.Result{})

		out := f.outbox(t)
		if len(out) != 1 || out[0].Status != store.MailFailed || out[0].Attempts != 3 || out[0].Refusals != 3 ||
			out[0].LastErrorClass != "permanent" {
			t.Fatalf("outbox = %+v", out)
		}
		attempts, _ := db.OutboxAttempts(ctx, out[0].ID)
		for _, a := range attempts {
			if a.ErrorClass != "permanent" || !strings.Contains(a.Error, "550") || !strings.Contains(a.Error, "(recipient)") {
				t.Errorf("attempt %+v", a)
			}
			assertNoContact(t, "attempt error", a.Error)
		}
		evs := f.audit(t, redress.ActionMailFailed)
		if len(evs) != 1 || evs[0].ComplaintID != c.ID || evs[0].Details["error_class"] != "permanent" ||
			evs[0].Details["attempt"] != float64(3) || evs[0].Details["outcome"] != store.MailFailed {
			t.Fatalf("audit = %+v", evs)
		}
		if sent := f.audit(t, redress.ActionMailSent); len(sent) != 0 {
			t.Fatalf("sent events %+v", sent)
		}
		assertNoContact(t, "audit details", detailsJSON(evs))
		assertNoContact(t, "log", f.logs.String())
		if len(in.messages()) != 0 {
			t.Fatal("a refused message arrived")
		}
	})
}

// Given up on after GiveUpAfter even when each failure is temporary.
func TestGiveUpAfter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		cfg := f.config(freeAddr(t))
		cfg.GiveUpAfter = 16 * time.Minute
		w := f.worker(t, cfg)
		f.queue(t, 1)
		drain(t, w, mail.Result{Deferred: 1})
		f.advance(15 * time.Minute)
		// The next retry would come more than 16 minutes after queueing.
		drain(t, w, mail.Result{Failed: 1})
		if evs := f.audit(t, redress.ActionMailFailed); len(evs) != 1 || evs[0].Details["error_class"] != "connection" {
			t.Fatalf("audit = %+v", evs)
		}
	})
}

func TestNoSMTPURL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		w := f.worker(t, f.config(""))
		f.queue(t, 2)
		drain(t, w, mail.Result{})
		drain(t, w, mail.Result{})
		for _, e := range f.outbox(t) {
			if e.Status != store.MailQueued || e.Attempts != 0 {
				t.Errorf("outbox entry %+v", e)
			}
		}
		logs := f.logs.String()
		if strings.Count(logs, "2 messages queued; REDRESS_SMTP_URL is not set") != 1 {
			t.Errorf("log:\n%s", logs)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- w.Run(ctx) }()
		time.Sleep(30 * time.Millisecond)
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Run returned %v", err)
		}
		if !strings.Contains(f.logs.String(), "REDRESS_SMTP_URL is not set; emails stay queued") {
			t.Errorf("log:\n%s", f.logs.String())
		}
		assertNoContact(t, "log", f.logs.String())
	})
}

// A server that accepts the connection and never speaks costs one timeout, not a hung
// worker.
func TestSilentServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	f := newFixture(t, storetest.Open(t, storetest.SQLiteDSN(t)))
	cfg := f.config(l.Addr().String())
	cfg.Timeout = 200 * time.Millisecond
	w := f.worker(t, cfg)
	f.queue(t, 2)
	start := time.Now()
	drain(t, w, mail.Result{Deferred: 2})
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("drain took %s", d)
	}
	if out := f.outbox(t); out[0].LastErrorClass != "timeout" || out[1].LastErrorClass != "timeout" {
		t.Errorf("outbox = %+v", out)
	}
}

// With STARTTLS offered, the worker encrypts and then logs in with the URL's
// credentials; a wrong password is retried like an outage, not counted as a refusal.
func TestSTARTTLSAndAuth(t *testing.T) {
	serverTLS, clientTLS := selfSignedTLS(t)
	f := newFixture(t, storetest.Open(t, storetest.SQLiteDSN(t)))
	in := &inbox{user: "redress", pass: "p@ss:wörd"}
	addr := serveSMTP(t, "127.0.0.1:0", in, serverTLS)

	cfg := f.config("")
	cfg.SMTPURL, cfg.TLSConfig = "smtp://redress:wrong@"+addr, clientTLS
	f.queue(t, 1)
	drain(t, f.worker(t, cfg), mail.Result{Deferred: 1})
	if out := f.outbox(t); out[0].LastErrorClass != "auth" || out[0].Refusals != 0 {
		t.Fatalf("outbox = %+v", out)
	}
	if strings.Contains(f.logs.String(), "wrong") {
		t.Error("the log shows the password")
	}

	cfg.SMTPURL = "smtp://redress:p%40ss%3Aw%C3%B6rd@" + addr + "?starttls=required"
	f.advance(15 * time.Minute)
	drain(t, f.worker(t, cfg), mail.Result{Sent: 1})
	if msgs := in.messages(); len(msgs) != 1 || !msgs[0].TLS {
		t.Fatalf("received %+v", msgs)
	}

	t.Run("ErrUntrustedCertificate", func(t *testing.T) {
		cfg.TLSConfig = nil // system roots do not know the test certificate
		f.queue(t, 1)
		drain(t, f.worker(t, cfg), mail.Result{Deferred: 1})
		if out := f.outbox(t); out[1].LastErrorClass != "tls" {
			t.Fatalf("outbox = %+v", out)
		}
	})
}

func selfSignedTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return server, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

func TestNewWorkerErrors(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	box, _ := secret.New(make([]byte, 32))
	for _, tc := range []struct {
		name string
		cfg  mail.Config
		want string
	}{
		{"BadScheme", mail.Config{SMTPURL: "http://u:secret@host"}, "scheme"},
		{"NoHost", mail.Config{SMTPURL: "smtp://u:secret@:25"}, "no host"},
		{"BadPort", mail.Config{SMTPURL: "smtp://u:secret@host:99999"}, "port"},
		{"BadStartTLS", mail.Config{SMTPURL: "smtp://u:secret@host?starttls=never"}, "starttls"},
		{"BadFrom", mail.Config{From: "not an address"}, "REDRESS_MAIL_FROM"},
		{"ShortLease", mail.Config{Lease: time.Second, Timeout: time.Second}, "lease"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mail.NewWorker(db, box, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error about %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
	if _, err := mail.NewWorker(db, box, mail.Config{}); err != nil {
		t.Fatalf("defaults: %v", err)
	}
}
