// Package casefile keeps what accumulates around a case: internal notes, messages
// between the review office and the complainant, and evidence files. The web layer has
// already asked Casbin (or checked the receipt); this package validates, records the
// audit event with each change and each staff read of a case (reads.go), and tells the
// complainant by email that a message waits.
package casefile

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/redress-oversight/redress/internal/casework"
	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/mail"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/store"
)

// Service keeps a case's notes, messages and evidence.
type Service struct {
	DB      *store.DB
	Box     *secret.Box
	Catalog *i18n.Catalog
	// PublicURL is where the complainant finds the status page, for the notice email.
	PublicURL string
	// Casework says what a complainant's reply does to a case that waited on them;
	// nil: a reply only stores the message.
	Casework *casework.Service
}

// MailMessage is the kind of the email telling the complainant a message waits.
const MailMessage = "complaint.message"

// Lengths of text, in characters.
const (
	MaxNote    = 10000
	MaxMessage = 5000
)

// Actor is who acts, for the audit trail: a staff account, or the holder of a receipt.
type Actor struct {
	UserID    int64  // 0 for the receipt holder
	Subject   string // user:<id>, or "public"
	Role      string // "receipt_holder" for the complainant; empty for staff
	RequestID string
}

func (a Actor) event(action string, c redress.Complaint, details map[string]any) redress.AuditEvent {
	return redress.AuditEvent{Actor: a.Subject, ActorRole: a.Role, Action: action, RequestID: a.RequestID,
		ComplaintID: c.ID, AgencyID: c.AgencyID, AgreementID: c.AgreementID, Details: details}
}

// uploader is what evidence records as its source.
func (a Actor) uploader() string {
	if a.Role == redress.SubjectReceiptHolder {
		return redress.SubjectReceiptHolder
	}
	return a.Subject
}

// Notes returns a complaint's internal notes, oldest first.
func (s *Service) Notes(ctx context.Context, complaintID int64) ([]redress.Note, error) {
	return s.DB.Notes(ctx, complaintID)
}

// Messages returns a complaint's messages, oldest first, and changes nothing.
func (s *Service) Messages(ctx context.Context, complaintID int64) ([]redress.Message, error) {
	return s.DB.Messages(ctx, complaintID)
}

// Evidence lists a complaint's files, oldest first, without their bytes.
func (s *Service) Evidence(ctx context.Context, complaintID int64) ([]redress.EvidenceInfo, error) {
	return s.DB.Evidence(ctx, complaintID)
}

// AddNote adds an internal note. The audit event records its length, not its text.
func (s *Service) AddNote(ctx context.Context, a Actor, c redress.Complaint, body string) (redress.Note, error) {
	body, err := cleanText(body, MaxNote)
	if err != nil {
		return redress.Note{}, err
	}
	return s.DB.AddNote(ctx, store.NewNote{ComplaintID: c.ID, AuthorID: a.UserID, Body: body,
		Audit: a.event(redress.ActionNoteAdded, c, map[string]any{"length": utf8.RuneCountInString(body)})})
}

// SendMessage writes to the complainant. When they gave an email address, an email in
// the complaint's language tells them a message waits on the status page; it never
// carries the message. emailed says whether such a notice was queued.
func (s *Service) SendMessage(ctx context.Context, a Actor, c redress.Complaint, sealed []byte, body string) (m redress.Message, emailed bool, err error) {
	body, err = cleanText(body, MaxMessage)
	if err != nil {
		return redress.Message{}, false, err
	}
	notice, err := s.noticeMail(c, sealed)
	if err != nil {
		return redress.Message{}, false, err
	}
	m, err = s.DB.AddMessage(ctx, store.NewMessage{ComplaintID: c.ID, Direction: redress.MessageToComplainant, AuthorID: a.UserID,
		Body: body, Mail: notice, Audit: a.event(redress.ActionMessageSent, c, map[string]any{
			"length": utf8.RuneCountInString(body), "emailed": len(notice) > 0})})
	return m, err == nil && len(notice) > 0, err
}

// StaffMessages returns a complaint's messages for a staff member who may read them,
// and marks the complainant's replies read. The list shows each message as it was
// before this reading, so new replies can be pointed out.
func (s *Service) StaffMessages(ctx context.Context, complaintID int64) ([]redress.Message, error) {
	return s.DB.ReadMessages(ctx, complaintID, redress.MessageFromComplainant, redress.AuditEvent{})
}

// noticeMail composes the email telling the complainant that a message waits, or none
// when the complaint has no email address.
func (s *Service) noticeMail(c redress.Complaint, sealed []byte) ([]redress.OutboundMail, error) {
	contact, err := redress.OpenContact(s.Box, c, sealed)
	if err != nil || contact.Email == "" {
		return nil, err
	}
	lang := s.Catalog.Match(c.Language)
	data := map[string]any{"Tracking": c.TrackingNumber, "StatusURL": mail.StatusLink(strings.TrimRight(s.PublicURL, "/")+"/status", lang)}
	paragraphs := []string{
		s.Catalog.T(lang, "email.message.new", data),
		s.Catalog.T(lang, "email.message.read", data),
		s.Catalog.T(lang, "email.message.privacy", nil),
		s.Catalog.T(lang, "email.footer.automatic", nil),
	}
	m := redress.OutboundMail{Kind: MailMessage, Language: lang, Subject: s.Catalog.T(lang, "email.message.subject", data),
		Body: strings.Join(paragraphs, "\n\n") + "\n"}
	mail.SealRecipient(s.Box, &m, contact.Email)
	return []redress.OutboundMail{m}, nil
}

// cleanText trims text and checks it is there, readable and not too long (in
// characters). Problems are field errors on "body".
func cleanText(s string, max int) (string, error) {
	var fe redress.FieldErrors
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	switch {
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		fe.Add("body", "invalid_text")
	case s == "":
		fe.Add("body", "required")
	case utf8.RuneCountInString(s) > max:
		fe.Add("body", "too_long", max)
	}
	return s, fe.Err()
}
