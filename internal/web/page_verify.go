package web

import (
	"context"
	"crypto/ed25519"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// Verifying the audit trail from the web: the same check as `redress audit verify`,
// with progress, on pages without JavaScript. POST /oversight/verify records a
// verification in the database and runs it in a goroutine of this process, which
// writes its progress there; GET /oversight/verify/{id} reloads itself every few
// seconds until the result is in. Any serve process can show any verification, and
// one whose process ended shows as stopped (store.VerificationStaleAfter).

const (
	// verifyRefresh is how often, in seconds, a running verification's page reloads.
	verifyRefresh = 2
	// progressEvery is how often a running verification writes its progress.
	progressEvery = time.Second
	// recentVerifications is how many past verifications the form lists.
	recentVerifications = 10
)

// verifyView is the verification form: the trail at a glance and recent runs.
type verifyView struct {
	Status  audit.Status
	Running *verificationView
	Recent  []verificationView
}

// verificationView is one verification as its page shows it.
type verificationView struct {
	store.AuditVerification
	Who     string
	Percent int64
	// Kind is what is wrong, in the page's language.
	Kind string
}

// URL is the verification's own page.
func (v verificationView) URL() string { return "/oversight/verify/" + strconv.FormatInt(v.ID, 10) }

// Unsigned is how many verified events no checkpoint covers yet: their order is
// proved by the chain, but a rewrite of them together with the chain is caught only
// once a checkpoint signs them.
func (v verificationView) Unsigned() int64 {
	if v.Events == 0 {
		return 0
	}
	return v.HeadSeq - v.LastSignedSeq
}

// Covered is the share of the verified events the signatures cover, as "99.7%".
func (v verificationView) Covered() string {
	return audit.CoveredPercent(v.LastSignedSeq-v.FirstSeq+1, v.HeadSeq-v.FirstSeq+1)
}

// ProblemRange tells whether the problem puts a range of seqs in doubt rather than one.
func (v verificationView) ProblemRange() bool {
	return v.ProblemFrom != 0 && v.ProblemTo > v.ProblemFrom
}

// Untrusted tells whether the signatures were checked only against the keys stored
// with them (no key configured), which a rewrite of the whole trail would also pass.
func (v verificationView) Untrusted() bool {
	return (v.Status == store.VerificationOK || v.Status == store.VerificationFailed) && !v.TrustedKey
}

func (s *Server) verificationView(r *http.Request, p *page, v store.AuditVerification) verificationView {
	out := verificationView{AuditVerification: v, Who: s.newAuditRows(r, p).who(v.StartedBy)}
	if v.Total > 0 {
		out.Percent = min(100, v.Done*100/v.Total)
	}
	if v.ProblemKind != "" {
		key := "verify.kind." + strings.ReplaceAll(v.ProblemKind, " ", "_")
		if out.Kind = p.T(key); out.Kind == key {
			out.Kind = v.ProblemKind
		}
	}
	return out
}

func (s *Server) handleVerifyForm(w http.ResponseWriter, r *http.Request) {
	p := &verifyPage{oversightBase: s.oversightPage(w, r)}
	v := &verifyView{}
	var err error
	if v.Status, err = audit.ReadStatus(r.Context(), s.DB); err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	running, ok, err := s.DB.RunningAuditVerification(r.Context())
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	if ok {
		rv := s.verificationView(r, p.page, running)
		v.Running = &rv
	}
	recent, err := s.DB.RecentAuditVerifications(r.Context(), recentVerifications)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	for _, rv := range recent {
		v.Recent = append(v.Recent, s.verificationView(r, p.page, rv))
	}
	p.Verify = v
	s.render(w, r, http.StatusOK, p)
}

// handleVerifyStart starts a verification, unless one is running already (here or in
// another process): then it shows that one rather than read the whole trail twice.
func (s *Server) handleVerifyStart(w http.ResponseWriter, r *http.Request) {
	running, ok, err := s.DB.RunningAuditVerification(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if !ok {
		pr, _ := principal(r)
		running, err = s.DB.StartAuditVerification(r.Context(), redress.AuditEvent{Actor: pr.Subject(),
			Action: redress.ActionVerifyStarted, RequestID: requestID(r)})
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		s.running.Add(1)
		go s.runVerification(running)
	}
	http.Redirect(w, r, "/oversight/verify/"+strconv.FormatInt(running.ID, 10), http.StatusSeeOther)
}

// runVerification checks the trail as `redress audit verify` does, against the
// configured public key, writing progress as it goes and the outcome at the end, with
// the audit event of the outcome in the same transaction.
func (s *Server) runVerification(v store.AuditVerification) {
	defer s.running.Done()
	ctx := s.bg
	var done, total atomic.Int64
	opt := audit.VerifyOptions{Progress: func(d, t int64) { done.Store(d); total.Store(t) }, Window: s.AuditWindow}
	if len(s.AuditKey) > 0 {
		opt.TrustedKeys = []ed25519.PublicKey{s.AuditKey}
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if err := s.DB.AuditVerificationProgress(ctx, v.ID, done.Load(), total.Load()); err != nil && ctx.Err() == nil {
					s.Log.Warn("writing a verification's progress", "err", err, "verification", v.ID)
				}
			}
		}
	}()
	rep, err := audit.Verify(ctx, s.DB, opt)
	close(stop)
	<-stopped

	res := store.VerificationResult{Events: rep.Events, FirstSeq: rep.FirstSeq, HeadSeq: rep.HeadSeq,
		Checkpoints: rep.Checkpoints, LastSignedSeq: rep.LastSignedSeq, Unsealed: rep.Unsealed, TrustedKey: rep.Trusted,
		Window: rep.Window, Summary: rep.String()}
	status := store.VerificationOK
	var events []redress.AuditEvent
	switch {
	case err != nil && ctx.Err() != nil:
		status, res.Summary = store.VerificationStopped, ""
	case err != nil:
		s.Log.Error("verifying the audit trail", "err", err, "verification", v.ID)
		status, res.Summary = store.VerificationError, ""
	default:
		if p := rep.Problem; p != nil {
			status = store.VerificationFailed
			res.ProblemSeq, res.ProblemKind, res.ProblemDetail = p.Seq, string(p.Kind), p.Detail
			res.ProblemFrom, res.ProblemTo = p.From, p.To
		}
		ev := audit.VerifiedEvent(v.StartedBy, "", v.RequestID, rep)
		ev.Details["verification_id"] = v.ID
		events = append(events, ev)
	}
	// Written even when the server is shutting down, so the page does not wait for a
	// verification that will never end.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.DB.FinishAuditVerification(fctx, v.ID, status, max(rep.Events, done.Load()), res, events...); err != nil {
		s.Log.Error("recording a verification's outcome", "err", err, "verification", v.ID)
	}
}

// handleVerification shows one verification: its progress, reloading, while it runs;
// then its outcome.
func (s *Server) handleVerification(w http.ResponseWriter, r *http.Request) {
	p := &verificationPage{page: s.newPage(r, s.pageLang(w, r))}
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err != nil {
		s.renderPageError(w, r, p, errNotFound)
		return
	}
	v, err := s.DB.AuditVerification(r.Context(), id)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	vv := s.verificationView(r, p.page, v)
	p.Verification = &vv
	if v.Status == store.VerificationRunning {
		p.Refresh = verifyRefresh
	}
	noStore(w)
	s.render(w, r, http.StatusOK, p)
}
