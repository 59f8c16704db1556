package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Access changes that are not admin decisions: admins kept active, and the
// notices before an access ends.

// KeepUnlimited makes the tenant active without an end of access. The bot
// calls it for the chats listed as admins (they are resellers too and
// always active), so the scheduler's HasAccess sees them as such.
func (a Accounts) KeepUnlimited(ctx context.Context) (Reseller, error) {
	return scanReseller(a.t.s.write.QueryRowContext(ctx, `UPDATE resellers SET status = 'active', access_until = NULL,
			awaiting_approval = 0,
			status_since = CASE WHEN status != 'active' OR awaiting_approval = 1 THEN ? ELSE status_since END
		WHERE chat_id = ? RETURNING `+resellerCols, unix(a.t.s.now()), a.t.chatID))
}

// Notice kinds sent before the end of access.
const (
	NoticeThreeDays = "3d"
	NoticeOneDay    = "1d"
)

// ClaimAccessNotice records that notice kind for the access ending at until
// is being sent. It returns false when it was already recorded, so each
// notice goes out once per reseller and end of access, however often the
// tick runs.
func (a Accounts) ClaimAccessNotice(ctx context.Context, kind string, until time.Time) (bool, error) {
	res, err := a.t.s.write.ExecContext(ctx, `INSERT INTO access_notices (chat_id, kind, access_until, sent_at)
		VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, a.t.chatID, kind, unix(until), unix(a.t.s.now()))
	if err != nil {
		return false, fmt.Errorf("store: claim access notice: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ClaimedAccessNotices returns, for the resellers of list, the notice kinds
// already claimed for the end of access each has now, in one read: the
// minute tick skips those without taking the reseller's lock or writing a
// claim again. ClaimAccessNotice stays the authority (a claim made since
// this read still wins).
func (s *Store) ClaimedAccessNotices(ctx context.Context, list []Reseller) (map[int64]map[string]bool, error) {
	out := map[int64]map[string]bool{}
	if len(list) == 0 {
		return out, nil
	}
	args := make([]any, len(list))
	for i, r := range list {
		args[i] = r.ChatID
	}
	rows, err := s.read.QueryContext(ctx, `SELECT n.chat_id, n.kind FROM access_notices n
		JOIN resellers r ON r.chat_id = n.chat_id AND r.access_until = n.access_until
		WHERE n.chat_id IN (`+placeholders(len(list))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: claimed access notices: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var chatID int64
		var kind string
		if err := rows.Scan(&chatID, &kind); err != nil {
			return nil, err
		}
		if out[chatID] == nil {
			out[chatID] = map[string]bool{}
		}
		out[chatID][kind] = true
	}
	return out, rows.Err()
}

// ReleaseAccessNotice undoes a claim whose message could not be sent, so a
// later tick tries again.
func (a Accounts) ReleaseAccessNotice(ctx context.Context, kind string, until time.Time) error {
	_, err := a.t.s.write.ExecContext(ctx, `DELETE FROM access_notices WHERE chat_id = ? AND kind = ? AND access_until = ?`,
		a.t.chatID, kind, unix(until))
	if err != nil {
		return fmt.Errorf("store: release access notice: %w", err)
	}
	return nil
}

// ResellersWithAccessEnding returns the resellers that have access now and
// whose access ends after now and no later than before: the candidates for
// "your access ends soon" notices. It is a scheduler query over all
// resellers.
func (s *Store) ResellersWithAccessEnding(ctx context.Context, now, before time.Time) ([]Reseller, error) {
	return s.resellersWithAccessUntil(ctx, now, before, now, "ending")
}

// resellersWithAccessUntil returns the resellers on a trial or a paid
// access (not awaiting approval) whose access ends after after and no
// later than upTo, soonest first; collectResellers keeps only those with
// access at keep when keep is not zero. what names the query in errors.
func (s *Store) resellersWithAccessUntil(ctx context.Context, after, upTo, keep time.Time, what string) ([]Reseller, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+resellerCols+` FROM resellers
		WHERE status IN ('trial', 'active') AND awaiting_approval = 0
		  AND access_until > ? AND access_until <= ? ORDER BY access_until, chat_id`, unix(after), unix(upTo))
	if err != nil {
		return nil, fmt.Errorf("store: resellers with access %s: %w", what, err)
	}
	return collectResellers(rows, keep)
}

// collectResellers scans rows of resellerCols; with a non-zero now it keeps
// only those with access at now, so the rule stays HasAccess's alone.
func collectResellers(rows *sql.Rows, now time.Time) ([]Reseller, error) {
	defer rows.Close()
	var out []Reseller
	for rows.Next() {
		r, err := scanReseller(rows)
		if err != nil {
			return nil, err
		}
		if now.IsZero() || r.HasAccess(now) {
			out = append(out, r)
		}
	}
	return out, rows.Err()
}
