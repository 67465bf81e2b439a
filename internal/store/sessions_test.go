package store_test

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

func hashOf(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := newUser(t, db, "cai@example.org")
		now := time.Date(2025, 11, 26, 9, 0, 0, 0, time.UTC)
		start := func(token string, pending bool) store.Session {
			t.Helper()
			id, err := db.StartSession(ctx, operator, store.NewSession{Hash: hashOf(token), UserID: u.ID,
				MFAPending: pending, Now: now, ExpiresAt: now.Add(12 * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			s, err := db.SessionByHash(ctx, hashOf(token))
			if err != nil || s.ID != id {
				t.Fatalf("session %d by hash: %+v, %v", id, s, err)
			}
			return s
		}
		a := start("a", false)
		if a.UserID != u.ID || a.MFAPending || !a.LastSeenAt.Equal(now) || !a.ExpiresAt.Equal(now.Add(12*time.Hour)) || a.Ended {
			t.Errorf("session %+v", a)
		}
		if err := db.TouchSession(ctx, a.ID, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if s, _ := db.SessionByHash(ctx, hashOf("a")); !s.LastSeenAt.Equal(now.Add(time.Minute)) {
			t.Errorf("last seen %v after touch", s.LastSeenAt)
		}
		if _, err := db.SessionByHash(ctx, []byte("a")); redress.ErrorCode(err) != redress.ENOTFOUND {
			t.Errorf("session found by its plain token: %v", err)
		}

		// Ending is once.
		for range 2 {
			if err := db.EndSession(ctx, operator, a, now); err != nil {
				t.Fatal(err)
			}
		}
		if s, _ := db.SessionByHash(ctx, hashOf("a")); !s.Ended {
			t.Error("not ended")
		}
		if n, _ := db.CountAudit(ctx, redress.ActionLogout); n != 1 {
			t.Errorf("%d logout events", n)
		}

		// A pending session completes with a code step later than the last one used.
		p := start("p", true)
		if n, _ := db.CountAudit(ctx, redress.ActionLogin); n != 1 {
			t.Errorf("%d login events, want only the complete sign-in's", n)
		}
		if err := db.CompleteMFA(ctx, operator, p, 1000, store.Reservation{}, now); err != nil {
			t.Fatal(err)
		}
		if s, _ := db.SessionByHash(ctx, hashOf("p")); s.MFAPending {
			t.Error("still pending")
		}
		q := start("q", true)
		if err := db.CompleteMFA(ctx, operator, q, 1000, store.Reservation{}, now); err != redress.ErrSignInCodeUsed {
			t.Errorf("same step again: %v, want ErrSignInCodeUsed", err)
		}
		if err := db.CompleteMFA(ctx, operator, q, 999, store.Reservation{}, now); err != redress.ErrSignInCodeUsed {
			t.Errorf("earlier step: %v, want ErrSignInCodeUsed", err)
		}
		if err := db.CompleteMFA(ctx, operator, q, 1001, store.Reservation{}, now); err != nil {
			t.Errorf("next step: %v", err)
		}

		// A password change ends every open session.
		start("r", false)
		if n, _ := db.CountOpenSessions(ctx, u.ID); n != 3 {
			t.Errorf("%d open sessions, want 3", n)
		}
		if err := db.ChangePassword(ctx, operator, u.ID, "new-hash", now); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.CountOpenSessions(ctx, u.ID); n != 0 {
			t.Errorf("%d open sessions after a password change", n)
		}
		evs, _ := db.ListAudit(ctx, redress.AuditFilter{Action: redress.ActionPasswordChanged})
		if len(evs) != 1 || evs[0].Details["sessions_ended"] != float64(3) {
			t.Errorf("password events %+v", evs)
		}
	})
}

func TestAPITokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := newUser(t, db, "dee@example.org")
		id, err := db.CreateAPIToken(ctx, operator, u.ID, "export", hashOf("tok"))
		if err != nil {
			t.Fatal(err)
		}
		tok, err := db.APITokenByHash(ctx, hashOf("tok"))
		if err != nil || tok.ID != id || tok.UserID != u.ID || tok.Name != "export" || !tok.LastUsedAt.IsZero() || !tok.RevokedAt.IsZero() {
			t.Fatalf("token %+v, %v", tok, err)
		}
		at := time.Date(2025, 11, 26, 9, 0, 0, 0, time.UTC)
		if err := db.TouchAPIToken(ctx, id, at); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := db.RevokeAPIToken(ctx, operator, id); err != nil {
				t.Fatal(err)
			}
		}
		list, err := db.ListAPITokens(ctx, u.ID)
		if err != nil || len(list) != 1 || !list[0].LastUsedAt.Equal(at) || list[0].RevokedAt.IsZero() {
			t.Errorf("tokens %+v, %v", list, err)
		}
		if n, _ := db.CountAudit(ctx, redress.ActionTokenRevoked); n != 1 {
			t.Errorf("%d revoke events for two revocations of one token", n)
		}
		v := newUser(t, db, "eve@example.org")
		if err := db.DisableUser(ctx, operator, v.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateAPIToken(ctx, operator, v.ID, "x", hashOf("tok2")); redress.ErrorCode(err) != redress.EINVALID {
			t.Errorf("token for a disabled account: %v", err)
		}
		if _, err := db.CreateAPIToken(ctx, operator, 999, "x", hashOf("tok3")); redress.ErrorCode(err) != redress.ENOTFOUND {
			t.Errorf("token for nobody: %v", err)
		}
	})
}
