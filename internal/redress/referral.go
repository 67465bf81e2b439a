package redress

import "time"

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
}
