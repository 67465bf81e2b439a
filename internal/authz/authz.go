// Package authz decides who may do what: a Casbin enforcer built from policies/ and the
// role assignments in the database, one mux middleware, and record-level checks.
package authz

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/casbin/casbin/v2"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// SubjectStaff is the policy's name for any signed-in account, whatever roles it holds.
const SubjectStaff = "staff"

// DefaultWatchInterval is how often Watch asks the database whether roles changed.
const DefaultWatchInterval = 2 * time.Second

// Enforcer answers authorization questions. It is safe for concurrent use: every
// decision reads one immutable snapshot (a Casbin enforcer and the units each subject
// holds roles in), and Reload builds a new snapshot and swaps it in, so a request never
// sees half-loaded assignments.
type Enforcer struct {
	db   *store.DB
	log  *slog.Logger
	snap atomic.Pointer[snapshot]
	// reload serializes reloads, so a slow, older load never replaces a newer one.
	reload sync.Mutex
}

type snapshot struct {
	casbin  *casbin.Enforcer
	version int64               // authz_version the assignments were read at (or after)
	units   map[string][]string // subject -> units it holds a role in, sorted, "*" first
	// decided remembers Casbin's answers: a snapshot never changes, so an answer holds
	// for its life, and a matcher evaluation costs far more than a map read
	// (BenchmarkDecisions). A reload starts a new snapshot with nothing remembered.
	decided  sync.Map // decision -> bool
	remember atomic.Int64
}

// decision is one question asked of Casbin.
type decision struct{ sub, unit, obj, act string }

// maxRemembered bounds the answers a snapshot keeps: questions are finite (accounts ×
// units × policy objects × actions), but a bound keeps a pathological caller from
// growing it without end; past it, Casbin answers each time.
const maxRemembered = 200_000

// New builds the enforcer from the embedded policy and the database's role assignments.
func New(ctx context.Context, db *store.DB, log *slog.Logger) (*Enforcer, error) {
	if log == nil {
		log = slog.Default()
	}
	e := &Enforcer{db: db, log: log}
	if err := e.Reload(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// Reload reads the role assignments again. Call it after changing roles, units or
// accounts in this process, so the change takes effect at once; Watch brings other
// processes' changes. On failure the previous decisions stay in force.
func (e *Enforcer) Reload(ctx context.Context) error {
	e.reload.Lock()
	defer e.reload.Unlock()
	// The version first: a change committed between the two reads leaves the snapshot
	// with newer assignments than its version says, and Watch just loads once more.
	version, err := e.db.AuthzVersion(ctx)
	if err != nil {
		return fmt.Errorf("authorization: %w", err)
	}
	assignments, err := e.db.RoleAssignments(ctx)
	if err != nil {
		return fmt.Errorf("authorization: %w", err)
	}
	s, err := build(assignments, e.log)
	if err != nil {
		return fmt.Errorf("authorization: %w", err)
	}
	s.version = version
	e.snap.Store(s)
	return nil
}

// Watch reloads whenever the database's authorization version changes (another process
// changed roles, units or accounts), checking every interval (DefaultWatchInterval if
// zero) until ctx ends. Run it in its own goroutine.
func (e *Enforcer) Watch(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultWatchInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := e.refresh(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil && !failing:
			// Once per outage, not every tick; the last decisions stay in force.
			e.log.Warn("authorization: cannot check for role changes; keeping the last ones", "err", err)
			failing = true
		case err == nil && failing:
			e.log.Info("authorization: checking for role changes again")
			failing = false
		}
	}
}

// refresh reloads if the database's version differs from the snapshot's.
func (e *Enforcer) refresh(ctx context.Context) error {
	v, err := e.db.AuthzVersion(ctx)
	if err != nil {
		return err
	}
	if v == e.snap.Load().version {
		return nil
	}
	return e.Reload(ctx)
}

// Public reports whether anyone, without an account, may do act on obj.
func (e *Enforcer) Public(obj, act string) bool {
	return e.snap.Load().enforce(e.log, redress.SubjectPublic, redress.AllUnits, obj, act)
}

// Allowed reports whether subject may do act on obj in unit: because anyone may, because
// any account may, or through a role the subject holds in unit or in every unit ("*").
// Only account subjects ("user:<id>") hold roles.
func (e *Enforcer) Allowed(subject, unit, obj, act string) bool {
	s := e.snap.Load()
	if s.everyone(e.log, subject, obj, act) {
		return true
	}
	return isAccount(subject) && s.enforce(e.log, subject, unit, obj, act)
}

// AllowedAnywhere reports whether subject may do act on obj in at least one unit: the
// route-level question for pages that list several units' records.
func (e *Enforcer) AllowedAnywhere(subject, obj, act string) bool {
	s := e.snap.Load()
	if s.everyone(e.log, subject, obj, act) {
		return true
	}
	if !isAccount(subject) {
		return false
	}
	for _, u := range s.units[subject] {
		if s.enforce(e.log, subject, u, obj, act) {
			return true
		}
	}
	return false
}

// Units says in which units subject may do act on obj, for a list query: all is true
// when every unit is allowed (a role held in "*"); otherwise units lists them, sorted
// (none: show nothing).
func (e *Enforcer) Units(subject, obj, act string) (all bool, units []string) {
	s := e.snap.Load()
	if s.everyone(e.log, subject, obj, act) {
		return true, nil
	}
	if !isAccount(subject) {
		return false, nil
	}
	for _, u := range s.units[subject] {
		if s.enforce(e.log, subject, u, obj, act) {
			if u == redress.AllUnits {
				return true, nil
			}
			units = append(units, u)
		}
	}
	return false, units
}

// everyone reports whether the public, or (for an account) any account, may do it.
func (s *snapshot) everyone(log *slog.Logger, subject, obj, act string) bool {
	return s.enforce(log, redress.SubjectPublic, redress.AllUnits, obj, act) ||
		isAccount(subject) && s.enforce(log, SubjectStaff, redress.AllUnits, obj, act)
}

// enforce asks Casbin; an error (a broken matcher) refuses.
func (s *snapshot) enforce(log *slog.Logger, sub, unit, obj, act string) bool {
	key := decision{sub, unit, obj, act}
	if ok, found := s.decided.Load(key); found {
		return ok.(bool)
	}
	ok, err := s.casbin.Enforce(sub, unit, obj, act)
	if err != nil {
		log.Error("authorization: casbin refused to decide", "err", err, "obj", obj, "act", act)
		return false // not remembered: a broken matcher is logged each time
	}
	if s.remember.Add(1) <= maxRemembered {
		s.decided.Store(key, ok)
	}
	return ok
}

// isAccount tells account subjects ("user:<id>") from the policy's own names, so a
// caller can never pass a role name as a subject and be granted that role's rights.
func isAccount(subject string) bool {
	id, ok := strings.CutPrefix(subject, "user:")
	return ok && id != "" && strings.Trim(id, "0123456789") == ""
}

// subject is the Casbin subject of an account, as auth.Subject makes it.
func subject(userID int64) string { return fmt.Sprintf("user:%d", userID) }

// unitsOf lists, per subject, the units it holds roles in: "*" first, then by name.
func unitsOf(assignments []store.Assignment) map[string][]string {
	out := map[string][]string{}
	for _, a := range assignments {
		sub := subject(a.UserID)
		if !slices.Contains(out[sub], a.Unit) {
			out[sub] = append(out[sub], a.Unit)
		}
	}
	for _, us := range out {
		slices.SortFunc(us, func(a, b string) int {
			switch {
			case a == b:
				return 0
			case a == redress.AllUnits:
				return -1
			case b == redress.AllUnits:
				return 1
			}
			return strings.Compare(a, b)
		})
	}
	return out
}
