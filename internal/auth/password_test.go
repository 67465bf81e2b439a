package auth

import (
	"regexp"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
)

// productionArgon2 is the cost new hashes have outside tests, read before TestMain
// lowers it.
var productionArgon2 = Argon2

func TestMain(m *testing.M) {
	// Full-cost argon2 would make every sign-in in these tests take 50 ms and 64 MiB.
	Argon2 = Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1}
	m.Run()
}

var phc = regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashPassword(t *testing.T) {
	const pw = "tulip canyon ferry 47"
	a, b := hashPassword(Argon2, pw), hashPassword(Argon2, pw)
	if a == b {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	for _, h := range []string{a, b} {
		if !phc.MatchString(h) {
			t.Errorf("hash %q is not a PHC argon2id string with the current cost", h)
		}
		if !verifyPassword(pw, h) {
			t.Errorf("right password refused by %q", h)
		}
		if verifyPassword(pw+" ", h) || verifyPassword("", h) || verifyPassword(strings.ToUpper(pw), h) {
			t.Errorf("wrong password accepted by %q", h)
		}
	}

	// The string carries everything needed to check it again.
	p, salt, key, err := decodeHash(a)
	if err != nil {
		t.Fatal(err)
	}
	if p != Argon2 || len(salt) != saltLen || len(key) != keyLen {
		t.Errorf("decoded %+v, %d-byte salt, %d-byte key", p, len(salt), len(key))
	}
	if got := encodeHash(p, salt, key); got != a {
		t.Errorf("round trip\n got %s\nwant %s", got, a)
	}

	// A hash keeps its own cost: raising the cost does not lock out existing passwords.
	c := hashPassword(Argon2Params{Time: 2, MemoryKiB: 128, Threads: 2}, pw)
	if !strings.Contains(c, "$m=128,t=2,p=2$") || !verifyPassword(pw, c) || !verifyPassword(pw, a) {
		t.Errorf("hashes of two costs: %s; %s", c, a)
	}

	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$" + strings.Repeat("A", 43),
		strings.Replace(a, "v=19", "v=18", 1), strings.Replace(a, "m=64", "m=0", 1), a[:len(a)-10]} {
		if verifyPassword(pw, bad) {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	s := &Service{}
	const email = "maria.lopez@example.org"
	for _, tc := range []struct {
		password, rule string
	}{
		{"tulip canyon ferry 47", ""},
		{"Correct horse battery staple", ""},
		{"dragon839271x", ""},
		{"839271640512", ""},
		{"short", "password_short"},
		{"elevenchars", "password_short"},
		{"ñandú-pingüino", ""},            // 14 characters in 16 bytes: characters are counted
		{"ñandúpingüi", "password_short"}, // 11 characters, 13 bytes
		{strings.Repeat("x", 1025) + "yzabc", "too_long"},
		{"password1234", "password_common"},
		{"Password2025!", "password_common"},
		{"P@ssw0rd2025!", "password_common"},
		{"iloveyou123456", "password_common"},
		{"summer!!2024", "password_common"},
		{"qwertyuiop12", "password_common"},
		{"qwertypassword", "password_common"},
		{"123456789012", "password_common"},
		{"abcdefghijkl", "password_common"},
		{"!abcdefghijk", "password_common"},
		{"zyxwvutsrqpo", "password_common"},
		{"aaaaaaaaaaaa", "password_common"},
		{"121212121212", "password_common"},
		{"abcabcabcabc", "password_common"},
		{"dragonmonkey1", "password_common"},
		{"my-redress-login", "password_common"},
		{"XRedress2025x", "password_common"},
		{"hola maria.lopez", "password_common"},
		{"querida lopez 1999", "password_common"},
	} {
		err := s.CheckPassword(tc.password, email)
		var got string
		if err != nil {
			if redress.ErrorCode(err) != redress.EINVALID {
				t.Fatalf("%q: %v, want EINVALID", tc.password, err)
			}
			fe := err.(*redress.Error).Fields
			if len(fe) != 1 || fe[0].Field != "password" {
				t.Fatalf("%q: fields %v", tc.password, fe)
			}
			got = fe[0].Rule
			if got == "password_short" && fe[0].Param != "12" {
				t.Errorf("%q: param %q, want the minimum 12", tc.password, fe[0].Param)
			}
		}
		if got != tc.rule {
			t.Errorf("%q: rule %q, want %q", tc.password, got, tc.rule)
		}
	}
	if err := (&Service{Policy: Policy{MinPasswordLength: 20}}).CheckPassword("tulip canyon ferry 47", email); err != nil {
		t.Errorf("21 characters with minimum 20: %v", err)
	}
	if err := (&Service{Policy: Policy{MinPasswordLength: 22}}).CheckPassword("tulip canyon ferry 47", email); err == nil {
		t.Error("21 characters with minimum 22: accepted")
	}
}

func TestCommonListLoaded(t *testing.T) {
	list := commonPasswords()
	if len(list) < 400 {
		t.Errorf("%d common passwords, want at least 400", len(list))
	}
	for _, w := range []string{"password", "123456", "qwerty", "iloveyou", "redress", "contraseña"} {
		if !list[w] {
			t.Errorf("%q missing from the list", w)
		}
	}
	for w := range list {
		if strings.HasPrefix(w, "#") || w != strings.ToLower(w) {
			t.Errorf("list entry %q: comments and upper case must not reach the list", w)
		}
	}
}

func TestLockFor(t *testing.T) {
	p := Policy{}.WithDefaults()
	for failures, want := range map[int]string{1: "0s", 4: "0s", 5: "1m0s", 6: "2m0s", 7: "4m0s", 10: "32m0s", 11: "1h0m0s", 40: "1h0m0s"} {
		if got := p.lockFor(failures).String(); got != want {
			t.Errorf("lockFor(%d) = %s, want %s", failures, got, want)
		}
	}
}

// BenchmarkHashPassword measures one hash at the production cost (Argon2), the work a
// sign-in holds a hashing slot for.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		hashPassword(productionArgon2, "tulip canyon ferry 47")
	}
}
