package audit

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Key signs checkpoints. Its String never shows the private half.
type Key struct {
	priv ed25519.PrivateKey
}

// NewKey makes a random key.
func NewKey() (*Key, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return &Key{priv: priv}, nil
}

// ParseKey reads a private key as REDRESS_AUDIT_KEY holds it: base64 of the 32-byte
// seed or of the 64-byte private key (seed then public key, as Go and libsodium keep it).
func ParseKey(s string) (*Key, error) {
	b, err := decodeBase64(strings.TrimSpace(s))
	if err != nil {
		return nil, errors.New("audit key: not base64")
	}
	switch len(b) {
	case ed25519.SeedSize:
		return &Key{priv: ed25519.NewKeyFromSeed(b)}, nil
	case ed25519.PrivateKeySize:
		priv := ed25519.NewKeyFromSeed(b[:ed25519.SeedSize])
		if !priv.Public().(ed25519.PublicKey).Equal(ed25519.PublicKey(b[ed25519.SeedSize:])) {
			return nil, errors.New("audit key: the public half does not belong to the seed")
		}
		return &Key{priv: priv}, nil
	}
	return nil, fmt.Errorf("audit key: %d bytes, want a 32-byte seed or a 64-byte private key", len(b))
}

// Encode returns the key as REDRESS_AUDIT_KEY takes it (base64 of the seed).
func (k *Key) Encode() string { return base64.StdEncoding.EncodeToString(k.priv.Seed()) }

// Public returns the public key checkpoints are verified with.
func (k *Key) Public() ed25519.PublicKey { return k.priv.Public().(ed25519.PublicKey) }

// ID is the key's short name (KeyID of its public key).
func (k *Key) ID() string { return KeyID(k.Public()) }

// String names the key by its id, so a key printed by mistake gives nothing away.
func (k *Key) String() string { return "audit key " + k.ID() }

// Sign makes the checkpoint for the chain's head.
func (k *Key) Sign(seq int64, hash []byte, at time.Time) Checkpoint {
	cp := Checkpoint{Seq: seq, Hash: append([]byte(nil), hash...), SignedAt: at.UTC().Truncate(time.Microsecond),
		KeyID: k.ID(), PublicKey: k.Public()}
	cp.Signature = ed25519.Sign(k.priv, cp.message())
	return cp
}

// KeyID is the first 8 bytes of SHA-256 of the public key, in hex: enough to tell keys
// apart in a listing, never enough to trust one (the whole key is compared for that).
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// EncodePublicKey is the public key's text form: base64, 44 characters.
func EncodePublicKey(pub ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(pub) }

// ParsePublicKey reads a public key in base64 (standard or URL alphabet) or 64 hex
// digits.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	s = strings.TrimSpace(s)
	var b []byte
	if len(s) == 2*ed25519.PublicKeySize {
		b, _ = hex.DecodeString(s)
	}
	if b == nil {
		var err error
		if b, err = decodeBase64(s); err != nil {
			return nil, fmt.Errorf("public key %q: not base64 or hex", s)
		}
	}
	if len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("public key: %d bytes, want %d", len(b), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

func decodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// LoadKeyFile reads a key file written by LoadOrCreateKeyFile.
func LoadKeyFile(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// LoadOrCreateKeyFile reads the key in path, or makes one and writes it there (mode
// 0600), reporting created so the caller can warn that the key should be set and kept
// elsewhere. Several processes starting at once end up with the same key: the file
// appears whole or not at all (written aside, then linked into place).
func LoadOrCreateKeyFile(path string) (key *Key, created bool, err error) {
	if k, err := LoadKeyFile(path); err == nil || !errors.Is(err, os.ErrNotExist) {
		return k, false, err
	}
	k, err := NewKey()
	if err != nil {
		return nil, false, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, err
	}
	tmp, err := os.CreateTemp(dir, ".audit-key-*")
	if err != nil {
		return nil, false, err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, false, err
	}
	if _, err := tmp.WriteString(k.Encode() + "\n"); err != nil {
		tmp.Close()
		return nil, false, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, false, err
	}
	if err := tmp.Close(); err != nil {
		return nil, false, err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			k, err := LoadKeyFile(path) // another process was first
			return k, false, err
		}
		return nil, false, err
	}
	return k, true, nil
}
