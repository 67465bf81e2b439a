package casefile

import (
	"context"
	"unicode/utf8"

	"github.com/redress-oversight/redress/internal/intake"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
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
func (s *Service) HolderMessages(ctx context.Context, h intake.Holder) ([]Message, error) {
	return s.DB.ReadMessages(ctx, h.ComplaintID, ToComplainant, holderActor(h).event(ActionMessagesRead, h.Complaint(), nil))
}

// Reply stores the complainant's answer and marks the messages to them answered. The
// audit event records its length, not its text.
func (s *Service) Reply(ctx context.Context, h intake.Holder, body string) (Message, error) {
	body, err := cleanText(body, MaxMessage)
	if err != nil {
		return Message{}, err
	}
	return s.DB.AddMessage(ctx, store.NewMessage{ComplaintID: h.ComplaintID, Direction: FromComplainant, Body: body,
		Audit: holderActor(h).event(ActionMessageReplied, h.Complaint(), map[string]any{"length": utf8.RuneCountInString(body)})})
}

// HolderEvidence lists the files the complainant sent (not those staff added).
func (s *Service) HolderEvidence(ctx context.Context, h intake.Holder) ([]EvidenceInfo, error) {
	all, err := s.DB.Evidence(ctx, h.ComplaintID)
	if err != nil {
		return nil, err
	}
	var out []EvidenceInfo
	for _, e := range all {
		if e.UploadedBy == redress.SubjectReceiptHolder {
			out = append(out, e)
		}
	}
	return out, nil
}

// HolderAddEvidence adds a file the complainant sent.
func (s *Service) HolderAddEvidence(ctx context.Context, h intake.Holder, name string, data []byte) (EvidenceInfo, error) {
	return s.AddEvidence(ctx, holderActor(h), h.Complaint(), name, data)
}
