package casefile

import (
	"context"
	"strconv"
	"strings"

	"github.com/redress-oversight/redress/internal/mail"
	"github.com/redress-oversight/redress/internal/redress"
)

// A complainant's reply or file, also after the case closed, puts the case back on the
// desk (the store marks it unread in the same transaction) and tells the investigator
// assigned, if any, by email: the tracking number and a link to the case page, never
// what the complainant wrote or sent.

// MailActivity is the kind of the email telling the assigned investigator that the
// complainant wrote or sent a file.
const MailActivity = "complaint.activity"

// activityMail composes the investigator's notice for complaint id, or none when no one
// is assigned (the case then shows on its unit's desk as unassigned activity) or the
// account is disabled. kind is "reply" or "evidence".
//
// Accounts hold no language of their own: the notice is in the office's default
// language (the catalog's first choice), as the staff pages are before a switch.
func (s *Service) activityMail(ctx context.Context, id int64, kind string) ([]redress.OutboundMail, error) {
	c, _, err := s.DB.Complaint(ctx, id)
	if err != nil || c.AssigneeID == 0 {
		return nil, err
	}
	u, err := s.DB.User(ctx, c.AssigneeID)
	if err != nil || u.Disabled || u.Email == "" {
		return nil, err
	}
	lang := s.Catalog.Match()
	data := map[string]any{"Tracking": c.TrackingNumber,
		"Link": strings.TrimRight(s.PublicURL, "/") + "/staff/complaints/" + strconv.FormatInt(c.ID, 10)}
	m := redress.OutboundMail{Kind: MailActivity, Language: lang,
		Subject: s.Catalog.T(lang, "email.activity.subject", data),
		Body: s.Catalog.T(lang, "email.activity."+kind, data) + "\n\n" + s.Catalog.T(lang, "email.activity.open", data) +
			"\n\n" + s.Catalog.T(lang, "email.footer.automatic", nil) + "\n"}
	mail.SealRecipient(s.Box, &m, u.Email)
	return []redress.OutboundMail{m}, nil
}
