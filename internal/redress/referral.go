package redress

import (
	"slices"
	"time"
)

// Referral is a complaint sent to another office, with its own response clock.
type Referral struct {
	ID             int64
	ComplaintID    int64
	Recipient      string
	RecipientOther string
	IdentityShared bool
	Method         string
	Shared         string
	SentAt         time.Time
	DueAt          time.Time
	AnsweredAt     time.Time
	Answer         string
	Outcome        string
	// The office of the directory the referral letter went to, as it was named then,
	// and the letter in the outbox: OutboxID is 0 when no office stood for the
	// recipient and the referral is only a record. LetterStatus is the letter's
	// outbox status (queued, sent, deferred, failed) as last read.
	OfficeID     int64
	OfficeName   string
	OutboxID     int64
	LetterStatus string
}

// Office is one entry of the directory of offices referral letters go to. It stands
// for some referral recipients (Recipients: dhs_oig, state_ag…) everywhere, or only
// for complaints in some States or about some agencies (AgencyIDs): the most specific
// office for a complaint wins (agency, then state, then everywhere).
type Office struct {
	ID         int64
	Name       string
	Email      string // opened by the service that needs it; the store holds it sealed
	Recipients []string
	States     []string
	AgencyIDs  []int64
	UpdatedAt  time.Time
}

// OfficeEmailContext is the sealing context of an office's address.
const OfficeEmailContext = "referral-office-email"

// Office scopes, from most to least specific; OfficeScopeNone: it does not stand for
// the complaint.
const (
	OfficeScopeNone = iota
	OfficeScopeAll
	OfficeScopeState
	OfficeScopeAgency
)

// Scope says how specifically o stands for a referral to recipient about a complaint
// in state about agency (0: none named): OfficeScopeNone when it does not.
func (o Office) Scope(recipient, state string, agency int64) int {
	if !slices.Contains(o.Recipients, recipient) {
		return OfficeScopeNone
	}
	switch {
	case agency != 0 && slices.Contains(o.AgencyIDs, agency):
		return OfficeScopeAgency
	case state != "" && slices.Contains(o.States, state):
		return OfficeScopeState
	case len(o.AgencyIDs) == 0 && len(o.States) == 0:
		return OfficeScopeAll
	}
	return OfficeScopeNone
}

// OfficeFor is the office of offices that stands most specifically for a referral to
// recipient about complaint c; ok is false when none does. Among equally specific
// offices the first (the store lists them by name) wins.
func OfficeFor(offices []Office, recipient string, c Complaint) (Office, bool) {
	var best Office
	bestScope := OfficeScopeNone
	for _, o := range offices {
		if sc := o.Scope(recipient, c.State, c.AgencyID); sc > bestScope {
			best, bestScope = o, sc
		}
	}
	return best, bestScope != OfficeScopeNone
}
