package seed_test

import (
	"context"
	"testing"

	"github.com/redress-oversight/redress/internal/redress"
)

// The seed writes the early warning's derived columns itself (its triggers may be off):
// each complaint's officer keys, and its counts of decided and sustained allegations.
func TestSeedKeepsWarningColumns(t *testing.T) {
	_, _, db := generateIn(t, 11)
	ctx := context.Background()
	var complaints []struct {
		ID        int64  `bun:"id"`
		Officers  string `bun:"officers"`
		Decided   int    `bun:"decided_allegations"`
		Sustained int    `bun:"sustained_allegations"`
		Keys      int    `bun:"keys"`
		Findings  int    `bun:"findings"`
		Sust      int    `bun:"sust"`
	}
	err := db.Bun().NewRaw(`SELECT c.id, c.officers, c.decided_allegations, c.sustained_allegations,
		(SELECT COUNT(*) FROM officer_keys AS k WHERE k.complaint_id = c.id AND k.tracking_number = c.tracking_number) AS keys,
		(SELECT COUNT(*) FROM allegations AS a WHERE a.complaint_id = c.id AND a.finding <> '') AS findings,
		(SELECT COUNT(*) FROM allegations AS a WHERE a.complaint_id = c.id AND a.finding = 'sustained') AS sust
		FROM complaints AS c ORDER BY c.id`).Scan(ctx, &complaints)
	if err != nil {
		t.Fatal(err)
	}
	keyed, decided := 0, 0
	for _, c := range complaints {
		if want := len(redress.OfficerKeys(c.Officers)); c.Keys != want {
			t.Errorf("complaint %d (%q): %d keys, want %d", c.ID, c.Officers, c.Keys, want)
		}
		if c.Decided != c.Findings || c.Sustained != c.Sust {
			t.Errorf("complaint %d: counts %d/%d, allegations say %d/%d", c.ID, c.Decided, c.Sustained, c.Findings, c.Sust)
		}
		keyed += c.Keys
		decided += c.Decided
	}
	if keyed == 0 || decided == 0 {
		t.Fatalf("nothing to check: %d keys, %d decided allegations", keyed, decided)
	}
}
