// Package audit makes Redress's audit trail tamper-evident: it seals events into a
// SHA-256 hash chain, signs checkpoints of it with Ed25519, verifies the chain in the
// database or in an exported file, and writes exports an oversight body can check on
// its own. The formats are specified in docs/audit.md; this file is that specification
// in code.
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// HashSize is the size of every hash in the chain.
const HashSize = sha256.Size

// formatVersion is the first byte of every entry, so the encoding can change one day
// without an old chain becoming ambiguous.
const formatVersion = 1

// TimeLayout is the one text form of a time in the chain and in exports: UTC, always
// six fractional digits (the trail keeps microseconds, as PostgreSQL does).
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// FormatTime returns t in TimeLayout, dropping anything below a microsecond.
func FormatTime(t time.Time) string { return string(appendTime(nil, t)) }

// appendTime writes TimeLayout by hand: verification formats every event's time, and
// time.AppendFormat would be a tenth of its work.
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.Truncate(time.Microsecond).AppendFormat(b, TimeLayout)
	}
	hour, minute, sec := t.Clock()
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond()/1000, 6)
	return append(b, 'Z')
}

func appendDigits(b []byte, v, width int) []byte {
	var buf [8]byte
	for i := width - 1; i >= 0; i-- {
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, buf[:width]...)
}

// Event is one audit event as the chain sees it. A nil ComplaintID, AgencyID or
// AgreementID is none (NULL in the database).
type Event struct {
	Seq         int64
	ID          int64
	OccurredAt  string // TimeLayout
	Actor       string
	ActorRole   string
	Action      string
	ComplaintID *int64
	AgencyID    *int64
	AgreementID *int64
	RequestID   string
	Details     string // the stored JSON text, byte for byte
}

// BodyDigest is SHA-256 of the event's body: actor, actor role, action, request id and
// details, each length-prefixed. An export may show an event's body or only this digest
// (an "elided" line), and the chain can be recomputed either way.
func BodyDigest(e Event) [HashSize]byte {
	var enc encoder
	return enc.bodyDigest([]byte(e.Actor), []byte(e.ActorRole), []byte(e.Action), []byte(e.RequestID), []byte(e.Details))
}

// Entry is the canonical encoding of the event at its place in the chain:
//
//	0x01 ‖ i64(seq) ‖ i64(id) ‖ str(occurred_at)
//	     ‖ opt(complaint_id) ‖ opt(agency_id) ‖ opt(agreement_id) ‖ body digest
//
// with i64 an 8-byte big-endian two's-complement integer, str a 4-byte big-endian
// length then UTF-8 bytes, opt 0x00 for none or 0x01 ‖ i64.
func Entry(e Event, bodyDigest [HashSize]byte) []byte {
	var enc encoder
	return enc.entry(nil, e.Seq, e.ID, []byte(e.OccurredAt), optID(e.ComplaintID), optID(e.AgencyID), optID(e.AgreementID), bodyDigest)
}

// Hash is the event's link in the chain: SHA-256(prev ‖ Entry). The first event's prev
// is 32 zero bytes.
func Hash(prev []byte, e Event) [HashSize]byte {
	return chainHash(prev, Entry(e, BodyDigest(e)))
}

func chainHash(prev, entry []byte) [HashSize]byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(entry)
	var out [HashSize]byte
	h.Sum(out[:0])
	return out
}

type optInt struct {
	v  int64
	ok bool
}

func optID(id *int64) optInt {
	if id == nil {
		return optInt{}
	}
	return optInt{*id, true}
}

// encoder builds entries in buffers it reuses, so verifying a million events allocates
// nothing per event.
type encoder struct {
	body  []byte
	chain []byte
}

func (e *encoder) bodyDigest(actor, role, action, requestID, details []byte) [HashSize]byte {
	b := e.body[:0]
	b = appendStr(b, actor)
	b = appendStr(b, role)
	b = appendStr(b, action)
	b = appendStr(b, requestID)
	b = appendStr(b, details)
	e.body = b
	return sha256.Sum256(b)
}

func (e *encoder) entry(b []byte, seq, id int64, occurredAt []byte, complaint, agency, agreement optInt, digest [HashSize]byte) []byte {
	b = append(b, formatVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(seq))
	b = binary.BigEndian.AppendUint64(b, uint64(id))
	b = appendStr(b, occurredAt)
	b = appendOpt(b, complaint)
	b = appendOpt(b, agency)
	b = appendOpt(b, agreement)
	return append(b, digest[:]...)
}

// link returns SHA-256(prev ‖ entry) for the given fields in one buffer.
func (e *encoder) link(prev []byte, seq, id int64, occurredAt []byte, complaint, agency, agreement optInt, digest [HashSize]byte) [HashSize]byte {
	b := append(e.chain[:0], prev...)
	b = e.entry(b, seq, id, occurredAt, complaint, agency, agreement, digest)
	e.chain = b
	return sha256.Sum256(b)
}

func appendStr(b, s []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func appendOpt(b []byte, v optInt) []byte {
	if !v.ok {
		return append(b, 0)
	}
	b = append(b, 1)
	return binary.BigEndian.AppendUint64(b, uint64(v.v))
}
