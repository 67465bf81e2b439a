package ice_test

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/ice"
	"github.com/redress-oversight/redress/internal/ice/icetest"
)

// An uploaded sheet, whatever its bytes, is read or refused with an error: never a
// panic, and every row read names a state and an agency (what an import keys on).
func FuzzRead(f *testing.F) {
	pending, err := os.ReadFile(icetest.Path(f, icetest.JulyPending))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(pending)
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte("State,Agency\nTX,Harris\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ice.Read(bytes.NewReader(data), "pendingAgencies07182025pm.xlsx", time.Time{})
		if err != nil {
			return
		}
		for _, r := range s.Rows {
			if r.State == "" || r.AgencyName == "" {
				t.Fatalf("row %d read without a state or an agency: %+v", r.Row, r)
			}
		}
	})
}
