package redress

import "time"

// Backlog is the work waiting for the workers that run beside the web: email in the
// outbox and audit events the sealer has not yet chained. An oldest time is zero when
// nothing waits. The metrics endpoint shows it; alerts watch its ages.
type Backlog struct {
	// MailQueued is how many emails wait to be sent (first attempt or a retry);
	// MailOldest, when the oldest of them was written. MailFailed counts the emails the
	// outbox gave up on.
	MailQueued int64
	MailOldest time.Time
	MailFailed int64
	// Unsealed is how many audit events wait for the sealer; UnsealedOldest, when the
	// first of them (the sealer's next) happened.
	Unsealed       int64
	UnsealedOldest time.Time
}
