package web

import (
	"net/http"

	"github.com/redress-oversight/redress/internal/intake"
	"github.com/redress-oversight/redress/internal/redress"
)

// staffComplaintInput is a complaint staff enter through the API: the public API's
// complaint, and how it reached us.
type staffComplaintInput struct {
	redress.ComplaintInput
	Channel redress.Channel `json:"channel"`
}

// handleAPIComplaintEnter files a complaint an intake officer received by phone, mail
// or in person. A 201 means it is stored; the answer holds the receipt code, once, for
// the officer to read out or mail. Errors are in the officer's language
// (Accept-Language), not the complaint's: the officer reads them.
func (s *Server) handleAPIComplaintEnter(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	lang := s.lang(r)
	if !s.mayEnter(r) {
		s.deny(w, r, http.StatusForbidden)
		return
	}
	var body staffComplaintInput
	if _, err := s.decodeJSON(w, r, &body); err != nil {
		s.renderErrorLang(w, r, err, lang)
		return
	}
	retry, err := idempotencyKey(r)
	if err != nil {
		s.renderErrorLang(w, r, err, lang)
		return
	}
	pr, _ := principal(r)
	if retry != nil {
		retry.Scope = "staff-api:" + pr.Subject()
	}
	in := body.ComplaintInput
	in.Channel = body.Channel
	filed, err := s.Intake.FileComplaint(r.Context(), in, intake.Request{
		Actor: pr.Subject(), RequestID: requestID(r), Today: s.today(), Retry: retry, EnteredBy: pr.User.ID,
	})
	if err != nil {
		s.renderErrorLang(w, r, err, lang)
		return
	}
	if filed.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	if filed.Emailed && s.MailQueued != nil {
		s.MailQueued()
	}
	writeJSON(w, http.StatusCreated, createdJSON(filed))
}

// createdJSON is the answer to a filing, by the public or by staff.
func createdJSON(filed intake.Filed) complaintCreated {
	out := complaintCreated{
		TrackingNumber: filed.Complaint.TrackingNumber, ReceiptCode: filed.ReceiptCode,
		Status: filed.Complaint.Status,
	}
	if a := filed.Agreement; a != nil {
		out.Agreement = &agreementJSON{ID: a.ID, Model: a.Model, AgencyID: a.AgencyID, SignedOn: a.SignedOn, Status: string(a.Status)}
	}
	return out
}
