package web

import (
	"errors"
	"github.com/redress-oversight/redress/internal/mail"
	"net/http"
	"net/url"
	"strings"

	"github.com/redress-oversight/redress/internal/intake"
	"github.com/redress-oversight/redress/internal/redress"
)

// permEnter lets an account type in a complaint received by phone, mail or in person.
// It is asked in any unit: routing, not the officer, decides where the complaint goes.
const permEnter = "complaint.enter"

// entryChoices are the two questions the staff entry form asks besides the public
// form's: the complaint's language (the complainant's, not the page's) and how it came.
type entryChoices struct {
	Languages []option
	Channels  []option
}

// mayEnter reports whether the caller may enter complaints in at least one unit.
func (s *Server) mayEnter(r *http.Request) bool {
	pr, ok := principal(r)
	return ok && s.Authz.AllowedAnywhere(pr.Subject(), permEnter, "create")
}

// newEntryChoices draws the language and channel choices, in the page's language, with
// what was chosen; a new form starts in the page's language and on the phone.
func (s *Server) newEntryChoices(p *page, values url.Values) entryChoices {
	var c entryChoices
	lang := values.Get("language")
	if _, sent := values["language"]; !sent {
		lang = p.Lang
	}
	for _, l := range s.Catalog.Languages() {
		c.Languages = append(c.Languages, option{l, s.Catalog.T(l, "language.name", nil), l == lang})
	}
	channel := values.Get("channel")
	if _, sent := values["channel"]; !sent {
		channel = string(redress.ChannelPhone)
	}
	for _, ch := range redress.StaffChannels {
		c.Channels = append(c.Channels, option{string(ch), p.T("channel." + string(ch)), string(ch) == channel})
	}
	return c
}

// entryForm draws the entry form from values, or answers the request itself (an outage
// or a refusal) and returns nil.
func (s *Server) entryForm(w http.ResponseWriter, r *http.Request, values url.Values) *enterPage {
	p := &enterPage{page: s.newPage(r, s.pageLang(w, r))}
	if !s.mayEnter(r) {
		s.deny(w, r, http.StatusForbidden)
		return nil
	}
	f, err := s.newComplaintForm(r, p.page, values)
	if err != nil {
		s.renderPageError(w, r, p, err)
		return nil
	}
	f.forStaff()
	f.Action = "/staff/complaints/new"
	p.Form, p.Entry = f, s.newEntryChoices(p.page, values)
	if f.down != nil {
		s.renderEntryUnavailable(w, r, p, f.down)
		return nil
	}
	return p
}

func (s *Server) handleEnterForm(w http.ResponseWriter, r *http.Request) {
	if p := s.entryForm(w, r, r.URL.Query()); p != nil {
		s.render(w, r, http.StatusOK, p)
	}
}

// handleEnterSubmit files a complaint an intake officer typed in for a complainant who
// called, wrote or came in: the public form's rules and routing, the page in the
// officer's language, the complaint in the complainant's. The public filing limit does
// not apply: the officer is signed in, and each entry is in the audit trail as theirs.
func (s *Server) handleEnterSubmit(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	if err := r.ParseForm(); err != nil {
		s.renderPageError(w, r, s.newPage(r, s.pageLang(w, r)), formReadError(err))
		return
	}
	p := s.entryForm(w, r, r.PostForm)
	if p == nil {
		return
	}
	if r.PostForm.Get("step") == "agencies" {
		s.render(w, r, http.StatusOK, p)
		return
	}
	pr, _ := principal(r)
	in := complaintFromForm(r.PostForm, r.PostForm.Get("language"))
	in.Channel = redress.Channel(r.PostForm.Get("channel"))
	req := intake.Request{Actor: pr.Subject(), RequestID: requestID(r), Today: s.today(), EnteredBy: pr.User.ID}
	if n := r.PostForm.Get("nonce"); validNonce(n) {
		req.Retry = &intake.Retry{Scope: "staff-form:" + pr.Subject(), Key: n}
	}
	filed, err := s.Intake.FileComplaint(r.Context(), in, req)
	var de *redress.Error
	switch {
	case errors.Is(err, intake.ErrRetryDiffers):
		// The form sent again with changes: the first complaint stands, its code not shown.
		s.renderEntryReceipt(w, r, p.page, filed, in.Channel, http.StatusOK)
	case errors.As(err, &de) && de.Code == redress.EINVALID:
		p.Form.setErrors(de.Fields)
		s.render(w, r, http.StatusUnprocessableEntity, p)
	case de != nil && de.Code == redress.EUNAVAILABLE:
		s.renderEntryUnavailable(w, r, p, err)
	case err != nil:
		s.renderPageError(w, r, p, err)
	case filed.Replayed:
		s.renderEntryReceipt(w, r, p.page, filed, in.Channel, http.StatusOK)
	default:
		if filed.Emailed && s.MailQueued != nil {
			s.MailQueued()
		}
		s.renderEntryReceipt(w, r, p.page, filed, in.Channel, http.StatusCreated)
	}
}

// renderEntryUnavailable draws the entry form again as sent, after an outage: nothing
// was stored and nothing typed is lost.
func (s *Server) renderEntryUnavailable(w http.ResponseWriter, r *http.Request, p *enterPage, err error) {
	ae := s.classify(r, err)
	p.Form.Unavailable = p.T("form.unavailable", "Button", p.T("enter.submit"))
	writeErrorHeaders(w, ae)
	s.render(w, r, ae.status, p)
}

// renderEntryReceipt shows the officer the receipt, once: the page in the officer's
// language, and what to read out or mail in the complainant's.
func (s *Server) renderEntryReceipt(w http.ResponseWriter, r *http.Request, p *page, filed intake.Filed, ch redress.Channel, status int) {
	p.Switch = nil // switching language here would lose the receipt, shown only once
	c := filed.Complaint
	v := &enterReceiptPage{page: p, Channel: string(ch), Receipt: &receiptView{
		TrackingNumber: c.TrackingNumber, ReceiptCode: filed.ReceiptCode,
		ReceivedOn: p.D(redress.DateOf(c.ReceivedAt)), Emailed: filed.Emailed, Again: filed.Replayed,
	}}
	if ref, err := s.DB.ComplaintByTracking(r.Context(), c.TrackingNumber); err == nil {
		pr, _ := principal(r)
		if s.Authz.Allowed(pr.Subject(), ref.Unit, permRead, "read") {
			v.CaseID = ref.ID
		}
	}
	if filed.ReceiptCode != "" {
		v.Letter = s.receiptLetter(r, c, filed.ReceiptCode)
	}
	s.render(w, r, status, v)
}

// receiptLetter is what the complainant is told, in their language: the words to read
// out on the phone or in person, and the letter to mail.
func (s *Server) receiptLetter(r *http.Request, c redress.Complaint, code string) *letterView {
	lang := c.Language
	if !s.Catalog.Supported(lang) {
		lang = s.Catalog.Match("")
	}
	lp := &page{Lang: lang, cat: s.Catalog}
	d := redress.DateOf(c.ReceivedAt)
	data := []any{"Date", lp.D(d), "Tracking", c.TrackingNumber, "Code", code, "URL", mail.StatusLink(s.statusURL(r), lang)}
	l := &letterView{Lang: lang, Title: lp.T("letter.title")}
	for _, key := range []string{"letter.received", "letter.tracking", "letter.code", "letter.keep", "letter.check", "letter.never_status"} {
		l.Paragraphs = append(l.Paragraphs, lp.T(key, data...))
	}
	return l
}

// statusURL is where a complainant checks their complaint: the public address the
// service is configured with, or else the one this request came to.
func (s *Server) statusURL(r *http.Request) string {
	if s.Casefile != nil && s.Casefile.PublicURL != "" {
		return strings.TrimRight(s.Casefile.PublicURL, "/") + "/status"
	}
	scheme := "http"
	if r.TLS != nil || s.SecureCookies {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/status"
}

// letterView is the receipt in the complainant's language, as paragraphs.
type letterView struct {
	Lang       string
	Title      string
	Paragraphs []string
}
