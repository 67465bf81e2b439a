package store_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/ice/icetest"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

var operator = redress.AuditEvent{Actor: "cli:tester", RequestID: "req-1"}

func linkFor(s string, expires time.Time) store.PasswordLink {
	h := sha256.Sum256([]byte(s))
	return store.PasswordLink{Hash: h[:], Purpose: store.LinkSet, ExpiresAt: expires}
}

// newUser stores an account with a set-password link whose token is "link:<email>".
func newUser(t *testing.T, db *store.DB, email string) redress.User {
	t.Helper()
	u, err := db.CreateUser(context.Background(), operator, email, "Staff", linkFor("link:"+email, time.Now().Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Units carry the states and agencies they cover through the database, in name order,
// which is what routing a complaint relies on.
func TestUnitsRouteComplaints(t *testing.T) {
	july := icetest.Read(t, icetest.July)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		apply(t, db, july)
		tx, err := db.ListAgencies(ctx, "TX", "", 2)
		if err != nil || len(tx) != 2 {
			t.Fatalf("agencies: %v, %v", tx, err)
		}
		harris := tx[0]
		for _, u := range []redress.Unit{
			{Name: "tx-south", Title: "South Texas", States: []string{"TX"}},
			{Name: "harris", Title: "One agency", AgencyIDs: []int64{harris.ID}},
			{Name: "fl", Title: "Florida", States: []string{"FL", "GA"}},
		} {
			if _, err := db.SaveUnit(ctx, operator, u); err != nil {
				t.Fatal(err)
			}
		}
		units, err := db.ListUnits(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range units {
			names = append(names, u.Name)
		}
		if fmt.Sprint(names) != "[fl harris tx-south]" {
			t.Errorf("units in order %v", names)
		}
		if got := units[1]; len(got.AgencyIDs) != 1 || got.AgencyIDs[0] != harris.ID || len(got.States) != 0 {
			t.Errorf("agency unit read back as %+v", got)
		}
		if got := fmt.Sprint(units[0].States); got != "[FL GA]" {
			t.Errorf("states read back as %s", got)
		}
		for _, tc := range []struct {
			agency int64
			state  string
			want   string
		}{{harris.ID, "TX", "harris"}, {tx[1].ID, "TX", "tx-south"}, {0, "GA", "fl"}, {0, "CA", ""}} {
			if got := redress.UnitFor(units, tc.agency, tc.state); got != tc.want {
				t.Errorf("UnitFor(%d, %s) = %q, want %q", tc.agency, tc.state, got, tc.want)
			}
		}
	})
}

// Many sign-in attempts at once are counted one after another, before any is checked:
// only as many as the policy allows get through, the last of them begins the lock, and
// the rest are refused uncounted. An address without an account is counted alike.
func TestReserveLoginAttemptConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := newUser(t, db, "ana@example.org")
		now := time.Date(2025, 11, 26, 9, 0, 0, 0, time.UTC)
		lockFor := func(n int) time.Duration {
			if n >= 5 {
				return time.Minute
			}
			return 0
		}
		for _, a := range []store.LoginAttempt{
			{UserID: u.ID, Now: now, LockFor: lockFor},
			{Email: "Nobody@example.org", Now: now, LockFor: lockFor},
		} {
			var mu sync.Mutex
			var granted []store.Reservation
			var wg sync.WaitGroup
			for range 12 {
				wg.Go(func() {
					r, ok, err := db.ReserveLoginAttempt(ctx, a)
					if err != nil {
						t.Error(err)
					}
					if ok {
						mu.Lock()
						granted = append(granted, r)
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			counts, locks := map[int]bool{}, 0
			for _, r := range granted {
				counts[r.Count] = true
				if !r.LockedUntil.IsZero() {
					locks++
					if !r.LockedUntil.Equal(now.Add(time.Minute)) || r.Count != 5 {
						t.Errorf("attempt %d began a lock until %v", r.Count, r.LockedUntil)
					}
				}
			}
			if len(granted) != 5 || len(counts) != 5 || locks != 1 {
				t.Fatalf("%+v: %d of 12 attempts granted (counts %v, %d locks), want 5 with counts 1-5 and one lock",
					a, len(granted), counts, locks)
			}
			for _, r := range granted {
				if _, err := db.RecordLoginFailure(ctx, redress.AuditEvent{Actor: "public"}, r, "password"); err != nil {
					t.Fatal(err)
				}
			}
		}
		acct, err := db.Account(ctx, u.ID)
		if err != nil || acct.FailedLogins != 5 || !acct.LockedUntil.Equal(now.Add(time.Minute)) {
			t.Errorf("account after 12 attempts: %d failures, locked until %v, %v", acct.FailedLogins, acct.LockedUntil, err)
		}
		if until, err := db.ThrottledUntil(ctx, "nobody@EXAMPLE.org"); err != nil || !until.Equal(now.Add(time.Minute)) {
			t.Errorf("unknown address locked until %v, %v", until, err)
		}
		if until, err := db.ThrottledUntil(ctx, "someone@example.org"); err != nil || !until.IsZero() {
			t.Errorf("untried address locked until %v, %v", until, err)
		}
		if n, _ := db.CountAudit(ctx, redress.ActionLockout); n != 2 {
			t.Errorf("%d lockout events, want one per locked name", n)
		}
		if n, _ := db.CountAudit(ctx, redress.ActionLoginFailed); n != 10 {
			t.Errorf("%d failure events, want 10", n)
		}
		var n int
		if err := db.Bun().NewRaw("SELECT count(*) FROM login_throttle WHERE email_hash = ?", []byte("nobody@example.org")).Scan(ctx, &n); err != nil || n != 0 {
			t.Errorf("throttle holds the address in clear: %d, %v", n, err)
		}

		// When the lock ends, one attempt at a time: each begins the next lock at once.
		later := store.LoginAttempt{UserID: u.ID, Now: now.Add(time.Minute), LockFor: lockFor}
		if r, ok, err := db.ReserveLoginAttempt(ctx, later); !ok || err != nil || r.Count != 6 || r.LockedUntil.IsZero() {
			t.Errorf("first attempt after the lock: %+v %v %v", r, ok, err)
		}
		if _, ok, err := db.ReserveLoginAttempt(ctx, later); ok || err != nil {
			t.Errorf("second attempt after the lock granted: %v %v", ok, err)
		}
	})
}

// A right password ends the failures before it and the lock its own attempt began, but
// never a lock that another attempt began while it was checked; an attempt that could
// not be checked is taken back.
func TestSettleLoginAttempt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2025, 11, 26, 9, 0, 0, 0, time.UTC)
		lockFor := func(n int) time.Duration {
			if n >= 3 {
				return time.Minute
			}
			return 0
		}
		u := newUser(t, db, "ana@example.org")
		a := store.LoginAttempt{UserID: u.ID, Now: now, LockFor: lockFor}
		reserve := func() store.Reservation {
			t.Helper()
			r, ok, err := db.ReserveLoginAttempt(ctx, a)
			if !ok || err != nil {
				t.Fatalf("reserve: %v %v", ok, err)
			}
			return r
		}
		session := func(token string, r store.Reservation) error {
			_, err := db.StartSession(ctx, operator, store.NewSession{Hash: []byte(token), UserID: u.ID, Now: now,
				ExpiresAt: now.Add(time.Hour), Attempt: r})
			return err
		}
		state := func() (int, time.Time) {
			acct, err := db.Account(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			return acct.FailedLogins, acct.LockedUntil
		}

		// The right password (1st) is overtaken by two wrong ones; the 3rd locks.
		right := reserve()
		reserve()
		reserve()
		if err := session("s1", right); err != redress.ErrLockedMeanwhile {
			t.Errorf("right password after a lock began meanwhile: %v, want ErrLockedMeanwhile", err)
		}
		if n, until := state(); n != 3 || !until.Equal(now.Add(time.Minute)) {
			t.Errorf("after the refused success: %d failures, locked until %v; want 3 and the lock", n, until)
		}
		if n, _ := db.CountOpenSessions(ctx, u.ID); n != 0 {
			t.Errorf("%d sessions started", n)
		}

		// After the lock, the right password that began the next lock lifts its own.
		a.Now = now.Add(time.Minute)
		now = a.Now
		r := reserve()
		if r.Count != 4 || r.LockedUntil.IsZero() {
			t.Fatalf("4th attempt: %+v", r)
		}
		if err := session("s2", r); err != nil {
			t.Fatal(err)
		}
		if n, until := state(); n != 0 || !until.IsZero() {
			t.Errorf("after a success: %d failures, locked until %v", n, until)
		}

		// An attempt taken back leaves no count.
		r = reserve()
		if err := db.ReleaseLoginAttempt(ctx, r); err != nil {
			t.Fatal(err)
		}
		if n, _ := state(); n != 0 {
			t.Errorf("after a release: %d failures", n)
		}
	})
}

// Two requests racing with one link: one sets the password, the other is refused.
func TestUsePasswordLinkOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		newUser(t, db, "ben@example.org")
		h := sha256.Sum256([]byte("link:ben@example.org"))
		link, err := db.PasswordLinkByHash(ctx, h[:])
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for i := range 4 {
			wg.Go(func() { errs <- db.UsePasswordLink(ctx, operator, link, fmt.Sprintf("hash-%d", i), time.Now()) })
		}
		wg.Wait()
		close(errs)
		ok, refused := 0, 0
		for err := range errs {
			switch {
			case err == nil:
				ok++
			case err == redress.ErrPasswordLinkUsed:
				refused++
			default:
				t.Fatal(err)
			}
		}
		if ok != 1 || refused != 3 {
			t.Errorf("%d succeeded, %d refused; want 1 and 3", ok, refused)
		}
		if n, _ := db.CountAudit(ctx, redress.ActionPasswordChanged); n != 1 {
			t.Errorf("%d password events", n)
		}
		if l, _ := db.PasswordLinkByHash(ctx, h[:]); !l.Used {
			t.Error("link not marked used")
		}
	})
}

// Several processes starting at once on one database create one administrator.
func TestEnsureFirstAdminConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		created := make(chan bool, 4)
		for i := range 4 {
			wg.Go(func() {
				email := fmt.Sprintf("admin%d@example.org", i)
				ok, err := db.EnsureFirstAdmin(ctx, redress.AuditEvent{Actor: "system"}, email, "Administrator",
					linkFor(email, time.Now().Add(time.Hour)))
				if err != nil {
					t.Error(err)
				}
				created <- ok
			})
		}
		wg.Wait()
		close(created)
		n := 0
		for ok := range created {
			if ok {
				n++
			}
		}
		users, _ := db.ListUsers(ctx)
		if n != 1 || len(users) != 1 || len(users[0].Roles) != 1 || users[0].Roles[0].Role != redress.RoleAdministrator {
			t.Errorf("%d created; users %+v", n, users)
		}
	})
}

// An enabled account with the administrator address gets the role and a reset link;
// a disabled one is refused rather than brought back.
func TestEnsureFirstAdminExistingAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := newUser(t, db, "boss@example.org")
		if err := db.UsePasswordLink(ctx, operator, mustLink(t, db, "link:boss@example.org"), "hash", time.Now()); err != nil {
			t.Fatal(err)
		}
		created, err := db.EnsureFirstAdmin(ctx, operator, "boss@example.org", "Administrator", linkFor("second", time.Now().Add(time.Hour)))
		if err != nil || !created {
			t.Fatalf("created %v, %v", created, err)
		}
		if l := mustLink(t, db, "second"); l.UserID != u.ID || l.Purpose != store.LinkReset {
			t.Errorf("link %+v, want a reset link for the account", l)
		}
		v := newUser(t, db, "deputy@example.org")
		if err := db.AddRole(ctx, operator, v.ID, redress.RoleAdministrator, "*"); err != nil {
			t.Fatal(err)
		}
		if err := db.DisableUser(ctx, operator, u.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.DisableUser(ctx, operator, v.ID); redress.ErrorCode(err) != redress.ECONFLICT {
			t.Fatalf("disabling the last administrator: %v", err)
		}
		// With the deputy's role held in a unit only, the installation still has an
		// administrator; the check is for the role, not the unit.
		if created, err := db.EnsureFirstAdmin(ctx, operator, "boss@example.org", "x", linkFor("third", time.Now().Add(time.Hour))); err != nil || created {
			t.Errorf("with an enabled administrator: %v, %v", created, err)
		}
	})
}

func mustLink(t *testing.T, db *store.DB, token string) store.PasswordLink {
	t.Helper()
	h := sha256.Sum256([]byte(token))
	l, err := db.PasswordLinkByHash(context.Background(), h[:])
	if err != nil {
		t.Fatal(err)
	}
	return l
}
