package workflow

import (
	"slices"

	"github.com/redress-oversight/redress/internal/redress"
)

// Priorities of a complaint (complaints.priority).
const (
	PriorityNormal = "normal"
	PriorityUrgent = "urgent"
)

// Priorities lists them, lowest first.
var Priorities = []string{PriorityNormal, PriorityUrgent}

// Kinds of routing rule (routing_rules.kind).
const (
	RuleUnit     = "unit"     // names the unit of a complaint it matches
	RulePriority = "priority" // raises the priority of a complaint it matches
)

// Custody facts a rule can ask for (routing_rules.custody).
const (
	CustodyInCustody       = redress.CustodyInCustody
	CustodyHeldPastRelease = redress.CustodyHeldPastRelease
)

// Rule is one routing rule, as an administrator keeps it (one routing_rules row). The
// match fields (State, AgencyID, Category, Custody, Model, Function) left empty match
// anything; a rule matches a complaint when all of its set ones do.
type Rule struct {
	Kind     string
	State    string
	AgencyID int64
	Category redress.Category
	Custody  string
	// Model is the model of the agreement the complaint is tied to: a complaint tied
	// to none matches no rule that sets it.
	Model    redress.Model    `json:",omitempty"`
	Function redress.Function `json:",omitempty"`
	Unit     string           // for a unit rule
	Priority string           // for a priority rule
}

// BuiltinRules always apply after the administrator's: someone who may still be held,
// and allegations of force or medical neglect, are urgent, whatever else the rules say.
// An administrator can add urgency, never take these away.
var BuiltinRules = []Rule{
	{Kind: RulePriority, Custody: CustodyInCustody, Priority: PriorityUrgent},
	{Kind: RulePriority, Custody: CustodyHeldPastRelease, Priority: PriorityUrgent},
	{Kind: RulePriority, Category: "force", Priority: PriorityUrgent},
	{Kind: RulePriority, Category: "medical_neglect", Priority: PriorityUrgent},
}

// Route applies the rules, in order, to a complaint whose agreement (if any) is of
// model (""): the first matching unit rule names its unit ("" when none does: the
// caller falls back to redress.UnitFor), and the priority is urgent when any matching
// priority rule, or built-in rule, says so.
func Route(rules []Rule, c redress.Complaint, model redress.Model) (unit, priority string) {
	priority = PriorityNormal
	for _, r := range slices.Concat(rules, BuiltinRules) {
		if !r.Matches(c, model) {
			continue
		}
		switch r.Kind {
		case RuleUnit:
			if unit == "" {
				unit = r.Unit
			}
		case RulePriority:
			if r.Priority == PriorityUrgent {
				priority = PriorityUrgent
			}
		}
	}
	return unit, priority
}

// Matches reports whether every match field the rule sets fits the complaint, whose
// agreement (if any) is of model.
func (r Rule) Matches(c redress.Complaint, model redress.Model) bool {
	if r.State != "" && r.State != c.State {
		return false
	}
	if r.Model != "" && r.Model != model {
		return false
	}
	if r.Function != "" && !slices.Contains(c.Functions, r.Function) {
		return false
	}
	if r.AgencyID != 0 && r.AgencyID != c.AgencyID {
		return false
	}
	if r.Category != "" && !slices.ContainsFunc(c.Allegations, func(a redress.Allegation) bool { return a.Category == r.Category }) {
		return false
	}
	switch r.Custody {
	case "":
	case CustodyInCustody:
		return isTrue(c.Custody.InCustody)
	case CustodyHeldPastRelease:
		return isTrue(c.Custody.HeldPastRelease)
	default:
		return false // a custody fact we do not know never matches
	}
	return true
}

func isTrue(b *bool) bool { return b != nil && *b }

// Validate checks a rule an administrator wrote; units lists the known unit names.
// Field names are the routing_rules columns.
func (r Rule) Validate(units []string) error {
	var fe redress.FieldErrors
	if r.State != "" {
		// The code itself, as complaints store it: a rule for "Texas" would match nothing.
		if code, ok := redress.StateCode(r.State); !ok || code != r.State {
			fe.Add("state", "state")
		}
	}
	if r.AgencyID < 0 {
		fe.Add("agency_id", "unknown_agency")
	}
	if r.Category != "" && !slices.Contains(redress.Categories, r.Category) {
		fe.Add("category", "unknown_code", r.Category)
	}
	if r.Model != "" && !slices.Contains(redress.Models, r.Model) {
		fe.Add("model", "one_of", "JEM, WSO, TFM")
	}
	if r.Function != "" && !slices.Contains(redress.Functions, r.Function) {
		fe.Add("function", "unknown_code", r.Function)
	}
	if r.Custody != "" && r.Custody != CustodyInCustody && r.Custody != CustodyHeldPastRelease {
		fe.Add("custody", "one_of", CustodyInCustody+", "+CustodyHeldPastRelease)
	}
	switch r.Kind {
	case RuleUnit:
		if r.Unit == "" {
			fe.Add("unit", "required")
		} else if !slices.Contains(units, r.Unit) {
			fe.Add("unit", "unknown_unit")
		}
		if r.Priority != "" {
			fe.Add("priority", "not_allowed")
		}
	case RulePriority:
		if !slices.Contains(Priorities, r.Priority) {
			fe.Add("priority", "one_of", joinCodes(Priorities))
		}
		if r.Unit != "" {
			fe.Add("unit", "not_allowed")
		}
	default:
		fe.Add("kind", "one_of", RuleUnit+", "+RulePriority)
	}
	return fe.Err()
}
