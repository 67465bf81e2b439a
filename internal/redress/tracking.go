package redress

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"strings"
)

// crockford is Crockford's base-32 alphabet: no I, L, O or U, so a number read aloud
// over the phone or copied from a crumpled receipt cannot be misread.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func randomCrockford(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i := range b {
		b[i] = crockford[b[i]&31]
	}
	return string(b)
}

// NewTrackingNumber returns a number like RX-7K4M-2Q9D: 40 random bits, short enough to
// read aloud. It is not a secret; the receipt code is.
func NewTrackingNumber() string {
	s := randomCrockford(8)
	return "RX-" + s[:4] + "-" + s[4:]
}

// NewReceiptCode returns a code of 20 symbols (100 random bits) in groups of five. It is
// shown once and only its hash is stored.
func NewReceiptCode() string {
	s := randomCrockford(20)
	return s[:5] + "-" + s[5:10] + "-" + s[10:15] + "-" + s[15:]
}

// normalizeCode reads a code the way people type it: any case, spaces or dashes
// anywhere, and O/I/L for 0/1/1.
func normalizeCode(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		case ' ', '-', '\t':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// NormalizeTrackingNumber turns what a person typed into the stored form, or "" when it
// cannot be a tracking number.
func NormalizeTrackingNumber(s string) string {
	n := normalizeCode(s)
	n = strings.TrimPrefix(n, "RX")
	if len(n) != 8 || strings.Trim(n, crockford) != "" {
		return ""
	}
	return "RX-" + n[:4] + "-" + n[4:]
}

// HashReceiptCode is what we store for a receipt code. The code carries 100 random bits,
// so a plain SHA-256 cannot be reversed by guessing.
func HashReceiptCode(code string) []byte {
	h := sha256.Sum256([]byte("redress-receipt:" + normalizeCode(code)))
	return h[:]
}

// ReceiptMatches compares a typed code with a stored hash in constant time.
func ReceiptMatches(code string, stored []byte) bool {
	return subtle.ConstantTimeCompare(HashReceiptCode(code), stored) == 1
}
