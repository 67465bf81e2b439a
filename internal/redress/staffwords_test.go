package redress

import (
	"reflect"
	"testing"
)

func TestWithoutStaffWords(t *testing.T) {
	in := map[string]any{"transition": "withdraw", "reason": "officer badge 4471", "from": "a"}
	got := WithoutStaffWords(ActionTransition, in)
	want := map[string]any{"transition": "withdraw", "from": "a", WithheldDetail: []string{"reason"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if in["reason"] != "officer badge 4471" {
		t.Errorf("the map given was changed: %v", in)
	}
	// A code under the same name in another event is kept.
	results := map[string]any{"method": "email"}
	if got := WithoutStaffWords(ActionResultsReported, results); !reflect.DeepEqual(got, results) {
		t.Errorf("results method withheld: %v", got)
	}
	if got := WithoutStaffWords(ActionTransition, map[string]any{"transition": "triage"}); got[WithheldDetail] != nil {
		t.Errorf("nothing to withhold, yet %v", got)
	}
}
