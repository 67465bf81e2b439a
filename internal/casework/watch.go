package casework

import (
	"context"
	"log/slog"
	"time"
)

// WatchDeadlines records missed deadlines in the audit trail (by the system actor) at
// once and then every interval until ctx ends, so a miss shows in the trail within
// minutes rather than with the next daily digest. Each miss is recorded once, even with
// several processes watching. A pass that fails is logged and tried again at the next.
func (s *Service) WatchDeadlines(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := s.DB.LogMissedClocks(ctx, s.now())
		if err != nil && ctx.Err() == nil {
			log.Error("recording missed deadlines", "err", err)
		}
		if n > 0 && s.MissedDeadlines != nil {
			s.MissedDeadlines(n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
