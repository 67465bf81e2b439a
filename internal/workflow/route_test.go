package workflow_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/workflow"
)

func asError(err error, de **redress.Error) bool { return errors.As(err, de) }

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

func complaint(state string, agency int64, custody redress.Custody, cats ...redress.Category) redress.Complaint {
	c := redress.Complaint{State: state, AgencyID: agency, Custody: custody}
	for i, cat := range cats {
		c.Allegations = append(c.Allegations, redress.Allegation{ID: int64(i + 1), Category: cat})
	}
	return c
}

func TestRoute(t *testing.T) {
	rules := []workflow.Rule{
		{Kind: "unit", AgencyID: 42, Unit: "harris"},
		{Kind: "unit", State: "TX", Unit: "tx"},
		{Kind: "unit", State: "FL", Category: "retaliation", Unit: "fl-retaliation"},
		{Kind: "unit", State: "FL", Unit: "fl"},
		{Kind: "priority", Category: "denied_lawyer", State: "GA", Priority: "urgent"},
		{Kind: "priority", Category: "property", Priority: "normal"},  // says nothing new
		{Kind: "priority", Custody: "in_custody", Priority: "normal"}, // cannot undo a built-in rule
	}
	var none redress.Custody
	for name, c := range map[string]struct {
		rules              []workflow.Rule
		c                  redress.Complaint
		unit, wantPriority string
	}{
		"NoRules":                 {nil, complaint("TX", 0, none, "privacy"), "", "normal"},
		"NoMatch":                 {rules, complaint("CA", 0, none, "privacy"), "", "normal"},
		"ByState":                 {rules, complaint("TX", 0, none, "privacy"), "tx", "normal"},
		"AgencyBeforeState":       {rules, complaint("TX", 42, none, "privacy"), "harris", "normal"},
		"OtherAgencyFallsToState": {rules, complaint("TX", 41, none, "privacy"), "tx", "normal"},
		"FirstMatchWins":          {rules, complaint("FL", 0, none, "property", "retaliation"), "fl-retaliation", "normal"},
		"CategoryMustMatch":       {rules, complaint("FL", 0, none, "property"), "fl", "normal"},
		"PriorityRule":            {rules, complaint("GA", 0, none, "denied_lawyer"), "", "urgent"},
		"PriorityRuleAllFields":   {rules, complaint("AL", 0, none, "denied_lawyer"), "", "normal"},
		"InCustody":               {nil, complaint("TX", 0, redress.Custody{InCustody: yes()}, "privacy"), "", "urgent"},
		"InCustodyNormalRule":     {rules, complaint("TX", 0, redress.Custody{InCustody: yes()}, "privacy"), "tx", "urgent"},
		"NotInCustody":            {nil, complaint("TX", 0, redress.Custody{InCustody: no(), HeldPastRelease: no(), DetainerIssued: yes()}, "privacy"), "", "normal"},
		"HeldPastRelease":         {nil, complaint("TX", 0, redress.Custody{InCustody: no(), HeldPastRelease: yes()}, "privacy"), "", "urgent"},
		"Force":                   {nil, complaint("TX", 0, none, "verbal_abuse", "force"), "", "urgent"},
		"MedicalNeglect":          {nil, complaint("TX", 0, none, "medical_neglect"), "", "urgent"},
		"NoAllegations":           {nil, complaint("", 0, none), "", "normal"},
	} {
		t.Run(name, func(t *testing.T) {
			unit, priority := workflow.Route(c.rules, c.c, "")
			if unit != c.unit || priority != c.wantPriority {
				t.Errorf("Route = %q, %q; want %q, %q", unit, priority, c.unit, c.wantPriority)
			}
		})
	}
}

// A unit rule with no match fields catches every complaint the rules before it missed.
func TestRouteCatchAll(t *testing.T) {
	rules := []workflow.Rule{{Kind: "unit", State: "TX", Unit: "tx"}, {Kind: "unit", Unit: "national"}}
	if unit, _ := workflow.Route(rules, complaint("NM", 0, redress.Custody{}), ""); unit != "national" {
		t.Errorf("unit %q", unit)
	}
	if unit, _ := workflow.Route(rules, complaint("TX", 0, redress.Custody{}), ""); unit != "tx" {
		t.Errorf("unit %q", unit)
	}
}

func TestRuleMatchesUnknownCustody(t *testing.T) {
	r := workflow.Rule{Kind: "priority", Custody: "on_parole", Priority: "urgent"}
	if r.Matches(complaint("TX", 0, redress.Custody{InCustody: yes(), HeldPastRelease: yes()}), "") {
		t.Error("an unknown custody fact matched")
	}
}

func TestRuleValidate(t *testing.T) {
	units := []string{"tx", "fl"}
	type fe = redress.FieldError
	for name, c := range map[string]struct {
		r    workflow.Rule
		want []fe
	}{
		"OKUnit":       {workflow.Rule{Kind: "unit", State: "TX", Unit: "tx"}, nil},
		"OKCatchAll":   {workflow.Rule{Kind: "unit", Unit: "fl"}, nil},
		"OKPriority":   {workflow.Rule{Kind: "priority", Category: "retaliation", Custody: "in_custody", Priority: "urgent"}, nil},
		"OKAgency":     {workflow.Rule{Kind: "unit", AgencyID: 9, Unit: "fl"}, nil},
		"ErrKind":      {workflow.Rule{Kind: "route", Unit: "tx"}, []fe{ferr("kind", "one_of", "unit, priority")}},
		"ErrUnit":      {workflow.Rule{Kind: "unit", Unit: "nm"}, []fe{ferr("unit", "unknown_unit", "")}},
		"ErrNoUnit":    {workflow.Rule{Kind: "unit"}, []fe{ferr("unit", "required", "")}},
		"ErrPriority":  {workflow.Rule{Kind: "priority", Priority: "high"}, []fe{ferr("priority", "one_of", "normal, urgent")}},
		"ErrMixed":     {workflow.Rule{Kind: "unit", Unit: "tx", Priority: "urgent"}, []fe{ferr("priority", "not_allowed", "")}},
		"ErrMixed2":    {workflow.Rule{Kind: "priority", Unit: "tx", Priority: "urgent"}, []fe{ferr("unit", "not_allowed", "")}},
		"ErrStateName": {workflow.Rule{Kind: "unit", State: "Texas", Unit: "tx"}, []fe{ferr("state", "state", "")}},
		"ErrState":     {workflow.Rule{Kind: "unit", State: "XX", Unit: "tx"}, []fe{ferr("state", "state", "")}},
		"ErrCategory":  {workflow.Rule{Kind: "priority", Category: "rudeness", Priority: "urgent"}, []fe{ferr("category", "unknown_code", "rudeness")}},
		"ErrCustody":   {workflow.Rule{Kind: "priority", Custody: "yes", Priority: "urgent"}, []fe{ferr("custody", "one_of", "in_custody, held_past_release")}},
		"ErrAgency":    {workflow.Rule{Kind: "unit", AgencyID: -1, Unit: "tx"}, []fe{ferr("agency_id", "unknown_agency", "")}},
	} {
		t.Run(name, func(t *testing.T) {
			var got []fe
			var de *redress.Error
			err := c.r.Validate(units)
			if asError(err, &de) {
				got = de.Fields
			} else if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

// The built-in rules are valid rules themselves.
func TestBuiltinRulesValid(t *testing.T) {
	for _, r := range workflow.BuiltinRules {
		if err := r.Validate(nil); err != nil {
			t.Errorf("%+v: %v", r, err)
		}
	}
}

func ferr(field, rule, param string) redress.FieldError {
	return redress.FieldError{Field: field, Rule: rule, Param: param}
}

// A rule may ask for the model of the complaint's agreement and for a function: a
// complaint without an agreement, or without the function, falls past it.
func TestRouteModelAndFunction(t *testing.T) {
	rules := []workflow.Rule{
		{Kind: "unit", Model: "WSO", Function: "detainer", Unit: "wso-detainers"},
		{Kind: "unit", Model: "TFM", Unit: "task-force"},
		{Kind: "priority", Function: "notice_to_appear", Priority: "urgent"},
	}
	withFunctions := func(fs ...redress.Function) redress.Complaint {
		c := complaint("TX", 0, redress.Custody{}, "privacy")
		c.Functions = fs
		return c
	}
	for name, c := range map[string]struct {
		c               redress.Complaint
		model           redress.Model
		unit, wantPrior string
	}{
		"ModelAndFunction":   {withFunctions("interview", "detainer"), "WSO", "wso-detainers", "normal"},
		"FunctionOtherModel": {withFunctions("detainer"), "JEM", "", "normal"},
		"ModelNoFunction":    {withFunctions("interview"), "WSO", "", "normal"},
		"NoAgreement":        {withFunctions("detainer"), "", "", "normal"},
		"ModelOnly":          {withFunctions("field_arrest"), "TFM", "task-force", "normal"},
		"FunctionPriority":   {withFunctions("notice_to_appear"), "", "", "urgent"},
	} {
		t.Run(name, func(t *testing.T) {
			unit, priority := workflow.Route(rules, c.c, c.model)
			if unit != c.unit || priority != c.wantPrior {
				t.Errorf("Route = %q, %q; want %q, %q", unit, priority, c.unit, c.wantPrior)
			}
		})
	}
}

func TestRuleValidateModelFunction(t *testing.T) {
	for _, c := range []struct {
		r    workflow.Rule
		want []redress.FieldError
	}{
		{workflow.Rule{Kind: "unit", Model: "WSO", Function: "detainer", Unit: "tx"}, nil},
		{workflow.Rule{Kind: "unit", Model: "XYZ", Unit: "tx"}, []redress.FieldError{ferr("model", "one_of", "JEM, WSO, TFM")}},
		{workflow.Rule{Kind: "unit", Function: "arrest", Unit: "tx"}, []redress.FieldError{ferr("function", "unknown_code", "arrest")}},
	} {
		got := redress.FieldsOf(c.r.Validate([]string{"tx"}))
		if !slices.Equal(got, c.want) {
			t.Errorf("%+v: got %v, want %v", c.r, got, c.want)
		}
	}
}
