package audit

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// A witness's file: what `redress audit witness` keeps between runs. JSON Lines, the
// first line the witness's own ({"type":"witness", the server, the pinned key}), then
// one published head a line, by seq. It is plain text an organization can archive, diff
// and hand to anyone; every head in it carries its signature.

// WitnessFile is a witness's kept state.
type WitnessFile struct {
	URL       string
	PublicKey ed25519.PublicKey
	// Pinned says how the key came to be trusted: "given" (--key) or "first use".
	Pinned string
	Since  time.Time
	Heads  []Head
}

type witnessJSON struct {
	Type      string `json:"type"`
	URL       string `json:"url"`
	PublicKey string `json:"public_key"`
	KeyID     string `json:"key_id"`
	Pinned    string `json:"pinned"`
	Since     string `json:"since"`
}

// ReadWitnessFile reads a witness's file; an error wrapping os.ErrNotExist means there
// is none yet. The kept heads must chain, as they did when they were written: a file
// edited by hand is refused rather than trusted.
func ReadWitnessFile(path string) (*WitnessFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	w := &WitnessFile{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), maxLine)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var kind struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(line, &kind); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, n, err)
		}
		switch kind.Type {
		case "witness":
			var j witnessJSON
			if err := json.Unmarshal(line, &j); err != nil {
				return nil, fmt.Errorf("%s line %d: %w", path, n, err)
			}
			if w.PublicKey, err = ParsePublicKey(j.PublicKey); err != nil {
				return nil, fmt.Errorf("%s line %d: %w", path, n, err)
			}
			w.URL, w.Pinned = j.URL, j.Pinned
			w.Since, _ = time.Parse(time.RFC3339, j.Since)
		case "head":
			var h Head
			if err := json.Unmarshal(line, &h); err != nil {
				return nil, fmt.Errorf("%s line %d: %w", path, n, err)
			}
			w.Heads = append(w.Heads, h)
		default:
			return nil, fmt.Errorf("%s line %d: a line of type %q, not a witness's", path, n, kind.Type)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if w.PublicKey == nil {
		return nil, fmt.Errorf("%s: no witness line naming the pinned key", path)
	}
	for i, h := range w.Heads {
		if err := h.Verify(w.PublicKey); err != nil {
			return nil, fmt.Errorf("%s: kept %w", path, err)
		}
		if i > 0 && (h.Seq <= w.Heads[i-1].Seq || !h.Extends(w.Heads[i-1])) {
			return nil, fmt.Errorf("%s: the kept head of seq %d does not extend the one before it: the file was changed", path, h.Seq)
		}
	}
	return w, nil
}

// Last returns the last kept head; ok is false while none is.
func (w *WitnessFile) Last() (Head, bool) {
	if len(w.Heads) == 0 {
		return Head{}, false
	}
	return w.Heads[len(w.Heads)-1], true
}

// Write replaces the file at path with w, whole or not at all: written to a temporary
// file beside it, synced, then renamed over it, so a run cut short (a full disk, a
// killed cron job) leaves the last good file.
func (w *WitnessFile) Write(path string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if err := enc.Encode(witnessJSON{Type: "witness", URL: w.URL, PublicKey: EncodePublicKey(w.PublicKey),
		KeyID: KeyID(w.PublicKey), Pinned: w.Pinned, Since: w.Since.UTC().Format(time.RFC3339)}); err != nil {
		return err
	}
	for _, h := range w.Heads {
		if err := enc.Encode(h); err != nil {
			return err
		}
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// The rename itself is made durable by syncing the directory; a file system that
	// cannot (some network mounts) still has the file renamed.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Rewritten is a witness's finding that the server's history is not the one it kept:
// Seq is the first place where they part.
type Rewritten struct {
	Seq     int64
	Day     string
	Problem string
}

func (e *Rewritten) Error() string {
	if e.Day != "" {
		return fmt.Sprintf("HISTORY REWRITTEN at seq %d (head of %s): %s", e.Seq, e.Day, e.Problem)
	}
	return fmt.Sprintf("HISTORY REWRITTEN at seq %d: %s", e.Seq, e.Problem)
}

// CheckServed compares what the server serves now, every head with seq > after in
// seq order, with the heads kept, and returns the served heads that are new. It
// refuses (a *Rewritten naming the first seq in question) a head whose signature does
// not verify with pub, seqs or days that do not increase, a head served after after
// that is not above it, a kept head above after that is missing or changed, a head
// appearing between kept ones, and a new head that does not extend the head before it.
func CheckServed(kept []Head, served []Head, after int64, pub ed25519.PublicKey) ([]Head, error) {
	var prev *Head
	for i := range served {
		h := served[i]
		if h.Seq <= after {
			return nil, &Rewritten{Seq: h.Seq, Day: h.Day, Problem: fmt.Sprintf("asked for heads after seq %d, the server gave seq %d: the sequence went backwards", after, h.Seq)}
		}
		if prev != nil && (h.Seq <= prev.Seq || h.Day <= prev.Day) {
			return nil, &Rewritten{Seq: h.Seq, Day: h.Day, Problem: fmt.Sprintf("follows the head of seq %d (%s): the sequence went backwards", prev.Seq, prev.Day)}
		}
		if err := h.Verify(pub); err != nil {
			return nil, &Rewritten{Seq: h.Seq, Day: h.Day, Problem: "the signature does not verify with the pinned key " + KeyID(pub)}
		}
		prev = &served[i]
	}
	// The kept heads above after, against what is served for them.
	var last *Head
	j := 0
	for i := range kept {
		k := kept[i]
		if k.Seq <= after {
			last = &kept[i]
			continue
		}
		for j < len(served) && served[j].Seq < k.Seq {
			s := served[j]
			return nil, &Rewritten{Seq: s.Seq, Day: s.Day, Problem: fmt.Sprintf("the server now has a head here that the witness never saw, before the kept head of seq %d (%s)", k.Seq, k.Day)}
		}
		if j == len(served) || served[j].Seq != k.Seq {
			return nil, &Rewritten{Seq: k.Seq, Day: k.Day, Problem: "the kept head is missing from the server"}
		}
		if s := served[j]; !s.Equal(k) {
			what := "its signature or previous head changed"
			switch {
			case s.Day != k.Day:
				what = fmt.Sprintf("it is now the head of %s", s.Day)
			case !bytes.Equal(s.Hash, k.Hash):
				what = fmt.Sprintf("the witness kept hash %s, the server now serves %s", short(k.Hash), short(s.Hash))
			}
			return nil, &Rewritten{Seq: k.Seq, Day: k.Day, Problem: what}
		}
		last = &kept[i]
		j++
	}
	fresh := served[j:]
	if after == 0 && last == nil && len(fresh) > 0 && !fresh[0].First() {
		h := fresh[0]
		return nil, &Rewritten{Seq: h.Seq, Day: h.Day, Problem: "the first head served names a head before it that the server no longer serves"}
	}
	for i := range fresh {
		h := fresh[i]
		if last != nil && !h.Extends(*last) {
			return nil, &Rewritten{Seq: h.Seq, Day: h.Day, Problem: fmt.Sprintf("does not extend the kept head of seq %d (%s): it names another head before it", last.Seq, last.Day)}
		}
		last = &fresh[i]
	}
	return fresh, nil
}

func short(b []byte) string {
	s := hex.EncodeToString(b)
	if len(s) > 16 {
		s = s[:16] + "…"
	}
	return s
}
