package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// WhatsAppSession is our record of a reseller's linked WhatsApp device.
type WhatsAppSession struct {
	ChatID    int64
	DeviceJID string
	Phone     string
	LinkedAt  time.Time
	State     string
	BanUntil  time.Time
	// The last connection WhatsApp refused with an unknown reason
	// (RefusedCode 0: none) and how many refusals in a row.
	RefusedCode    int
	RefusedMessage string
	RefusedAt      time.Time
	RefusedCount   int
}

// WhatsApp is the tenant's WhatsApp device record and number cache.
type WhatsApp struct{ t Tenant }

// WhatsApp returns the tenant's WhatsApp records.
func (t Tenant) WhatsApp() WhatsApp { return WhatsApp{t} }

const sessionCols = `chat_id, device_jid, phone, linked_at, state, ban_until, refused_code, refused_message, refused_at, refused_count`

func scanSession(row interface{ Scan(...any) error }) (WhatsAppSession, error) {
	var s WhatsAppSession
	var linked int64
	var ban, refused sql.NullInt64
	if err := row.Scan(&s.ChatID, &s.DeviceJID, &s.Phone, &linked, &s.State, &ban,
		&s.RefusedCode, &s.RefusedMessage, &refused, &s.RefusedCount); err != nil {
		return WhatsAppSession{}, notFound(err)
	}
	s.LinkedAt, s.BanUntil, s.RefusedAt = fromUnix(linked), nullUnix(ban), nullUnix(refused)
	return s, nil
}

// Session returns the tenant's device record or ErrNotFound.
func (w WhatsApp) Session(ctx context.Context) (WhatsAppSession, error) {
	return scanSession(w.t.s.read.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM whatsapp_sessions WHERE chat_id = ?`, w.t.chatID))
}

// SaveSession inserts or replaces the tenant's device record. ErrNotFound:
// the tenant has no account (never registered, or erased meanwhile), so a
// device linked for them has nobody to belong to.
func (w WhatsApp) SaveSession(ctx context.Context, s WhatsAppSession) error {
	res, err := w.t.s.write.ExecContext(ctx, `INSERT INTO whatsapp_sessions (chat_id, device_jid, phone, linked_at, state, ban_until,
			refused_code, refused_message, refused_at, refused_count)
		SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM resellers WHERE chat_id = ?)
		ON CONFLICT (chat_id) DO UPDATE SET device_jid = excluded.device_jid, phone = excluded.phone,
			linked_at = excluded.linked_at, state = excluded.state, ban_until = excluded.ban_until,
			refused_code = excluded.refused_code, refused_message = excluded.refused_message,
			refused_at = excluded.refused_at, refused_count = excluded.refused_count`,
		w.t.chatID, s.DeviceJID, s.Phone, unix(s.LinkedAt), s.State, nullTime(s.BanUntil),
		s.RefusedCode, s.RefusedMessage, nullTime(s.RefusedAt), s.RefusedCount, w.t.chatID)
	if err != nil {
		return fmt.Errorf("store: save whatsapp session: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteSession removes the tenant's device record and number cache.
func (w WhatsApp) DeleteSession(ctx context.Context) error {
	return w.t.s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM whatsapp_sessions WHERE chat_id = ?`, w.t.chatID); err != nil {
			return fmt.Errorf("store: delete whatsapp session: %w", err)
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM whatsapp_jids WHERE chat_id = ?`, w.t.chatID)
		return err
	})
}

// CachedJID returns what phone resolved to for this tenant, if it was
// resolved at or after since (an older answer may no longer hold).
func (w WhatsApp) CachedJID(ctx context.Context, phone string, since time.Time) (string, bool, error) {
	var jid string
	err := w.t.s.read.QueryRowContext(ctx, `SELECT jid FROM whatsapp_jids WHERE chat_id = ? AND phone = ? AND updated_at >= ?`,
		w.t.chatID, phone, unix(since)).Scan(&jid)
	if err == sql.ErrNoRows {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: cached jid: %w", err)
	}
	return jid, true, nil
}

// CacheJID remembers what phone resolved to for this tenant.
func (w WhatsApp) CacheJID(ctx context.Context, phone, jid string) error {
	_, err := w.t.s.write.ExecContext(ctx, `INSERT INTO whatsapp_jids (chat_id, phone, jid, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (chat_id, phone) DO UPDATE SET jid = excluded.jid, updated_at = excluded.updated_at`,
		w.t.chatID, phone, jid, unix(w.t.s.now()))
	if err != nil {
		return fmt.Errorf("store: cache jid: %w", err)
	}
	return nil
}

// PairingPasskeyRequired is the outcome of a pairing that WhatsApp made
// depend on the account's passkey (whatsapp.OutcomePasskeyRequired).
const PairingPasskeyRequired = "passkey_required"

// Pairing is how the tenant's last WhatsApp pairing ended.
type Pairing struct {
	Outcome string // a whatsapp.PairOutcome
	EndedAt time.Time
}

// SavePairing records how the tenant's last pairing ended, replacing the
// previous one.
func (w WhatsApp) SavePairing(ctx context.Context, p Pairing) error {
	_, err := w.t.s.write.ExecContext(ctx, `INSERT INTO whatsapp_pairings (chat_id, outcome, ended_at) VALUES (?, ?, ?)
		ON CONFLICT (chat_id) DO UPDATE SET outcome = excluded.outcome, ended_at = excluded.ended_at`,
		w.t.chatID, p.Outcome, unix(p.EndedAt))
	if err != nil {
		return fmt.Errorf("store: save whatsapp pairing: %w", err)
	}
	return nil
}

// ForgetJID drops what phone resolved to for this tenant.
func (w WhatsApp) ForgetJID(ctx context.Context, phone string) error {
	if _, err := w.t.s.write.ExecContext(ctx, `DELETE FROM whatsapp_jids WHERE chat_id = ? AND phone = ?`, w.t.chatID, phone); err != nil {
		return fmt.Errorf("store: forget jid: %w", err)
	}
	return nil
}

// LastPairing returns how the tenant's last pairing ended, or ErrNotFound.
func (w WhatsApp) LastPairing(ctx context.Context) (Pairing, error) {
	var p Pairing
	var at int64
	err := w.t.s.read.QueryRowContext(ctx, `SELECT outcome, ended_at FROM whatsapp_pairings WHERE chat_id = ?`, w.t.chatID).Scan(&p.Outcome, &at)
	if err != nil {
		return Pairing{}, notFound(err)
	}
	p.EndedAt = fromUnix(at)
	return p, nil
}

// LinkedWhatsAppSessions returns every reseller's device record. It is the
// start-up query that reconnects linked sessions, the one WhatsApp query
// over all resellers.
func (s *Store) LinkedWhatsAppSessions(ctx context.Context) ([]WhatsAppSession, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+sessionCols+` FROM whatsapp_sessions ORDER BY chat_id`)
	if err != nil {
		return nil, fmt.Errorf("store: linked sessions: %w", err)
	}
	defer rows.Close()
	var out []WhatsAppSession
	for rows.Next() {
		ws, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ws)
	}
	return out, rows.Err()
}
