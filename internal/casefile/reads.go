package casefile

import (
	"context"

	"github.com/redress-oversight/redress/internal/redress"
)

// Staff reading a case is an audit event, written here with the read: the case page
// (complaint.viewed), identity revealed (complaint.identity_viewed), one part of the
// case through the API (complaint.viewed with its part). The events say what was shown,
// never the content. A read that cannot be recorded is not answered: each method
// returns the error and nothing to show.

// View records that a staffer was shown the case of c (its page or the API's case
// read) and whether the complainant's words (narrative) were among what was shown. The
// caller shows the case only when View returns nil.
func (s *Service) View(ctx context.Context, a Actor, c redress.Complaint, narrative bool) error {
	return s.DB.RecordAudit(ctx, a.event(redress.ActionComplaintViewed, c, map[string]any{"narrative": narrative}))
}

// RevealIdentity opens the complainant's sealed identity and contact details (sealed,
// as the store keeps them for c) and records which fields were seen, never their
// values, with the case view it is part of (narrative as for View). An anonymous
// complaint reveals an empty contact.
func (s *Service) RevealIdentity(ctx context.Context, a Actor, c redress.Complaint, sealed []byte, narrative bool) (redress.Contact, error) {
	contact, err := redress.OpenContact(s.Box, c, sealed)
	if err != nil {
		return redress.Contact{}, err
	}
	ev := a.event(redress.ActionIdentityViewed, c, map[string]any{"narrative": narrative, "fields": contactFields(contact)})
	if err := s.DB.RecordAudit(ctx, ev); err != nil {
		return redress.Contact{}, err
	}
	return contact, nil
}

// contactFields names the contact fields a complainant gave: which fields a reveal
// showed, never their values.
func contactFields(c redress.Contact) []string {
	fields := []string{}
	for _, f := range []struct{ name, value string }{{"name", c.Name}, {"email", c.Email}, {"phone", c.Phone}, {"address", c.Address}} {
		if f.value != "" {
			fields = append(fields, f.name)
		}
	}
	return fields
}

// Parts of a case the API reads one at a time, as their events name them.
const (
	PartNotes    = "notes"
	PartMessages = "messages"
	PartEvidence = "evidence"
)

// ReadNotes returns c's internal notes, oldest first, for a staffer who may read them.
func (s *Service) ReadNotes(ctx context.Context, a Actor, c redress.Complaint) ([]redress.Note, error) {
	if err := s.recordPartRead(ctx, a, c, PartNotes); err != nil {
		return nil, err
	}
	return s.Notes(ctx, c.ID)
}

// ReadMessages returns c's messages as StaffMessages does (marking the complainant's
// replies read), for a staffer who may read them.
func (s *Service) ReadMessages(ctx context.Context, a Actor, c redress.Complaint) ([]redress.Message, error) {
	if err := s.recordPartRead(ctx, a, c, PartMessages); err != nil {
		return nil, err
	}
	return s.StaffMessages(ctx, c.ID)
}

// ReadEvidence lists c's files without their bytes, for a staffer who may read them.
func (s *Service) ReadEvidence(ctx context.Context, a Actor, c redress.Complaint) ([]redress.EvidenceInfo, error) {
	if err := s.recordPartRead(ctx, a, c, PartEvidence); err != nil {
		return nil, err
	}
	return s.Evidence(ctx, c.ID)
}

// recordPartRead records the read of one part of c before it is read: the case page's
// own complaint.viewed covers all the page shows, so only the API's reads of one part
// come here.
func (s *Service) recordPartRead(ctx context.Context, a Actor, c redress.Complaint, part string) error {
	return s.DB.RecordAudit(ctx, a.event(redress.ActionComplaintViewed, c, map[string]any{"part": part}))
}
