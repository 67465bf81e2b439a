package workflow_test

import (
	"slices"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/workflow"
)

func TestDispositionFor(t *testing.T) {
	for _, c := range []struct {
		tr   workflow.Transition
		in   workflow.Disposition
		want workflow.Disposition
		rule string // the field error's rule, "" when accepted
	}{
		{tr: "approve_close", want: "findings_made"},
		{tr: "approve_close", in: "findings_made", want: "findings_made"},
		{tr: "approve_close", in: "duplicate", rule: "one_of"},
		{tr: "withdraw", want: "withdrawn"},
		{tr: "withdraw", in: "findings_made", rule: "one_of"},
		{tr: "close_administratively", rule: "required"},
		{tr: "close_administratively", in: "duplicate", want: "duplicate"},
		{tr: "close_administratively", in: "outside_jurisdiction", want: "outside_jurisdiction"},
		{tr: "close_administratively", in: "not_enough_information", want: "not_enough_information"},
		{tr: "close_administratively", in: "resolved_informally", want: "resolved_informally"},
		{tr: "close_administratively", in: "referred_out", want: "referred_out"},
		{tr: "close_administratively", in: "findings_made", rule: "one_of"},
		{tr: "close_administratively", in: "withdrawn", rule: "one_of"},
		{tr: "close_administratively", in: "administratively_closed", rule: "one_of"},
		{tr: "triage"},
		{tr: "triage", in: "duplicate", rule: "not_allowed"},
		{tr: "reopen", in: "withdrawn", rule: "not_allowed"},
	} {
		got, err := workflow.DispositionFor(c.tr, c.in)
		if c.rule == "" {
			if err != nil || got != c.want {
				t.Errorf("DispositionFor(%s, %q) = %q, %v; want %q", c.tr, c.in, got, err, c.want)
			}
			continue
		}
		var de *redress.Error
		if got != "" || !asError(err, &de) || len(de.Fields) != 1 || de.Fields[0].Field != "disposition" || de.Fields[0].Rule != c.rule {
			t.Errorf("DispositionFor(%s, %q) = %q, %v; want rule %s", c.tr, c.in, got, err, c.rule)
		}
	}
}

// Exactly the transitions that end a case, and propose_closure (whose disposition waits
// for approve_close), take a disposition, and every disposition is recorded by one of
// them.
func TestDispositionsCoverEnds(t *testing.T) {
	var all []workflow.Disposition
	for _, tr := range workflow.Transitions {
		ds := workflow.DispositionsFor(tr)
		if (len(ds) > 0) != (workflow.Ends(tr) || tr == workflow.ProposeClosure) {
			t.Errorf("%s: dispositions %v, ends the case %v", tr, ds, workflow.Ends(tr))
		}
		if tr != workflow.ProposeClosure {
			all = append(all, ds...)
		}
	}
	slices.Sort(all)
	exp := slices.Clone(workflow.Dispositions)
	slices.Sort(exp)
	if !slices.Equal(all, exp) {
		t.Errorf("transitions record %v, Dispositions are %v", all, exp)
	}
}

func TestDispositionGroup(t *testing.T) {
	for d, want := range map[workflow.Disposition]string{
		"findings_made": "findings_made", "withdrawn": "withdrawn",
		"duplicate": "administratively_closed", "outside_jurisdiction": "administratively_closed",
		"not_enough_information": "administratively_closed",
		"resolved_informally":    "resolved_informally", "referred_out": "referred_out",
	} {
		if got := workflow.DispositionGroup(d); got != want {
			t.Errorf("DispositionGroup(%s) = %s, want %s", d, got, want)
		}
	}
}

func TestCheckFindings(t *testing.T) {
	two := []redress.Allegation{{ID: 10, Category: "force"}, {ID: 11, Category: "no_interpreter"}}
	type fe = redress.FieldError
	for name, c := range map[string]struct {
		allegations []redress.Allegation
		findings    map[int64]workflow.Finding
		want        []fe
	}{
		"OK": {two, map[int64]workflow.Finding{10: "sustained", 11: "policy_failure"}, nil},
		"EveryFinding": {
			[]redress.Allegation{{ID: 1}, {ID: 2}, {ID: 3}, {ID: 4}, {ID: 5}},
			map[int64]workflow.Finding{1: "sustained", 2: "not_sustained", 3: "exonerated", 4: "unfounded", 5: "policy_failure"}, nil},
		"ErrMissing":       {two, map[int64]workflow.Finding{10: "sustained"}, []fe{ferr("findings.11", "required", "")}},
		"ErrBlank":         {two, map[int64]workflow.Finding{10: "sustained", 11: ""}, []fe{ferr("findings.11", "required", "")}},
		"ErrUnknown":       {two, map[int64]workflow.Finding{10: "guilty", 11: "unfounded"}, []fe{ferr("findings.10", "one_of", "sustained, not_sustained, exonerated, unfounded, policy_failure")}},
		"ErrStranger":      {two, map[int64]workflow.Finding{10: "unfounded", 11: "unfounded", 99: "sustained", 12: "sustained"}, []fe{ferr("findings.12", "unknown_allegation", ""), ferr("findings.99", "unknown_allegation", "")}},
		"ErrNoAllegations": {nil, nil, []fe{ferr("findings", "required_one", "")}},
	} {
		t.Run(name, func(t *testing.T) {
			err := workflow.CheckFindings(c.allegations, c.findings)
			var got []fe
			var de *redress.Error
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
