package seed

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/redress-oversight/redress/internal/auth"
	"github.com/redress-oversight/redress/internal/redress"
)

// staffData are the review units and who works in each.
type staffData struct {
	units  []redress.Unit
	byUnit map[string]*unitStaff
	// fallback works complaints no unit covers.
	fallback *unitStaff
}

// unitStaff are the account ids holding each working role in a unit.
type unitStaff struct {
	intake, investigators, supervisors []int64
}

func (s *unitStaff) complete() bool {
	return len(s.intake) > 0 && len(s.investigators) > 0 && len(s.supervisors) > 1
}

// of returns the staff of unit, or the fallback's.
func (s *staffData) of(unit string) *unitStaff {
	if u := s.byUnit[unit]; u != nil && u.complete() {
		return u
	}
	return s.fallback
}

// ensureStaff reads the units and who holds which role in each. With no unit yet it
// creates one for each of the four states with the most agreements and one for every
// other state; a unit without an intake officer, an investigator and two supervisors
// (approving findings takes a second person) gets them.
func ensureStaff(ctx context.Context, d Deps, reg *registryData, password string, res *Result) (*staffData, error) {
	m := auth.Meta{Actor: d.Actor, RequestID: Marker + "staff"}
	units, err := d.Accounts.ListUnits(ctx)
	if err != nil {
		return nil, err
	}
	if len(units) == 0 {
		if units, err = createUnits(ctx, d.Accounts, m, reg); err != nil {
			return nil, err
		}
		for _, u := range units {
			res.Units = append(res.Units, u.Name)
		}
	}
	s := &staffData{units: units, byUnit: map[string]*unitStaff{}}
	if err := s.read(ctx, d.Accounts); err != nil {
		return nil, err
	}
	for _, u := range units {
		if s.byUnit[u.Name].complete() {
			continue
		}
		if err := createStaff(ctx, d.Accounts, m, u.Name, password, s.byUnit[u.Name], res); err != nil {
			return nil, err
		}
	}
	if err := ensureAuditor(ctx, d.Accounts, m, password, res); err != nil {
		return nil, err
	}
	s.fallback = s.byUnit[units[0].Name]
	return s, nil
}

// read gathers who holds which role in each unit.
func (s *staffData) read(ctx context.Context, accounts *auth.Service) error {
	for _, u := range s.units {
		s.byUnit[u.Name] = &unitStaff{}
	}
	users, err := accounts.ListUsers(ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Disabled {
			continue
		}
		for _, r := range u.Roles {
			st := s.byUnit[r.Unit]
			if st == nil {
				continue
			}
			switch r.Role {
			case redress.RoleIntake:
				st.intake = append(st.intake, u.ID)
			case redress.RoleInvestigator:
				st.investigators = append(st.investigators, u.ID)
			case redress.RoleSupervisor:
				st.supervisors = append(st.supervisors, u.ID)
			}
		}
	}
	return nil
}

func createUnits(ctx context.Context, accounts *auth.Service, m auth.Meta, reg *registryData) ([]redress.Unit, error) {
	var out []redress.Unit
	top := reg.states[:min(4, len(reg.states))]
	for _, st := range top {
		u, err := accounts.SaveUnit(ctx, m, redress.Unit{Name: strings.ToLower(st), Title: redress.StateName(st), States: []string{st}})
		if err != nil {
			return nil, fmt.Errorf("create unit %s: %w", st, err)
		}
		out = append(out, u)
	}
	var rest []string
	for _, st := range redress.States {
		if !slices.Contains(top, st.Code) {
			rest = append(rest, st.Code)
		}
	}
	u, err := accounts.SaveUnit(ctx, m, redress.Unit{Name: "other-states", Title: "Other states", States: rest})
	if err != nil {
		return nil, fmt.Errorf("create unit other-states: %w", err)
	}
	return append(out, u), nil
}

// createStaff adds to a unit what it lacks: an intake officer, two investigators, two
// supervisors.
func createStaff(ctx context.Context, accounts *auth.Service, m auth.Meta, unit, password string, st *unitStaff, res *Result) error {
	need := []struct {
		role redress.Role
		have *[]int64
		want int
	}{{redress.RoleIntake, &st.intake, 1}, {redress.RoleInvestigator, &st.investigators, 2}, {redress.RoleSupervisor, &st.supervisors, 2}}
	for _, n := range need {
		for i := len(*n.have); i < n.want; i++ {
			email := fmt.Sprintf("%s-%s-%d@example.org", unit, strings.ReplaceAll(string(n.role), "_", "-"), i+1)
			id, err := createAccount(ctx, accounts, m, email, n.role, unit, password)
			if err != nil {
				return err
			}
			*n.have = append(*n.have, id)
			res.Accounts = append(res.Accounts, email)
		}
	}
	return nil
}

// ensureAuditor gives the oversight body an account when none holds the role.
func ensureAuditor(ctx context.Context, accounts *auth.Service, m auth.Meta, password string, res *Result) error {
	users, err := accounts.ListUsers(ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		if slices.ContainsFunc(u.Roles, func(r redress.RoleAssignment) bool { return r.Role == redress.RoleAuditor }) {
			return nil
		}
	}
	email := "oversight-auditor@example.org"
	if _, err := createAccount(ctx, accounts, m, email, redress.RoleAuditor, redress.AllUnits, password); err != nil {
		return err
	}
	res.Accounts = append(res.Accounts, email)
	return nil
}

// createAccount creates an account holding role in unit, through the accounts service
// (the command line's break-glass path: granted at once, recorded as the operator).
func createAccount(ctx context.Context, accounts *auth.Service, m auth.Meta, email string, role redress.Role, unit, password string) (int64, error) {
	words := strings.Split(strings.Split(email, "@")[0], "-")
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	name := strings.Join(words, " ")
	u, token, err := accounts.CreateUser(ctx, m, email, name)
	if err != nil {
		return 0, fmt.Errorf("create account %s: %w", email, err)
	}
	if err := accounts.AddRole(ctx, m, u.ID, role, unit); err != nil {
		return 0, fmt.Errorf("grant %s in %s to %s: %w", role, unit, email, err)
	}
	if password != "" {
		if _, err := accounts.SetPasswordWithToken(ctx, m, token, password); err != nil {
			return 0, fmt.Errorf("password of %s: %w", email, err)
		}
	}
	return u.ID, nil
}
