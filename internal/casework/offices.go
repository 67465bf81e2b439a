package casework

import (
	"context"
	netmail "net/mail"
	"slices"
	"strings"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// The directory of offices referral letters go to, kept by administrators. An office's
// address is sealed at rest, as every address in the outbox is; this service opens it.

// OfficeRecipients are the referral recipients an office of the directory can stand
// for: every one but "other", which the officer names by hand on each referral.
var OfficeRecipients = slices.DeleteFunc(slices.Clone(ReferralRecipients), func(r string) bool { return r == "other" })

const maxOfficeName = 200

// Offices lists the directory by name, addresses opened.
func (s *Service) Offices(ctx context.Context) ([]redress.Office, error) {
	sealed, err := s.DB.Offices(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]redress.Office, len(sealed))
	for i, o := range sealed {
		email, err := s.Box.Open(o.EmailSealed, redress.OfficeEmailContext)
		if err != nil {
			return nil, err
		}
		out[i] = o.Office
		out[i].Email = string(email)
	}
	return out, nil
}

// SaveOffice adds an office to the directory, or replaces the one of the same name. An
// office that does not validate (no name, an address that is not one, a recipient it
// cannot stand for, a state by name, an agency not in the registry) is EINVALID and
// nothing is stored.
func (s *Service) SaveOffice(ctx context.Context, a Actor, o redress.Office) (redress.Office, error) {
	o.Name, o.Email = strings.TrimSpace(redress.StripHiddenControls(o.Name)), strings.TrimSpace(o.Email)
	if err := validateOffice(&o); err != nil {
		return redress.Office{}, err
	}
	current, err := s.Offices(ctx)
	if err != nil {
		return redress.Office{}, err
	}
	ch := store.OfficeChange{SealedOffice: store.SealedOffice{Office: o,
		EmailSealed: s.Box.Seal([]byte(o.Email), redress.OfficeEmailContext)}, EmailChanged: true}
	for _, c := range current {
		if c.Name == o.Name {
			ch.EmailChanged = c.Email != o.Email
		}
	}
	return s.DB.SaveOffice(ctx, ch, a.event(redress.ActionOfficeSaved))
}

func validateOffice(o *redress.Office) error {
	var fe redress.FieldErrors
	switch {
	case o.Name == "":
		fe.Add("name", "required")
	case len([]rune(o.Name)) > maxOfficeName:
		fe.Add("name", "too_long", maxOfficeName)
	}
	if o.Email == "" {
		fe.Add("email", "required")
	} else if addr, err := netmail.ParseAddress(o.Email); err != nil || addr.Address != o.Email || len(o.Email) > 254 {
		fe.Add("email", "email")
	}
	if len(o.Recipients) == 0 {
		fe.Add("recipients", "required_one")
	}
	for _, r := range o.Recipients {
		if !slices.Contains(OfficeRecipients, r) {
			fe.Add("recipients", "unknown_code", r)
			break
		}
	}
	o.Recipients = slices.Compact(slices.Sorted(slices.Values(o.Recipients)))
	for i, st := range o.States {
		code, ok := redress.StateCode(st)
		if !ok {
			fe.Add("states", "state")
			break
		}
		o.States[i] = code
	}
	o.States = slices.Compact(slices.Sorted(slices.Values(o.States)))
	for _, id := range o.AgencyIDs {
		if id <= 0 {
			fe.Add("agencies", "id")
			break
		}
	}
	o.AgencyIDs = slices.Compact(slices.Sorted(slices.Values(o.AgencyIDs)))
	return fe.Err()
}

// RemoveOffice takes an office out of the directory; an id no office has is ENOTFOUND.
func (s *Service) RemoveOffice(ctx context.Context, a Actor, id int64) error {
	return s.DB.RemoveOffice(ctx, id, a.event(redress.ActionOfficeRemoved))
}
