package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"renovabot/billing"
)

// Admin queries: the operator's panel looks at all resellers, so these live
// on *Store (never on a tenant handle) and are named for that job. Every
// change an admin makes is written to admin_audit in the same transaction.

// ErrAlreadyDecided is returned when an approval request was decided (by
// another admin, or twice) before this decision.
var ErrAlreadyDecided = errors.New("store: approval already decided")

// Audit actions.
const (
	AuditApprove   = "approve"
	AuditRefuse    = "refuse"
	AuditExtend    = "extend"
	AuditReduce    = "reduce" // an end of access set earlier than it was
	AuditBlock     = "block"
	AuditUnblock   = "unblock"
	AuditDelete    = "delete"
	AuditBroadcast = "broadcast"
)

// ResellerSummary is a reseller as the admin panel lists it.
type ResellerSummary struct {
	Reseller
	Clients        int
	WhatsAppLinked bool // a device record exists and was not logged out from the phone
}

// summaryFrom selects resellerCols of r plus the client count and whether a
// WhatsApp device is linked.
const summaryFrom = `SELECT ` + resellerCols + `,
	(SELECT COUNT(*) FROM clients c WHERE c.reseller_id = r.chat_id),
	EXISTS (SELECT 1 FROM whatsapp_sessions w WHERE w.chat_id = r.chat_id AND w.state != 'logged_out')
	FROM resellers r`

// extraScan appends destinations after the reseller columns.
type extraScan struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (e extraScan) Scan(dest ...any) error { return e.row.Scan(append(dest, e.extra...)...) }

func scanSummary(row interface{ Scan(...any) error }) (ResellerSummary, error) {
	var s ResellerSummary
	r, err := scanReseller(extraScan{row, []any{&s.Clients, &s.WhatsAppLinked}})
	s.Reseller = r
	return s, err
}

func collectSummaries(rows *sql.Rows) ([]ResellerSummary, error) { return collect(rows, scanSummary) }

// AdminListResellers returns one page of all resellers, requests awaiting
// approval first, then by last activity, and the total.
func (s *Store) AdminListResellers(ctx context.Context, offset, limit int) ([]ResellerSummary, int, error) {
	var total int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM resellers`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count resellers: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, summaryFrom+` ORDER BY awaiting_approval DESC, last_seen_at DESC, chat_id
		LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list resellers: %w", err)
	}
	list, err := collectSummaries(rows)
	return list, total, err
}

// AdminSearchResellers finds resellers whose name or username contains q
// (ignoring case and accents) or whose chat id starts with q's digits. It
// returns at most limit of them and how many matched.
func (s *Store) AdminSearchResellers(ctx context.Context, q string, limit int) ([]ResellerSummary, int, error) {
	q = strings.TrimSpace(q)
	key := billing.Fold(strings.TrimPrefix(q, "@"))
	digits := strings.TrimPrefix(q, "-")
	if _, err := strconv.ParseUint(digits, 10, 63); err != nil {
		digits = ""
	}
	// Names are folded in Go (SQLite's lower() knows no accents); the
	// operator's resellers are a few thousand rows at most.
	rows, err := s.read.QueryContext(ctx, `SELECT chat_id, name, username FROM resellers
		ORDER BY awaiting_approval DESC, last_seen_at DESC, chat_id`)
	if err != nil {
		return nil, 0, fmt.Errorf("store: search resellers: %w", err)
	}
	var ids []int64
	total := 0
	for rows.Next() {
		var id int64
		var name, username string
		if err := rows.Scan(&id, &name, &username); err != nil {
			rows.Close()
			return nil, 0, err
		}
		// One Fold per row (it allocates); the separator keeps a match from
		// spanning name and username.
		match := key != "" && strings.Contains(billing.Fold(name+" \x00 "+username), key)
		if digits != "" && strings.HasPrefix(strings.TrimPrefix(strconv.FormatInt(id, 10), "-"), digits) {
			match = true
		}
		if match {
			total++
			if len(ids) < limit {
				ids = append(ids, id)
			}
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, 0, err
	}
	rows.Close()
	out := make([]ResellerSummary, 0, len(ids))
	for _, id := range ids {
		sum, err := s.AdminGetReseller(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, 0, err
		}
		out = append(out, sum)
	}
	return out, total, nil
}

// AdminGetReseller returns one reseller for the admin's card.
func (s *Store) AdminGetReseller(ctx context.Context, chatID int64) (ResellerSummary, error) {
	return scanSummary(s.read.QueryRowContext(ctx, summaryFrom+` WHERE r.chat_id = ?`, chatID))
}

// AccessChange is an admin's decision about one reseller's access.
type AccessChange struct {
	Admin  int64
	Target int64
	Access Access
	// RequirePending makes the change apply only to a request awaiting
	// approval (ErrAlreadyDecided otherwise): two admins pressing Aprovar
	// and Recusar at once decide once.
	RequirePending bool
	Action         string // Audit*
	Detail         string
	// Once is the token of the admin card whose button asked for this
	// change (empty: none), spent with it: ErrSpent if it already was, so
	// a card's "+1 mês" pressed twice extends once.
	Once string
}

// AdminSetAccess applies ch and records it in the audit log, atomically. It
// returns the reseller before and after.
func (s *Store) AdminSetAccess(ctx context.Context, ch AccessChange) (before, after Reseller, err error) {
	if ch.Access.Status == "" {
		return Reseller{}, Reseller{}, errors.New("store: access change without status")
	}
	now := unix(s.now())
	err = s.tx(ctx, func(tx *sql.Tx) error {
		before, err = scanReseller(tx.QueryRowContext(ctx, `SELECT `+resellerCols+` FROM resellers WHERE chat_id = ?`, ch.Target))
		if err != nil {
			return err
		}
		if err := spendOnce(ctx, tx, ch.Admin, ch.Once, now); err != nil {
			return err
		}
		if ch.RequirePending && !before.AwaitingApproval {
			return ErrAlreadyDecided
		}
		if after, err = setAccessTx(ctx, tx, ch.Target, ch.Access, now); err != nil {
			return err
		}
		return insertAudit(ctx, tx, now, AuditEntry{AdminID: ch.Admin, Action: ch.Action, TargetID: ch.Target,
			TargetName: before.Name, Detail: ch.Detail})
	})
	return before, after, err
}

// setAccessTx writes a reseller's access inside tx and returns the row. It
// is the one write of access for an admin's decision and for the access a
// payment buys (subscriptions.go).
func setAccessTx(ctx context.Context, tx *sql.Tx, target int64, a Access, now int64) (Reseller, error) {
	after, err := scanReseller(tx.QueryRowContext(ctx, `UPDATE resellers SET status = ?, access_until = ?, awaiting_approval = ?,
			status_since = CASE WHEN status != ? OR awaiting_approval != ? THEN ? ELSE status_since END
		WHERE chat_id = ? RETURNING `+resellerCols,
		a.Status, a.untilArg(), a.AwaitingApproval, a.Status, a.AwaitingApproval, now, target))
	if err != nil {
		return Reseller{}, fmt.Errorf("store: set access: %w", err)
	}
	return after, nil
}

// AdminDeleteReseller erases every row of target (see Accounts.Erase; the
// caller holds the target's LockForErasure) and records the deletion,
// atomically. The audit row of the deletion keeps the
// target's id and name: the operator's record of whom they deleted; nothing
// else about the target remains. It returns the deleted reseller.
func (s *Store) AdminDeleteReseller(ctx context.Context, admin, target int64) (Reseller, error) {
	var gone Reseller
	now := unix(s.now())
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		gone, err = scanReseller(tx.QueryRowContext(ctx, `SELECT `+resellerCols+` FROM resellers WHERE chat_id = ?`, target))
		if err != nil {
			return err
		}
		if err := s.eraseTx(ctx, tx, target); err != nil {
			return err
		}
		return insertAudit(ctx, tx, now, AuditEntry{AdminID: admin, Action: AuditDelete, TargetID: target, TargetName: gone.Name})
	})
	if err != nil {
		return Reseller{}, err
	}
	return gone, s.truncateWAL(ctx)
}

// AuditEntry is one admin action.
type AuditEntry struct {
	ID         int64
	At         time.Time
	AdminID    int64  // 0 once that admin erased their account
	AdminName  string // the admin's current name ("" if unknown)
	Action     string
	TargetID   int64 // 0: no single target, or erased
	TargetName string
	Detail     string
}

func insertAudit(ctx context.Context, tx *sql.Tx, now int64, e AuditEntry) error {
	var admin, target any
	if e.AdminID != 0 {
		admin = e.AdminID
	}
	if e.TargetID != 0 {
		target = e.TargetID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO admin_audit (at, admin_chat_id, action, target_chat_id, target_name, detail)
		VALUES (?, ?, ?, ?, ?, ?)`, now, admin, e.Action, target, e.TargetName, e.Detail)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// AdminRecordAudit logs an admin action that changes no reseller row (a
// broadcast).
func (s *Store) AdminRecordAudit(ctx context.Context, e AuditEntry) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return insertAudit(ctx, tx, unix(s.now()), e) })
}

// AdminAudit returns the newest limit audit entries, newest first.
func (s *Store) AdminAudit(ctx context.Context, limit int) ([]AuditEntry, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT a.id, a.at, COALESCE(a.admin_chat_id, 0), COALESCE(r.name, ''), a.action,
			COALESCE(a.target_chat_id, 0), a.target_name, a.detail
		FROM admin_audit a LEFT JOIN resellers r ON r.chat_id = a.admin_chat_id
		ORDER BY a.id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.AdminID, &e.AdminName, &e.Action, &e.TargetID, &e.TargetName, &e.Detail); err != nil {
			return nil, err
		}
		e.At = fromUnix(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Periods counts events today, in the last 7 days and in the last 30 days
// (each including today).
type Periods struct{ Today, Days7, Days30 int }

// Stats are the operator's numbers.
type Stats struct {
	Resellers      int
	ByState        map[AccessState]int
	Clients        int
	WhatsAppLinked int
	// PasskeyBlocked: resellers whose last pairing ended because WhatsApp
	// asked for the account's passkey, which the bot cannot provide.
	PasskeyBlocked int
	Sent           Periods // automatic reminders that left (sent, delivered or read)
	Failed         Periods // messages to clients that failed (reminders and manual sends)
}

// AdminStats computes the statistics at now; dayStart is the start of the
// operator's today (its location decides what "7 days" means across DST).
func (s *Store) AdminStats(ctx context.Context, now, dayStart time.Time) (Stats, error) {
	st := Stats{ByState: map[AccessState]int{}}
	rows, err := s.read.QueryContext(ctx, `SELECT `+resellerCols+` FROM resellers`)
	if err != nil {
		return Stats{}, fmt.Errorf("store: stats: %w", err)
	}
	all, err := collectResellers(rows, time.Time{})
	if err != nil {
		return Stats{}, err
	}
	for _, r := range all {
		st.ByState[r.State(now)]++ // the state, not a second copy of the access rule in SQL
	}
	st.Resellers = len(all)
	if err := s.read.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM clients),
		(SELECT COUNT(*) FROM whatsapp_sessions WHERE state != 'logged_out'),
		(SELECT COUNT(*) FROM whatsapp_pairings WHERE outcome = ?)`, PairingPasskeyRequired).Scan(&st.Clients, &st.WhatsAppLinked, &st.PasskeyBlocked); err != nil {
		return Stats{}, fmt.Errorf("store: stats: %w", err)
	}
	d0, d7, d30 := unix(dayStart), unix(dayStart.AddDate(0, 0, -6)), unix(dayStart.AddDate(0, 0, -29))
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(CASE WHEN sent_at >= ? THEN 1 END), COUNT(CASE WHEN sent_at >= ? THEN 1 END), COUNT(*)
		FROM messages WHERE origin = 'auto' AND status IN ('sent', 'delivered', 'read') AND sent_at >= ?`,
		d0, d7, d30).Scan(&st.Sent.Today, &st.Sent.Days7, &st.Sent.Days30); err != nil {
		return Stats{}, fmt.Errorf("store: stats sent: %w", err)
	}
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(CASE WHEN updated_at >= ? THEN 1 END), COUNT(CASE WHEN updated_at >= ? THEN 1 END), COUNT(*)
		FROM messages WHERE origin != 'test' AND status = 'failed' AND updated_at >= ?`,
		d0, d7, d30).Scan(&st.Failed.Today, &st.Failed.Days7, &st.Failed.Days30); err != nil {
		return Stats{}, fmt.Errorf("store: stats failed: %w", err)
	}
	return st, nil
}

// AdminBroadcastRecipients returns the chat ids of every reseller with
// access at now, except the sender.
func (s *Store) AdminBroadcastRecipients(ctx context.Context, now time.Time, except int64) ([]int64, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+resellerCols+` FROM resellers WHERE chat_id != ? ORDER BY chat_id`, except)
	if err != nil {
		return nil, fmt.Errorf("store: broadcast recipients: %w", err)
	}
	list, err := collectResellers(rows, now)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(list))
	for i, r := range list {
		ids[i] = r.ChatID
	}
	return ids, nil
}
