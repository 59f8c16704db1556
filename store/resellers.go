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
	// AwaitingApproval marks a chat that asked for access in approval mode
	// and waits for an admin; its Status is StatusBlocked meanwhile.
	AwaitingApproval bool
	StatusSince      time.Time // when Status or AwaitingApproval last changed
}

// HasAccess is the one rule for "may this reseller use the product now":
// screens, reminders and reports all ask it. Blocked and expired resellers
// have none, nor does a chat awaiting approval (stored as blocked too); a
// trial or active reseller has it until AccessUntil.
func (r Reseller) HasAccess(now time.Time) bool {
	if r.AwaitingApproval {
		return false
	}
	switch r.Status {
	case StatusBlocked, StatusExpired:
		return false
	}
	return r.AccessUntil.IsZero() || now.Before(r.AccessUntil)
}

// AccessState is what screens call a reseller's situation. It refines
// HasAccess (never contradicts it): pending and blocked and expired have no
// access, trial and active have it.
type AccessState string

// Access states shown to people.
const (
	StatePending AccessState = "pending" // aguardando aprovação
	StateTrial   AccessState = "trial"   // teste
	StateActive  AccessState = "active"  // ativo (até uma data, or without end)
	StateExpired AccessState = "expired" // expirado
	StateBlocked AccessState = "blocked" // bloqueado
)

// AccessStates lists every state in display order.
var AccessStates = []AccessState{StateTrial, StateActive, StateExpired, StateBlocked, StatePending}

// State classifies the reseller at now; State(now).HasAccess() ==
// HasAccess(now) always.
func (r Reseller) State(now time.Time) AccessState {
	switch {
	case r.AwaitingApproval:
		return StatePending
	case r.Status == StatusBlocked:
		return StateBlocked
	case !r.HasAccess(now):
		return StateExpired
	case r.Status == StatusTrial:
		return StateTrial
	}
	return StateActive
}

// HasAccess reports whether resellers in state s may use the product.
func (s AccessState) HasAccess() bool { return s == StateTrial || s == StateActive }

// Access is the part of a reseller row that decides access.
type Access struct {
	Status           ResellerStatus
	Until            time.Time // zero: no end
	AwaitingApproval bool
}

// Unlimited is the access of admins (and of resellers approved without an
// end): active, no end.
var Unlimited = Access{Status: StatusActive}

func (a Access) untilArg() any { return nullTime(a.Until) }

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

const resellerCols = `chat_id, name, username, status, timezone, created_at, last_seen_at, unreachable_at, access_until,
	awaiting_approval, status_since`

func scanReseller(row interface{ Scan(...any) error }) (Reseller, error) {
	var r Reseller
	var created, seen int64
	var unreachable, until, since sql.NullInt64
	err := row.Scan(&r.ChatID, &r.Name, &r.Username, &r.Status, &r.Timezone, &created, &seen, &unreachable, &until,
		&r.AwaitingApproval, &since)
	if err != nil {
		return Reseller{}, notFound(err)
	}
	r.CreatedAt, r.LastSeenAt, r.UnreachableAt, r.AccessUntil = fromUnix(created), fromUnix(seen), nullUnix(unreachable), nullUnix(until)
	r.StatusSince = nullUnix(since)
	if r.StatusSince.IsZero() {
		r.StatusSince = r.CreatedAt
	}
	return r, nil
}

// Get returns the tenant's reseller row, or ErrNotFound if the chat never
// registered.
func (a Accounts) Get(ctx context.Context) (Reseller, error) {
	return scanReseller(a.t.s.read.QueryRowContext(ctx,
		`SELECT `+resellerCols+` FROM resellers WHERE chat_id = ?`, a.t.chatID))
}

// Register creates the reseller row on first contact, with unlimited
// access, or refreshes name and username and marks it reachable again.
// created reports a new row. The bot registers through RegisterAs.
func (a Accounts) Register(ctx context.Context, name, username, timezone string) (r Reseller, created bool, err error) {
	return a.RegisterAs(ctx, name, username, timezone, Unlimited)
}

// RegisterAs is Register with the access a new row starts with (a trial,
// or awaiting approval); an existing row keeps its access.
func (a Accounts) RegisterAs(ctx context.Context, name, username, timezone string, initial Access) (r Reseller, created bool, err error) {
	now := unix(a.t.s.now())
	if initial.Status == "" {
		initial.Status = StatusActive
	}
	err = a.t.s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO resellers (chat_id, name, username, timezone, created_at, last_seen_at,
				status, access_until, awaiting_approval, status_since)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO NOTHING`,
			a.t.chatID, name, username, timezone, now, now, initial.Status, initial.untilArg(), initial.AwaitingApproval, now)
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
