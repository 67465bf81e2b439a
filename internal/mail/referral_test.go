package mail_test

import (
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/mail"
	"github.com/redress-oversight/redress/internal/redress"
)

// A referral letter is in English, says why it carries no identity when it carries
// none, and carries exactly the identity it is given.
func TestReferralLetterText(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	ana := &redress.Contact{Name: "Ana Gómez", Email: "ana@example.org", Phone: "+1 713 555 0100"}
	base := mail.ReferralLetter{Office: "DHS OIG Hotline", Tracking: "RX-7K4M-2Q9D",
		ReceivedAt: time.Date(2025, 7, 22, 15, 0, 0, 0, time.UTC), Due: time.Date(2025, 8, 21, 15, 0, 0, 0, time.UTC),
		AgencyNamed: "the town police", State: "TX", IncidentDate: redress.Date{Year: 2025, Month: 7, Day: 20},
		Categories: []redress.Category{"no_interpreter"}, Functions: []redress.Function{"detainer"}}
	for _, r := range []struct {
		name   string
		change func(l *mail.ReferralLetter)
		want   []string
		absent []string
	}{
		{"Withheld", func(*mail.ReferralLetter) {}, []string{"are not shared with your office", "the town police (as the complainant named it)"}, []string{"Ana", "ana@"}},
		{"Anonymous", func(l *mail.ReferralLetter) { l.Anonymous, l.Identity = true, ana }, []string{"filed anonymously"}, []string{"Ana", "ana@"}},
		{"NoContact", func(l *mail.ReferralLetter) { l.Identity = &redress.Contact{} }, []string{"gave no name or contact details"}, []string{"Name:"}},
		{"Shared", func(l *mail.ReferralLetter) { l.Identity = ana }, []string{"Name: Ana Gómez", "Email: ana@example.org", "Phone: +1 713 555 0100"}, []string{"Address:"}},
	} {
		t.Run(r.name, func(t *testing.T) {
			l := base
			r.change(&l)
			subject, body := mail.ReferralLetterText(cat, l)
			if !strings.Contains(subject, "RX-7K4M-2Q9D") {
				t.Errorf("subject %q", subject)
			}
			for _, w := range append(r.want, "To DHS OIG Hotline:", "July 20, 2025", "by August 21, 2025", "Placed an ICE hold") {
				if !strings.Contains(body, w) {
					t.Errorf("letter lacks %q:\n%s", w, body)
				}
			}
			for _, a := range r.absent {
				if strings.Contains(body, a) {
					t.Errorf("letter holds %q:\n%s", a, body)
				}
			}
		})
	}
}
