package casework

import (
	"context"

	"github.com/redress-oversight/redress/internal/mail"
	"github.com/redress-oversight/redress/internal/redress"
)

// MailReferral is the kind of the referral letters Refer sends offices.
const MailReferral = "complaint.referral"

// letters composes the referral letters of one complaint: what every letter says of
// it, read once, and its sealed identity, opened only for a letter that shares it.
type letters struct {
	s       *Service
	c       redress.Complaint
	sealed  []byte
	base    mail.ReferralLetter
	contact *redress.Contact
}

func (s *Service) newLetters(ctx context.Context, c redress.Complaint, sealed []byte) (*letters, error) {
	l := &letters{s: s, c: c, sealed: sealed, base: mail.ReferralLetter{
		Tracking: c.TrackingNumber, ReceivedAt: c.ReceivedAt, AgencyNamed: c.AgencyOther, State: c.State,
		IncidentDate: c.IncidentDate, Functions: c.Functions, Anonymous: c.Anonymous,
	}}
	for _, al := range c.Allegations {
		l.base.Categories = append(l.base.Categories, al.Category)
	}
	if c.AgencyID != 0 {
		ag, err := s.DB.Agency(ctx, c.AgencyID)
		if err != nil {
			return nil, err
		}
		l.base.Agency = ag.Name + " (" + ag.State + ")"
	}
	if c.AgreementID != 0 {
		moa, err := s.DB.Agreement(ctx, c.AgreementID)
		if err != nil {
			return nil, err
		}
		l.base.Agreement = &moa
	}
	return l, nil
}

// compose is the letter of referral ref to office o, addressed to it (sealed) and tied
// to the complaint and its MOA, so the audit events of sending it are too.
func (l *letters) compose(o redress.Office, ref redress.Referral) (*redress.OutboundMail, error) {
	letter := l.base
	letter.Office, letter.Shared, letter.Due = o.Name, ref.Shared, ref.DueAt
	if ref.IdentityShared {
		if l.contact == nil {
			contact, err := redress.OpenContact(l.s.Box, l.c, l.sealed)
			if err != nil {
				return nil, err
			}
			l.contact = &contact
		}
		letter.Identity = l.contact
	}
	subject, body := mail.ReferralLetterText(l.s.Catalog, letter)
	m := redress.OutboundMail{Kind: MailReferral, Language: mail.LetterLanguage, Subject: subject, Body: body,
		ComplaintID: l.c.ID, AgencyID: l.c.AgencyID, AgreementID: l.c.AgreementID}
	mail.SealRecipient(l.s.Box, &m, o.Email)
	return &m, nil
}
