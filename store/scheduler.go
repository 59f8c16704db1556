package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"renovabot/billing"
)

// The few queries over ALL resellers that the reminder scheduler needs.
// Each is named for its job; everything a reseller's reminders need beyond
// "who has work" goes through that reseller's Tenant handle.

// SchedulerAccounts returns every reseller with its reminder settings (def
// where never set) and bookkeeping, by chat id. It is the scheduler's
// minute scan: one row per reseller, nothing per client.
func (s *Store) SchedulerAccounts(ctx context.Context, def ReminderDefaults) ([]ReminderAccount, error) {
	rows, err := s.read.QueryContext(ctx, reminderJoin+`ORDER BY r.chat_id`)
	if err != nil {
		return nil, fmt.Errorf("store: scheduler accounts: %w", err)
	}
	defer rows.Close()
	var out []ReminderAccount
	for rows.Next() {
		a, err := scanReminderAccount(rows, def)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SchedulerOutbox returns the resellers that have reminders due to be sent
// at now (pending and not waiting for a later retry, or left "sending" by a
// crash).
func (s *Store) SchedulerOutbox(ctx context.Context, now time.Time) (map[int64]bool, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT DISTINCT reseller_id FROM messages
		WHERE status IN ('pending', 'sending') AND (next_try_at IS NULL OR next_try_at <= ?)`, unix(now))
	if err != nil {
		return nil, fmt.Errorf("store: scheduler outbox: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// ReminderTotals counts the automatic reminders of one day over all
// resellers, for the admins' daily line (counts only, no client data).
type ReminderTotals struct {
	Resellers int // resellers with at least one reminder that day
	ReminderCounts
}

// SchedulerTotals returns the totals of day.
func (s *Store) SchedulerTotals(ctx context.Context, day billing.Date) (ReminderTotals, error) {
	var t ReminderTotals
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(DISTINCT reseller_id) FROM messages WHERE send_on = ? AND origin = 'auto'`,
		day.ISO()).Scan(&t.Resellers); err != nil {
		return t, fmt.Errorf("store: reminder totals: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT status, COUNT(*) FROM messages WHERE send_on = ? AND origin = 'auto' GROUP BY status`, day.ISO())
	if err != nil {
		return t, fmt.Errorf("store: reminder totals: %w", err)
	}
	t.ReminderCounts, err = countReminders(rows)
	return t, err
}

// SchedulerMark returns a process-wide scheduler mark ("" when unset).
func (s *Store) SchedulerMark(ctx context.Context, key string) (string, error) {
	var v string
	err := s.read.QueryRowContext(ctx, `SELECT value FROM scheduler_state WHERE key = ?`, key).Scan(&v)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: scheduler mark: %w", err)
	}
	return v, nil
}

// SetSchedulerMark sets a process-wide scheduler mark.
func (s *Store) SetSchedulerMark(ctx context.Context, key, value string) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO scheduler_state (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("store: set scheduler mark: %w", err)
	}
	return nil
}
