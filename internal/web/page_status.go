package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/redress-oversight/redress/internal/casefile"
	"github.com/redress-oversight/redress/internal/intake"
	"github.com/redress-oversight/redress/internal/redress"
)

// The status page is the complainant's whole view of their case: the status, the
// messages from the review office, a form to answer and one to send evidence. The
// receipt is their only credential and it is never kept: not in a cookie, not in a URL.
// Each form of the page carries it in hidden fields of this (no-store) response, and
// each follow-up POST proves it again, through the same constant-time check and the
// same limiter of failed attempts as the status check itself.

func (s *Server) handleStatusForm(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	s.render(w, r, http.StatusOK, &statusCheckPage{page: s.newPage(r, s.pageLang(w, r))})
}

// statusFilesView is what a proven receipt shows beyond the status.
type statusFilesView struct {
	// Tracking and Receipt are what the complainant typed, echoed in the hidden fields
	// of each form so the next request can prove the receipt again.
	Tracking string
	Receipt  string
	Messages []redress.Message
	// Files are those the complainant sent; Full says the complaint holds MaxFiles.
	Files    []redress.EvidenceInfo
	Full     bool
	MaxMiB   int
	MaxFiles int
	Flash    string
	// Reply is the answer to draw again after a refusal, and ReplyError why.
	Reply, ReplyError string
}

// Lines splits text people wrote into its lines, for the template to join with <br>.
func (v *statusFilesView) Lines(s string) []string { return strings.Split(s, "\n") }

// handleStatusSubmit checks a status from the page. Wrong pairs get one generic answer,
// and a client that keeps failing is slowed down.
func (s *Server) handleStatusSubmit(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	p := &statusCheckPage{page: s.newPage(r, s.pageLang(w, r))}
	if err := r.ParseForm(); err != nil {
		s.renderPageError(w, r, p, formReadError(err))
		return
	}
	receipt := r.PostForm.Get("receipt_code")
	p.Tracking = r.PostForm.Get("tracking_number")
	h, ok := s.statusHolder(w, r, p, receipt)
	if !ok {
		return
	}
	s.renderStatus(w, r, p, h, receipt, http.StatusOK, "")
}

// handleStatusReply takes the complainant's answer to the review office.
func (s *Server) handleStatusReply(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	p := s.statusPage(w, r)
	if err := r.ParseForm(); err != nil {
		s.renderPageError(w, r, p, formReadError(err))
		return
	}
	receipt := r.PostForm.Get("receipt_code")
	p.Tracking = r.PostForm.Get("tracking_number")
	h, ok := s.statusHolder(w, r, p, receipt)
	if !ok {
		return
	}
	body := r.PostForm.Get("body")
	_, status, err := s.Casefile.Reply(r.Context(), h, body)
	if redress.ErrorCode(err) == redress.EINVALID {
		p.Problem = s.problemText(p, err)
		if n := utf8.RuneCountInString(strings.TrimSpace(body)); n > casefile.MaxMessage {
			// Named with its field and limit; what was typed comes back in the box.
			p.Problem = p.T("status.reply_label") + ": " + p.T("status.reply_too_long", "Count", n, "Max", casefile.MaxMessage)
		}
		p.StatusFiles = &statusFilesView{Reply: body, ReplyError: p.Problem}
		s.renderStatus(w, r, p, h, receipt, http.StatusUnprocessableEntity, "")
		return
	} else if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	h.Status = status
	s.renderStatus(w, r, p, h, receipt, http.StatusOK, "status.reply_sent")
}

// handleStatusEvidence takes a file from the complainant. The receipt comes in the
// same multipart form, before the file, and is proven before the file is read.
func (s *Server) handleStatusEvidence(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	p := s.statusPage(w, r)
	var h intake.Holder
	up, err := s.takeUpload(w, r, func(fields url.Values) bool {
		p.Tracking = fields.Get("tracking_number")
		if p.Tracking == "" && fields.Get("receipt_code") == "" {
			// A client that sends the file first: say why, with the status form.
			p.Problem = p.T("error.upload_receipt_first")
			s.render(w, r, http.StatusBadRequest, p)
			return false
		}
		var ok bool
		h, ok = s.statusHolder(w, r, p, fields.Get("receipt_code"))
		return ok
	})
	defer up.close()
	if errors.Is(err, errAnswered) {
		return
	}
	receipt := up.fields.Get("receipt_code")
	if err == nil {
		_, err = s.Casefile.HolderAddEvidence(r.Context(), h, up.name, up.data)
	}
	var busy *apiError
	switch {
	case err == nil:
		s.renderStatus(w, r, p, h, receipt, http.StatusOK, "status.evidence_sent")
	case h.ComplaintID != 0 && errors.As(err, &busy) && busy.retryAfter > 0:
		tooMany(w, busy.retryAfter)
		p.Problem = p.T(busy.key)
		s.renderStatus(w, r, p, h, receipt, busy.status, "")
	case h.ComplaintID != 0 && statusFor(err) < 500:
		p.Problem = s.problemText(p, err)
		s.renderStatus(w, r, p, h, receipt, statusFor(err), "")
	default:
		s.renderPageError(w, r, p, err)
	}
}

// statusPage is the page of a follow-up POST. Its language switch leads to the status
// form: the follow-up addresses take no GET, and the receipt is never put in a link.
func (s *Server) statusPage(w http.ResponseWriter, r *http.Request) *statusCheckPage {
	p := &statusCheckPage{page: s.newPage(r, s.pageLang(w, r))}
	switchToForm(p.page)
	return p
}

func switchToForm(p *page) {
	for i, l := range p.Switch {
		p.Switch[i].Href = "/status?" + url.Values{"lang": {l.Lang}}.Encode()
	}
}

// statusProof is what the language switch of a status result sends again, in the hidden
// fields of a POST form (the receipt never goes in a link): the same check as the
// status form, answered in the language of the button pressed.
type statusProof struct{ Tracking, Receipt string }

// holderLang is the language of a proven receipt's pages: the one the person chose with
// the switch (the switch form's lang field, ?lang=, or the cookie an earlier switch
// set), else the language the complaint was filed in, else the page's.
func (s *Server) holderLang(w http.ResponseWriter, r *http.Request, h intake.Holder, fallback string) string {
	if l := r.PostForm.Get("lang"); l != "" && s.Catalog.Supported(l) {
		rememberLang(w, r, l)
		return l
	}
	if l := r.URL.Query().Get("lang"); l != "" && s.Catalog.Supported(l) {
		return l // remembered by pageLang
	}
	if l, ok := s.cookieLang(r); ok {
		return l
	}
	if s.Catalog.Supported(h.Language) {
		return h.Language
	}
	return fallback
}

// statusHolder proves the receipt of a status-page request. When it cannot, it answers
// (429 while the client is slowed down, the one generic 404 for any wrong pair) and
// returns false.
func (s *Server) statusHolder(w http.ResponseWriter, r *http.Request, p *statusCheckPage, receipt string) (intake.Holder, bool) {
	if wait, err := s.receiptWait(r, p.Tracking); err != nil {
		s.renderPageError(w, r, p, err)
		return intake.Holder{}, false
	} else if wait > 0 {
		tooMany(w, wait)
		p.Problem = p.T("error.too_many")
		s.render(w, r, http.StatusTooManyRequests, p)
		return intake.Holder{}, false
	}
	h, err := s.Intake.CheckReceipt(r.Context(), p.Tracking, receipt, requestID(r))
	if errors.Is(err, intake.ErrNoMatch) {
		if err := s.receiptFailed(r, p.Tracking); err != nil {
			s.renderPageError(w, r, p, err)
			return intake.Holder{}, false
		}
		p.Problem = p.T("error.status_no_match")
		s.render(w, r, http.StatusNotFound, p)
		return intake.Holder{}, false
	} else if err != nil {
		s.renderPageError(w, r, p, err)
		return intake.Holder{}, false
	}
	// Proven: from here the page speaks the complainant's language.
	if lang := s.holderLang(w, r, h, p.Lang); lang != p.Lang {
		p.page = s.newPage(r, lang)
		switchToForm(p.page)
	}
	return h, true
}

// renderStatus shows a proven receipt's page: the status (the check is an audit event),
// the messages (reading them marks them read) and the forms, each carrying the receipt.
// flash names a catalog message saying what was just done.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, p *statusCheckPage, h intake.Holder, receipt string, status int, flash string) {
	ctx, cf := r.Context(), s.Casefile
	st, err := s.Intake.Status(ctx, h)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	msgs, err := cf.HolderMessages(ctx, h)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	all, err := cf.Evidence(ctx, h.ComplaintID)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return
	}
	v := p.StatusFiles
	if v == nil {
		v = &statusFilesView{}
	}
	v.Tracking, v.Receipt, v.Messages = p.Tracking, receipt, msgs
	v.MaxMiB, v.MaxFiles, v.Full = casefile.MaxFileSize>>20, casefile.MaxFiles, len(all) >= casefile.MaxFiles
	for _, e := range all {
		if e.UploadedBy == redress.SubjectReceiptHolder {
			v.Files = append(v.Files, e)
		}
	}
	if flash != "" {
		v.Flash = p.T(flash)
	}
	view := s.statusView(p.Lang, st)
	p.Status, p.StatusFiles = &view, v
	p.SwitchKeep = &statusProof{Tracking: p.Tracking, Receipt: receipt}
	s.render(w, r, status, p)
}

// statusView puts a status in plain words in lang, for the page and the API alike.
func (s *Server) statusView(lang string, st intake.Status) statusResponse {
	out := statusResponse{
		TrackingNumber: st.TrackingNumber, Status: st.Status,
		Label:       s.Catalog.T(lang, "status."+st.Status, nil),
		Explanation: s.Catalog.T(lang, "status."+st.Status+".help", nil),
		ReceivedOn:  redress.DateOf(st.ReceivedAt),
	}
	for _, step := range st.Steps {
		out.Steps = append(out.Steps, statusStep{Status: step.Status,
			Label: s.Catalog.T(lang, "status."+step.Status, nil), Date: redress.DateOf(step.At)})
	}
	out.Outcome = s.outcomeView(lang, st.Outcome)
	return out
}

// outcomeView puts an outcome in plain words in lang (nil for none).
func (s *Server) outcomeView(lang string, o *intake.Outcome) *statusOutcome {
	if o == nil {
		return nil
	}
	d := string(o.Disposition)
	out := &statusOutcome{Disposition: d,
		Label:       s.Catalog.T(lang, "outcome."+d, nil),
		Explanation: s.Catalog.T(lang, "outcome."+d+".help", nil),
		DecidedOn:   redress.DateOf(o.DecidedAt),
		Findings:    []statusFinding{},
		NextSteps:   s.Catalog.T(lang, "outcome.next", nil),
		Letter:      o.Letter,
		Avenues:     s.avenueViews(lang, o.State, o.UnderAgreement),
	}
	for _, f := range o.Findings {
		out.Findings = append(out.Findings, statusFinding{
			Category: string(f.Category), CategoryLabel: s.Catalog.T(lang, "category."+string(f.Category), nil),
			Finding: string(f.Finding), Label: s.Catalog.T(lang, "finding."+string(f.Finding), nil),
			Explanation: s.Catalog.T(lang, "outcome.finding."+string(f.Finding), nil)})
	}
	return out
}

// outsideAvenues is the list of outside avenues (redress/avenues.json), read once;
// the file is embedded and checked by a test, so it cannot fail at run time unseen.
var outsideAvenues = sync.OnceValues(redress.LoadAvenues)

// avenueViews names the outside avenues open to a complaint of state, in lang.
func (s *Server) avenueViews(lang, state string, underAgreement bool) []statusAvenue {
	all, err := outsideAvenues()
	if err != nil {
		s.Log.Error("outside avenues", "err", err)
		return []statusAvenue{}
	}
	stateName := state
	for _, st := range redress.States {
		if st.Code == state {
			stateName = st.Name
		}
	}
	out := []statusAvenue{}
	for _, a := range all.For(state, underAgreement) {
		name, what := "avenue."+a.ID+".name", "avenue."+a.ID+".what"
		if a.ID == "state_ag" && a.State == "" {
			name, what = "avenue.state_ag.generic_name", "avenue.state_ag.generic_what"
		}
		data := map[string]any{"State": stateName}
		out = append(out, statusAvenue{ID: a.ID, Name: s.Catalog.T(lang, name, data), What: s.Catalog.T(lang, what, data),
			URL: a.URL, Phone: a.Phone, Email: a.Email, Mail: a.Mail})
	}
	return out
}

// renderPageError shows an error as a page in the page's language.
func (s *Server) renderPageError(w http.ResponseWriter, r *http.Request, v hasPage, err error) {
	ae := s.classify(r, err)
	if ae.retryAfter > 0 {
		tooMany(w, ae.retryAfter)
	}
	p := v.base()
	e := &errorPage{page: p, Message: p.T(ae.key, mapToKV(ae.data)...)}
	writeErrorHeaders(w, ae)
	s.render(w, r, ae.status, e)
}

func mapToKV(m map[string]any) []any {
	var kv []any
	for k, v := range m {
		kv = append(kv, k, v)
	}
	return kv
}
