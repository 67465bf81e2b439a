package mail

import (
	"net/url"
	"strings"

	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/secret"
)

// ReceiptEmail composes the email confirming a complaint, in lang (English if there is
// no catalog for it). It says where to check the status and carries the tracking number
// only: never the receipt code, the narrative or any other detail of the complaint,
// since a mailbox may be read by someone other than the complainant.
func ReceiptEmail(cat *i18n.Catalog, lang, tracking, statusURL string) (subject, body string) {
	lang = supported(cat, lang)
	data := map[string]any{"Tracking": tracking, "StatusURL": StatusLink(statusURL, lang)}
	paragraphs := []string{
		cat.T(lang, "email.receipt.received", nil),
		cat.T(lang, "email.receipt.tracking", data),
		cat.T(lang, "email.receipt.status", data),
		cat.T(lang, "email.receipt.code", nil),
		cat.T(lang, "email.receipt.privacy", nil),
		cat.T(lang, "email.footer.automatic", nil),
	}
	return cat.T(lang, "email.receipt.subject", nil), strings.Join(paragraphs, "\n\n") + "\n"
}

// StatusLink is the address of the status page statusURL in lang, for the emails to a
// complainant: the page then speaks the complaint's language whatever the browser says.
// It names the language only: a receipt code never goes in a link.
func StatusLink(statusURL, lang string) string {
	return statusURL + "?" + url.Values{"lang": {lang}}.Encode()
}

// NewReceipt is the receipt email for the outbox, addressed to to (sealed with box).
// The store fills in the complaint's ids when it queues the email with the complaint.
func NewReceipt(cat *i18n.Catalog, box *secret.Box, lang, to, tracking, statusURL string) redress.OutboundMail {
	lang = supported(cat, lang)
	subject, body := ReceiptEmail(cat, lang, tracking, statusURL)
	m := redress.OutboundMail{Kind: redress.MailReceipt, Language: lang, Subject: subject, Body: body}
	SealRecipient(box, &m, to)
	return m
}

// SealRecipient gives m a key, if it has none, and seals to as its recipient under it.
// Every kind of email is addressed this way, so the address is never stored in clear.
func SealRecipient(box *secret.Box, m *redress.OutboundMail, to string) {
	if m.Key == "" {
		m.Key = redress.NewMailKey()
	}
	m.RecipientSealed = box.Seal([]byte(to), redress.RecipientContext(m.Key))
}

func supported(cat *i18n.Catalog, lang string) string {
	if cat.Supported(lang) {
		return lang
	}
	return "en"
}
