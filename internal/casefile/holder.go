package casefile

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/redress-oversight/redress/internal/intake"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// Holder is a complainant who has just proved their receipt: the tracking number and
// receipt code of one complaint. Only CheckReceipt makes one, and the web layer makes
// a new one for every request (the receipt is never kept in a session).
type Holder struct {
	ComplaintID    int64
	AgencyID       int64
	AgreementID    int64
	TrackingNumber string
	Status         string
	ReceivedAt     time.Time
	Language       string
	RequestID      string
}

// Actor is the holder as the audit trail names them.
func (h Holder) Actor() Actor {
	return Actor{Subject: redress.ActorPublic, Role: redress.SubjectReceiptHolder, RequestID: h.RequestID}
}

func (h Holder) complaint() redress.Complaint {
	return redress.Complaint{ID: h.ComplaintID, AgencyID: h.AgencyID, AgreementID: h.AgreementID,
		TrackingNumber: h.TrackingNumber, Language: h.Language}
}

// CheckReceipt proves a tracking number and receipt code, the way intake's status check
// does: the code is compared in constant time, an unknown tracking number costs the
// same hash as a known one, and every wrong pair gets the one answer intake.ErrNoMatch.
func (s *Service) CheckReceipt(ctx context.Context, tracking, receipt, requestID string) (Holder, error) {
	norm := redress.NormalizeTrackingNumber(tracking)
	rec, err := s.DB.ComplaintReceipt(ctx, norm)
	if norm == "" || redress.ErrorCode(err) == redress.ENOTFOUND {
		redress.ReceiptMatches(receipt, make([]byte, 32))
		return Holder{}, intake.ErrNoMatch
	} else if err != nil {
		return Holder{}, err
	}
	if !redress.ReceiptMatches(receipt, rec.ReceiptHash) {
		return Holder{}, intake.ErrNoMatch
	}
	return Holder{ComplaintID: rec.ComplaintID, AgencyID: rec.AgencyID, AgreementID: rec.AgreementID,
		TrackingNumber: norm, Status: rec.Status, ReceivedAt: rec.ReceivedAt, Language: rec.Language,
		RequestID: requestID}, nil
}

// StatusSteps returns the complaint's status history for the holder and records the
// status check, as intake's CheckStatus does.
func (s *Service) StatusSteps(ctx context.Context, h Holder) ([]redress.StatusStep, error) {
	a := h.Actor()
	return s.DB.RecordStatusCheck(ctx, a.event(redress.ActionStatusChecked, h.complaint(), nil))
}

// HolderMessages returns the complaint's messages for the complainant and marks those
// to them read; the reading is an audit event when it marked any. The list shows each
// message as it was before this reading, so new ones can be pointed out.
func (s *Service) HolderMessages(ctx context.Context, h Holder) ([]redress.Message, error) {
	a := h.Actor()
	return s.DB.ReadMessages(ctx, h.ComplaintID, redress.MessageToComplainant, a.event(ActionMessagesRead, h.complaint(), nil))
}

// Reply stores the complainant's answer and marks the messages to them answered. The
// audit event records its length, not its text.
func (s *Service) Reply(ctx context.Context, h Holder, body string) (redress.Message, error) {
	body, err := cleanText(body, MaxMessage)
	if err != nil {
		return redress.Message{}, err
	}
	a := h.Actor()
	return s.DB.AddMessage(ctx, store.NewMessage{ComplaintID: h.ComplaintID, Direction: redress.MessageFromComplainant, Body: body,
		Audit: a.event(ActionMessageReplied, h.complaint(), map[string]any{"length": utf8.RuneCountInString(body)})})
}

// HolderEvidence lists the files the complainant sent (not those staff added).
func (s *Service) HolderEvidence(ctx context.Context, h Holder) ([]redress.EvidenceInfo, error) {
	all, err := s.DB.Evidence(ctx, h.ComplaintID)
	if err != nil {
		return nil, err
	}
	var out []redress.EvidenceInfo
	for _, e := range all {
		if e.UploadedBy == redress.SubjectReceiptHolder {
			out = append(out, e)
		}
	}
	return out, nil
}

// HolderAddEvidence adds a file the complainant sent.
func (s *Service) HolderAddEvidence(ctx context.Context, h Holder, name string, data []byte) (redress.EvidenceInfo, error) {
	return s.AddEvidence(ctx, h.Actor(), h.complaint(), name, data)
}
