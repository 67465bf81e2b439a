package web

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
)

// Keyset paging of the queue and the audit log: a page's Next link carries after=, the
// key of its last row, and its Previous link before=, the key of its first, so a deep
// page costs what the first does (OFFSET would read every row before it). The page
// number goes along only to number the page and count the list. A cursor is opaque to
// the caller: the kind of list and the key, in base64url; one that does not read is a
// field error naming its parameter.

// Cursor kinds: a complaint of the queue (time received and id), an audit event (id).
const (
	cursorQueue = "q1"
	cursorAudit = "a1"
)

// cursorParams are the parameters that carry a cursor.
var cursorParams = []string{"after", "before"}

// encodeCursor is the cursor of key in a list of kind.
func encodeCursor(kind string, key redress.ListKey) string {
	s := kind + "." + strconv.FormatInt(key.ID, 10)
	if kind == cursorQueue {
		s += "." + strconv.FormatInt(key.Time.UnixNano(), 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// decodeCursor reads a cursor of a list of kind; ok is false for anything else.
func decodeCursor(kind, val string) (redress.ListKey, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(val)
	if err != nil || len(val) > 80 {
		return redress.ListKey{}, false
	}
	parts := strings.Split(string(raw), ".")
	want := 2
	if kind == cursorQueue {
		want = 3
	}
	if len(parts) != want || parts[0] != kind {
		return redress.ListKey{}, false
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || id <= 0 {
		return redress.ListKey{}, false
	}
	key := redress.ListKey{ID: id}
	if kind == cursorQueue {
		ns, err := strconv.ParseInt(parts[2], 10, 64)
		if err != nil || ns <= 0 {
			return redress.ListKey{}, false
		}
		key.Time = time.Unix(0, ns).UTC()
	}
	return key, true
}

// parseCursors reads after and before: at most one of them, each a cursor of kind.
func parseCursors(kind string, get func(string) string, fe *redress.FieldErrors) (after, before *redress.ListKey) {
	for _, c := range []struct {
		name string
		to   **redress.ListKey
	}{{"after", &after}, {"before", &before}} {
		val := get(c.name)
		if val == "" {
			continue
		}
		key, ok := decodeCursor(kind, val)
		if !ok {
			fe.Add(c.name, "cursor")
			continue
		}
		*c.to = &key
	}
	if after != nil && before != nil {
		fe.Add("before", "cursor_both")
		after, before = nil, nil
	}
	return after, before
}

// pagedURL is path with the query q at page, carrying the cursor (name, value) or,
// with name "", the cursor q already holds. Page 1 needs no cursor: it is the start.
func pagedURL(path string, q url.Values, page int, name, cursor string) string {
	out := url.Values{}
	for k, vals := range q {
		if k != "page" && k != "lang" && k != "assigned" && k != foldParam && (name == "" || k != "after" && k != "before") {
			out[k] = vals
		}
	}
	if page > 1 {
		out.Set("page", strconv.Itoa(page))
		if name != "" && cursor != "" {
			out.Set(name, cursor)
		}
	} else {
		out.Del("after")
		out.Del("before")
	}
	if len(out) == 0 {
		return path
	}
	return path + "?" + out.Encode()
}

// pageLinks are the Previous and Next links of a page of a list at path (query q):
// by key from the page's first and last rows (keys, in order) when keyed, else by
// page number. Previous shows past page 1, Next when next.
func pageLinks(path string, q url.Values, page int, next, keyed bool, kind string, keys []redress.ListKey) (prevURL, nextURL string) {
	plain := url.Values{} // q without the cursor this page was reached by
	for k, v := range q {
		if k != "after" && k != "before" {
			plain[k] = v
		}
	}
	link := func(p int, name string, key redress.ListKey) string {
		if !keyed || len(keys) == 0 {
			return pagedURL(path, plain, p, "", "")
		}
		return pagedURL(path, plain, p, name, encodeCursor(kind, key))
	}
	if page > 1 {
		prevURL = link(page-1, "before", firstKey(keys))
	}
	if next {
		nextURL = link(page+1, "after", lastKey(keys))
	}
	return prevURL, nextURL
}

func firstKey(keys []redress.ListKey) redress.ListKey {
	if len(keys) == 0 {
		return redress.ListKey{}
	}
	return keys[0]
}

func lastKey(keys []redress.ListKey) redress.ListKey {
	if len(keys) == 0 {
		return redress.ListKey{}
	}
	return keys[len(keys)-1]
}

// apiCursors are a JSON page's cursors: after its last row when a page follows, before
// its first past page 1.
func apiCursors(kind string, keys []redress.ListKey, page int, next bool) (nextAfter, prevBefore string) {
	if next {
		nextAfter = encodeCursor(kind, lastKey(keys))
	}
	if page > 1 {
		prevBefore = encodeCursor(kind, firstKey(keys))
	}
	return nextAfter, prevBefore
}
