package redress

import "time"

// Clock is one deadline of a complaint: Name is a clock of the unit's deadline
// configuration (acknowledge, triage, resolve, …). It runs from StartedAt until it is
// met (MetAt set); while the case waits on the complainant it stands still (PausedAt
// set), and resuming moves DueAt on by the pause. A clock still running when the case
// closes or is withdrawn is stopped (StoppedAt set): neither met nor missed, it runs
// again, due as before, if the case is reopened.
type Clock struct {
	ID          int64
	ComplaintID int64
	Name        string
	StartedAt   time.Time
	DueAt       time.Time
	MetAt       time.Time // zero while running or paused
	PausedAt    time.Time // zero unless paused
	StoppedAt   time.Time // zero unless stopped by the case's end
}
