package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
)

// `redress audit witness`: an outside organization's watch over the audit trail
// (docs/audit.md, "Outside witnesses"). It needs no account and no database: only the
// server's public heads and a file of its own.

const witnessSynopsis = `audit witness --url URL --store FILE [--key PUBKEY] [--full]

Fetches the audit trail's published heads (one a UTC day) from URL's
/api/v1/public/audit/heads, checks each is signed by the pinned key and extends the
heads kept in FILE, appends the new ones to FILE, prints a one-line summary and exits 0.
It exits 1 naming the sequence number where the history served no longer matches the
one kept: a kept head changed or missing, a signature that fails, a sequence going
backwards, another key. Run it daily from cron; keep FILE where the server's operators
cannot write. Without --key, the key the server names is trusted on first use and
pinned in FILE. Each run re-checks the last kept head; --full re-checks every one.`

const headsPath = "/api/v1/public/audit/heads"

func (c *cli) auditWitness(ctx context.Context, args []string) error {
	fs := c.flagSet("audit witness", witnessSynopsis)
	base := fs.String("url", "", "the Redress server's `URL`, e.g. https://complaints.example.org")
	storePath := fs.String("store", "", "the witness's file of kept heads (`FILE`: JSON Lines, created on the first run)")
	keyFlag := fs.String("key", "", "the audit public key (base64 `PUBKEY`) to pin: what \"redress audit key\" prints on the server or /api/v1/audit/key serves, confirmed with the server's operators")
	full := fs.Bool("full", false, "re-check every kept head against the server, not only the last")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *base == "" || *storePath == "" || fs.NArg() > 0 {
		fmt.Fprintln(c.stderr, "redress audit witness: --url and --store are needed")
		fs.Usage()
		return errUsage
	}
	endpoint, err := headsURL(*base)
	if err != nil {
		return err
	}
	w, given, err := loadWitness(*storePath, *base, *keyFlag)
	if err != nil {
		return err
	}
	fetch := &headFetcher{client: &http.Client{Timeout: time.Minute}, endpoint: endpoint}
	// From the head before the last kept one, so the last kept is served again and
	// compared: a history rewritten below it changes it, whether or not anything new
	// came since.
	after := int64(0)
	if n := len(w.Heads); n >= 2 && !*full {
		after = w.Heads[n-2].Seq
	}
	served, serverKey, err := fetch.all(ctx, after)
	if err != nil {
		return err
	}
	if err := c.pinKey(w, given, serverKey, *storePath); err != nil {
		return err
	}
	fresh, err := audit.CheckServed(w.Heads, served, after, w.PublicKey)
	var rw *audit.Rewritten
	if errors.As(err, &rw) && after > 0 {
		// Something above the second-to-last kept head changed: read the whole history
		// to name the first place where it parts from the one kept.
		if all, _, ferr := fetch.all(ctx, 0); ferr == nil {
			if _, err2 := audit.CheckServed(w.Heads, all, 0, w.PublicKey); err2 != nil {
				err = err2
			}
		}
	}
	if errors.As(err, &rw) {
		kept := "none"
		if last, ok := w.Last(); ok {
			kept = fmt.Sprintf("%d, up to seq %d (%s)", len(w.Heads), last.Seq, last.Day)
		}
		return fmt.Errorf("%w; %s was left unchanged (heads kept: %s). Keep it: it is the evidence", err, *storePath, kept)
	}
	if err != nil {
		return err
	}
	w.Heads = append(w.Heads, fresh...)
	if err := w.Write(*storePath); err != nil {
		return fmt.Errorf("keeping the heads: %w", err)
	}
	fmt.Fprintln(c.stdout, witnessSummary(w, fresh))
	return nil
}

// loadWitness reads the witness's file, or starts one, and the key --key gives, which
// must be the one the file pinned.
func loadWitness(path, base, keyFlag string) (*audit.WitnessFile, ed25519.PublicKey, error) {
	var given ed25519.PublicKey
	if keyFlag != "" {
		var err error
		if given, err = audit.ParsePublicKey(keyFlag); err != nil {
			return nil, nil, fmt.Errorf("--key: %w", err)
		}
	}
	w, err := audit.ReadWitnessFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		w = &audit.WitnessFile{URL: base, Since: time.Now()}
	case err != nil:
		return nil, nil, err
	}
	if w.PublicKey != nil && given != nil && !given.Equal(w.PublicKey) {
		return nil, nil, fmt.Errorf("%s pins key %s, but --key gives key %s: a different key. If the server's operators changed keys, confirm the new one with them and start a new store file",
			path, audit.KeyID(w.PublicKey), audit.KeyID(given))
	}
	return w, given, nil
}

// pinKey pins the key on a first run (given, or trusted on first use, said on stderr)
// and refuses a server that names another key than the pinned one.
func (c *cli) pinKey(w *audit.WitnessFile, given, serverKey ed25519.PublicKey, path string) error {
	if w.PublicKey == nil {
		if given != nil {
			w.PublicKey, w.Pinned = given, "given"
		} else {
			w.PublicKey, w.Pinned = serverKey, "first use"
			fmt.Fprintf(c.stderr, "redress audit witness: no --key and no %s yet: trusting key %s (%s) on first use and pinning it in %s. Confirm it with the server's operators; from now on only heads signed by it are accepted\n",
				path, audit.KeyID(serverKey), audit.EncodePublicKey(serverKey), path)
		}
	}
	if serverKey.Equal(w.PublicKey) {
		return nil
	}
	problem := fmt.Sprintf("the server now names key %s, not the pinned key %s: a different key. If the operators changed keys, confirm the new one with them and start a new store file",
		audit.KeyID(serverKey), audit.KeyID(w.PublicKey))
	if last, ok := w.Last(); ok {
		return &audit.Rewritten{Seq: last.Seq, Day: last.Day, Problem: "after this kept head, " + problem}
	}
	return errors.New(problem)
}

func witnessSummary(w *audit.WitnessFile, fresh []audit.Head) string {
	last, ok := w.Last()
	if !ok {
		return fmt.Sprintf("audit witness OK: the server has published no head yet (a day's head comes once that UTC day is over); key %s pinned (%s)", audit.KeyID(w.PublicKey), w.Pinned)
	}
	if len(fresh) == 0 {
		return fmt.Sprintf("audit witness OK: no new head; %d kept, the last seq %d (%s), unchanged; key %s", len(w.Heads), last.Seq, last.Day, audit.KeyID(w.PublicKey))
	}
	first := fresh[0]
	return fmt.Sprintf("audit witness OK: %d new heads (%s to %s, seq %d to %d), each extending the last; %d kept; key %s",
		len(fresh), first.Day, last.Day, first.Seq, last.Seq, len(w.Heads), audit.KeyID(w.PublicKey))
}

// headsURL is base's heads endpoint; a base that already names it is taken as it is.
func headsURL(base string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--url %q: want the server's address, such as https://complaints.example.org", base)
	}
	if !strings.HasSuffix(u.Path, headsPath) {
		u.Path = strings.TrimRight(u.Path, "/") + headsPath
	}
	u.RawQuery = ""
	return u.String(), nil
}

type headFetcher struct {
	client   *http.Client
	endpoint string
}

type headsPage struct {
	PublicKey string       `json:"public_key"`
	Heads     []audit.Head `json:"heads"`
	NextAfter int64        `json:"next_after"`
}

// all fetches every head with seq > after, page by page, and the key the server names.
func (f *headFetcher) all(ctx context.Context, after int64) ([]audit.Head, ed25519.PublicKey, error) {
	var out []audit.Head
	var key ed25519.PublicKey
	// A server that never stops paging would fill the witness's memory: 10,000 pages
	// of 1000 are 27,000 years of daily heads.
	for range 10_000 {
		p, err := f.page(ctx, after)
		if err != nil {
			return nil, nil, err
		}
		pub, err := audit.ParsePublicKey(p.PublicKey)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.endpoint, err)
		}
		if key != nil && !key.Equal(pub) {
			return nil, nil, fmt.Errorf("%s changed its key between two pages; run again", f.endpoint)
		}
		key = pub
		out = append(out, p.Heads...)
		if len(p.Heads) == 0 {
			return out, key, nil
		}
		if p.NextAfter <= after {
			// CheckServed names the head; stop paging rather than loop.
			return out, key, nil
		}
		after = p.NextAfter
	}
	return nil, nil, fmt.Errorf("%s: more than 10,000 pages of heads: not a Redress server's answer", f.endpoint)
}

func (f *headFetcher) page(ctx context.Context, after int64) (*headsPage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.endpoint+"?limit=1000&after="+strconv.FormatInt(after, 10), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching the heads: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("fetching the heads: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s: %s", f.endpoint, resp.Status, strings.TrimSpace(string(body[:min(len(body), 300)])))
	}
	var p headsPage
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("%s: not a page of heads: %w", f.endpoint, err)
	}
	return &p, nil
}
