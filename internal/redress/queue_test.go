package redress_test

import (
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
)

func TestDeadlineState(t *testing.T) {
	now := time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)
	for due, want := range map[time.Time]string{
		{}:                    "",
		now.Add(-time.Second): redress.DeadlineOverdue,
		now:                   redress.DeadlineDueSoon,
		now.Add(redress.DueSoonWindow - time.Second): redress.DeadlineDueSoon,
		now.Add(redress.DueSoonWindow):               redress.DeadlineRunning,
	} {
		if got := redress.DeadlineState(due, now); got != want {
			t.Errorf("DeadlineState(%v) = %q, want %q", due, got, want)
		}
	}
}
