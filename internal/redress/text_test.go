package redress

import "testing"

func TestHiddenControls(t *testing.T) {
	for _, tc := range []struct{ in, stripped, shown string }{
		{"Ana Gómez", "Ana Gómez", "Ana Gómez"},
		{"Ana \u202eGómez\u202c", "Ana Gómez", `Ana \u202eGómez\u202c`},
		{"x\u200by\u2066z\u2069\ufeff", "xyz", `x\u200by\u2066z\u2069\ufeff`},
		// Joiners and direction marks stay: Persian and emoji need the first two.
		{"می\u200cخواهم \u200d\u200e\u200f", "می\u200cخواهم \u200d\u200e\u200f", "می\u200cخواهم \u200d\u200e\u200f"},
	} {
		if got := StripHiddenControls(tc.in); got != tc.stripped {
			t.Errorf("StripHiddenControls(%q) = %q, want %q", tc.in, got, tc.stripped)
		}
		if got := ShowHiddenControls(tc.in); got != tc.shown {
			t.Errorf("ShowHiddenControls(%q) = %q, want %q", tc.in, got, tc.shown)
		}
	}
}
