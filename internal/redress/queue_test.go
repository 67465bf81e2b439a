package redress_test

import (
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
)

func TestDeadlineState(t *testing.T) {
	now := time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		due     time.Time
		dueSoon bool
		want    string
	}{
		{time.Time{}, false, ""},
		{now.Add(-time.Second), true, redress.DeadlineOverdue},
		{now, true, redress.DeadlineDueSoon},
		{now.Add(72 * time.Hour), true, redress.DeadlineDueSoon}, // a business-day clock on a Friday
		{now.Add(time.Hour), false, redress.DeadlineRunning},
	} {
		if got := redress.DeadlineState(c.due, now, c.dueSoon); got != c.want {
			t.Errorf("DeadlineState(%v, %v) = %q, want %q", c.due, c.dueSoon, got, c.want)
		}
	}
}
