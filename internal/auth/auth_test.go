package auth_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// clock is the one clock of a test: the store's transactions and the service's expiry
// checks both read it (the service falls back to DB.Now).
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }

const password = "tulip canyon ferry 47"

var admin = auth.Meta{Actor: "cli:tester", RequestID: "req-1"}

type fixture struct {
	svc   *auth.Service
	db    *store.DB
	clock *clock
	box   *secret.Box
	ctx   context.Context
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	box, err := secret.New(key)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2025, 11, 26, 9, 0, 0, 0, time.UTC)}
	db.Now = c.Now
	return &fixture{
		svc: &auth.Service{DB: db, Box: box, Catalog: cat, PublicURL: "https://redress.example/"},
		db:  db, clock: c, box: box, ctx: context.Background(),
	}
}

// account creates an account and sets its password through its link.
func (f *fixture) account(t *testing.T, email string) redress.User {
	t.Helper()
	u, token, err := f.svc.CreateUser(f.ctx, admin, email, "Staff Member")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetPasswordWithToken(f.ctx, auth.Meta{Actor: "public"}, token, password); err != nil {
		t.Fatal(err)
	}
	return u
}

func (f *fixture) login(t *testing.T, email, pw string) auth.LoginResult {
	t.Helper()
	res, err := f.svc.Login(f.ctx, auth.Meta{Actor: "public"}, email, pw)
	if err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	return res
}

func (f *fixture) count(t *testing.T, action string) int64 {
	t.Helper()
	n, err := f.db.CountAudit(f.ctx, action)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func wantErr(t *testing.T, what string, err error, want *redress.Error) {
	t.Helper()
	var e *redress.Error
	if !errors.As(err, &e) || e.Code != want.Code || e.Key != want.Key || e.Message != want.Message {
		t.Fatalf("%s: err %v, want %v", what, err, want)
	}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := redress.ErrorCode(err); got != code {
		t.Fatalf("%s: err %v (code %q), want code %q", what, err, got, code)
	}
}

func TestLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		u := f.account(t, "ana@example.org")
		public := auth.Meta{Actor: "public"}
		wrong := func(n int) error {
			var err error
			for range n {
				_, err = f.svc.Login(f.ctx, public, "ana@example.org", "not the password at all")
			}
			return err
		}

		// Four failures are only failures; the fifth locks the account for a minute.
		wantErr(t, "4 failures", wrong(4), auth.ErrLoginFailed)
		wantErr(t, "5th failure", wrong(1), auth.ErrLocked)
		if n := f.count(t, redress.ActionLockout); n != 1 {
			t.Fatalf("%d lockout events, want 1", n)
		}
		_, err := f.svc.Login(f.ctx, public, "ANA@example.org ", password)
		wantErr(t, "right password while locked", err, auth.ErrLocked)
		got, _ := f.svc.User(f.ctx, u.ID)
		if want := f.clock.t.Add(time.Minute); !got.LockedUntil.Equal(want) {
			t.Errorf("locked until %v, want %v", got.LockedUntil, want)
		}
		f.clock.Advance(59 * time.Second)
		_, err = f.svc.Login(f.ctx, public, "ana@example.org", password)
		wantErr(t, "after 59s", err, auth.ErrLocked)
		if n := f.count(t, redress.ActionLockout); n != 1 {
			t.Fatalf("attempts while locked started %d locks, want 1", n)
		}

		// When the lock ends, each further failure locks again for twice as long.
		f.clock.Advance(time.Second)
		wantErr(t, "6th failure", wrong(1), auth.ErrLocked)
		f.clock.Advance(2*time.Minute - time.Second)
		_, err = f.svc.Login(f.ctx, public, "ana@example.org", password)
		wantErr(t, "1m59s into a 2m lock", err, auth.ErrLocked)
		f.clock.Advance(time.Second)
		wantErr(t, "7th failure", wrong(1), auth.ErrLocked)
		f.clock.Advance(4*time.Minute - time.Second)
		_, err = f.svc.Login(f.ctx, public, "ana@example.org", password)
		wantErr(t, "3m59s into a 4m lock", err, auth.ErrLocked)
		f.clock.Advance(time.Second)
		if n := f.count(t, redress.ActionLockout); n != 3 {
			t.Fatalf("%d lockout events, want 3", n)
		}

		// Success resets the count: four failures afterwards do not lock.
		f.login(t, "ana@example.org", password)
		wantErr(t, "4 failures after success", wrong(4), auth.ErrLoginFailed)
		f.login(t, "ana@example.org", password)

		// An address without an account answers the same way, lock included.
		for i := 1; i <= 6; i++ {
			_, err := f.svc.Login(f.ctx, public, "nobody@example.org", "not the password at all")
			want := auth.ErrLoginFailed
			if i >= 5 {
				want = auth.ErrLocked
			}
			wantErr(t, "unknown address", err, want)
		}

		// The trail says what happened, never what was typed.
		evs, err := db.ListAudit(f.ctx, redress.AuditFilter{Action: redress.ActionLoginFailed})
		if err != nil {
			t.Fatal(err)
		}
		reasons := map[string]int{}
		for _, ev := range evs {
			reasons[ev.Details["reason"].(string)]++
			b, _ := json.Marshal(ev)
			if strings.Contains(string(b), "not the password") || strings.Contains(string(b), "nobody@") {
				t.Errorf("audit event holds what was typed: %s", b)
			}
		}
		if want := map[string]int{"password": 11, "locked": 5, "no_account": 5}; !mapsEqual(reasons, want) {
			t.Errorf("failed-login reasons %v, want %v", reasons, want)
		}
	})
}

// Forty passwords sent at once to one account (or to an address without one): while
// the first are still being checked, the rest arrive. No more than the policy allows are
// checked, the right password sent after the lock began is refused unchecked, and the
// lock holds afterwards. The test holds the only hashing slot, so "still being checked"
// lasts exactly until it lets go, on any machine.
func TestParallelAttemptsLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		f.account(t, "ana@example.org")
		for _, email := range []string{"ana@example.org", "nobody@example.org"} {
			h := &auth.Hasher{Concurrent: 1, Queue: 100, Wait: time.Minute}
			f.svc.Hasher = h
			failedBefore := f.count(t, redress.ActionLoginFailed)
			release, err := h.Acquire(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			results := make(chan error, 40)
			try := func(pw string) {
				go func() {
					_, err := f.svc.Login(f.ctx, auth.Meta{Actor: "public"}, email, pw)
					results <- err
				}()
			}
			wait := func(n int, what string) (got []error) {
				t.Helper()
				deadline := time.After(30 * time.Second)
				for len(got) < n {
					select {
					case err := <-results:
						got = append(got, err)
					case <-deadline:
						release()
						t.Fatalf("%s: %s: only %d of %d answered while the first attempts were being checked: %v",
							email, what, len(got), n, got)
					}
				}
				return got
			}
			for range 39 {
				try("not the password at all")
			}
			// Five are counted and wait for the slot; the other 34 are refused at once.
			for _, err := range wait(34, "refused before any check") {
				wantErr(t, email+": attempt beyond the fifth", err, auth.ErrLocked)
			}
			try(password)
			wantErr(t, email+": right password sent after the lock began", wait(1, "right password")[0], auth.ErrLocked)
			release()
			checked := map[*redress.Error]int{}
			for _, err := range wait(5, "the five checked") {
				var e *redress.Error
				errors.As(err, &e)
				checked[e]++
			}
			if checked[auth.ErrLoginFailed] != 4 || checked[auth.ErrLocked] != 1 || len(checked) != 2 {
				t.Errorf("%s: the five checked answered %v, want 4 failures and the lock", email, checked)
			}
			// 5 failures and 35 refusals; nothing signed in; the lock is in force.
			if n := f.count(t, redress.ActionLoginFailed) - failedBefore; n != 40 {
				t.Errorf("%s: %d failed-login events, want 40", email, n)
			}
			if n := f.count(t, redress.ActionLogin); n != 0 {
				t.Errorf("%s: %d sign-ins", email, n)
			}
			_, err = f.svc.Login(f.ctx, auth.Meta{Actor: "public"}, email, password)
			wantErr(t, email+": right password after the flood", err, auth.ErrLocked)
			if h.Peak() != 1 {
				t.Errorf("%s: %d hashes at once, bound 1", email, h.Peak())
			}
		}
		evs, err := db.ListAudit(f.ctx, redress.AuditFilter{Action: redress.ActionLoginFailed})
		if err != nil {
			t.Fatal(err)
		}
		reasons := map[string]int{}
		for _, ev := range evs {
			reasons[ev.Details["reason"].(string)]++
		}
		if want := map[string]int{"password": 5, "no_account": 5, "locked": 72}; !mapsEqual(reasons, want) {
			t.Errorf("failed-login reasons %v, want %v: only five passwords checked per name", reasons, want)
		}
	})
}

// A busy server refuses a sign-in with ErrBusy without counting it, and signs in
// once a slot is free.
func TestLoginBusy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		u := f.account(t, "ana@example.org")
		h := &auth.Hasher{Concurrent: 1, Queue: 1, Wait: time.Millisecond}
		f.svc.Hasher = h
		release, err := h.Acquire(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for range 6 {
			_, err := f.svc.Login(f.ctx, auth.Meta{Actor: "public"}, "ana@example.org", password)
			wantErr(t, "sign-in while every slot is taken", err, auth.ErrBusy)
			_, err = f.svc.Login(f.ctx, auth.Meta{Actor: "public"}, "nobody@example.org", password)
			wantErr(t, "unknown address while every slot is taken", err, auth.ErrBusy)
		}
		err = f.svc.ChangePassword(f.ctx, auth.Meta{Actor: "public"}, u.ID, password, "another long passphrase 81")
		wantErr(t, "password change while busy", err, auth.ErrBusy)
		_, token, err := f.svc.CreateUser(f.ctx, admin, "bea@example.org", "Bea")
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.SetPasswordWithToken(f.ctx, auth.Meta{Actor: "public"}, token, password)
		wantErr(t, "password set while busy", err, auth.ErrBusy)
		release()
		if _, err := f.svc.SetPasswordWithToken(f.ctx, auth.Meta{Actor: "public"}, token, password); err != nil {
			t.Errorf("the link refused while busy works afterwards: %v", err)
		}
		if got, _ := f.svc.User(f.ctx, u.ID); !got.LockedUntil.IsZero() {
			t.Errorf("busy refusals locked the account until %v", got.LockedUntil)
		}
		f.login(t, "ana@example.org", password)
		if n := f.count(t, redress.ActionLoginFailed); n != 0 {
			t.Errorf("%d failed-login events for refusals that checked nothing", n)
		}
	})
}

// A hash made at an older cost still signs in, and that sign-in stores the password
// again at today's cost; the trail says so, without the hash.
func TestRehashOnLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		older := auth.Argon2Params{Time: 1, MemoryKiB: 32, Threads: 1}
		today := auth.Argon2Params{Time: 2, MemoryKiB: 64, Threads: 1}
		f.svc.Hasher = &auth.Hasher{Params: older}
		u := f.account(t, "ana@example.org")
		hashOf := func() string {
			var h string
			if err := db.Bun().NewRaw("SELECT password_hash FROM users WHERE id = ?", u.ID).Scan(f.ctx, &h); err != nil {
				t.Fatal(err)
			}
			return h
		}
		if h := hashOf(); !strings.Contains(h, "$m=32,t=1,p=1$") {
			t.Fatalf("first hash %s", h)
		}
		f.svc.Hasher = &auth.Hasher{Params: today}
		f.login(t, "ana@example.org", password)
		if h := hashOf(); !strings.Contains(h, "$m=64,t=2,p=1$") {
			t.Errorf("after a sign-in the hash is %s, want today's cost", h)
		}
		f.login(t, "ana@example.org", password)
		evs, err := db.ListAudit(f.ctx, redress.AuditFilter{Action: redress.ActionLogin})
		if err != nil || len(evs) != 2 || evs[0].Details["rehashed"] != true || evs[1].Details["rehashed"] != nil {
			t.Errorf("login events %+v, %v: want the first marked rehashed", evs, err)
		}
		if _, err := f.svc.Login(f.ctx, auth.Meta{Actor: "public"}, "ana@example.org", "not the password at all"); err != auth.ErrLoginFailed {
			t.Errorf("wrong password after the rehash: %v", err)
		}
	})
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestTOTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		u := f.account(t, "ben@example.org")
		me := auth.Meta{Actor: auth.Subject(u.ID)}

		sec, url, err := f.svc.BeginTOTP(f.ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(url, "otpauth://totp/Redress:ben@example.org?") || !strings.Contains(url, "issuer=Redress") || !strings.Contains(url, "secret="+sec) {
			t.Errorf("otpauth URL %q", url)
		}
		if again, againURL, err := f.svc.PendingTOTP(f.ctx, u.ID); err != nil || again != sec || againURL != url {
			t.Errorf("PendingTOTP = %q, %q, %v; want the secret begun", again, againURL, err)
		}
		acct, _ := db.Account(f.ctx, u.ID)
		if len(acct.TOTPPending) == 0 || strings.Contains(string(acct.TOTPPending), sec) {
			t.Error("pending secret not stored sealed")
		}

		// Sign-in does not ask for a code until enrolment is confirmed.
		if res := f.login(t, "ben@example.org", password); res.Principal.MFAPending {
			t.Fatal("second factor asked before enrolment was confirmed")
		}
		wantCode(t, "wrong confirmation code", f.svc.ConfirmTOTP(f.ctx, me, u.ID, "000000"), redress.EINVALID)
		code, _ := totp.GenerateCode(sec, f.clock.t)
		if err := f.svc.ConfirmTOTP(f.ctx, me, u.ID, code); err != nil {
			t.Fatal(err)
		}
		if n := f.count(t, redress.ActionMFAEnrolled); n != 1 {
			t.Errorf("%d mfa_enrolled events", n)
		}
		if got, _ := f.svc.User(f.ctx, u.ID); !got.MFAEnrolled {
			t.Error("user not marked enrolled")
		}
		if _, _, err := f.svc.PendingTOTP(f.ctx, u.ID); redress.ErrorCode(err) != redress.ENOTFOUND {
			t.Errorf("pending secret after confirmation: %v", err)
		}

		// The password now opens a session that waits for the code.
		f.clock.Advance(30 * time.Second)
		res := f.login(t, "ben@example.org", password)
		if !res.Principal.MFAPending {
			t.Fatal("session not waiting for the second factor")
		}
		if p, err := f.svc.Authenticate(f.ctx, res.SessionToken); err != nil || !p.MFAPending {
			t.Fatalf("Authenticate of a pending session: %+v, %v", p, err)
		}
		_, err = f.svc.LoginTOTP(f.ctx, auth.Meta{}, res.SessionToken, "123456")
		wantErr(t, "wrong code", err, auth.ErrCode)
		code, _ = totp.GenerateCode(sec, f.clock.t)
		p, err := f.svc.LoginTOTP(f.ctx, auth.Meta{}, res.SessionToken, code[:3]+" "+code[3:])
		if err != nil || p.MFAPending || p.User.ID != u.ID || p.SessionID == 0 {
			t.Fatalf("LoginTOTP: %+v, %v", p, err)
		}
		if p, err := f.svc.Authenticate(f.ctx, res.SessionToken); err != nil || p.MFAPending {
			t.Fatalf("Authenticate after the code: %+v, %v", p, err)
		}
		_, err = f.svc.LoginTOTP(f.ctx, auth.Meta{}, res.SessionToken, code)
		wantErr(t, "code for a complete session", err, auth.ErrCode)
		if n := f.count(t, redress.ActionLogin); n != 2 {
			t.Errorf("%d login events, want 2 (one without, one with the second factor)", n)
		}

		// A code signs in once.
		res = f.login(t, "ben@example.org", password)
		_, err = f.svc.LoginTOTP(f.ctx, auth.Meta{}, res.SessionToken, code)
		wantErr(t, "replayed code", err, auth.ErrCode)
		f.clock.Advance(30 * time.Second)
		code, _ = totp.GenerateCode(sec, f.clock.t)
		if _, err := f.svc.LoginTOTP(f.ctx, auth.Meta{}, res.SessionToken, code); err != nil {
			t.Fatalf("next code: %v", err)
		}

		// Wrong codes count toward lockout, and giving the password again does not reset them.
		res = f.login(t, "ben@example.org", password)
		for range 2 {
			f.svc.LoginTOTP(f.ctx, auth.Meta{}, res.SessionToken, "111111")
		}
		res = f.login(t, "ben@example.org", password)
		for range 2 {
			f.svc.LoginTOTP(f.ctx, auth.Meta{}, res.SessionToken, "111111")
		}
		_, err = f.svc.LoginTOTP(f.ctx, auth.Meta{}, res.SessionToken, "111111")
		wantErr(t, "fifth wrong code", err, auth.ErrLocked)
		f.clock.Advance(30 * time.Second)
		code, _ = totp.GenerateCode(sec, f.clock.t)
		_, err = f.svc.LoginTOTP(f.ctx, auth.Meta{}, res.SessionToken, code)
		wantErr(t, "right code while locked", err, auth.ErrLocked)

		// A pending session lasts ten minutes.
		f.clock.Advance(time.Minute)
		res = f.login(t, "ben@example.org", password)
		f.clock.Advance(10 * time.Minute)
		code, _ = totp.GenerateCode(sec, f.clock.t)
		_, err = f.svc.LoginTOTP(f.ctx, auth.Meta{}, res.SessionToken, code)
		wantErr(t, "code after ten minutes", err, auth.ErrSignIn)
	})
}

func TestMFARequiredByRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		u := f.account(t, "cai@example.org")
		if err := f.svc.AddRole(f.ctx, admin, u.ID, redress.RoleInvestigator, "*"); err != nil {
			t.Fatal(err)
		}
		if p := f.login(t, "cai@example.org", password).Principal; p.MustEnrolMFA {
			t.Fatal("enrolment demanded with no policy")
		}
		if err := f.svc.SetMFARequired(f.ctx, admin, redress.RoleInvestigator, true); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetMFARequired(f.ctx, admin, redress.RoleInvestigator, true); err != nil {
			t.Fatal(err)
		}
		if n := f.count(t, redress.ActionMFAPolicyChanged); n != 1 {
			t.Errorf("%d policy events for one change set twice, want 1", n)
		}
		// Administrators need a second factor by default (migration 61); investigators now too.
		if roles, _ := f.svc.MFARequiredRoles(f.ctx); !slices.Equal(roles, []redress.Role{redress.RoleAdministrator, redress.RoleInvestigator}) {
			t.Errorf("required roles %v", roles)
		}
		res := f.login(t, "cai@example.org", password)
		if !res.Principal.MustEnrolMFA || res.Principal.MFAPending {
			t.Fatalf("principal %+v, want MustEnrolMFA", res.Principal)
		}
		tok, _, err := f.svc.CreateToken(f.ctx, admin, "cai@example.org", "job")
		if err != nil {
			t.Fatal(err)
		}
		if p, err := f.svc.AuthenticateToken(f.ctx, auth.Meta{}, tok); err != nil || p.MustEnrolMFA {
			t.Errorf("token principal %+v, %v: tokens are not sent to enrol", p, err)
		}
		sec, _, _ := f.svc.BeginTOTP(f.ctx, u.ID)
		code, _ := totp.GenerateCode(sec, f.clock.t)
		if err := f.svc.ConfirmTOTP(f.ctx, admin, u.ID, code); err != nil {
			t.Fatal(err)
		}
		if p, err := f.svc.Authenticate(f.ctx, res.SessionToken); err != nil || p.MustEnrolMFA {
			t.Errorf("after enrolment: %+v, %v", p, err)
		}
		wantCode(t, "unknown role", f.svc.SetMFARequired(f.ctx, admin, "janitor", true), redress.EINVALID)
	})
}

func TestSessionTimeouts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		u := f.account(t, "dee@example.org")
		res := f.login(t, "dee@example.org", password)
		if p := res.Principal; p.User.ID != u.ID || p.SessionID == 0 || p.TokenID != 0 || p.Subject() != auth.Subject(u.ID) || p.MFAPending {
			t.Fatalf("principal %+v", p)
		}
		lastSeen := func() time.Time {
			s, err := db.SessionByHash(f.ctx, auth.HashToken(res.SessionToken))
			if err != nil {
				t.Fatal(err)
			}
			return s.LastSeenAt
		}
		start := f.clock.t

		// Use within a minute does not write; after a minute it does.
		f.clock.Advance(30 * time.Second)
		if _, err := f.svc.Authenticate(f.ctx, res.SessionToken); err != nil {
			t.Fatal(err)
		}
		if !lastSeen().Equal(start) {
			t.Errorf("last seen %v after 30s, want unchanged %v", lastSeen(), start)
		}
		// Idle: each use within 30 minutes keeps the session.
		for range 3 {
			f.clock.Advance(29 * time.Minute)
			if _, err := f.svc.Authenticate(f.ctx, res.SessionToken); err != nil {
				t.Fatalf("after 29 idle minutes: %v", err)
			}
			if !lastSeen().Equal(f.clock.t) {
				t.Errorf("last seen %v, want %v", lastSeen(), f.clock.t)
			}
		}
		f.clock.Advance(30 * time.Minute)
		_, err := f.svc.Authenticate(f.ctx, res.SessionToken)
		wantErr(t, "after 30 idle minutes", err, auth.ErrSignIn)

		// Absolute: 12 hours after sign-in, however busy.
		res = f.login(t, "dee@example.org", password)
		for range 12*60/20 - 1 {
			f.clock.Advance(20 * time.Minute)
			if _, err := f.svc.Authenticate(f.ctx, res.SessionToken); err != nil {
				t.Fatalf("busy session refused at %v: %v", f.clock.t, err)
			}
		}
		f.clock.Advance(20 * time.Minute)
		_, err = f.svc.Authenticate(f.ctx, res.SessionToken)
		wantErr(t, "after 12 hours", err, auth.ErrSignIn)

		_, err = f.svc.Authenticate(f.ctx, "made-up")
		wantErr(t, "unknown token", err, auth.ErrSignIn)
		_, err = f.svc.Authenticate(f.ctx, "")
		wantErr(t, "no token", err, auth.ErrSignIn)
	})
}

func TestLogout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		u := f.account(t, "eve@example.org")
		a, b := f.login(t, "eve@example.org", password), f.login(t, "eve@example.org", password)
		if err := f.svc.Logout(f.ctx, auth.Meta{Actor: "user:1"}, a.SessionToken); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Authenticate(f.ctx, a.SessionToken)
		wantErr(t, "after logout", err, auth.ErrSignIn)
		if _, err := f.svc.Authenticate(f.ctx, b.SessionToken); err != nil {
			t.Errorf("the other session ended too: %v", err)
		}
		// Signing out twice, or with nothing, is fine and records nothing more.
		if err := f.svc.Logout(f.ctx, auth.Meta{}, a.SessionToken); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Logout(f.ctx, auth.Meta{}, "made-up"); err != nil {
			t.Fatal(err)
		}
		evs, _ := db.ListAudit(f.ctx, redress.AuditFilter{Action: redress.ActionLogout})
		if len(evs) != 1 || evs[0].Actor != auth.Subject(u.ID) {
			t.Errorf("logout events %+v, want one by the user", evs)
		}
	})
}

func TestSessionsEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		u := f.account(t, "fay@example.org")
		me := auth.Meta{Actor: auth.Subject(u.ID)}
		a, b := f.login(t, "fay@example.org", password), f.login(t, "fay@example.org", password)

		err := f.svc.ChangePassword(f.ctx, me, u.ID, "not the password at all", "new pass phrase 2 go")
		var e *redress.Error
		if !errors.As(err, &e) || e.Code != redress.EUNAUTHORIZED || len(e.Fields) != 1 || e.Fields[0].Field != "old_password" {
			t.Fatalf("wrong current password: %v", err)
		}
		wantCode(t, "common new password", f.svc.ChangePassword(f.ctx, me, u.ID, password, "password2025!"), redress.EINVALID)
		for _, s := range []auth.LoginResult{a, b} {
			if _, err := f.svc.Authenticate(f.ctx, s.SessionToken); err != nil {
				t.Fatalf("a refused change ended a session: %v", err)
			}
		}
		if err := f.svc.ChangePassword(f.ctx, me, u.ID, password, "new pass phrase 2 go"); err != nil {
			t.Fatal(err)
		}
		for _, s := range []auth.LoginResult{a, b} {
			_, err := f.svc.Authenticate(f.ctx, s.SessionToken)
			wantErr(t, "session after password change", err, auth.ErrSignIn)
		}
		_, err = f.svc.Login(f.ctx, me, "fay@example.org", password)
		wantErr(t, "old password", err, auth.ErrLoginFailed)
		c := f.login(t, "fay@example.org", "new pass phrase 2 go")
		if n := f.count(t, redress.ActionPasswordChanged); n != 2 {
			t.Errorf("%d password events, want 2 (set, change)", n)
		}

		// Disabling ends sessions, refuses sign-in and tokens.
		tok, _, err := f.svc.CreateToken(f.ctx, admin, "fay@example.org", "job")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DisableUser(f.ctx, admin, u.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Authenticate(f.ctx, c.SessionToken)
		wantErr(t, "session of a disabled account", err, auth.ErrSignIn)
		_, err = f.svc.Login(f.ctx, me, "fay@example.org", "new pass phrase 2 go")
		wantErr(t, "sign-in to a disabled account", err, auth.ErrLoginFailed)
		_, err = f.svc.AuthenticateToken(f.ctx, auth.Meta{}, tok)
		wantErr(t, "token of a disabled account", err, auth.ErrToken)
		if n, _ := db.CountOpenSessions(f.ctx, u.ID); n != 0 {
			t.Errorf("%d open sessions after disable", n)
		}
		if got, _ := f.svc.User(f.ctx, u.ID); !got.Disabled {
			t.Error("not disabled")
		}
	})
}

func TestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		u := f.account(t, "gus@example.org")
		tok, id, err := f.svc.CreateToken(f.ctx, admin, "GUS@example.org", "nightly export")
		if err != nil {
			t.Fatal(err)
		}
		if len(tok) != 43 || strings.ContainsAny(tok, "+/=") {
			t.Errorf("token %q: want 32 bytes in unpadded URL-safe base64", tok)
		}
		p, err := f.svc.AuthenticateToken(f.ctx, auth.Meta{}, tok)
		if err != nil || p.User.ID != u.ID || p.TokenID != id || p.SessionID != 0 {
			t.Fatalf("AuthenticateToken: %+v, %v", p, err)
		}
		list, err := f.svc.ListTokens(f.ctx, u.ID)
		if err != nil || len(list) != 1 || list[0].Name != "nightly export" || !list[0].LastUsedAt.Equal(f.clock.t) || list[0].Revoked() {
			t.Fatalf("ListTokens: %+v, %v", list, err)
		}
		// The database holds the hash, never the value.
		if _, err := db.APITokenByHash(f.ctx, []byte(tok)); redress.ErrorCode(err) != redress.ENOTFOUND {
			t.Errorf("token found by its plain value: %v", err)
		}

		if err := f.svc.RevokeToken(f.ctx, admin, id); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RevokeToken(f.ctx, admin, id); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.AuthenticateToken(f.ctx, auth.Meta{Actor: "public", RequestID: "r9"}, tok)
		wantErr(t, "revoked token", err, auth.ErrToken)
		evs, _ := db.ListAudit(f.ctx, redress.AuditFilter{Action: redress.ActionTokenRevokedUse})
		if len(evs) != 1 || evs[0].RequestID != "r9" || evs[0].Details["token_id"] != float64(id) {
			t.Errorf("revoked-use events %+v", evs)
		}
		_, err = f.svc.AuthenticateToken(f.ctx, auth.Meta{}, "made-up")
		wantErr(t, "unknown token", err, auth.ErrToken)
		if n := f.count(t, redress.ActionTokenRevokedUse); n != 1 {
			t.Errorf("%d revoked-use events after an unknown token, want still 1", n)
		}
		for action, want := range map[string]int64{redress.ActionTokenCreated: 1, redress.ActionTokenRevoked: 1} {
			if n := f.count(t, action); n != want {
				t.Errorf("%d %s events, want %d", n, action, want)
			}
		}
		if list, _ := f.svc.ListTokens(f.ctx, u.ID); !list[0].Revoked() {
			t.Error("list does not show the token revoked")
		}
		wantCode(t, "revoke unknown", f.svc.RevokeToken(f.ctx, admin, 999), redress.ENOTFOUND)
		if _, _, err := f.svc.CreateToken(f.ctx, admin, "nobody@example.org", "x"); redress.ErrorCode(err) != redress.ENOTFOUND {
			t.Errorf("token for an unknown account: %v", err)
		}
		if _, _, err := f.svc.CreateToken(f.ctx, admin, "gus@example.org", " "); redress.ErrorCode(err) != redress.EINVALID {
			t.Errorf("token without a name: %v", err)
		}
	})
}

var linkRE = regexp.MustCompile(`https://redress\.example/password/set\?token=([A-Za-z0-9_-]{43})`)

func TestPasswordReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		u := f.account(t, "hal@example.org")
		old := f.login(t, "hal@example.org", password)
		public := auth.Meta{Actor: "public", RequestID: "r1"}

		for _, email := range []string{"nobody@example.org", "Hal@Example.org"} {
			if err := f.svc.RequestPasswordReset(f.ctx, public, email, "es"); err != nil {
				t.Fatalf("%s: %v", email, err)
			}
		}
		msgs, err := db.ClaimOutbox(f.ctx, "test", 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 1 {
			t.Fatalf("%d messages queued, want 1 (none for the unknown address)", len(msgs))
		}
		m := msgs[0]
		if m.Kind != redress.MailPasswordReset || m.Language != "es" || m.Subject != "Elija una nueva contraseña para Redress" {
			t.Errorf("message %s/%s %q", m.Kind, m.Language, m.Subject)
		}
		to, err := f.box.Open(m.RecipientSealed, redress.RecipientContext(m.Key))
		if err != nil || string(to) != "hal@example.org" {
			t.Errorf("recipient %q, %v", to, err)
		}
		match := linkRE.FindStringSubmatch(m.Body)
		if match == nil || !strings.Contains(m.Body, "60 minutos") {
			t.Fatalf("body lacks the link or its lifetime:\n%s", m.Body)
		}
		token := match[1]
		// The store keeps the hash of the token, not the token.
		link, err := db.PasswordLinkByHash(f.ctx, auth.HashToken(token))
		if err != nil || link.UserID != u.ID || link.Purpose != store.LinkReset {
			t.Fatalf("link by hash: %+v, %v", link, err)
		}
		var n int
		if err := db.Bun().NewRaw("SELECT count(*) FROM password_tokens WHERE token_hash = ?", []byte(token)).Scan(f.ctx, &n); err != nil || n != 0 {
			t.Errorf("token stored in clear: %d, %v", n, err)
		}
		// Both requests are events; the one for the unknown address keeps no trace of it.
		evs, _ := db.ListAudit(f.ctx, redress.AuditFilter{Action: redress.ActionPasswordReset})
		if len(evs) != 2 || evs[1].Actor != "public" || evs[1].Details["user_id"] != float64(u.ID) || evs[1].Details["queued"] != true {
			t.Fatalf("reset events %+v", evs)
		}
		if d := evs[0].Details; evs[0].Actor != "public" || d["reason"] != "no_account" || d["queued"] != false || d["user_id"] != nil {
			t.Errorf("reset event for an unknown address %+v", evs[0])
		}
		if b, _ := json.Marshal(evs[0]); strings.Contains(strings.ToLower(string(b)), "nobody") {
			t.Errorf("reset event holds the address typed: %s", b)
		}

		// The link sets a password once, and ends the sessions.
		_, err = f.svc.SetPasswordWithToken(f.ctx, public, token, "hal@example.org hal")
		wantCode(t, "weak password", err, redress.EINVALID)
		if _, err := f.svc.SetPasswordWithToken(f.ctx, public, token, "new pass phrase 2 go"); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.SetPasswordWithToken(f.ctx, public, token, "another pass phrase 3")
		wantErr(t, "link used twice", err, redress.ErrPasswordLinkUsed)
		_, err = f.svc.Authenticate(f.ctx, old.SessionToken)
		wantErr(t, "session after reset", err, auth.ErrSignIn)
		f.login(t, "hal@example.org", "new pass phrase 2 go")

		// At most three reset emails an hour per account; disabled accounts get none.
		for range 4 {
			f.svc.RequestPasswordReset(f.ctx, public, "hal@example.org", "en")
		}
		if n, _ := db.CountQueuedMail(f.ctx); n != 1+2 {
			t.Errorf("%d messages queued, want 3 in the hour", n)
		}
		f.clock.Advance(61 * time.Minute)
		f.svc.RequestPasswordReset(f.ctx, public, "hal@example.org", "xx")
		msgs, _ = db.ClaimOutbox(f.ctx, "test2", 10, time.Minute)
		last := msgs[len(msgs)-1]
		// Two from before, the new one, and the first, whose test lease ran out.
		if len(msgs) != 4 || last.Language != "en" || !strings.HasPrefix(last.Body, "Someone asked") {
			t.Errorf("after an hour: %d messages; last %s %q", len(msgs), last.Language, last.Body)
		}

		// A disabled account gets no reset email.
		v := f.account(t, "ivy@example.org")
		if err := f.svc.DisableUser(f.ctx, admin, v.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RequestPasswordReset(f.ctx, public, "ivy@example.org", "en"); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.CountQueuedMail(f.ctx); n != 4 {
			t.Errorf("%d messages queued after a disabled account's request, want still 4", n)
		}
		// Refused requests are events too: the two over the hourly limit and the disabled
		// account's.
		refused := map[string]int{}
		evs, _ = db.ListAudit(f.ctx, redress.AuditFilter{Action: redress.ActionPasswordReset})
		for _, ev := range evs {
			if ev.Details["queued"] == false {
				refused[ev.Details["reason"].(string)]++
			}
		}
		if want := map[string]int{"no_account": 1, "too_many": 2, "disabled": 1}; !maps.Equal(refused, want) {
			t.Errorf("refused reset requests %v, want %v", refused, want)
		}

		// A reset link expires after an hour.
		token = linkRE.FindStringSubmatch(last.Body)[1]
		f.clock.Advance(time.Hour)
		_, err = f.svc.SetPasswordWithToken(f.ctx, public, token, "another pass phrase 3")
		wantErr(t, "expired reset link", err, redress.ErrPasswordLinkUsed)
	})
}

func TestSetPasswordLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		u, token, err := f.svc.CreateUser(f.ctx, admin, " Ida@Example.org", "Ida Wells")
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "ida@example.org" || u.HasPassword || u.Name != "Ida Wells" {
			t.Errorf("user %+v", u)
		}
		if got := f.svc.SetPasswordURL(token); got != "https://redress.example/password/set?token="+token {
			t.Errorf("link %q", got)
		}
		_, err = f.svc.Login(f.ctx, auth.Meta{}, "ida@example.org", "")
		wantErr(t, "sign-in before a password is set", err, auth.ErrLoginFailed)

		_, _, err = f.svc.CreateUser(f.ctx, admin, "IDA@example.org", "Someone Else")
		wantCode(t, "same address", err, redress.ECONFLICT)
		for _, tc := range []struct{ email, name string }{{"", "X"}, {"not an address", "X"}, {"Ida <i@example.org>", "X"}, {"j@example.org", ""}, {"j@example.org", "a\x00b"}} {
			_, _, err := f.svc.CreateUser(f.ctx, admin, tc.email, tc.name)
			wantCode(t, tc.email+"/"+tc.name, err, redress.EINVALID)
		}

		// Expiry: 72 hours.
		f.clock.Advance(72 * time.Hour)
		_, err = f.svc.SetPasswordWithToken(f.ctx, auth.Meta{}, token, password)
		wantErr(t, "after 72 hours", err, redress.ErrPasswordLinkUsed)

		_, token, _ = f.svc.CreateUser(f.ctx, admin, "jo@example.org", "Jo")
		f.clock.Advance(71 * time.Hour)
		got, err := f.svc.SetPasswordWithToken(f.ctx, auth.Meta{}, token, password)
		if err != nil || !got.HasPassword || got.Email != "jo@example.org" {
			t.Fatalf("within 72 hours: %+v, %v", got, err)
		}
		_, err = f.svc.SetPasswordWithToken(f.ctx, auth.Meta{}, token, "another pass phrase 3")
		wantErr(t, "second use", err, redress.ErrPasswordLinkUsed)
		_, err = f.svc.SetPasswordWithToken(f.ctx, auth.Meta{}, "made-up", password)
		wantErr(t, "unknown link", err, redress.ErrPasswordLinkUsed)
		f.login(t, "jo@example.org", password)
		evs, _ := db.ListAudit(f.ctx, redress.AuditFilter{Action: redress.ActionUserCreated})
		if len(evs) != 2 || evs[0].Actor != "cli:tester" || evs[0].RequestID != "req-1" {
			t.Errorf("user.created events %+v", evs)
		}
	})
}

func TestEnsureFirstAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		token, created, err := f.svc.EnsureFirstAdmin(f.ctx, "Admin@Example.org")
		if err != nil || !created || token == "" {
			t.Fatalf("first call: %q, %v, %v", token, created, err)
		}
		u, err := f.svc.UserByEmail(f.ctx, "admin@example.org")
		if err != nil || len(u.Roles) != 1 || u.Roles[0] != (redress.RoleAssignment{Role: redress.RoleAdministrator, Unit: "*"}) {
			t.Fatalf("administrator %+v, %v", u, err)
		}
		for range 2 {
			if token, created, err := f.svc.EnsureFirstAdmin(f.ctx, "admin@example.org"); err != nil || created || token != "" {
				t.Fatalf("again: %q, %v, %v", token, created, err)
			}
		}
		if _, err := f.svc.SetPasswordWithToken(f.ctx, auth.Meta{}, token, password); err != nil {
			t.Fatal(err)
		}

		// The last administrator cannot be disabled or lose the role...
		wantCode(t, "disable the last administrator", f.svc.DisableUser(f.ctx, admin, u.ID), redress.ECONFLICT)
		wantCode(t, "remove the last administrator", f.svc.RemoveRole(f.ctx, admin, u.ID, redress.RoleAdministrator, "*"), redress.ECONFLICT)
		// ...but once there is another, it can.
		other := f.account(t, "other@example.org")
		if err := f.svc.AddRole(f.ctx, admin, other.ID, redress.RoleAdministrator, "*"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DisableUser(f.ctx, admin, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, created, _ := f.svc.EnsureFirstAdmin(f.ctx, "admin@example.org"); created {
			t.Error("created an administrator while another is enabled")
		}
		if n := f.count(t, redress.ActionUserCreated); n != 2 {
			t.Errorf("%d accounts created, want 2", n)
		}
		_, _, err = f.svc.EnsureFirstAdmin(f.ctx, "not an address")
		wantCode(t, "bad address", err, redress.EINVALID)
	})
}

func TestRolesAndUnits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		version := func() int64 {
			v, err := db.AuthzVersion(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		step := func(what string, bumps bool, fn func() error) {
			t.Helper()
			before := version()
			if err := fn(); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if after := version(); bumps && after != before+1 || !bumps && after != before {
				t.Errorf("%s: authz version %d -> %d, want a bump: %v", what, before, after, bumps)
			}
		}
		u := f.account(t, "kim@example.org")
		v := f.account(t, "lee@example.org")

		step("save unit", true, func() error {
			_, err := f.svc.SaveUnit(f.ctx, admin, redress.Unit{Name: "tx", Title: "Texas", States: []string{"tx", "Oklahoma", "TX"}})
			return err
		})
		step("save unit again", true, func() error {
			got, err := f.svc.SaveUnit(f.ctx, admin, redress.Unit{Name: "tx", Title: "Texas & Oklahoma", States: []string{"TX", "OK"}})
			if err == nil && (got.Title != "Texas & Oklahoma" || strings.Join(got.States, " ") != "TX OK") {
				t.Errorf("saved %+v", got)
			}
			return err
		})
		step("save second unit", true, func() error {
			_, err := f.svc.SaveUnit(f.ctx, admin, redress.Unit{Name: "fl", Title: "Florida", States: []string{"FL"}})
			return err
		})
		units, err := f.svc.ListUnits(f.ctx)
		if err != nil || len(units) != 2 || units[0].Name != "fl" || units[1].Name != "tx" || strings.Join(units[1].States, " ") != "TX OK" {
			t.Fatalf("units %+v, %v", units, err)
		}
		if got := redress.UnitFor(units, 0, "OK"); got != "tx" {
			t.Errorf("UnitFor(OK) = %q", got)
		}
		step("add role", true, func() error { return f.svc.AddRole(f.ctx, admin, u.ID, redress.RoleInvestigator, "tx") })
		step("add it again", false, func() error { return f.svc.AddRole(f.ctx, admin, u.ID, redress.RoleInvestigator, "tx") })
		step("add role in all units", true, func() error { return f.svc.AddRole(f.ctx, admin, v.ID, redress.RoleAuditor, "*") })
		step("add second role", true, func() error { return f.svc.AddRole(f.ctx, admin, u.ID, redress.RoleSupervisor, "fl") })
		step("remove role", true, func() error { return f.svc.RemoveRole(f.ctx, admin, u.ID, redress.RoleSupervisor, "fl") })
		step("require MFA", true, func() error { return f.svc.SetMFARequired(f.ctx, admin, redress.RoleAuditor, true) })
		step("require it again", false, func() error { return f.svc.SetMFARequired(f.ctx, admin, redress.RoleAuditor, true) })
		step("lift it", true, func() error { return f.svc.SetMFARequired(f.ctx, admin, redress.RoleAuditor, false) })

		as, err := db.RoleAssignments(f.ctx)
		want := []store.Assignment{{UserID: u.ID, Role: redress.RoleInvestigator, Unit: "tx"}, {UserID: v.ID, Role: redress.RoleAuditor, Unit: "*"}}
		if err != nil || len(as) != 2 || as[0] != want[0] || as[1] != want[1] {
			t.Fatalf("assignments %+v, %v; want %+v", as, err, want)
		}
		step("disable", true, func() error { return f.svc.DisableUser(f.ctx, admin, v.ID) })
		step("disable again", false, func() error { return f.svc.DisableUser(f.ctx, admin, v.ID) })
		if as, _ := db.RoleAssignments(f.ctx); len(as) != 1 || as[0] != want[0] {
			t.Errorf("assignments after disabling %+v: a disabled account's roles must not reach the enforcer", as)
		}
		got, _ := f.svc.User(f.ctx, u.ID)
		if len(got.Roles) != 1 || got.Roles[0] != (redress.RoleAssignment{Role: redress.RoleInvestigator, Unit: "tx"}) {
			t.Errorf("roles %+v", got.Roles)
		}
		evs, _ := db.ListAudit(f.ctx, redress.AuditFilter{Action: redress.ActionRoleAdded})
		if len(evs) != 3 || evs[0].Details["role"] != "investigator" || evs[0].Details["unit"] != "tx" || evs[0].Actor != "cli:tester" {
			t.Errorf("role events %+v", evs)
		}
		if n := f.count(t, redress.ActionUnitSaved); n != 3 {
			t.Errorf("%d unit events", n)
		}

		// Refusals change nothing.
		before := version()
		for what, err := range map[string]error{
			"unknown role":         f.svc.AddRole(f.ctx, admin, u.ID, "janitor", "tx"),
			"unknown unit":         f.svc.AddRole(f.ctx, admin, u.ID, redress.RoleInvestigator, "nm"),
			"bad unit name":        f.svc.AddRole(f.ctx, admin, u.ID, redress.RoleInvestigator, "New Mexico"),
			"bad state":            saveErr(f.svc.SaveUnit(f.ctx, admin, redress.Unit{Name: "x", Title: "X", States: []string{"Narnia"}})),
			"unit named *":         saveErr(f.svc.SaveUnit(f.ctx, admin, redress.Unit{Name: "*", Title: "All"})),
			"unit without a title": saveErr(f.svc.SaveUnit(f.ctx, admin, redress.Unit{Name: "nm"})),
			"unknown agency":       saveErr(f.svc.SaveUnit(f.ctx, admin, redress.Unit{Name: "nm", Title: "NM", AgencyIDs: []int64{987654}})),
		} {
			wantCode(t, what, err, redress.EINVALID)
		}
		wantCode(t, "remove a role not held", f.svc.RemoveRole(f.ctx, admin, u.ID, redress.RoleIntake, "tx"), redress.ENOTFOUND)
		wantCode(t, "role for nobody", f.svc.AddRole(f.ctx, admin, 999, redress.RoleIntake, "tx"), redress.ENOTFOUND)
		if after := version(); after != before {
			t.Errorf("refused changes moved the version %d -> %d", before, after)
		}
	})
}

func saveErr(_ redress.Unit, err error) error { return err }
