package redress

import "time"

// What accumulates around a case: internal notes, messages between the review office
// and the complainant, and evidence files.

// Directions of a message (messages.direction).
const (
	MessageToComplainant   = "to_complainant"
	MessageFromComplainant = "from_complainant"
)

// Note is an internal note: staff only, never shown to the complainant.
type Note struct {
	ID          int64
	ComplaintID int64
	AuthorID    int64
	Author      string // the author's name
	Body        string
	CreatedAt   time.Time
}

// Message is one message between the review office and the complainant. AuthorID and
// Author name the staff member who wrote a message to the complainant.
type Message struct {
	ID          int64
	ComplaintID int64
	Direction   string // MessageToComplainant or MessageFromComplainant
	AuthorID    int64
	Author      string
	Body        string
	CreatedAt   time.Time
	ReadAt      time.Time // zero: not read yet (by the complainant, or by staff for a reply)
	AnsweredAt  time.Time // to_complainant only: zero until the complainant answered
}

// EvidenceInfo describes an evidence file, without its bytes.
type EvidenceInfo struct {
	ID          int64
	ComplaintID int64
	UploadedBy  string // user:<id> or receipt_holder
	FileName    string
	ContentType string
	Size        int64
	SHA256      string
	CreatedAt   time.Time
}

// EvidenceFile is an evidence file with its bytes.
type EvidenceFile struct {
	EvidenceInfo
	Data []byte
}

// Why an evidence file is refused. The web layer answers each with its own status: too
// large 413, of a refused type 415, empty 422, one too many 409.
var (
	// ErrEvidenceLimit: the complaint already holds as many files as it may.
	ErrEvidenceLimit = &Error{Code: ECONFLICT, Key: "error.evidence_count",
		Message: "This complaint already has as many files as it can hold."}
	ErrEvidenceTooLarge = &Error{Code: EINVALID, Key: "error.evidence_too_large",
		Message: "This file is too large."}
	ErrEvidenceType = &Error{Code: EINVALID, Key: "error.evidence_type",
		Message: "This kind of file cannot be accepted."}
	ErrEvidenceEmpty = &Error{Code: EINVALID, Key: "error.evidence_empty",
		Message: "Choose a file to send."}
)
