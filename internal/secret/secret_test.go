package secret_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/redress-oversight/redress/internal/secret"
)

func TestSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	box, err := secret.New(key)
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte(`{"name":"María López","phone":"+1 555 0100"}`)
	sealed := box.Seal(plain, "complaint-identity:RX-AAAA-BBBB")
	if bytes.Contains(sealed, []byte("María")) {
		t.Fatal("sealed value contains the plaintext")
	}
	got, err := box.Open(sealed, "complaint-identity:RX-AAAA-BBBB")
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if bytes.Equal(sealed, box.Seal(plain, "complaint-identity:RX-AAAA-BBBB")) {
		t.Fatal("two seals of the same value are equal: nonce reused")
	}
	if _, err := box.Open(sealed, "complaint-identity:RX-CCCC-DDDD"); !errors.Is(err, secret.ErrOpen) {
		t.Fatalf("opened under another row's context: %v", err)
	}
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	if _, err := box.Open(tampered, "complaint-identity:RX-AAAA-BBBB"); !errors.Is(err, secret.ErrOpen) {
		t.Fatalf("opened a tampered value: %v", err)
	}
	other, _ := secret.New(bytes.Repeat([]byte{8}, 32))
	if _, err := other.Open(sealed, "complaint-identity:RX-AAAA-BBBB"); !errors.Is(err, secret.ErrOpen) {
		t.Fatalf("opened under another key: %v", err)
	}
	if _, err := box.Open([]byte{1, 2}, ""); !errors.Is(err, secret.ErrOpen) {
		t.Fatalf("opened garbage: %v", err)
	}
}

func TestParseKey(t *testing.T) {
	hexKey := "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	if k, err := secret.ParseKey(hexKey); err != nil || k[31] != 0x1f {
		t.Fatalf("hex key: %v", err)
	}
	if k, err := secret.ParseKey("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="); err != nil || k[31] != 0x1f {
		t.Fatalf("base64 key: %v", err)
	}
	for _, bad := range []string{"", "short", hexKey[:62]} {
		if _, err := secret.ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "secret.key")
	k1, created, err := secret.LoadOrCreateKeyFile(path)
	if err != nil || !created || len(k1) != 32 {
		t.Fatalf("create: %v %v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", fi.Mode(), err)
	}
	k2, created, err := secret.LoadOrCreateKeyFile(path)
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatalf("reload: created=%v err=%v equal=%v", created, err, bytes.Equal(k1, k2))
	}
}

// A tag matches repeats of a value, differs per purpose and per key, and holds
// nothing of the value: without the key, guessing "maría lópez" does not confirm it.
func TestTag(t *testing.T) {
	box, _ := secret.New(bytes.Repeat([]byte{7}, 32))
	other, _ := secret.New(bytes.Repeat([]byte{8}, 32))
	a := box.Tag("search", []byte("maría lópez"))
	if len(a) != 32 || a != box.Tag("search", []byte("maría lópez")) {
		t.Fatalf("tag %q is not a stable 128-bit hex value", a)
	}
	for what, b := range map[string]string{
		"another value":   box.Tag("search", []byte("maría lopez")),
		"another purpose": box.Tag("actor", []byte("maría lópez")),
		"another key":     other.Tag("search", []byte("maría lópez")),
	} {
		if b == a {
			t.Errorf("%s gives the same tag", what)
		}
	}
}

// BenchmarkTag is the cost a search event adds for each text filter.
func BenchmarkTag(b *testing.B) {
	box, _ := secret.New(bytes.Repeat([]byte{7}, 32))
	for b.Loop() {
		box.Tag("search", []byte("maria lopez"))
	}
}
