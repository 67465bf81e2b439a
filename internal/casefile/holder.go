package casefile

import (
	"context"
	"errors"
	"unicode/utf8"

	"github.com/redress-oversight/redress/internal/intake"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/workflow"
)

// What a complainant does with their case file, once intake.CheckReceipt has proved
// their receipt.

// holderActor is the holder as the audit trail names them.
func holderActor(h intake.Holder) Actor {
	return Actor{Subject: redress.ActorPublic, Role: redress.SubjectReceiptHolder, RequestID: h.RequestID}
}

// HolderMessages returns the complaint's messages for the complainant and marks those
// to them read; the reading is an audit event when it marked any. The list shows each
// message as it was before this reading, so new ones can be pointed out.
func (s *Service) HolderMessages(ctx context.Context, h intake.Holder) ([]redress.Message, error) {
	return s.DB.ReadMessages(ctx, h.ComplaintID, redress.MessageToComplainant, holderActor(h).event(redress.ActionMessagesRead, h.Complaint(), nil))
}

// Reply stores the complainant's answer and marks the messages to them answered. A
// case that waited on them goes back under review in the same transaction; status is
// the case's status after the reply. The audit event records the reply's length, not
// its text.
func (s *Service) Reply(ctx context.Context, h intake.Holder, body string) (m redress.Message, status string, err error) {
	body, err = cleanText(body, MaxMessage)
	if err != nil {
		return redress.Message{}, h.Status, err
	}
	nm := store.NewMessage{ComplaintID: h.ComplaintID, Direction: redress.MessageFromComplainant, Body: body,
		Audit: holderActor(h).event(redress.ActionMessageReplied, h.Complaint(), map[string]any{"length": utf8.RuneCountInString(body)})}
	if nm.Mail, err = s.activityMail(ctx, h.ComplaintID, "reply"); err != nil {
		return redress.Message{}, h.Status, err
	}
	if s.Casework != nil && h.Status == workflow.StatusWaitingOnComplainant {
		if nm.Resume, err = s.Casework.ResumeOnReply(ctx, h.ComplaintID, h.RequestID); err != nil {
			return redress.Message{}, h.Status, err
		}
	}
	m, err = s.DB.AddMessage(ctx, nm)
	if errors.Is(err, redress.ErrStaleStatus) {
		// Another request moved the case on first: the reply is all that is left to store.
		nm.Resume = nil
		m, err = s.DB.AddMessage(ctx, nm)
	}
	if err == nil && nm.Resume != nil {
		return m, nm.Resume.To, nil
	}
	return m, h.Status, err
}

// HolderEvidence lists the files the complainant sent (not those staff added).
func (s *Service) HolderEvidence(ctx context.Context, h intake.Holder) ([]redress.EvidenceInfo, error) {
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
func (s *Service) HolderAddEvidence(ctx context.Context, h intake.Holder, name string, data []byte) (redress.EvidenceInfo, error) {
	notice, err := s.activityMail(ctx, h.ComplaintID, "evidence")
	if err != nil {
		return redress.EvidenceInfo{}, err
	}
	return s.addEvidence(ctx, holderActor(h), h.Complaint(), name, data, notice)
}
