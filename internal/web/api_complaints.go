package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/redress-oversight/redress/internal/intake"
	"github.com/redress-oversight/redress/internal/redress"
)

type agreementJSON struct {
	ID         int64         `json:"id"`
	Model      redress.Model `json:"model"`
	AgencyID   int64         `json:"agency_id"`
	SignedOn   redress.Date  `json:"signed_on,omitzero"`
	Status     string        `json:"status"`
	AgencyName string        `json:"agency_name,omitempty"`
}

type complaintCreated struct {
	TrackingNumber string         `json:"tracking_number"`
	ReceiptCode    string         `json:"receipt_code"`
	Status         string         `json:"status"`
	Agreement      *agreementJSON `json:"agreement"`
}

// handleComplaintCreate files a complaint from the JSON API. A 201 means it is stored.
func (s *Server) handleComplaintCreate(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	var in redress.ComplaintInput
	body, err := s.decodeJSON(w, r, &in)
	// Answer in the complaint's language when it names one we have, even when the rest
	// of the body could not be read.
	if err != nil {
		var peek struct{ Language string }
		json.Unmarshal(body, &peek)
		in.Language = peek.Language
	}
	lang := s.lang(r)
	if s.Catalog.Supported(in.Language) {
		lang = in.Language
	}
	if err != nil {
		s.renderErrorLang(w, r, err, lang)
		return
	}
	retry, err := idempotencyKey(r)
	if err != nil {
		s.renderErrorLang(w, r, err, lang)
		return
	}
	in.Channel = redress.ChannelAPI
	filed, err := s.Intake.FileComplaint(r.Context(), in, intake.Request{
		Actor: redress.ActorPublic, ActorRole: "public", RequestID: requestID(r),
		Today: s.today(), Retry: retry, Admit: s.admitFiling(r),
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

// idempotencyKey reads the Idempotency-Key header: a filing's name, so that a client
// that lost the answer can send the same complaint again under it and get the same
// answer (the same tracking number and receipt code) instead of filing twice. Without
// the header, nil.
func idempotencyKey(r *http.Request) (*intake.Retry, error) {
	keys := r.Header.Values("Idempotency-Key")
	if len(keys) == 0 {
		return nil, nil
	}
	k := keys[0]
	ok := len(keys) == 1 && len(k) >= 1 && len(k) <= 255
	for i := 0; ok && i < len(k); i++ {
		ok = k[i] > ' ' && k[i] < 0x7f
	}
	if !ok {
		return nil, &apiError{status: http.StatusBadRequest, key: "error.idempotency_key_invalid"}
	}
	return &intake.Retry{Scope: "api", Key: k}, nil
}

type statusRequest struct {
	TrackingNumber string `json:"tracking_number"`
	ReceiptCode    string `json:"receipt_code"`
	// Language is the one the person chose to read in, if they chose.
	Language string `json:"language,omitempty"`
}

type statusStep struct {
	Status string       `json:"status"`
	Label  string       `json:"label"`
	Date   redress.Date `json:"date"`
}

type statusResponse struct {
	TrackingNumber string       `json:"tracking_number"`
	Status         string       `json:"status"`
	Label          string       `json:"label"`
	Explanation    string       `json:"explanation"`
	ReceivedOn     redress.Date `json:"received_on"`
	Steps          []statusStep `json:"steps"`
	// Outcome is null while the case is open, and again once it is reopened.
	Outcome *statusOutcome `json:"outcome"`
}

// statusOutcome is how a finished case ended, in plain words in the reader's language.
type statusOutcome struct {
	Disposition string          `json:"disposition"`
	Label       string          `json:"label"`
	Explanation string          `json:"explanation"`
	DecidedOn   redress.Date    `json:"decided_on"`
	Findings    []statusFinding `json:"findings"`
	// Letter is the office's own paragraph to the complainant, written in their
	// language with the proposal and fixed by the approval ("" for none).
	Letter    string `json:"letter,omitempty"`
	NextSteps string `json:"next_steps"`
	// Avenues are the offices outside ours the complainant can also go to.
	Avenues []statusAvenue `json:"avenues"`
}

// statusAvenue is one outside avenue, in the reader's language, with its contacts.
type statusAvenue struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	What  string `json:"what"`
	URL   string `json:"url,omitempty"`
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
	Mail  string `json:"mail,omitempty"`
}

// statusFinding is the finding on one allegation of the complaint.
type statusFinding struct {
	Category      string `json:"category"`
	CategoryLabel string `json:"category_label"`
	Finding       string `json:"finding"`
	Label         string `json:"label"`
	Explanation   string `json:"explanation"`
}

// handleComplaintStatus answers a status check. It is a POST so the receipt code never
// sits in a URL, a proxy log or the browser history.
func (s *Server) handleComplaintStatus(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	var in statusRequest
	if _, err := s.decodeJSON(w, r, &in); err != nil {
		s.renderError(w, r, err)
		return
	}
	var fe redress.FieldErrors
	if in.TrackingNumber == "" {
		fe.Add("tracking_number", "required")
	}
	if in.ReceiptCode == "" {
		fe.Add("receipt_code", "required")
	}
	if err := fe.Err(); err != nil {
		s.renderError(w, r, err)
		return
	}
	if wait, err := s.receiptWait(r, in.TrackingNumber); err != nil || wait > 0 {
		if wait > 0 {
			tooMany(w, wait)
			err = errTooMany
		}
		s.renderError(w, r, err)
		return
	}
	st, err := s.Intake.CheckStatus(r.Context(), in.TrackingNumber, in.ReceiptCode, intake.Request{RequestID: requestID(r)})
	if errors.Is(err, intake.ErrNoMatch) {
		if ferr := s.receiptFailed(r, in.TrackingNumber); ferr != nil {
			err = ferr
		}
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	// The language the person chose, else the one the complaint was filed in, as on the
	// status page: Accept-Language is the browser's, which the person may never have chosen.
	lang := st.Language
	if s.Catalog.Supported(in.Language) {
		lang = in.Language
	}
	writeJSON(w, http.StatusOK, s.statusView(s.Catalog.Match(lang, r.Header.Get("Accept-Language")), st))
}

// noStore keeps receipts and statuses out of browser and proxy caches.
func noStore(w http.ResponseWriter) { w.Header().Set("Cache-Control", "no-store") }

// today is the latest calendar day anywhere on Earth (UTC+14), so an incident that
// happened "today" in any U.S. state or territory is never refused as in the future.
func (s *Server) today() redress.Date {
	return redress.DateOf(s.Now().UTC().Add(14 * time.Hour))
}
