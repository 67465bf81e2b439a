package mail

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/textproto"
	"regexp"
	"time"
	"unicode/utf8"

	gomail "github.com/go-mail/mail"
)

func init() {
	// go-mail reads the server's greeting (and, for smtps, does the TLS handshake) before
	// it sets its own deadline, so a server that accepts the connection and says nothing
	// would hold the worker forever. The deadline set here covers that; go-mail replaces
	// it with its own once the greeting is in.
	gomail.NetDialTimeout = func(network, addr string, timeout time.Duration) (net.Conn, error) {
		conn, err := net.DialTimeout(network, addr, timeout)
		if err == nil && timeout > 0 {
			conn.SetDeadline(time.Now().Add(timeout))
		}
		return conn, err
	}
}

// Where an SMTP error happened: opening the session (connect, greeting, STARTTLS,
// AUTH) or sending one message (MAIL, RCPT, DATA).
const (
	stageDial = "dial"
	stageSend = "send"
)

var (
	errUnreadable     = errors.New("the sealed recipient does not open with this key")
	errInvalidAddress = errors.New("the recipient is not a valid email address")
)

// Error classes, stored with each attempt and in audit events.
const (
	classConnection = "connection"  // refused, reset, closed, DNS
	classTimeout    = "timeout"     // the server did not answer in time
	classTLS        = "tls"         // handshake, certificate, or STARTTLS required but missing
	classAuth       = "auth"        // the server refused the credentials
	classSession    = "session"     // the server refused the session otherwise (5xx before MAIL)
	classTemporary  = "temporary"   // 4xx: the server asks to try later
	classPermanent  = "permanent"   // 5xx to this message: MAIL, RCPT or DATA refused
	classUnreadable = "unreadable"  // the recipient cannot be unsealed
	classBadAddress = "bad_address" // the recipient is not an address
	classOther      = "other"
)

// classify names an error's class, whether it is the server's permanent refusal of the
// message (counted against MaxRefusals), and whether trying again is pointless.
//
// Failures while opening the session are the server's or the configuration's (down,
// wrong password, bad certificate): they are retried until GiveUpAfter however the
// server words them, so that fixing the configuration loses no mail.
func classify(err error, stage string) (class string, refused, final bool) {
	var se *gomail.SendError
	if errors.As(err, &se) {
		err = se.Cause
	}
	var tp *textproto.Error
	var ne net.Error
	switch {
	case errors.Is(err, errInvalidAddress):
		return classBadAddress, false, true
	case errors.Is(err, errUnreadable):
		// A wrong key may be put right; count it like a refusal.
		return classUnreadable, true, false
	case errors.As(err, &tp):
		switch {
		case tp.Code < 500:
			return classTemporary, false, false
		case tp.Code == 530 || tp.Code == 534 || tp.Code == 535 || tp.Code == 538:
			// Authentication required or refused, whether at AUTH or at MAIL.
			return classAuth, false, false
		case stage == stageDial:
			return classSession, false, false
		default:
			return classPermanent, true, false
		}
	case isTLSError(err):
		return classTLS, false, false
	case errors.As(err, &ne) && ne.Timeout():
		return classTimeout, false, false
	case errors.As(err, &ne), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return classConnection, false, false
	case stage == stageDial:
		// net/smtp's own refusals, such as PLAIN auth over an unencrypted connection.
		return classSession, false, false
	}
	return classOther, false, false
}

func isTLSError(err error) bool {
	var (
		unsupported gomail.StartTLSUnsupportedError
		header      tls.RecordHeaderError
		alert       tls.AlertError
		verify      *tls.CertificateVerificationError
		authority   x509.UnknownAuthorityError
		hostname    x509.HostnameError
		invalid     x509.CertificateInvalidError
	)
	return errors.As(err, &unsupported) || errors.As(err, &header) || errors.As(err, &alert) ||
		errors.As(err, &verify) || errors.As(err, &authority) || errors.As(err, &hostname) ||
		errors.As(err, &invalid)
}

// redact removes the recipient's address from an error's text (servers often quote it
// back, as in "550 <someone@example.org>: no such user") and bounds its length.
func redact(msg, address string) string {
	if address != "" {
		msg = regexp.MustCompile("(?i)"+regexp.QuoteMeta(address)).ReplaceAllLiteralString(msg, "(recipient)")
	}
	if len(msg) > 500 {
		cut := 500
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
}
