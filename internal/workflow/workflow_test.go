package workflow_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/workflow"
)

// want is the whole state machine written out by hand: from each status, where each
// allowed transition leads. Every pair not listed must be refused.
var want = map[string]map[workflow.Transition]string{
	"received": {
		"triage":                 "triaged",
		"close_administratively": "closed",
		"withdraw":               "withdrawn",
	},
	"triaged": {
		"start_review":           "under_review",
		"refer":                  "referred",
		"ask_complainant":        "waiting_on_complainant",
		"close_administratively": "closed",
		"withdraw":               "withdrawn",
	},
	"under_review": {
		"refer":            "referred",
		"ask_complainant":  "waiting_on_complainant",
		"propose_findings": "findings_proposed",
		"propose_closure":  "findings_proposed",
		"withdraw":         "withdrawn",
	},
	"referred": {
		"referral_answered": "under_review",
		"propose_closure":   "findings_proposed",
		"withdraw":          "withdrawn",
	},
	"waiting_on_complainant": {
		"complainant_replied": "under_review",
		"propose_closure":     "findings_proposed",
		"withdraw":            "withdrawn",
	},
	"findings_proposed": {
		"return_findings": "under_review",
		"approve_close":   "closed",
		"withdraw":        "withdrawn",
	},
	"closed": {
		"reopen": "reopened",
	},
	"withdrawn": {
		"reopen": "reopened",
	},
	"reopened": {
		"start_review": "under_review",
		"withdraw":     "withdrawn",
	},
}

func TestNextEveryStateEveryTransition(t *testing.T) {
	if len(want) != len(workflow.States) {
		t.Fatalf("the table covers %d states, the workflow has %d", len(want), len(workflow.States))
	}
	for _, from := range workflow.States {
		allowed, ok := want[from]
		if !ok {
			t.Errorf("status %s is missing from the table", from)
		}
		for _, tr := range workflow.Transitions {
			t.Run(from+"/"+string(tr), func(t *testing.T) {
				to, err := workflow.Next(from, tr)
				wantTo, ok := allowed[tr]
				if ok {
					if err != nil || to != wantTo {
						t.Fatalf("Next = %q, %v; want %q", to, err, wantTo)
					}
					if !workflow.Valid(to) {
						t.Errorf("%q is not a status", to)
					}
					return
				}
				if to != "" || err == nil {
					t.Fatalf("Next = %q, %v; want a refusal", to, err)
				}
				var te *workflow.TransitionError
				if !errors.As(err, &te) {
					t.Fatalf("error %T %v, want *TransitionError", err, err)
				}
				if redress.ErrorCode(err) != redress.ECONFLICT {
					t.Errorf("code %s, want conflict (409)", redress.ErrorCode(err))
				}
				var de *redress.Error
				if errors.As(err, &de) && de.Key != "error.transition_not_allowed" {
					t.Errorf("key %q", de.Key)
				}
				if te.From != from || te.Transition != tr || !slices.Equal(te.Allowed, workflow.Allowed(from)) {
					t.Errorf("error carries %+v", te)
				}
				for _, a := range te.Allowed {
					if !strings.Contains(err.Error(), string(a)) {
						t.Errorf("message %q does not name %s", err.Error(), a)
					}
				}
			})
		}
	}
}

func TestAllowed(t *testing.T) {
	for _, from := range workflow.States {
		var exp []workflow.Transition
		for _, tr := range workflow.Transitions { // in Transitions order
			if _, ok := want[from][tr]; ok {
				exp = append(exp, tr)
			}
		}
		if got := workflow.Allowed(from); !slices.Equal(got, exp) {
			t.Errorf("Allowed(%s) = %v, want %v", from, got, exp)
		}
		if len(exp) == 0 {
			t.Errorf("%s is a dead end: nothing leads out of it", from)
		}
	}
	if got := workflow.Allowed("lost"); got != nil {
		t.Errorf("Allowed(unknown) = %v", got)
	}
	for _, tr := range workflow.Transitions {
		for _, from := range workflow.From(tr) {
			if _, ok := want[from][tr]; !ok {
				t.Errorf("From(%s) lists %s", tr, from)
			}
		}
	}
}

// Every status can be reached from received, and every open one can still end.
func TestReachable(t *testing.T) {
	seen := map[string]bool{workflow.StatusReceived: true}
	queue := []string{workflow.StatusReceived}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, tr := range workflow.Allowed(s) {
			to, _ := workflow.Next(s, tr)
			if !seen[to] {
				seen[to] = true
				queue = append(queue, to)
			}
		}
	}
	for _, s := range workflow.States {
		if !seen[s] {
			t.Errorf("%s cannot be reached from received", s)
		}
		if workflow.Open(s) && !slices.ContainsFunc(workflow.Allowed(s), workflow.Ends) {
			t.Errorf("an open case in %s cannot end", s)
		}
	}
}

func TestNextUnknown(t *testing.T) {
	for _, c := range []struct {
		from string
		tr   workflow.Transition
	}{
		{"received", "teleport"}, {"lost", workflow.Triage}, {"", workflow.Triage}, {"received", ""},
	} {
		_, err := workflow.Next(c.from, c.tr)
		if redress.ErrorCode(err) != redress.EINVALID {
			t.Errorf("Next(%q, %q): %v, want invalid", c.from, c.tr, err)
		}
	}
}

func TestTransitionError(t *testing.T) {
	_, err := workflow.Next("triaged", workflow.ApproveClose)
	const msg = "approve_close is not possible from triaged; allowed: start_review, refer, ask_complainant, close_administratively, withdraw"
	if err == nil || err.Error() != msg {
		t.Errorf("message %v, want %q", err, msg)
	}
	if got := redress.ErrorMessage(err); got != msg {
		t.Errorf("ErrorMessage = %q", got)
	}
}

// The properties of each transition, written out: reason, clocks, end of the case.
func TestTransitionProperties(t *testing.T) {
	for _, c := range []struct {
		tr                          workflow.Transition
		reason, pause, resume, ends bool
	}{
		{tr: "triage"},
		{tr: "start_review"},
		{tr: "refer"},
		{tr: "referral_answered"},
		{tr: "ask_complainant", pause: true},
		{tr: "complainant_replied", resume: true},
		{tr: "propose_findings"},
		{tr: "propose_closure", reason: true, resume: true},
		{tr: "return_findings", reason: true},
		{tr: "approve_close", ends: true},
		{tr: "close_administratively", reason: true, ends: true},
		{tr: "withdraw", reason: true, ends: true},
		{tr: "reopen", reason: true},
	} {
		if !workflow.ValidTransition(c.tr) {
			t.Errorf("%s is not a transition", c.tr)
		}
		if got := workflow.NeedsReason(c.tr); got != c.reason {
			t.Errorf("NeedsReason(%s) = %v", c.tr, got)
		}
		if got := workflow.Pauses(c.tr); got != c.pause {
			t.Errorf("Pauses(%s) = %v", c.tr, got)
		}
		if got := workflow.Resumes(c.tr); got != c.resume {
			t.Errorf("Resumes(%s) = %v", c.tr, got)
		}
		if got := workflow.Ends(c.tr); got != c.ends {
			t.Errorf("Ends(%s) = %v", c.tr, got)
		}
		err := workflow.CheckReason(c.tr, "  \n")
		if c.reason && redress.ErrorCode(err) != redress.EINVALID || !c.reason && err != nil {
			t.Errorf("CheckReason(%s, blank) = %v", c.tr, err)
		}
		if err := workflow.CheckReason(c.tr, "the complainant asked by phone"); err != nil {
			t.Errorf("CheckReason(%s, text) = %v", c.tr, err)
		}
	}
	if len(workflow.Transitions) != 13 {
		t.Errorf("%d transitions; the table above has 13", len(workflow.Transitions))
	}
	if workflow.ValidTransition("teleport") || workflow.Ends("teleport") {
		t.Error("an unknown transition is valid or ends a case")
	}
}

// Waiting on the complainant is entered only by pausing and left only by resuming or
// ending the case, so clocks never stay paused on an active case.
func TestPauseIsBalanced(t *testing.T) {
	for _, from := range workflow.States {
		for _, tr := range workflow.Allowed(from) {
			to, _ := workflow.Next(from, tr)
			entering := to == workflow.StatusWaitingOnComplainant && from != to
			leaving := from == workflow.StatusWaitingOnComplainant && to != from
			if entering != workflow.Pauses(tr) {
				t.Errorf("%s→%s by %s: pauses %v", from, to, tr, workflow.Pauses(tr))
			}
			if leaving && !workflow.Resumes(tr) && !workflow.Ends(tr) {
				t.Errorf("%s→%s by %s leaves clocks paused", from, to, tr)
			}
		}
	}
}

func TestCheckApprover(t *testing.T) {
	for _, c := range []struct {
		proposedBy, approver int64
		code                 string
	}{
		{7, 8, ""},
		{7, 7, redress.EFORBIDDEN},
		{0, 8, redress.ECONFLICT},
		{0, 0, redress.ECONFLICT},
		{7, 0, redress.EUNAUTHORIZED},
	} {
		if got := redress.ErrorCode(workflow.CheckApprover(c.proposedBy, c.approver)); got != c.code {
			t.Errorf("CheckApprover(%d, %d) = %q, want %q", c.proposedBy, c.approver, got, c.code)
		}
	}
	if !errors.Is(workflow.CheckApprover(3, 3), workflow.ErrSameApprover) {
		t.Error("same person: not ErrSameApprover")
	}
}
