package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/store"
)

// Verifying the audit trail from the web: the same check as `redress audit verify`,
// with progress, on pages without JavaScript. POST /oversight/verify starts one
// (audit.Service.StartVerification runs it and writes its progress);
// GET /oversight/verify/{id} reloads itself every few seconds until the result is in.
// Any serve process can show any verification, and one whose process ended shows as
// stopped (store.VerificationStaleAfter).

const (
	// verifyRefresh is how often, in seconds, a running verification's page reloads.
	verifyRefresh = 2
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
	if v.Status, err = s.Audit.Status(r.Context()); err != nil {
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

// handleVerifyStart starts a verification, or finds the one running (here or in
// another process), and shows it.
func (s *Server) handleVerifyStart(w http.ResponseWriter, r *http.Request) {
	v, err := s.Audit.StartVerification(r.Context(), auditBy(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/oversight/verify/"+strconv.FormatInt(v.ID, 10), http.StatusSeeOther)
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
