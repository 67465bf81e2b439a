// Package mail sends the outbox: a Worker claims queued messages, hands each to the
// SMTP server through go-mail/mail, retries with backoff, and records every attempt.
package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	netmail "net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	gomail "github.com/go-mail/mail"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/store"
)

// DefaultFrom is the sender when REDRESS_MAIL_FROM is not set.
const DefaultFrom = "Redress <no-reply@localhost>"

// Config configures a Worker. Zero values take the defaults in brackets.
type Config struct {
	// SMTPURL is REDRESS_SMTP_URL: smtp://user:pass@host[:587] (STARTTLS when the server
	// offers it; add ?starttls=required to refuse a server that does not) or
	// smtps://user:pass@host[:465] (TLS from the start). Empty: nothing is sent, and the
	// messages wait in the outbox.
	SMTPURL string
	// From is REDRESS_MAIL_FROM [DefaultFrom]; its domain also names Message-IDs.
	From string
	// WorkerID names this worker in claims and attempts [host-pid-random].
	WorkerID string
	// PollInterval is how often Run looks for due messages [10s]; Notify wakes it sooner.
	PollInterval time.Duration
	// Batch is how many messages one claim takes [20].
	Batch int
	// Lease is how long a claim holds its messages [5m]. It must leave room for a few
	// SMTP timeouts: the worker stops sending from a batch well before its lease ends.
	Lease time.Duration
	// Timeout bounds each SMTP connection's dialing and each message's exchange [30s].
	Timeout time.Duration
	// RetryBase and RetryMax shape the backoff: RetryBase doubling after each failed
	// attempt up to RetryMax, each delay randomly 20% shorter or longer [30s, 1h].
	RetryBase, RetryMax time.Duration
	// GiveUpAfter is how long after queueing a message is given up on [72h].
	GiveUpAfter time.Duration
	// MaxRefusals is how many permanent (5xx) refusals of a message the worker takes
	// before giving up on it [8, about an hour with the default backoff]. They are
	// retried at all because a misconfigured server refuses every message permanently.
	MaxRefusals int
	// TLSConfig is used for STARTTLS and smtps [system roots, the URL's host name].
	TLSConfig *tls.Config
	// QueuedLogEvery is how often, without an SMTP URL, the worker repeats that
	// messages are waiting [1h].
	QueuedLogEvery time.Duration
	Logger         *slog.Logger
}

// Worker sends the outbox. Any number of workers, in any number of processes sharing a
// database, may run at once: each message is claimed by one at a time. One Worker's
// Run and Drain are not meant to be called concurrently.
type Worker struct {
	db       *store.DB
	box      *secret.Box
	cfg      Config
	server   *server // nil: no SMTP URL
	from     *netmail.Address
	idDomain string
	log      *slog.Logger
	wake     chan struct{}

	lastQueuedLog time.Time
}

// Result counts what one Drain did.
type Result struct {
	Sent, Deferred, Failed, Released int
}

// NewWorker checks cfg and fills in its defaults. box opens the sealed recipients.
func NewWorker(db *store.DB, box *secret.Box, cfg Config) (*Worker, error) {
	if cfg.From == "" {
		cfg.From = DefaultFrom
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("REDRESS_MAIL_FROM %q is not an email address: %w", cfg.From, err)
	}
	if cfg.WorkerID == "" {
		host, _ := os.Hostname()
		cfg.WorkerID = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), randomHex(3))
	}
	setDefault(&cfg.PollInterval, 10*time.Second)
	setDefault(&cfg.Lease, 5*time.Minute)
	setDefault(&cfg.Timeout, 30*time.Second)
	setDefault(&cfg.RetryBase, 30*time.Second)
	setDefault(&cfg.RetryMax, time.Hour)
	setDefault(&cfg.GiveUpAfter, 72*time.Hour)
	setDefault(&cfg.QueuedLogEvery, time.Hour)
	setDefault(&cfg.Batch, 20)
	setDefault(&cfg.MaxRefusals, 8)
	if cfg.Lease < 4*cfg.Timeout {
		return nil, fmt.Errorf("mail: the lease (%s) must be at least four SMTP timeouts (%s)", cfg.Lease, cfg.Timeout)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	w := &Worker{
		db: db, box: box, cfg: cfg, from: from, idDomain: from.Address[strings.LastIndexByte(from.Address, '@')+1:],
		log: cfg.Logger.With("worker", cfg.WorkerID), wake: make(chan struct{}, 1),
	}
	if cfg.SMTPURL != "" {
		if w.server, err = parseSMTPURL(cfg.SMTPURL); err != nil {
			return nil, err
		}
	}
	return w, nil
}

func setDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

// Run sends due messages every PollInterval, and when Notify is called, until ctx is
// done; then it returns nil. Failures are logged, not returned: the next poll retries.
func (w *Worker) Run(ctx context.Context) error {
	if w.server == nil {
		w.log.Warn("mail: REDRESS_SMTP_URL is not set; emails stay queued in the outbox and are not sent")
	} else {
		w.log.Info("mail: sending the outbox", "smtp", w.server.redacted, "from", w.from.Address)
	}
	tick := time.NewTicker(w.cfg.PollInterval)
	defer tick.Stop()
	for {
		if _, err := w.Drain(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("mail: outbox pass failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-w.wake:
		}
	}
}

// Notify wakes Run to look for due messages now, for example after a complaint queued
// its receipt. It never blocks.
func (w *Worker) Notify() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Drain sends every message that is due, batch by batch, and returns when none is left.
// Without an SMTP URL it only counts what waits, and says so in the log now and then.
func (w *Worker) Drain(ctx context.Context) (Result, error) {
	var res Result
	if w.server == nil {
		return res, w.reportQueued(ctx)
	}
	for ctx.Err() == nil {
		start := time.Now()
		batch, err := w.db.ClaimOutbox(ctx, w.cfg.WorkerID, w.cfg.Batch, w.cfg.Lease)
		if err != nil {
			return res, err
		}
		if len(batch) == 0 {
			break
		}
		if err := w.sendBatch(ctx, batch, start, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (w *Worker) reportQueued(ctx context.Context) error {
	if !w.lastQueuedLog.IsZero() && time.Since(w.lastQueuedLog) < w.cfg.QueuedLogEvery {
		return nil
	}
	n, err := w.db.CountQueuedMail(ctx)
	if err != nil || n == 0 {
		return err
	}
	w.lastQueuedLog = time.Now()
	w.log.Warn(fmt.Sprintf("mail: %d messages queued; REDRESS_SMTP_URL is not set", n), "queued", n)
	return nil
}

// sendBatch sends claimed messages over one connection, opened on the first message
// and again after any failure (an SMTP session is in an unknown state after one). The
// messages it does not get to before its lease runs short, or before ctx is done, it
// gives back untried.
func (w *Worker) sendBatch(ctx context.Context, batch []store.ClaimedMail, start time.Time, res *Result) error {
	var conn gomail.SendCloser
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	// Worst case for one message: dialing (Timeout), the greeting and STARTTLS/AUTH
	// (Timeout), the message (Timeout).
	deadline := start.Add(w.cfg.Lease - 3*w.cfg.Timeout)
	var dialErr error
	for i, cm := range batch {
		m := claimed{ClaimedMail: cm}
		if ctx.Err() != nil || time.Now().After(deadline) {
			ids := make([]int64, 0, len(batch)-i)
			for _, r := range batch[i:] {
				ids = append(ids, r.ID)
			}
			res.Released += len(ids)
			return w.db.ReleaseOutbox(context.WithoutCancel(ctx), w.cfg.WorkerID, ids...)
		}
		msg, to, err := w.compose(m.ClaimedMail)
		if err != nil {
			if err := w.record(ctx, m, to, err, "", res); err != nil {
				return err
			}
			continue
		}
		if conn == nil && dialErr == nil {
			conn, dialErr = w.server.dial(w.cfg.Timeout, w.cfg.TLSConfig)
		}
		if dialErr != nil {
			// The server cannot be reached: every message left counts one failed attempt,
			// without dialing again for each.
			if err := w.record(ctx, m, to, dialErr, stageDial, res); err != nil {
				return err
			}
			continue
		}
		// The attempt is on record before the server may accept the message, so a sender
		// that dies after it did is known by the next one (see store/outbox.go).
		attemptID, err := w.db.BeginMailAttempt(ctx, m.ID, w.cfg.WorkerID)
		if errors.Is(err, store.ErrLeaseLost) {
			continue // another worker holds it now
		} else if err != nil {
			return fmt.Errorf("begin attempt of outbox message %d: %w", m.ID, err)
		}
		m.AttemptID = attemptID
		if m.PossibleDuplicate {
			w.log.Warn("mail: sending again a message an interrupted attempt may have delivered",
				"outbox_id", m.ID, "kind", m.Kind, "attempt", m.Attempts+1)
		}
		err = gomail.Send(conn, msg)
		if err != nil {
			conn.Close()
			conn = nil
		}
		if err := w.record(ctx, m, to, err, stageSend, res); err != nil {
			return err
		}
	}
	return nil
}

// claimed is a claimed message and the attempt begun at sending it, if any.
type claimed struct {
	store.ClaimedMail
	AttemptID int64
}

// compose builds the message to send; the error is a reason never to send it.
func (w *Worker) compose(m store.ClaimedMail) (*gomail.Message, string, error) {
	plain, err := w.box.Open(m.RecipientSealed, redress.RecipientContext(m.Key))
	if err != nil {
		return nil, "", errUnreadable
	}
	to, err := netmail.ParseAddress(string(plain))
	if err != nil {
		return nil, string(plain), errInvalidAddress
	}
	msg := gomail.NewMessage()
	msg.SetAddressHeader("From", w.from.Address, w.from.Name)
	msg.SetAddressHeader("To", to.Address, to.Name)
	msg.SetHeader("Subject", m.Subject)
	// Date and Message-ID are the same on every attempt, so a resend is the same message.
	msg.SetDateHeader("Date", m.CreatedAt)
	msg.SetHeader("Message-ID", w.messageID(m.Key))
	msg.SetHeader("Content-Language", m.Language)
	msg.SetHeader("Auto-Submitted", "auto-generated")
	if m.PossibleDuplicate {
		// An earlier attempt may have been delivered: the same Message-ID, and this.
		msg.SetHeader("X-Redress-Possible-Duplicate", "yes")
	}
	msg.SetBody("text/plain", m.Body)
	if m.HTML != "" {
		msg.AddAlternative("text/html", m.HTML)
	}
	return msg, to.Address, nil
}

func (w *Worker) messageID(key string) string { return "<" + key + "@" + w.idDomain + ">" }

// record writes the outcome of one attempt (sendErr nil: sent). It goes on after ctx is
// cancelled: a message the server accepted must be marked sent, or it goes out twice.
func (w *Worker) record(ctx context.Context, m claimed, to string, sendErr error, stage string, res *Result) error {
	a := store.MailAttempt{ID: m.ID, AttemptID: m.AttemptID, WorkerID: w.cfg.WorkerID, MessageID: w.messageID(m.Key),
		Outcome: store.MailSent, PossibleDuplicate: m.PossibleDuplicate}
	attempt := m.Attempts + 1
	if sendErr != nil {
		class, refused, final := classify(sendErr, stage)
		a.ErrorClass, a.Refused, a.Error = class, refused, redact(sendErr.Error(), to)
		a.RetryIn = w.backoff(attempt)
		switch {
		case final:
		case refused && m.Refusals+1 >= w.cfg.MaxRefusals:
			final = true
		case m.ClaimedAt.Add(a.RetryIn).Sub(m.CreatedAt) > w.cfg.GiveUpAfter:
			final = true
		}
		if final {
			a.Outcome, a.RetryIn = store.MailFailed, 0
		} else {
			a.Outcome = store.MailDeferred
		}
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	err := w.db.RecordMailAttempt(rctx, a)
	for try := 1; err != nil && try < 3; try++ {
		time.Sleep(time.Duration(try) * 200 * time.Millisecond)
		err = w.db.RecordMailAttempt(rctx, a)
	}
	if err != nil {
		// The lease runs out and the message is tried again: sent twice if it was sent.
		return fmt.Errorf("record attempt %d of outbox message %d (%s): %w", attempt, m.ID, a.Outcome, err)
	}
	log := w.log.With("outbox_id", m.ID, "kind", m.Kind, "attempt", attempt)
	switch a.Outcome {
	case store.MailSent:
		res.Sent++
		log.Info("mail: sent")
	case store.MailDeferred:
		res.Deferred++
		log.Warn("mail: not sent, will retry", "error_class", a.ErrorClass, "err", a.Error, "retry_in", a.RetryIn.Round(time.Second))
	case store.MailFailed:
		res.Failed++
		log.Error("mail: not sent, gave up", "error_class", a.ErrorClass, "err", a.Error)
	}
	return nil
}

// backoff is the wait after the attempt-th failed attempt: RetryBase doubling up to
// RetryMax, give or take 20% so that messages failed together do not retry together.
func (w *Worker) backoff(attempt int) time.Duration {
	d := w.cfg.RetryBase
	for i := 1; i < attempt && d < w.cfg.RetryMax; i++ {
		d *= 2
	}
	d = min(d, w.cfg.RetryMax)
	return time.Duration(float64(d) * (0.8 + 0.4*mrand.Float64()))
}

// server is a parsed REDRESS_SMTP_URL.
type server struct {
	host, user, pass string
	port             int
	implicitTLS      bool
	requireTLS       bool
	redacted         string
}

func parseSMTPURL(s string) (*server, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, errors.New("REDRESS_SMTP_URL is not a URL") // the error would print the password
	}
	srv := &server{host: u.Hostname(), redacted: u.Redacted()}
	switch u.Scheme {
	case "smtp":
		srv.port = 587
	case "smtps":
		srv.port, srv.implicitTLS = 465, true
	default:
		return nil, fmt.Errorf("REDRESS_SMTP_URL %s: the scheme must be smtp:// or smtps://", srv.redacted)
	}
	if srv.host == "" {
		return nil, fmt.Errorf("REDRESS_SMTP_URL %s: no host", srv.redacted)
	}
	if p := u.Port(); p != "" {
		if srv.port, err = strconv.Atoi(p); err != nil || srv.port <= 0 || srv.port > 65535 {
			return nil, fmt.Errorf("REDRESS_SMTP_URL %s: bad port", srv.redacted)
		}
	}
	if u.User != nil {
		srv.user = u.User.Username()
		srv.pass, _ = u.User.Password()
	}
	switch v := u.Query().Get("starttls"); v {
	case "", "opportunistic":
	case "required":
		srv.requireTLS = true
	default:
		return nil, fmt.Errorf("REDRESS_SMTP_URL %s: starttls must be opportunistic or required", srv.redacted)
	}
	return srv, nil
}

func (s *server) dial(timeout time.Duration, tlsConfig *tls.Config) (gomail.SendCloser, error) {
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	}
	// A new Dialer each time: go-mail's Dial stores the chosen auth mechanism in it.
	d := &gomail.Dialer{
		Host: s.host, Port: s.port, Username: s.user, Password: s.pass,
		SSL: s.implicitTLS, TLSConfig: tlsConfig, StartTLSPolicy: gomail.OpportunisticStartTLS,
		Timeout: timeout,
		// A retry inside go-mail would be invisible to the outbox's attempt records.
		RetryFailure: false,
	}
	if s.requireTLS {
		d.StartTLSPolicy = gomail.MandatoryStartTLS
	}
	return d.Dial()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
