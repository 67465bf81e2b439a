package authz

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/policies"
)

// build makes a snapshot from the embedded model and policy and the assignments.
func build(assignments []store.Assignment, log *slog.Logger) (*snapshot, error) {
	m, err := model.NewModelFromString(policies.Model)
	if err != nil {
		return nil, fmt.Errorf("policies/model.conf: %w", err)
	}
	ps, gs, err := parsePolicy(policies.Policy)
	if err != nil {
		return nil, fmt.Errorf("policies/policy.csv: %w", err)
	}
	var kept []store.Assignment
	held := map[store.Assignment]bool{}
	for _, a := range assignments {
		// The database should hold nothing else; if it does, refuse to grant it rather
		// than let a stray row name a building-block role or a unit pattern.
		if !slices.Contains(redress.StaffRoles, a.Role) || !redress.ValidUnitName(a.Unit) {
			log.Warn("authorization: ignoring a role assignment that names no staff role or unit",
				"user_id", a.UserID, "role", string(a.Role), "unit", a.Unit)
			continue
		}
		if held[a] {
			continue
		}
		held[a] = true
		gs = append(gs, []string{subject(a.UserID), string(a.Role), a.Unit})
		kept = append(kept, a)
	}
	e, err := newCasbin(m, ps, gs)
	if err != nil {
		return nil, err
	}
	return &snapshot{casbin: e, units: unitsOf(kept)}, nil
}

// newCasbin makes an enforcer of the model with the policy rows ps and role links gs.
func newCasbin(m model.Model, ps, gs [][]string) (*casbin.Enforcer, error) {
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, err
	}
	e.AddFunction("actionIn", actionInFunc)
	// Before any link is added, so every unit's role manager sees the "*" roles.
	e.AddNamedDomainMatchingFunc("g", "unit", coversUnit)
	if _, err := e.AddPolicies(ps); err != nil {
		return nil, err
	}
	if _, err := e.AddGroupingPolicies(gs); err != nil {
		return nil, err
	}
	return e, nil
}

// parsePolicy reads policy.csv strictly. Casbin's own loaders skip a line they cannot
// read without a word; here a malformed or duplicate line stops the start-up instead of
// silently granting less, or more, than the file says.
func parsePolicy(text string) (ps, gs [][]string, err error) {
	r := csv.NewReader(strings.NewReader(text))
	r.Comment = '#'
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	seen := map[string]bool{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return ps, gs, nil
		} else if err != nil {
			return nil, nil, err
		}
		line, _ := r.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
			if rec[i] == "" {
				return nil, nil, fmt.Errorf("line %d: empty field", line)
			}
		}
		key := strings.Join(rec, "\x00")
		if seen[key] {
			return nil, nil, fmt.Errorf("line %d: duplicate rule", line)
		}
		seen[key] = true
		switch {
		case rec[0] == "p" && len(rec) == 5:
			ps = append(ps, rec[1:])
		case rec[0] == "g" && len(rec) == 4:
			gs = append(gs, rec[1:])
		default:
			return nil, nil, fmt.Errorf("line %d: want \"p, subject, unit, object, actions\" or \"g, role, inherited role, unit\"", line)
		}
	}
}

// coversUnit is the domain matching function of g: a role held in assigned counts in
// unit when assigned is unit itself or "*". Unlike Casbin's KeyMatch, no other "*"
// in a name acts as a wildcard.
func coversUnit(unit, assigned string) bool {
	return assigned == redress.AllUnits || unit == assigned
}

// actionIn reports whether act is one of the "|"-separated actions of a policy row.
func actionIn(act, actions string) bool {
	for a := range strings.SplitSeq(actions, "|") {
		if a == act {
			return true
		}
	}
	return false
}

func actionInFunc(args ...any) (any, error) {
	if len(args) != 2 {
		return false, fmt.Errorf("actionIn: want 2 arguments, got %d", len(args))
	}
	act, ok1 := args[0].(string)
	actions, ok2 := args[1].(string)
	if !ok1 || !ok2 {
		return false, fmt.Errorf("actionIn: want strings")
	}
	return actionIn(act, actions), nil
}
