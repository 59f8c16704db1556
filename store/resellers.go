package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// ResellerStatus is the access state of a reseller.
type ResellerStatus string

// Access states.
const (
	StatusTrial   ResellerStatus = "trial"
	StatusActive  ResellerStatus = "active"
	StatusExpired ResellerStatus = "expired"
	StatusBlocked ResellerStatus = "blocked"
)

// Reseller is a tenant: a Telegram private chat that uses the bot.
type Reseller struct {
	ChatID        int64
	Name          string
	Username      string
	Status        ResellerStatus
	Timezone      string
	CreatedAt     time.Time
	LastSeenAt    time.Time
	UnreachableAt time.Time // zero unless Telegram refused to deliver (bot blocked)
	AccessUntil   time.Time // zero: no end
}

// HasAccess is the one rule for "may this reseller use the product now":
// screens, reminders and reports all ask it. Blocked and expired resellers
// have none; a trial or active reseller has it until AccessUntil.
func (r Reseller) HasAccess(now time.Time) bool {
	switch r.Status {
	case StatusBlocked, StatusExpired:
		return false
	}
	return r.AccessUntil.IsZero() || now.Before(r.AccessUntil)
}

var locations sync.Map // name -> *time.Location; LoadLocation parses tzdata every call

// Location returns the reseller's time zone; an unknown name (it was
// validated when stored) falls back to UTC rather than failing a screen.
func (r Reseller) Location() *time.Location {
	return LoadLocation(r.Timezone)
}

// LoadLocation is a cached time.LoadLocation that never fails.
func LoadLocation(name string) *time.Location {
	if v, ok := locations.Load(name); ok {
		return v.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = time.UTC
	}
	locations.Store(name, loc)
	return loc
}

// Accounts reads and writes the tenant's own reseller row.
type Accounts struct{ t Tenant }

const resellerCols = `chat_id, name, username, status, timezone, created_at, last_seen_at, unreachable_at, access_until`

func scanReseller(row interface{ Scan(...any) error }) (Reseller, error) {
	var r Reseller
	var created, seen int64
	var unreachable, until sql.NullInt64
	err := row.Scan(&r.ChatID, &r.Name, &r.Username, &r.Status, &r.Timezone, &created, &seen, &unreachable, &until)
	if err != nil {
		return Reseller{}, notFound(err)
	}
	r.CreatedAt, r.LastSeenAt, r.UnreachableAt, r.AccessUntil = fromUnix(created), fromUnix(seen), nullUnix(unreachable), nullUnix(until)
	return r, nil
}

// Get returns the tenant's reseller row, or ErrNotFound if the chat never
// registered.
func (a Accounts) Get(ctx context.Context) (Reseller, error) {
	return scanReseller(a.t.s.read.QueryRowContext(ctx,
		`SELECT `+resellerCols+` FROM resellers WHERE chat_id = ?`, a.t.chatID))
}

// Register creates the reseller row on first contact, or refreshes name and
// username and marks it reachable again. created reports a new row.
func (a Accounts) Register(ctx context.Context, name, username, timezone string) (r Reseller, created bool, err error) {
	now := unix(a.t.s.now())
	err = a.t.s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO resellers (chat_id, name, username, timezone, created_at, last_seen_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO NOTHING`,
			a.t.chatID, name, username, timezone, now, now)
		if err != nil {
			return fmt.Errorf("store: register reseller: %w", err)
		}
		n, _ := res.RowsAffected()
		created = n == 1
		if created {
			if err := insertDefaultPlans(ctx, tx, a.t.chatID, now); err != nil {
				return err
			}
		} else {
			if _, err := tx.ExecContext(ctx, `UPDATE resellers SET name = ?, username = ?, last_seen_at = ?, unreachable_at = NULL
				WHERE chat_id = ?`, name, username, now, a.t.chatID); err != nil {
				return fmt.Errorf("store: refresh reseller: %w", err)
			}
		}
		r, err = scanReseller(tx.QueryRowContext(ctx, `SELECT `+resellerCols+` FROM resellers WHERE chat_id = ?`, a.t.chatID))
		return err
	})
	return r, created, err
}

// Seen records activity of an existing reseller (and that Telegram reaches
// them again) and returns the row. ErrNotFound if the chat never registered.
func (a Accounts) Seen(ctx context.Context) (Reseller, error) {
	return scanReseller(a.t.s.write.QueryRowContext(ctx, `UPDATE resellers SET last_seen_at = ?, unreachable_at = NULL
		WHERE chat_id = ? RETURNING `+resellerCols, unix(a.t.s.now()), a.t.chatID))
}

// MarkUnreachable records that Telegram refused to deliver to this chat
// (the reseller blocked the bot). It is cleared by the next Seen/Register.
func (a Accounts) MarkUnreachable(ctx context.Context) error {
	_, err := a.t.s.write.ExecContext(ctx, `UPDATE resellers SET unreachable_at = ? WHERE chat_id = ? AND unreachable_at IS NULL`,
		unix(a.t.s.now()), a.t.chatID)
	if err != nil {
		return fmt.Errorf("store: mark unreachable: %w", err)
	}
	return nil
}

// SetLastSearch remembers the reseller's last client search.
func (a Accounts) SetLastSearch(ctx context.Context, q string) error {
	_, err := a.t.s.write.ExecContext(ctx, `UPDATE resellers SET last_search = ? WHERE chat_id = ?`, q, a.t.chatID)
	if err != nil {
		return fmt.Errorf("store: set last search: %w", err)
	}
	return nil
}

// LastSearch returns the reseller's last client search ("" if none).
func (a Accounts) LastSearch(ctx context.Context) (string, error) {
	var q string
	err := a.t.s.read.QueryRowContext(ctx, `SELECT last_search FROM resellers WHERE chat_id = ?`, a.t.chatID).Scan(&q)
	return q, notFound(err)
}
