package redress

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. The web layer maps each to one HTTP status; nothing else does.
const (
	ECONFLICT     = "conflict"
	EINTERNAL     = "internal"
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	// EUNAVAILABLE: the work cannot be taken on right now (a bound is full); the same
	// request will work shortly.
	EUNAVAILABLE = "unavailable"
)

// Error is an error a user may see: Message is safe to show and never carries
// database or library detail.
type Error struct {
	Code    string
	Message string
	// Key names the message in the catalogs when it differs from "error.<Code>".
	Key string
	// Fields holds one entry per invalid input field when Code is EINVALID.
	Fields FieldErrors
	// Err is the cause, for the log only (never shown): an outage keeps the driver's
	// error so an operator can tell a refused connection from a full disk.
	Err error
	// RetryAfter is how long to wait before sending the same request again, for
	// EUNAVAILABLE (zero: the web layer's default).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	s := fmt.Sprintf("redress: code=%s message=%s", e.Code, e.Message)
	if len(e.Fields) > 0 {
		s += fmt.Sprintf(" fields=%v", e.Fields)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf is a helper returning an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or EINTERNAL for any
// other non-nil error: an error we did not anticipate is never shown as is.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// FieldError says why one input field was refused. Rule is a stable key ("required",
// "too_long", "future", …) that the web layer turns into a message in the caller's
// language; Param carries the limit or value the message needs.
type FieldError struct {
	Field string
	Rule  string
	Param string
}

// FieldErrors collects the problems of one input, in the order they were found.
type FieldErrors []FieldError

func (fe *FieldErrors) Add(field, rule string, param ...any) {
	p := ""
	if len(param) > 0 {
		p = fmt.Sprint(param[0])
	}
	*fe = append(*fe, FieldError{Field: field, Rule: rule, Param: p})
}

// Has reports whether field already has a problem, so later checks do not pile on.
func (fe FieldErrors) Has(field string) bool {
	for _, e := range fe {
		if e.Field == field {
			return true
		}
	}
	return false
}

// Err returns nil when there are no problems, else an EINVALID *Error.
func (fe FieldErrors) Err() error {
	if len(fe) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "Some fields need attention.", Fields: fe}
}
