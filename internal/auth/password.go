package auth

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/redress-oversight/redress/internal/redress"
)

// Argon2Params is the cost of hashing one password with argon2id.
type Argon2Params struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32
	Threads   uint8
}

// Argon2 is the cost of new hashes: 24 MiB and 3 passes, one lane; about 50 ms of one
// core on a current server. Each hash records its own cost, so changing this later
// does not lock anyone out (and a sign-in rehashes to it). Tests lower it.
//
// Why these: OWASP's floor for argon2id is 19 MiB with 2 passes (or 46 MiB with 1);
// this is above it on both counts. Memory is what a flood of sign-ins exhausts, and a
// Hasher runs at most Concurrent hashes, so the memory hashing can hold at once is
// Concurrent × MemoryKiB: 48 MiB on 2 cores, 384 MiB on 16, where 64 MiB per hash
// without a bound took a server to 8 GB. One lane (p=1), because the Hasher already
// keeps every core busy with a hash of its own; lanes would only share a core.
var Argon2 = Argon2Params{Time: 3, MemoryKiB: 24 * 1024, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
	// maxPasswordBytes bounds the work one request can ask of argon2.
	maxPasswordBytes = 1024
)

// Hasher runs argon2id for sign-in and password changes within a bound: at most
// Concurrent hashes at once, at most Queue more waiting for a slot, none waiting longer
// than Wait. What does not fit is refused at once with ErrBusy (503 and Retry-After on
// the web), so a flood of sign-ins can take neither the memory nor every core from the
// complaints being filed. The zero Hasher takes the defaults in the comments.
type Hasher struct {
	Params     Argon2Params  // of new hashes; zero: Argon2
	Concurrent int           // hashes at once; 0: GOMAXPROCS, about one per core
	Queue      int           // requests waiting for a slot; 0: 16 per slot
	Wait       time.Duration // the longest a request waits for a slot; 0: 3s

	once    sync.Once
	slots   chan struct{}
	waiting atomic.Int64
	running atomic.Int64
	peak    atomic.Int64
}

// DefaultHasher bounds the hashing of the whole process: every Service without a
// Hasher of its own shares it, as they share the cores.
var DefaultHasher = &Hasher{}

// ErrBusy refuses a sign-in or password change when the Hasher has no slot free within
// its Wait: nothing was checked or counted, and trying again shortly will work.
var ErrBusy = &redress.Error{Code: redress.EUNAVAILABLE, Key: "error.login_busy",
	Message: "Sign-in is busy right now. Please try again in a few seconds."}

func (h *Hasher) setup() {
	h.once.Do(func() {
		if h.Concurrent <= 0 {
			h.Concurrent = runtime.GOMAXPROCS(0)
		}
		if h.Queue <= 0 {
			h.Queue = 16 * h.Concurrent
		}
		if h.Wait <= 0 {
			h.Wait = 3 * time.Second
		}
		h.slots = make(chan struct{}, h.Concurrent)
	})
}

func (h *Hasher) params() Argon2Params {
	if h.Params == (Argon2Params{}) {
		return Argon2
	}
	return h.Params
}

// Acquire takes a hashing slot, waiting at most Wait behind at most Queue others; the
// caller runs its hash and calls release. ErrBusy when no slot comes; ctx's error when
// the caller gives up first.
func (h *Hasher) Acquire(ctx context.Context) (release func(), err error) {
	h.setup()
	select {
	case h.slots <- struct{}{}:
	default:
		if h.waiting.Add(1) > int64(h.Queue) {
			h.waiting.Add(-1)
			return nil, ErrBusy
		}
		t := time.NewTimer(h.Wait)
		defer t.Stop()
		select {
		case h.slots <- struct{}{}:
			h.waiting.Add(-1)
		case <-t.C:
			h.waiting.Add(-1)
			return nil, ErrBusy
		case <-ctx.Done():
			h.waiting.Add(-1)
			return nil, ctx.Err()
		}
	}
	n := h.running.Add(1)
	for p := h.peak.Load(); n > p && !h.peak.CompareAndSwap(p, n); p = h.peak.Load() {
	}
	return func() {
		h.running.Add(-1)
		<-h.slots
	}, nil
}

// full reports whether a request would be refused now, for callers to refuse before
// they spend a database transaction on an attempt that cannot be checked: under a
// flood, most attempts end here, and cost nothing but the answer.
func (h *Hasher) full() bool {
	h.setup()
	return len(h.slots) == cap(h.slots) && h.waiting.Load() >= int64(h.Queue)
}

// Peak is the most hashes that have run at once, for tests and benchmarks that check
// the bound holds.
func (h *Hasher) Peak() int { return int(h.peak.Load()) }

// Hash returns password's argon2id hash as a PHC string (see hashPassword), within
// the bound.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	release, err := h.Acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return hashPassword(h.params(), password), nil
}

// Verify reports whether password matches the PHC string encoded, within the bound.
// A malformed hash matches nothing and costs no slot.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (bool, error) {
	if _, _, _, err := decodeHash(encoded); err != nil || len(password) > maxPasswordBytes {
		return false, nil
	}
	release, err := h.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return verifyPassword(password, encoded), nil
}

// Outdated reports whether encoded was made at a cost other than today's, so a
// sign-in that has the password at hand can store it again at today's.
func (h *Hasher) Outdated(encoded string) bool {
	p, _, _, err := decodeHash(encoded)
	return err == nil && p != h.params()
}

// verifyDummy spends the time, and the slot, a real verification takes, for sign-ins
// to addresses without an account (or without a password yet), so neither timing nor
// a refusal when busy tells them apart. The hash it checks against has a random key:
// no password matches it, and making it costs no argon2 run.
func (h *Hasher) verifyDummy(ctx context.Context, password string) error {
	p := h.params()
	salt, key := make([]byte, saltLen), make([]byte, keyLen)
	rand.Read(salt)
	rand.Read(key)
	_, err := h.Verify(ctx, password, encodeHash(p, salt, key))
	return err
}

// hashPassword returns password's argon2id hash at cost p as a PHC string:
// $argon2id$v=19$m=24576,t=3,p=1$<salt>$<hash>, salt and hash in unpadded base64.
// Callers go through a Hasher, which bounds how many run at once.
func hashPassword(p Argon2Params, password string) string {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return encodeHash(p, salt, argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, keyLen))
}

func encodeHash(p Argon2Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

var errBadHash = errors.New("auth: not an argon2id hash this program wrote")

// decodeHash parses a PHC string written by hashPassword.
func decodeHash(encoded string) (p Argon2Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, errBadHash
	}
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil || n != 3 ||
		p.Time == 0 || p.Threads == 0 || p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > 4<<20 || p.Time > 100 {
		return p, nil, nil, errBadHash
	}
	b64 := base64.RawStdEncoding
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, errBadHash
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 {
		return p, nil, nil, errBadHash
	}
	return p, salt, key, nil
}

// verifyPassword reports whether password matches the PHC string encoded, comparing in
// constant time. A malformed hash matches nothing.
func verifyPassword(password, encoded string) bool {
	p, salt, key, err := decodeHash(encoded)
	if err != nil || len(password) > maxPasswordBytes {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// CheckPassword applies the password policy: at least MinPasswordLength characters, at
// most 1024 bytes, and not easy to guess (see weakPassword). It returns EINVALID with
// one FieldError for "password": rule password_short (Param: the minimum), too_long, or
// password_common.
func (s *Service) CheckPassword(password, email string) error {
	var fe redress.FieldErrors
	min := s.policy().MinPasswordLength
	switch {
	case utf8.RuneCountInString(password) < min:
		fe.Add("password", "password_short", min)
	case len(password) > maxPasswordBytes:
		fe.Add("password", "too_long", maxPasswordBytes)
	case weakPassword(password, email):
		fe.Add("password", "password_common")
	}
	return fe.Err()
}

// MinPasswordLength is the shortest password the policy accepts, for forms to say.
func (s *Service) MinPasswordLength() int { return s.policy().MinPasswordLength }

//go:embed common_passwords.txt
var commonPasswordsFile string

var commonPasswords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsFile))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			m[strings.ToLower(w)] = true
		}
	}
	return m
})

// Runs of characters people type as "patterns": the alphabet, digits (wrapping 9 to
// 0), keyboard rows and columns. Each is also matched backwards.
var sequences = []string{
	"abcdefghijklmnopqrstuvwxyz",
	"0123456789012345678901234567890",
	"qwertyuiopasdfghjklzxcvbnm",
	"qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertzuiop", "azertyuiop", "yxcvbnm",
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
	"qazwsxedcrfvtgbyhnujmikolp",
	"!@#$%^&*()",
}

// weakPassword applies the rules behind "password_common". A password is weak when,
// ignoring case:
//   - it contains "redress", or the local part of the account's email (when it has at
//     least 3 characters), or any piece of it of at least 4 characters ("maria" of
//     "maria.lopez@…");
//   - it has fewer than 5 different characters ("aaaaaaaaaaaa", "121212121212");
//   - it is one shorter string repeated ("passwordpassword", "abcabcabcabc");
//   - one run of the alphabet, digits or a keyboard row covers all but 3 of its
//     characters ("123456789012", "!abcdefghijk");
//   - it can be cut, whole, into pieces each of which is a common password (the list,
//     also read with 0→o, 1→i or l, 3→e, 4/@→a, 5/$→s, 7→t), a run of 3 or more from
//     the alphabet, digits or a keyboard row, a character repeated, a year 1900-2099,
//     or 1-2 non-letters at either end ("Password2025!", "qwertyuiop12", "iloveyou123", "summer!!2024").
//
// The list is a few hundred entries written by hand (no download at build time); the
// last rule makes it catch the long variants that length rules let through.
func weakPassword(password, email string) bool {
	p := strings.ToLower(password)
	if strings.Contains(p, "redress") {
		return true
	}
	local, _, _ := strings.Cut(redress.NormalizeEmail(email), "@")
	if utf8.RuneCountInString(local) >= 3 && strings.Contains(p, local) {
		return true
	}
	for _, piece := range strings.FieldsFunc(local, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if utf8.RuneCountInString(piece) >= 4 && strings.Contains(p, piece) {
			return true
		}
	}
	r := []rune(p)
	distinct := map[rune]bool{}
	for _, c := range r {
		distinct[c] = true
	}
	if len(distinct) < 5 {
		return true
	}
	for k := 1; k <= len(r)/2; k++ {
		if len(r)%k == 0 && strings.Repeat(string(r[:k]), len(r)/k) == p {
			return true
		}
	}
	if longestRun(r) >= len(r)-3 {
		return true
	}
	return len(r) <= 128 && segmentable(r)
}

// runAt returns the length of the longest sequence run starting at r[i] (at least 1).
func runAt(r []rune, i int) int {
	best := 1
	for _, seq := range sequences {
		for _, s := range []string{seq, reverse(seq)} {
			sr := []rune(s)
			for j := range sr {
				if sr[j] != r[i] {
					continue
				}
				n := 1
				for i+n < len(r) && j+n < len(sr) && sr[j+n] == r[i+n] {
					n++
				}
				best = max(best, n)
			}
		}
	}
	return best
}

func longestRun(r []rune) int {
	best := 0
	for i := range r {
		best = max(best, runAt(r, i))
	}
	return best
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

var leet = []*strings.Replacer{
	strings.NewReplacer("0", "o", "1", "i", "3", "e", "4", "a", "@", "a", "5", "s", "$", "s", "7", "t", "!", "i"),
	strings.NewReplacer("0", "o", "1", "l", "3", "e", "4", "a", "@", "a", "5", "s", "$", "s", "7", "t", "!", "l"),
}

func commonWord(w string) bool {
	if utf8.RuneCountInString(w) < 4 {
		return false
	}
	list := commonPasswords()
	if list[w] {
		return true
	}
	for _, l := range leet {
		if list[l.Replace(w)] {
			return true
		}
	}
	return false
}

// segmentable reports whether r can be cut, whole, into weak pieces (see weakPassword).
func segmentable(r []rune) bool {
	n := len(r)
	ok := make([]bool, n+1) // ok[i]: r[:i] can be cut into weak pieces
	ok[0] = true
	for i := 0; i < n; i++ {
		if !ok[i] {
			continue
		}
		// A run of the alphabet, digits or a keyboard row, or any part of it of 3 or more.
		if run := runAt(r, i); run >= 3 {
			for l := 3; l <= run; l++ {
				ok[i+l] = true
			}
		}
		// A character repeated.
		j := i + 1
		for j < n && r[j] == r[i] {
			j++
		}
		for l := i + 2; l <= j; l++ {
			ok[l] = true
		}
		// A year.
		if i+4 <= n {
			y := string(r[i : i+4])
			if (strings.HasPrefix(y, "19") || strings.HasPrefix(y, "20")) && isDigits(y) {
				ok[i+4] = true
			}
		}
		// One or two non-letters, first or last.
		for l := 1; l <= 2 && i+l <= n && !unicode.IsLetter(r[i+l-1]); l++ {
			if i == 0 || i+l == n {
				ok[i+l] = true
			}
		}
		// A common password.
		for l := 4; i+l <= n; l++ {
			if commonWord(string(r[i : i+l])) {
				ok[i+l] = true
			}
		}
	}
	return ok[n]
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
