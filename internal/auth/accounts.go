package auth

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/redress-oversight/redress/internal/authz"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

const maxNameLen = 200

// validAccount checks an address (already normalized) and a display name.
func validAccount(email, name string) redress.FieldErrors {
	var fe redress.FieldErrors
	if email == "" {
		fe.Add("email", "required")
	} else if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		fe.Add("email", "email")
	}
	switch {
	case name == "":
		fe.Add("name", "required")
	case utf8.RuneCountInString(name) > maxNameLen:
		fe.Add("name", "too_long", maxNameLen)
	case !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0:
		fe.Add("name", "invalid_text")
	}
	return fe
}

// CreateUser adds an account without a password or roles and returns the token of its
// one-time set-password link (see SetPasswordURL), valid for Policy.LinkTTL.
func (s *Service) CreateUser(ctx context.Context, m Meta, email, name string) (redress.User, string, error) {
	email, name = redress.NormalizeEmail(email), strings.TrimSpace(redress.StripHiddenControls(name))
	if err := validAccount(email, name).Err(); err != nil {
		return redress.User{}, "", err
	}
	token, hash := newSecret()
	link := store.PasswordLink{Hash: hash, Purpose: store.LinkSet, ExpiresAt: s.now().Add(s.policy().LinkTTL)}
	u, err := s.DB.CreateUser(ctx, m.by(), email, name, link)
	if err != nil {
		return redress.User{}, "", err
	}
	return u, token, nil
}

// EnsureFirstAdmin gives a new installation its administrator: when no enabled account
// holds the administrator role, it creates one for email (role administrator in every
// unit) and returns the token of its set-password link. created is false, and token
// empty, when there is an administrator already.
func (s *Service) EnsureFirstAdmin(ctx context.Context, email string) (token string, created bool, err error) {
	email = redress.NormalizeEmail(email)
	if fe := validAccount(email, "Administrator"); len(fe) > 0 {
		return "", false, redress.Errorf(redress.EINVALID, "The administrator email %q is not a valid address.", email)
	}
	token, hash := newSecret()
	link := store.PasswordLink{Hash: hash, Purpose: store.LinkSet, ExpiresAt: s.now().Add(s.policy().LinkTTL)}
	created, err = s.DB.EnsureFirstAdmin(ctx, Meta{Actor: redress.ActorSystem}.by(), email, "Administrator", link)
	if err != nil || !created {
		return "", false, err
	}
	return token, true, nil
}

// ListUsers returns every account, by email, with roles.
func (s *Service) ListUsers(ctx context.Context) ([]redress.User, error) { return s.DB.ListUsers(ctx) }

// User returns one account with its roles.
func (s *Service) User(ctx context.Context, id int64) (redress.User, error) {
	return s.DB.User(ctx, id)
}

// UserByEmail returns one account, found by address in any case, with its roles.
func (s *Service) UserByEmail(ctx context.Context, email string) (redress.User, error) {
	return s.DB.UserByEmail(ctx, redress.NormalizeEmail(email))
}

// DisableUser disables an account: its sessions end and its API tokens stop working.
func (s *Service) DisableUser(ctx context.Context, m Meta, id int64) error {
	return s.DB.DisableUser(ctx, m.by(), id)
}

func checkRole(role redress.Role, unit string) error {
	var fe redress.FieldErrors
	if !slices.Contains(redress.StaffRoles, role) {
		names := make([]string, len(redress.StaffRoles))
		for i, r := range redress.StaffRoles {
			names[i] = string(r)
		}
		fe.Add("role", "one_of", strings.Join(names, ", "))
	}
	if !redress.ValidUnitName(unit) {
		fe.Add("unit", "unknown_unit", unit)
	}
	return fe.Err()
}

// AddRole is GrantRole for callers that need not know whether the grant waits.
func (s *Service) AddRole(ctx context.Context, m Meta, userID int64, role redress.Role, unit string) error {
	_, err := s.GrantRole(ctx, m, userID, role, unit)
	return err
}

// GrantRole grants role in unit (a unit's name, or "*" for all). An unknown role or
// unit is EINVALID; a role already held changes nothing.
//
// When an account acts (an administrator on the pages), nobody changes their own roles
// (EFORBIDDEN, recorded as user.role_refused), and a role that reads complaints or the
// audit trail, or grants roles (authz.GrantNeedsApproval), only waits for a second
// administrator: pending is then true and nothing changes until DecideRoleGrant. The
// command line, which has no account and is run by whoever holds the server and the
// database, grants at once: that is the break-glass path, its events name the cli:
// actor (docs/roles.md).
func (s *Service) GrantRole(ctx context.Context, m Meta, userID int64, role redress.Role, unit string) (pending bool, err error) {
	unit = strings.TrimSpace(unit)
	if err := checkRole(role, unit); err != nil {
		return false, err
	}
	actor, isAccount := m.account()
	switch {
	case m.Actor == redress.ActorPublic || strings.HasPrefix(m.Actor, "user:") && !isAccount:
		return false, redress.Errorf(redress.EFORBIDDEN, "Roles are granted by administrators.")
	case !isAccount:
		return false, s.DB.AddRole(ctx, m.by(), userID, role, unit)
	case actor == userID:
		return false, s.refuseRoleChange(ctx, m, redress.ErrOwnAccount, map[string]any{"op": "add", "user_id": userID, "role": string(role), "unit": unit})
	case !authz.GrantNeedsApproval(role):
		return false, s.DB.AddRole(ctx, m.by(), userID, role, unit)
	}
	g, err := s.DB.RequestRole(ctx, m.by(), actor, userID, role, unit)
	if redress.ErrorCode(err) == redress.EFORBIDDEN {
		return false, s.refuseRoleChange(ctx, m, err, map[string]any{"op": "add", "user_id": userID, "role": string(role), "unit": unit})
	}
	return err == nil && g.State == redress.GrantPending, err
}

// RemoveRole takes back a role held in unit, at once: the safe direction needs no
// second administrator. One not held is ENOTFOUND; an account taking back its own role
// is refused like any change to its own roles.
func (s *Service) RemoveRole(ctx context.Context, m Meta, userID int64, role redress.Role, unit string) error {
	unit = strings.TrimSpace(unit)
	if err := checkRole(role, unit); err != nil {
		return err
	}
	if actor, ok := m.account(); ok && actor == userID {
		return s.refuseRoleChange(ctx, m, redress.ErrOwnAccount, map[string]any{"op": "remove", "user_id": userID, "role": string(role), "unit": unit})
	}
	return s.DB.RemoveRole(ctx, m.by(), userID, role, unit)
}

// DecideRoleGrant approves a waiting grant (the role takes effect) or turns it down
// (a withdrawal when the requester does it). Only an account decides; the approver
// must be another administrator than the requester and than the account receiving
// the role. A refusal is EFORBIDDEN and recorded as user.role_refused.
func (s *Service) DecideRoleGrant(ctx context.Context, m Meta, grantID int64, approve bool) (redress.RoleGrant, error) {
	actor, ok := m.account()
	if !ok {
		return redress.RoleGrant{}, redress.Errorf(redress.EFORBIDDEN, "Grants are decided by administrators.")
	}
	g, err := s.DB.DecideRoleGrant(ctx, m.by(), actor, grantID, approve)
	if redress.ErrorCode(err) == redress.EFORBIDDEN {
		op := map[bool]string{true: "approve", false: "reject"}[approve]
		return g, s.refuseRoleChange(ctx, m, err, map[string]any{"op": op, "grant_id": grantID,
			"user_id": g.UserID, "role": string(g.Role), "unit": g.Unit})
	}
	return g, err
}

// PendingRoleGrants returns the grants waiting for a second administrator, oldest first.
func (s *Service) PendingRoleGrants(ctx context.Context) ([]redress.RoleGrant, error) {
	return s.DB.PendingRoleGrants(ctx)
}

// refuseRoleChange records a refused role change and returns why it was refused; if
// the refusal cannot be recorded, that error is returned instead, as a change that
// cannot be audited is not made either.
func (s *Service) refuseRoleChange(ctx context.Context, m Meta, why error, details map[string]any) error {
	var e *redress.Error
	if errors.As(why, &e) && e.Key != "" {
		details["reason"] = strings.TrimPrefix(e.Key, "error.")
	}
	ev := m.by()
	ev.Action, ev.Details = redress.ActionRoleRefused, details
	if err := s.DB.RecordAudit(ctx, ev); err != nil {
		return fmt.Errorf("record refused role change: %w", err)
	}
	return why
}

// SaveUnit creates the unit u.Name or updates its title, states, agencies and zone. States
// may be codes or names ("TX", "Texas"); they are stored as codes.
func (s *Service) SaveUnit(ctx context.Context, m Meta, u redress.Unit) (redress.Unit, error) {
	var fe redress.FieldErrors
	u.Name, u.Title = strings.TrimSpace(u.Name), strings.TrimSpace(u.Title)
	if u.Name == "" {
		fe.Add("name", "required")
	} else if u.Name == redress.AllUnits || !redress.ValidUnitName(u.Name) {
		fe.Add("name", "unit_name")
	}
	switch {
	case u.Title == "":
		fe.Add("title", "required")
	case utf8.RuneCountInString(u.Title) > maxNameLen:
		fe.Add("title", "too_long", maxNameLen)
	case strings.IndexFunc(u.Title, unicode.IsControl) >= 0:
		fe.Add("title", "invalid_text")
	}
	var states []string
	for _, st := range u.States {
		code, ok := redress.StateCode(st)
		if !ok {
			fe.Add("states", "state")
			break
		}
		if !slices.Contains(states, code) {
			states = append(states, code)
		}
	}
	var agencies []int64
	for _, id := range u.AgencyIDs {
		if id <= 0 {
			fe.Add("agencies", "unknown_agency")
			break
		}
		if !slices.Contains(agencies, id) {
			agencies = append(agencies, id)
		}
	}
	if u.TimeZone = strings.TrimSpace(u.TimeZone); u.TimeZone != "" && !slices.Contains(redress.UnitZones, u.TimeZone) {
		fe.Add("time_zone", "one_of", strings.Join(redress.UnitZones, ", "))
	}
	if err := fe.Err(); err != nil {
		return redress.Unit{}, err
	}
	u.States, u.AgencyIDs = states, agencies
	return s.DB.SaveUnit(ctx, m.by(), u)
}

// ListUnits returns the review units by name.
func (s *Service) ListUnits(ctx context.Context) ([]redress.Unit, error) { return s.DB.ListUnits(ctx) }

// SetMFARequired says whether holders of role must use a second factor. Those who have
// none are sent to enrol at their next request.
func (s *Service) SetMFARequired(ctx context.Context, m Meta, role redress.Role, required bool) error {
	if !slices.Contains(redress.StaffRoles, role) {
		return checkRole(role, redress.AllUnits)
	}
	return s.DB.SetMFARequired(ctx, m.by(), role, required)
}

// MFARequiredRoles returns the roles whose holders must use a second factor.
func (s *Service) MFARequiredRoles(ctx context.Context) ([]redress.Role, error) {
	return s.DB.MFARequiredRoles(ctx)
}

// TokenInfo is what is shown of an API token: never its value.
type TokenInfo struct {
	ID         int64
	UserID     int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
	RevokedAt  time.Time // zero: not revoked
}

// Revoked reports whether the token was revoked.
func (t TokenInfo) Revoked() bool { return !t.RevokedAt.IsZero() }

// CreateToken issues an API token for the account with email, named for what uses it.
// The token is returned once and stored only as its hash.
func (s *Service) CreateToken(ctx context.Context, m Meta, email, name string) (token string, id int64, err error) {
	name = strings.TrimSpace(redress.StripHiddenControls(name))
	var fe redress.FieldErrors
	switch {
	case name == "":
		fe.Add("name", "required")
	case utf8.RuneCountInString(name) > maxNameLen:
		fe.Add("name", "too_long", maxNameLen)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		fe.Add("name", "invalid_text")
	}
	if err := fe.Err(); err != nil {
		return "", 0, err
	}
	u, err := s.UserByEmail(ctx, email)
	if err != nil {
		return "", 0, err
	}
	token, hash := newSecret()
	id, err = s.DB.CreateAPIToken(ctx, m.by(), u.ID, name, hash)
	if err != nil {
		return "", 0, err
	}
	return token, id, nil
}

// RevokeToken stops an API token from working; revoking it again changes nothing.
func (s *Service) RevokeToken(ctx context.Context, m Meta, id int64) error {
	return s.DB.RevokeAPIToken(ctx, m.by(), id)
}

// ListTokens returns an account's API tokens, oldest first.
func (s *Service) ListTokens(ctx context.Context, userID int64) ([]TokenInfo, error) {
	toks, err := s.DB.ListAPITokens(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	out := make([]TokenInfo, len(toks))
	for i, t := range toks {
		out[i] = TokenInfo{ID: t.ID, UserID: t.UserID, Name: t.Name, CreatedAt: t.CreatedAt,
			LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
	}
	return out, nil
}
