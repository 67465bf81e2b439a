package redress

import "encoding/json"

// A complainant's identity and contact details are stored sealed (internal/secret): the
// filing seals them, and casework, the case file and the staff pages open them. What
// the seal is bound to lives here, so each of those reads it the same way without
// depending on the others.

// IdentityContext binds a sealed identity to its complaint: sealed under one tracking
// number, it does not open as another complaint's.
func IdentityContext(tracking string) string { return "complaint-identity:" + tracking }

// Opener opens what was sealed under a context; secret.Box is one.
type Opener interface {
	Open(sealed []byte, context string) ([]byte, error)
}

// OpenContact opens a complaint's sealed identity and contact details. An anonymous
// complaint, or one filed with none, has the zero Contact.
func OpenContact(box Opener, c Complaint, sealed []byte) (Contact, error) {
	var contact Contact
	if c.Anonymous || len(sealed) == 0 {
		return contact, nil
	}
	plain, err := box.Open(sealed, IdentityContext(c.TrackingNumber))
	if err != nil {
		return contact, err
	}
	err = json.Unmarshal(plain, &contact)
	return contact, err
}
