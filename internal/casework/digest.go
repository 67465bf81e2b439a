package casework

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/mail"
	"github.com/redress-oversight/redress/internal/redress"
)

// DigestRecipient is a supervisor and the units whose overdue cases they answer for.
type DigestRecipient struct {
	User  redress.User
	All   bool
	Units []string
}

// QueueOverdueDigest records every newly missed deadline in the audit trail (by the
// system actor), then queues for each supervisor one email listing the overdue clocks
// of their units: tracking numbers, clocks and due days, nothing about complainants. It
// returns how many emails it queued; a supervisor with nothing overdue gets none. Each
// digest queued is an audit event (digest.queued, by the system actor) naming its
// recipient and how many clocks it lists.
func (s *Service) QueueOverdueDigest(ctx context.Context, now time.Time, to []DigestRecipient) (int, error) {
	if _, err := s.DB.LogMissedClocks(ctx, now); err != nil {
		return 0, err
	}
	overdue, err := s.DB.OverdueClocks(ctx, now)
	if err != nil {
		return 0, err
	}
	var msgs []redress.OutboundMail
	var events []redress.AuditEvent
	for _, r := range to {
		lang := "en"
		var lines []string
		for _, o := range overdue {
			if !r.All && !slices.Contains(r.Units, o.Unit) {
				continue
			}
			lines = append(lines, fmt.Sprintf("- %s: %s, %s %s", o.TrackingNumber,
				s.Catalog.T(lang, "clock."+o.Name, nil), s.Catalog.T(lang, "case.due", nil),
				s.Catalog.Date(lang, o.DueAt.Year(), o.DueAt.Month(), o.DueAt.Day())))
		}
		if len(lines) == 0 {
			continue
		}
		data := map[string]any{"Count": len(lines), "Link": strings.TrimRight(s.PublicURL, "/") + "/staff/complaints"}
		m := redress.OutboundMail{Kind: MailDigest, Language: lang,
			Subject: s.Catalog.T(lang, "email.digest.subject", data),
			Body: s.Catalog.T(lang, "email.digest.intro", data) + "\n\n" + strings.Join(lines, "\n") + "\n\n" +
				s.Catalog.T(lang, "email.footer.automatic", nil) + "\n"}
		mail.SealRecipient(s.Box, &m, r.User.Email)
		msgs = append(msgs, m)
		events = append(events, redress.AuditEvent{Actor: redress.ActorSystem, Action: redress.ActionDigestSent,
			Details: map[string]any{"user_id": r.User.ID, "overdue": len(lines)}})
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	return len(msgs), s.DB.QueueMailAudited(ctx, events, msgs...)
}

// MailDigest is the kind of the supervisors' daily overdue digest.
const MailDigest = "complaint.overdue_digest"
