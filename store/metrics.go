package store

import (
	"context"
	"fmt"
)

// SchedulerOutboxDepth counts the reminders and messages waiting to leave
// (pending or being sent), over all resellers: the metrics' outbox depth.
// The partial index messages_outbox holds exactly these rows.
func (s *Store) SchedulerOutboxDepth(ctx context.Context) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages WHERE status IN ('pending', 'sending')`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: outbox depth: %w", err)
	}
	return n, nil
}
