package redress

import "testing"

// Dates as people type them: U.S. month first in English, day first in Spanish.
func TestReadTypedDate(t *testing.T) {
	for _, tc := range []struct {
		typed, order string
		want         string
		ambiguous    bool
	}{
		{"2025-03-01", "mdy", "2025-03-01", false},
		{"2025-03-01", "dmy", "2025-03-01", false},
		{"03/01/2025", "mdy", "2025-03-01", true},
		{"1/3/2025", "dmy", "2025-03-01", true},
		{"03/01/2025", "dmy", "2025-01-03", true},
		{"7/18/2025", "mdy", "2025-07-18", false},
		{"18/7/2025", "dmy", "2025-07-18", false},
		{"18.07.2025", "dmy", "2025-07-18", false},
		{"5-5-2025", "mdy", "2025-05-05", false},
		{"07/18/25", "mdy", "2025-07-18", false},
		{"2025/7/18", "dmy", "2025-07-18", false},
		{" 12/31/1999 ", "mdy", "1999-12-31", false},
	} {
		d, amb, ok := ReadTypedDate(tc.typed, tc.order)
		if !ok || d.String() != tc.want || amb != tc.ambiguous {
			t.Errorf("ReadTypedDate(%q, %s) = %v, ambiguous %v, ok %v; want %s, ambiguous %v", tc.typed, tc.order, d, amb, ok, tc.want, tc.ambiguous)
		}
	}
	for _, tc := range []struct{ typed, order string }{
		{"18/7/2025", "mdy"}, {"7/18/2025", "dmy"}, {"2/30/2025", "mdy"}, {"yesterday", "mdy"},
		{"1/2", "dmy"}, {"1/2/2025/3", "dmy"}, {"1/2/202", "dmy"}, {"", "mdy"}, {"+1/2/2025", "mdy"},
	} {
		if d, _, ok := ReadTypedDate(tc.typed, tc.order); ok {
			t.Errorf("ReadTypedDate(%q, %s) = %v, want refused", tc.typed, tc.order, d)
		}
	}
}
