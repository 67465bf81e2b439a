package audit

import (
	"context"
	"crypto/ed25519"
	"sync/atomic"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// Verifying the trail on request (the oversight pages): the same check as
// `redress audit verify`, recorded in the database and run in a goroutine of this
// process, which writes its progress there. Any process can show any verification, and
// one whose process ended shows as stopped (store.VerificationStaleAfter).

// progressInterval is how often a running verification writes its progress.
const progressInterval = time.Second

func (s *Service) background() context.Context {
	s.once.Do(func() { s.bg, s.stopBg = context.WithCancel(context.Background()) })
	return s.bg
}

// StartVerification starts a verification, unless one is running already (here or in
// another process): then it gives that one rather than read the whole trail twice.
// The verification goes on after ctx ends, until it is done or the service closes.
func (s *Service) StartVerification(ctx context.Context, by Actor) (store.AuditVerification, error) {
	running, ok, err := s.DB.RunningAuditVerification(ctx)
	if err != nil || ok {
		return running, err
	}
	bg := s.background()
	if running, err = s.DB.StartAuditVerification(ctx, by.event(redress.ActionVerifyStarted)); err != nil {
		return running, err
	}
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		s.runVerification(bg, running)
	}()
	return running, nil
}

// Close stops the verifications running and waits for them: each is recorded as
// stopped. Call it once nothing starts more (after the HTTP server has shut down) and
// before the sealer's last pass, so their events are sealed too.
func (s *Service) Close() {
	s.background()
	s.stopBg()
	s.running.Wait()
}

// Idle waits until the verifications started are done, for tests that look at their
// outcome.
func (s *Service) Idle() { s.running.Wait() }

// runVerification checks the trail as `redress audit verify` does, against the
// configured public key, writing progress as it goes and the outcome at the end, with
// the audit event of the outcome in the same transaction.
func (s *Service) runVerification(ctx context.Context, v store.AuditVerification) {
	var done, total atomic.Int64
	opt := VerifyOptions{Progress: func(d, t int64) { done.Store(d); total.Store(t) }, Window: s.Window}
	if len(s.PublicKey) > 0 {
		opt.TrustedKeys = []ed25519.PublicKey{s.PublicKey}
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(progressInterval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if err := s.DB.AuditVerificationProgress(ctx, v.ID, done.Load(), total.Load()); err != nil && ctx.Err() == nil {
					s.log().Warn("writing a verification's progress", "err", err, "verification", v.ID)
				}
			}
		}
	}()
	rep, err := Verify(ctx, s.DB, opt)
	close(stop)
	<-stopped
	s.finishVerification(ctx, v, rep, err, done.Load())
}

// finishVerification records the outcome of v: rep, or err. It is written even when
// ctx has ended (the service is closing), so the page does not wait for a
// verification that will never end.
func (s *Service) finishVerification(ctx context.Context, v store.AuditVerification, rep Report, err error, done int64) {
	res := store.VerificationResult{Events: rep.Events, FirstSeq: rep.FirstSeq, HeadSeq: rep.HeadSeq,
		Checkpoints: rep.Checkpoints, LastSignedSeq: rep.LastSignedSeq, Unsealed: rep.Unsealed, TrustedKey: rep.Trusted,
		Window: rep.Window, Summary: rep.String()}
	status := store.VerificationOK
	var events []redress.AuditEvent
	switch {
	case err != nil && ctx.Err() != nil:
		status, res.Summary = store.VerificationStopped, ""
	case err != nil:
		s.log().Error("verifying the audit trail", "err", err, "verification", v.ID)
		status, res.Summary = store.VerificationError, ""
	default:
		if p := rep.Problem; p != nil {
			status = store.VerificationFailed
			res.ProblemSeq, res.ProblemKind, res.ProblemDetail = p.Seq, string(p.Kind), p.Detail
			res.ProblemFrom, res.ProblemTo = p.From, p.To
		}
		ev := VerifiedEvent(v.StartedBy, "", v.RequestID, rep)
		ev.Details["verification_id"] = v.ID
		events = append(events, ev)
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.DB.FinishAuditVerification(fctx, v.ID, status, max(rep.Events, done), res, events...); err != nil {
		s.log().Error("recording a verification's outcome", "err", err, "verification", v.ID)
	}
}
