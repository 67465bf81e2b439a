package redress

import (
	"crypto/rand"
	"encoding/hex"
)

// Kinds of outbound mail. Each later notice (assignment, password reset, message,
// digest) adds its own kind; the outbox treats them all alike.
const (
	MailReceipt = "complaint.receipt"
)

// OutboundMail is one email waiting in the outbox, written in the same transaction as
// the change it tells someone about. The recipient is contact data: it travels only
// sealed (see RecipientContext), never in logs or audit details.
type OutboundMail struct {
	// Key is random and unique. It names the message in its Message-ID header, so a
	// resend is recognisable as the same message, and binds the sealed recipient to it.
	Key             string
	Kind            string
	Language        string
	RecipientSealed []byte
	Subject         string
	Body            string // plain text
	HTML            string // optional alternative
	// The records the message is about, for its audit events.
	ComplaintID int64
	AgencyID    int64
	AgreementID int64
}

// NewMailKey returns a fresh OutboundMail.Key: 128 random bits in hex.
func NewMailKey() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// RecipientContext is the sealing context of a message's recipient address, so a
// sealed address copied onto another message will not open.
func RecipientContext(key string) string { return "outbox-recipient:" + key }
