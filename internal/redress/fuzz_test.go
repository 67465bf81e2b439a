package redress_test

import (
	"strings"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
)

// What a person types as a tracking number either reads as one, in the one stored
// form, or as nothing; reading the stored form again changes nothing.
func FuzzNormalizeTrackingNumber(f *testing.F) {
	for _, s := range []string{"RX-7K4M-2Q9D", "rx 7k4m 2q9d", "7K4M2Q9D", "RX-OIL0-0000", "", "RX--", "ＲＸ-7K4M-2Q9D", "RX-7K4M-2Q9D-EXTRA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := redress.NormalizeTrackingNumber(s)
		if n == "" {
			return
		}
		if len(n) != len("RX-XXXX-XXXX") || !strings.HasPrefix(n, "RX-") || n[7] != '-' {
			t.Fatalf("%q read as %q, not the stored form", s, n)
		}
		if again := redress.NormalizeTrackingNumber(n); again != n {
			t.Fatalf("%q read as %q, which reads as %q", s, n, again)
		}
	})
}

// A typed date reads in either order as a real day, or not at all; a day read writes
// back as a date that reads as the same day.
func FuzzReadTypedDate(f *testing.F) {
	for _, s := range []string{"03/01/2025", "1/3/2025", "2025-07-18", "31/02/2025", "0/0/0", "12/31/99999", "", "  7 / 4 / 2024 "} {
		f.Add(s, "mdy")
		f.Add(s, "dmy")
	}
	f.Fuzz(func(t *testing.T, s, order string) {
		d, _, ok := redress.ReadTypedDate(s, order)
		if !ok {
			return
		}
		back, err := redress.ParseDate(d.String())
		if err != nil || back != d {
			t.Fatalf("%q (%s) read as %v, which writes as %q and reads back as %v, %v", s, order, d, d.String(), back, err)
		}
	})
}

// A quarter reads back as itself, and its bounds hold three months.
func FuzzParseQuarter(f *testing.F) {
	for _, s := range []string{"2026-Q3", "2026-q1", "1900-Q4", "9999-Q4", "2026-Q0", "-1-Q1", "2026-Q3 ", "2026-Q+3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := redress.ParseQuarter(s)
		if err != nil {
			if !redress.FieldsOf(err).Has("period") {
				t.Fatalf("%q refused without naming period: %v", s, err)
			}
			return
		}
		if again, err := redress.ParseQuarter(q.String()); err != nil || again != q {
			t.Fatalf("%q read as %v, which reads back as %v, %v", s, q, again, err)
		}
	})
}
