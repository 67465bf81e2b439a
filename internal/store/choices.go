package store

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
)

// The filters' choices (the agencies and agreements complaints name) are asked on every
// queue and audit-log page, and at a million complaints one answer takes tens of
// milliseconds: a probe of an index for each of the registry's 700-odd agencies and
// 900-odd agreements. They change only when a complaint first names an agency or an
// agreement, so each answer is kept for choicesTTL: a choice that appeared since shows
// up a minute later at most, and choosing it meanwhile is possible by its link.
const choicesTTL = time.Minute

type choicesCache struct {
	mu sync.Mutex
	m  map[string]choicesEntry
}

type choicesEntry struct {
	at         time.Time
	agencies   []redress.AgencyChoice
	agreements []redress.AgreementChoice
}

// choicesKey names the units a filter may see.
func choicesKey(kind string, f redress.ComplaintFilter) string {
	if f.AllUnits {
		return kind + "\x00*"
	}
	return kind + "\x00" + strings.Join(f.Units, "\x00")
}

// cachedChoices returns the entry for key while it is fresh, else loads it.
func (db *DB) cachedChoices(ctx context.Context, key string, load func(context.Context) (choicesEntry, error)) (choicesEntry, error) {
	now := time.Now()
	db.choices.mu.Lock()
	e, ok := db.choices.m[key]
	db.choices.mu.Unlock()
	if ok && now.Sub(e.at) < choicesTTL {
		return e, nil
	}
	e, err := load(ctx)
	if err != nil {
		return e, err
	}
	e.at = now
	db.choices.mu.Lock()
	if db.choices.m == nil || len(db.choices.m) > 1000 {
		db.choices.m = map[string]choicesEntry{} // unit sets are few; bound them anyway
	}
	db.choices.m[key] = e
	db.choices.mu.Unlock()
	return e, nil
}
