package casework

import (
	"context"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/workflow"
)

// The routing rules an administrator edits: each change stores the whole list, with the
// old and new lists in the audit trail (routing.rules_saved).

// AddRoutingRule puts rule at the end of the routing rules. A rule that does not
// validate (a unit that does not exist, a state by name…) is EINVALID and nothing is
// stored.
func (s *Service) AddRoutingRule(ctx context.Context, a Actor, rule workflow.Rule) error {
	units, err := s.DB.ListUnits(ctx)
	if err != nil {
		return err
	}
	names := make([]string, len(units))
	for i, u := range units {
		names[i] = u.Name
	}
	if err := rule.Validate(names); err != nil {
		return err
	}
	rules, err := s.DB.RoutingRules(ctx)
	if err != nil {
		return err
	}
	return s.DB.ReplaceRoutingRules(ctx, append(rules, rule), a.event(redress.ActionRoutingSaved))
}

// RemoveRoutingRule removes the rule at index (from 0) of the routing rules; an index
// no rule has is ENOTFOUND.
func (s *Service) RemoveRoutingRule(ctx context.Context, a Actor, index int) error {
	rules, err := s.DB.RoutingRules(ctx)
	if err != nil {
		return err
	}
	if index < 0 || index >= len(rules) {
		return redress.Errorf(redress.ENOTFOUND, "Rule not found.")
	}
	rules = append(rules[:index:index], rules[index+1:]...)
	return s.DB.ReplaceRoutingRules(ctx, rules, a.event(redress.ActionRoutingSaved))
}
