package store

import (
	"testing"
	"time"
)

// parseTimeText must read exactly what bun writes, and leave anything else to the
// general parser rather than read it wrong.
func TestParseTimeText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2025-07-01 09:30:02.123456+00:00", time.Date(2025, 7, 1, 9, 30, 2, 123456000, time.UTC), true},
		{"2025-07-01 09:30:02.1+00:00", time.Date(2025, 7, 1, 9, 30, 2, 100000000, time.UTC), true},
		{"2025-07-01 09:30:02+00:00", time.Date(2025, 7, 1, 9, 30, 2, 0, time.UTC), true},
		{"2025-07-01 09:30:02.123456789+00:00", time.Date(2025, 7, 1, 9, 30, 2, 123456789, time.UTC), true},
		{"2025-07-01 09:30:02.123456-05:00", time.Time{}, false},
		{"2025-07-01T09:30:02.123456+00:00", time.Time{}, false},
		{"2025-02-30 09:30:02+00:00", time.Time{}, false},
		{"2025-07-01 09:30:02.+00:00", time.Time{}, false},
		{"2025-07-01 09:30:0x+00:00", time.Time{}, false},
		{"1751362202", time.Time{}, false},
	} {
		got, ok := parseTimeText(tc.in)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("parseTimeText(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
		if ok {
			// The general parser agrees.
			var v auditTime
			v.Scan([]byte(tc.in))
			for _, layout := range sqliteTimeLayouts {
				if p, err := time.Parse(layout, tc.in); err == nil && !p.Equal(got) {
					t.Errorf("%q: layout %q reads %v", tc.in, layout, p)
				}
			}
		}
	}
	var v auditTime
	if v.Scan("2025-07-01 04:30:02.5-05:00"); !v.t.Equal(time.Date(2025, 7, 1, 9, 30, 2, 5e8, time.UTC)) || v.text != "" {
		t.Errorf("another offset: %v %q", v.t, v.text)
	}
	if v.Scan("not a time"); v.text != "not a time" {
		t.Errorf("not a time: %v %q", v.t, v.text)
	}
}
